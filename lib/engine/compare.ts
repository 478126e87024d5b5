/**
 * `compare(scenario, policies)`: one guest under several policies, side by
 * side. Each policy's run is summarized as data (verdict, blame, exits,
 * flushes, lines flushed, modelled cycles) together with what differs in its
 * flush-event sequence from the first policy's, the baseline.
 *
 * The flush events are those of a golden trace (`FLUSH_EVENTS`: traps, the
 * policy's actions, flushes, violations), each as its trace line without the
 * columns that say when (`name: message`, plus ` (xN)` for a collapsed run).
 * The difference is a minimal line diff (lines only in the baseline, lines
 * only here), the event names whose counts differ, and the first differing
 * pair of lines. `formatComparison` (lib/report/compare.ts) prints it as a
 * table.
 *
 * @example Usage
 * ```ts
 * import { compare } from "@setway/setway";
 * const c = compare({
 *   version: 1, machine: "xgene1", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 24, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
 *     { kind: "write", vcpu: 0, addr: 0x40100000, value: 42 },
 *     { kind: "sw_walk", vcpu: 0, op: "cisw" },
 *     { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
 *     { kind: "read", vcpu: 0, addr: 0x40100000 },
 *   ],
 * }, ["kvm-4.0", "kvm-3.18"]);
 * console.log(c.rows.map((r) => [r.policy, r.ok])); // [["kvm-4.0", true], ["kvm-3.18", false]]
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { diffLines } from "../report/diff.ts";
import type { CostCategory } from "../hyp/costs.ts";
import type { SetwayEvent } from "../hyp/events.ts";
import type { Policy } from "../hyp/policy.ts";
import { native as nativePolicy } from "../hyp/policies/native.ts";
import { formatEventMessage } from "../report/messages.ts";
import { FLUSH_EVENTS, withoutCycles } from "../hyp/events.ts";
import type { Crash } from "./execute.ts";
import { RUN_OPTION_KEYS, type RunOptions } from "./options.ts";
import type { RunResult } from "./result.ts";
import { type ReferenceReads, runSharing } from "./run.ts";
import type { Scenario } from "./scenario.ts";
import { checkOptionKeys } from "../options.ts";

/**
 * Something that yields a scenario: a DSL builder (`vm()...`), whose
 * `runOptions()` (budget, costs) are used when present.
 *
 * @example Usage
 * ```ts
 * import type { ScenarioSource } from "@setway/setway";
 * import { vm } from "@setway/setway";
 * const source: ScenarioSource = vm().guest((g) => g.sw_clean());
 * ```
 */
export interface ScenarioSource {
  /** The scenario as plain data. */
  toJSON(): Scenario;
  /** The engine options the source runs with (budget, costs). */
  runOptions?(): Omit<RunOptions, "policy">;
}

/**
 * Options of {@linkcode compare}: the engine's run options except the
 * policy. They beat a builder's `runOptions()`.
 *
 * @example Usage
 * ```ts
 * import type { CompareOptions } from "@setway/setway";
 * const options: CompareOptions = { costs: { trap: 1_000 } };
 * ```
 */
export type CompareOptions = Omit<RunOptions, "policy">;

/**
 * How one policy's flush-event sequence differs from the baseline's.
 *
 * @example Usage
 * ```ts
 * import type { FlushDiff } from "@setway/setway/report";
 * const same: FlushDiff = { same: true, removed: 0, added: 0, counts: [], first: null };
 * ```
 */
export interface FlushDiff {
  /** The two sequences are identical. */
  readonly same: boolean;
  /** Lines only in the baseline's sequence. */
  readonly removed: number;
  /** Lines only in this policy's sequence. */
  readonly added: number;
  /** Event names whose occurrence counts differ (collapsed events counted), by name. */
  readonly counts: readonly {
    readonly name: string;
    readonly baseline: number;
    readonly here: number;
  }[];
  /**
   * The first difference (the first run of differing lines): its first line
   * in the baseline and here, null on a side that has none there.
   */
  readonly first: { readonly baseline: string | null; readonly here: string | null } | null;
}

/**
 * One policy's row of a comparison.
 *
 * @example Usage
 * ```ts
 * import type { ComparisonRow } from "@setway/setway";
 * function cheaper(a: ComparisonRow, b: ComparisonRow): boolean {
 *   return a.cycles < b.cycles;
 * }
 * ```
 */
