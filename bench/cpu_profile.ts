/**
 * Summaries of a V8 CPU profile (the `.cpuprofile` JSON that
 * `deno run --cpu-prof` writes): self time by area of the project
 * (lib/hw, lib/hyp, lib/engine, ...), by V8 pseudo-node ("(program)" is
 * parsing and compiling, "(idle)" is mostly the module loader waiting,
 * "(garbage collector)"), and the functions with the most self time.
 *
 * @example Usage
 * ```ts
 * import { summarizeProfile } from "./cpu_profile.ts";
 * const s = summarizeProfile({
 *   nodes: [
 *     { id: 1, callFrame: { functionName: "(root)", url: "" } },
 *     { id: 2, callFrame: { functionName: "lookup", url: "file:///x/lib/hw/cache.ts" } },
 *   ],
 *   samples: [2, 2, 1],
 *   timeDeltas: [1000, 1000, 500],
 * });
 * console.log(s.totalMs, s.byArea[0]); // 2.5 { name: "lib/hw", ms: 2 }
 * ```
 *
 * @module
 */

/**
 * The parts of a `.cpuprofile` the summary reads.
 *
 * @example Usage
 * ```ts
 * import type { CpuProfile } from "./cpu_profile.ts";
 * const empty: CpuProfile = { nodes: [], samples: [], timeDeltas: [] };
 * ```
 */
export interface CpuProfile {
  /** The call-tree nodes, each with the function it stands for. */
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
  }[];
  /** The node each sample landed in. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample. */
  readonly timeDeltas: readonly number[];
}

/**
 * A name and the milliseconds of self time charged to it.
 *
 * @example Usage
 * ```ts
 * import type { Share } from "./cpu_profile.ts";
 * const gc: Share = { name: "(garbage collector)", ms: 6.8 };
 * ```
 */
export interface Share {
  /** An area or a function. */
  readonly name: string;
  /** Its self time in milliseconds. */
  readonly ms: number;
}

/**
 * What {@linkcode summarizeProfile} returns, each list largest first.
 *
 * @example Usage
 * ```ts
 * import type { ProfileSummary } from "./cpu_profile.ts";
 * const none: ProfileSummary = { totalMs: 0, byArea: [], byFunction: [] };
 * ```
 */
export interface ProfileSummary {
  /** The sampled time in all. */
  readonly totalMs: number;
  /** Self time by project area (`lib/hw`, the hierarchy core included; `scenarios`, ...), V8 pseudo-node, "WebAssembly" or "deno runtime". */
  readonly byArea: readonly Share[];
  /** Self time by function (`name folder/file`). */
  readonly byFunction: readonly Share[];
}

const AREA = /\/(lib\/[a-z_]+|scenarios|bench|mod\.ts)(?:\/|$)/;

/** WebAssembly functions of the hierarchy core (lib/hw/hierarchy_core.ts) are named `hierarchy/...`. */
const CORE_FUNCTION = /^hierarchy\//;

function areaOf(frame: { functionName: string; url: string }): string {
  if (frame.url === "") return frame.functionName || "(anonymous)";
  if (frame.url.startsWith("wasm://")) {
    return CORE_FUNCTION.test(frame.functionName) ? "lib/hw" : "WebAssembly";
  }
  const m = AREA.exec(frame.url);
  if (m) return m[1];
  return frame.url.startsWith("ext:") || frame.url.startsWith("node:") ? "deno runtime" : "other";
}

function sorted(map: Map<string, number>): Share[] {
  return [...map].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) =>
    b.ms - a.ms || (a.name < b.name ? -1 : 1)
  );
}

/**
 * Charges each sample's time to the function it landed in.
 *
 * @example Usage
 * ```ts
 * import { summarizeProfile } from "./cpu_profile.ts";
 * const s = summarizeProfile({ nodes: [{ id: 1, callFrame: { functionName: "(garbage collector)", url: "" } }], samples: [1], timeDeltas: [250] });
 * console.log(s.byArea); // [{ name: "(garbage collector)", ms: 0.25 }]
 * ```
 * @param profile a parsed `.cpuprofile`
 * @returns total, by area, by function
 */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const frames = new Map<number, { functionName: string; url: string }>();
  for (const n of profile.nodes) frames.set(n.id, n.callFrame);
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = frames.get(profile.samples[i]);
    const us = profile.timeDeltas[i] ?? 0;
    if (frame === undefined) continue;
    total += us;
    const area = areaOf(frame);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    if (frame.url !== "") {
      // A WebAssembly module's URL is a hash of its bytes: name the format instead.
      const file = frame.url.startsWith("wasm://")
        ? "(WebAssembly)"
        : frame.url.split("/").slice(-2).join("/");
      const key = `${frame.functionName || "(top level)"} ${file}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    }
  }
  return { totalMs: total / 1000, byArea: sorted(byArea), byFunction: sorted(byFunction) };
}

/** Each name's milliseconds summed over the lists, divided by `runs`, largest first. */
function meanShares(lists: readonly (readonly Share[])[], runs: number): Share[] {
  const sums = new Map<string, number>();
  for (const list of lists) {
    for (const s of list) sums.set(s.name, (sums.get(s.name) ?? 0) + s.ms * 1000);
  }
  return sorted(new Map([...sums].map(([name, us]) => [name, us / runs])));
}

/**
 * The summary of an average run, from the summaries of several runs of the
 * same program: each total, area and function's self time is its mean over
 * the runs (a name a run never sampled counts 0 there). One run of a
 * program of some 100 ms sampled every millisecond charges a function that
 * ran 3 ms anything from 0 to 6 samples; the mean of several is what the
 * function costs.
 *
 * @example Usage
 * ```ts
 * import { meanSummary } from "./cpu_profile.ts";
 * const m = meanSummary([
 *   { totalMs: 4, byArea: [{ name: "lib/hw", ms: 4 }], byFunction: [] },
 *   { totalMs: 2, byArea: [{ name: "lib/hyp", ms: 2 }], byFunction: [] },
 * ]);
 * console.log(m.totalMs, m.byArea); // 3 [ { name: "lib/hw", ms: 2 }, { name: "lib/hyp", ms: 1 } ]
 * ```
 * @param summaries one per run, at least one
 * @returns the mean run's summary, each list largest first
 * @throws {RangeError} for an empty list
 */
export function meanSummary(summaries: readonly ProfileSummary[]): ProfileSummary {
  const runs = summaries.length;
  if (runs === 0) throw new RangeError("meanSummary: no summary to average");
  return {
    totalMs: summaries.reduce((sum, s) => sum + s.totalMs, 0) / runs,
    byArea: meanShares(summaries.map((s) => s.byArea), runs),
    byFunction: meanShares(summaries.map((s) => s.byFunction), runs),
  };
}
