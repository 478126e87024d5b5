/**
 * What a report needs from a run, as a structural type: a `RunResult` from
 * the engine fits it, and so does the parsed output of `--json`, so the
 * reports depend only on the event vocabulary, not on the engine.
 *
 * @example Usage
 * ```ts
 * import type { RunLike } from "@setway/setway/report";
 * const run: RunLike = {
 *   policy: "kvm-4.0",
 *   machine: { name: "generic", clusters: [{ cpus: 4 }] },
 *   scenario: { seed: 1, speculation: "quiet", cpus: 1 },
 *   events: [],
 *   verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
 *   cost: { exits: 0, flushes: 0, linesFlushed: 0 },
 * };
 * ```
 *
 * @module
 */

import type { SetwayEvent } from "../hyp/events.ts";
import type { VerdictLike } from "./verdict.ts";

/**
 * The machine as a report shows it: its name, and its clusters to count the
 * physical CPUs.
 *
 * @example Usage
 * ```ts
 * import type { MachineLike } from "@setway/setway/report";
 * const m: MachineLike = { name: "xgene1", clusters: [{ cpus: 2, core: "X-Gene" }] };
 * ```
 */
export interface MachineLike {
  /** Short name, e.g. `"xgene1"`. */
  readonly name: string;
  /** CPU clusters in CPU-number order. */
  readonly clusters?: readonly { readonly cpus: number; readonly core?: string }[];
  /** The clock the trace's TIMESTAMP column uses, in Hz; default 1 GHz. */
  readonly clockHz?: number;
}

/**
 * What a run cost, as reports print it. `cycles` is shown when present.
 *
 * @example Usage
 * ```ts
 * import type { CostLike } from "@setway/setway/report";
 * const c: CostLike = { exits: 9220, flushes: 3, linesFlushed: 1024 };
 * ```
 */
export interface CostLike {
  /** Traps to the hypervisor. */
  readonly exits: number;
  /** Whole-VM or whole-cache flushes. */
  readonly flushes: number;
  /** Lines or slots those flushes walked. */
  readonly linesFlushed: number;
  /** Modelled cycles, when the run's cost model gives them. */
  readonly cycles?: number;
  /** The same cycles by cost category (`trap`, `flush`, ...), when known. */
  readonly cyclesByCategory?: Readonly<Record<string, number>>;
}

/**
 * One run, as the reports read it.
 *
 * @example Usage
 * ```ts
 * import type { RunLike } from "@setway/setway/report";
 * function title(run: RunLike): string {
 *   return `${run.policy} on ${run.machine.name}`;
 * }
 * ```
 */
export interface RunLike {
  /** The policy's name. */
  readonly policy: string;
  /** The machine, resolved. */
  readonly machine: MachineLike;
  /** The scenario fields a report prints. */
  readonly scenario: {
    readonly seed: number;
    readonly speculation: string;
    readonly cpus?: number;
  };
  /** Every event, in run order. */
  readonly events: readonly SetwayEvent[];
  /** The oracle's verdict. */
  readonly verdict: VerdictLike;
  /** What the policy cost. */
  readonly cost: CostLike;
  /**
   * Where watched words lived and the dirty lines per level, for a watched
   * run: a `CacheTrack` (cache_track.ts), spelled out here because the
   * package's entry point does not export that name.
   */
  readonly caches?: {
    readonly levels: readonly {
      readonly name: string;
      readonly slots: number;
      readonly at: readonly number[];
      readonly dirty: readonly number[];
    }[];
    readonly addresses: readonly {
      readonly addr: number;
      readonly changes: readonly {
        readonly at: number;
        readonly where: "l1" | "l2" | "sys" | "dram" | "lost" | "unwritten";
        readonly label: string;
      }[];
    }[];
  };
}

/**
 * The number of physical CPUs of a machine: the sum of its clusters' CPUs,
 * or 0 when the machine does not say.
 *
 * @example Usage
 * ```ts
 * import { physicalCpuCount } from "./run_like.ts";
 * physicalCpuCount({ name: "juno", clusters: [{ cpus: 2 }, { cpus: 4 }] }); // 6
 * ```
 * @param machine the machine
 * @returns how many physical CPUs it has
 */
export function physicalCpuCount(machine: MachineLike): number {
  let n = 0;
  for (const c of machine.clusters ?? []) {
    if (Number.isSafeInteger(c.cpus) && c.cpus > 0) n += c.cpus;
  }
  return n;
}