export interface ComparisonRow {
  /** The policy's name. */
  readonly policy: string;
  /** The verdict: no failed read and no crash. */
  readonly ok: boolean;
  /** Failed reads. */
  readonly violations: number;
  /** Who is to blame for them, each blame once, in order first met (empty when none). */
  readonly blame: readonly string[];
  /** The guest crash, or null. */
  readonly crashed: Crash | null;
  /** Whether the guest fails natively on the same machine. */
  readonly failsNatively: boolean;
  /** Whether the guest is architecturally invalid. */
  readonly archInvalid: boolean;
  /** Traps to the hypervisor. */
  readonly exits: number;
  /** Whole-VM and whole-cache flushes. */
  readonly flushes: number;
  /** Lines (or slots) those flushes walked. */
  readonly linesFlushed: number;
  /** Modelled cycles of the run. */
  readonly cycles: number;
  /** The same cycles by category. */
  readonly cyclesByCategory: Readonly<Record<CostCategory, number>>;
  /** The flush events this run recorded, counting collapsed ones. */
  readonly flushEvents: number;
  /** How its flush-event sequence differs from the baseline's. */
  readonly flushDiff: FlushDiff;
}

/**
 * The result of {@linkcode compare}.
 *
 * @example Usage
 * ```ts
 * import type { Comparison } from "@setway/setway";
 * function failing(c: Comparison): string[] {
 *   return c.rows.filter((r) => !r.ok).map((r) => r.policy);
 * }
 * ```
 */
export interface Comparison {
  /** The machine's name. */
  readonly machine: string;
  /** The baseline: the first policy's name. */
  readonly baseline: string;
  /** One row per policy, in the order given. */
  readonly rows: readonly ComparisonRow[];
  /** The runs themselves, in the same order. */
  readonly runs: readonly RunResult[];
}

const FLUSH_SET: ReadonlySet<string> = new Set(FLUSH_EVENTS);

/**
 * A run's flush events as comparable lines: `name: message`, plus ` (xN)`
 * for a collapsed run of N.
 *
 * @example Usage
 * ```ts
 * import { flushLines } from "./compare.ts";
 * flushLines([
 *   { seq: 0, name: "kvm_set_way_flush", vcpu: 0, pcpu: 0, pc: 0x40008660, count: 1, cache: true },
 * ]); // ["kvm_set_way_flush: S/W flush at 0x0000000040008660 (cache on)"]
 * ```
 * @param events a run's events
 * @returns one line per flush-event record
 */
export function flushLines(events: readonly SetwayEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (!FLUSH_SET.has(e.name)) continue;
    const message = formatEventMessage(withoutCycles(e));
    out.push(`${e.name}: ${message}${e.count > 1 ? ` (x${e.count})` : ""}`);
  }
  return out;
}

function countByName(events: readonly SetwayEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (FLUSH_SET.has(e.name)) counts.set(e.name, (counts.get(e.name) ?? 0) + e.count);
  }
  return counts;
}

/**
 * How the flush events of `here` differ from those of `baseline`.
 *
 * @example Usage
 * ```ts
 * import { flushDiff } from "./compare.ts";
 * const d = flushDiff([], [
 *   { seq: 0, name: "stage2_flush_vm", vcpu: 0, pcpu: 0, pc: 0, count: 1, pages: 0, lines: 0,
 *     cleaned: 0, invalidated: 0 },
 * ]);
 * console.log(d.added, d.counts); // 1 [{ name: "stage2_flush_vm", baseline: 0, here: 1 }]
 * ```
 * @param baseline the baseline run's events
 * @param here this run's events
 * @returns the difference
 */
export function flushDiff(
  baseline: readonly SetwayEvent[],
  here: readonly SetwayEvent[],
): FlushDiff {
  return diffFlushes(flushLines(baseline), countByName(baseline), here);
}

/**
 * {@linkcode flushDiff} from the baseline's flush lines and counts, which
 * `compare` works out once for every row instead of once per row.
 */
function diffFlushes(
  a: readonly string[],
  ca: ReadonlyMap<string, number>,
  here: readonly SetwayEvent[],
): FlushDiff {
  const b = flushLines(here);
  let removed = 0, added = 0;
  // The first hunk: the first run of non-equal lines; its first line on each side.
  let hunk: "before" | "in" | "after" = "before";
  let firstBase: string | null = null, firstHere: string | null = null;
  for (const op of diffLines(a, b)) {
    if (op.kind === "equal") {
      if (hunk === "in") hunk = "after";
      continue;
    }
    if (op.kind === "delete") removed++;
    else added++;
    if (hunk === "after") continue;
    hunk = "in";
    if (op.kind === "delete") firstBase ??= op.line;
    else firstHere ??= op.line;
  }
  const first = hunk === "before" ? null : { baseline: firstBase, here: firstHere };
  const cb = countByName(here);
  const names = [...new Set([...ca.keys(), ...cb.keys()])].sort();
  const counts = names
    .map((name) => ({ name, baseline: ca.get(name) ?? 0, here: cb.get(name) ?? 0 }))
    .filter((c) => c.baseline !== c.here);
  return Object.freeze({
    same: removed === 0 && added === 0,
    removed,
    added,
    counts: Object.freeze(counts.map((c) => Object.freeze(c))),
    first: first === null ? null : Object.freeze(first),
  });
}

function scenarioOf(source: unknown): { scenario: Scenario; options: CompareOptions } {
  if (source !== null && typeof source === "object" && "toJSON" in source) {
    const s = source as ScenarioSource;
    if (typeof s.toJSON === "function") {
      const options = typeof s.runOptions === "function" ? s.runOptions() : {};
      return { scenario: s.toJSON(), options };
    }
  }
  return { scenario: source as Scenario, options: {} };
}

/**
 * Runs one scenario under each policy and compares the runs with the first.
 * The native and ideal reference executions are made once for all runs;
 * the built-in `native` policy, when listed, runs first, since its run is
 * that native execution (so no run's budget pays for it); the rows and runs
 * keep the given order.
 *
 * @example Usage
 * ```ts
 * import { compare } from "@setway/setway";
 * import { vm } from "@setway/setway";
 * const c = compare(vm().machine("xgene1").guest((g) => g.zImage32()), [
 *   "kvm-3.18", "kvm-4.0", "kvm-modern", "xen",
 * ]);
 * console.log(c.rows.map((r) => `${r.policy}: ${r.ok ? "ok" : "FAIL"}`).join(", "));
 * ```
 * @param source a scenario, or a builder (its `toJSON()` and `runOptions()`)
 * @param policies at least one built-in name or policy object; the first is the baseline
 * @param options run options for every run (budget, costs); they beat the builder's
 * @returns the rows and the runs
 * @throws {ScenarioError} `invalid_value` for an empty policy list or a duplicate
 *   policy name, or whatever `run()` throws for the scenario or a policy
 */
export function compare(
  source: Scenario | ScenarioSource,
  policies: readonly (string | Policy)[],
  options: CompareOptions = {},
): Comparison {
  if (!Array.isArray(policies) || policies.length === 0) {
    throw new ScenarioError(
      "invalid_value",
      "compare.policies",
      policies,
      `compare(..., ${showValue(policies)}): expected a non-empty array of policy names or objects`,
    );
  }
  const given = checkOptionKeys(
    "compare",
    options,
    RUN_OPTION_KEYS.filter((k) => k !== "policy"),
  );
  const { scenario, options: sourceOptions } = scenarioOf(source);
  const runOptions = { ...sourceOptions, ...given };
  const runs: RunResult[] = [];
  const seen = new Set<string>();
  // The native and ideal executions do not depend on the policy: run them once.
  const references: ReferenceReads = {};
  // The built-in native policy's run is itself the native execution, which
  // the first run would otherwise make once more: run it first when listed.
  const nativeAt = policies.findIndex((p) => p === "native" || p === nativePolicy);
  const nativeRun = nativeAt > 0
    ? runSharing(scenario, { ...runOptions, policy: policies[nativeAt] }, undefined, references)
    : undefined;
  for (const [i, policy] of policies.entries()) {
    const r = i === nativeAt && nativeRun !== undefined
      ? nativeRun
      : runSharing(scenario, { ...runOptions, policy }, undefined, references);
    if (seen.has(r.policy)) {
      throw new ScenarioError(
        "invalid_value",
        `compare.policies[${i}]`,
        r.policy,
        `compare: policy ${showValue(r.policy)} is listed twice; each row needs its own name`,
      );
    }
    seen.add(r.policy);
    runs.push(r);
  }
  const base = runs[0];
  const baseLines = flushLines(base.events), baseCounts = countByName(base.events);
  const rows = runs.map((r): ComparisonRow => {
    const v = r.verdict;
    const blame: string[] = [];
    for (const x of v.violations) if (!blame.includes(x.blame)) blame.push(x.blame);
    let flushEvents = 0;
    for (const e of r.events) if (FLUSH_SET.has(e.name)) flushEvents += e.count;
    return Object.freeze({
      policy: r.policy,
      ok: v.ok,
      violations: v.violations.length,
      blame: Object.freeze(blame),
      crashed: v.crashed,
      failsNatively: v.failsNatively,
      archInvalid: v.archInvalid.length > 0,
      exits: r.cost.exits,
      flushes: r.cost.flushes,
      linesFlushed: r.cost.linesFlushed,
      cycles: r.cost.cycles,
      cyclesByCategory: r.cost.cyclesByCategory,
      flushEvents,
      flushDiff: diffFlushes(baseLines, baseCounts, r.events),
    });
  });
  return Object.freeze({
    machine: base.machine.name,
    baseline: base.policy,
    rows: Object.freeze(rows),
    runs: Object.freeze(runs),
  });
}
