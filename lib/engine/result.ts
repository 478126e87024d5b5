/**
 * The result of a run: the events, the oracle's verdict, what the policy
 * cost, and the two ways to print it (a text trace and JSON).
 *
 * @module
 */

import type { Machine } from "../hw/machine.ts";
import { COST_CATEGORIES, type CostCategory, costCategory } from "../hyp/costs.ts";
import type { SetwayEvent } from "../hyp/events.ts";
import type { Crash } from "./execute.ts";
import { formatTrace, type TraceOptions } from "../report/event_trace.ts";
import type { RunLike } from "../report/run_like.ts";
import type { Violation } from "./oracle.ts";
import type { LoggedEvents } from "./event_log.ts";
import type { Scenario } from "./scenario.ts";

/**
 * The oracle's verdict on a run.
 *
 * @example Usage
 * ```ts
 * import type { Verdict } from "@setway/setway";
 * const verdict: Verdict = {
 *   ok: true, violations: [], archInvalid: [], failsNatively: false, crashed: null,
 * };
 * ```
 */
export interface Verdict {
  /** True when no read failed and no guest crashed. */
  readonly ok: boolean;
  /** Every read that did not return the program's last write, in run order. */
  readonly violations: readonly Violation[];
  /** Why the guest is architecturally invalid (empty when it is not), deduplicated. */
  readonly archInvalid: readonly string[];
  /** Whether some read fails when the guest runs natively on the same machine. */
  readonly failsNatively: boolean;
  /**
   * The first guest crash (an undefined instruction the hypervisor injected,
   * e.g. Xen refusing set/way with the IOMMU sharing its p2m), or null. The
   * crashed vCPU ran no more steps; its later reads are not judged.
   */
  readonly crashed: Crash | null;
}

/**
 * What the policy cost.
 *
 * @example Usage
 * ```ts
 * import type { Cost } from "@setway/setway";
 * const cost: Cost = {
 *   exits: 16898, flushes: 3, linesFlushed: 384, cycles: 109846680,
 *   cyclesByCategory: {
 *     trap: 109837000, fault: 0, flush: 7680, sw: 0, guest: 2000, sched: 0, host: 0, other: 0,
 *   },
 * };
 * ```
 */
export interface Cost {
  /** Traps to the hypervisor (`kvm_exit` events, collapsed ones counted). */
  readonly exits: number;
  /** `stage2_flush_vm`, `p2m_flush_vm` and `flush_cache_all` events (collapsed ones counted). */
  readonly flushes: number;
  /** Lines of every `stage2_flush_vm` and `p2m_flush_vm` plus slots of every `flush_cache_all`. */
  readonly linesFlushed: number;
  /** Modelled cycles of the whole run: the sum of every event's `cycles` times its count. */
  readonly cycles: number;
  /** The same cycles by cost category (lib/hyp/costs.ts `costCategory`). */
  readonly cyclesByCategory: Readonly<Record<CostCategory, number>>;
}

/**
 * The plain-data form of a {@linkcode RunResult}, as `toJSON()` returns it.
 *
 * @example Usage
 * ```ts
 * import type { RunResultJSON } from "@setway/setway";
 * function violations(json: RunResultJSON): number {
 *   return json.verdict.violations.length;
 * }
 * ```
 */
export interface RunResultJSON {
  /** The scenario run. */
  readonly scenario: Scenario;
  /** The policy's name. */
  readonly policy: string;
  /** The machine, resolved. */
  readonly machine: Machine;
  /** Every event. */
  readonly events: readonly SetwayEvent[];
  /** The verdict. */
  readonly verdict: Verdict;
  /** The cost. */
  readonly cost: Cost;
}

/**
 * Counts what the flushes and traps of a run cost.
 *
 * @example Usage
 * ```ts
 * import { costOf } from "./result.ts";
 * costOf([
 *   { seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 3, reason: "dcsw", ec: 0x18 },
 *   { seq: 3, name: "stage2_flush_vm", vcpu: 0, pcpu: 0, pc: 0, count: 1, pages: 2, lines: 128,
 *     cleaned: 0, invalidated: 0 },
 * ]); // { exits: 3, flushes: 1, linesFlushed: 128, cycles: 0, cyclesByCategory: {...} }
 * ```
 * @param events a run's events
 * @returns exits, flushes, lines flushed and cycles (0 for events without `cycles`)
 */
export function costOf(events: readonly SetwayEvent[]): Cost {
  return costOfRecords({
    length: events.length,
    nameAt: (i) => events[i].name,
    countAt: (i) => events[i].count,
    fieldAt: (i, key) => events[i][key],
  });
}

/** {@linkcode costOf} over records read one field at a time (a sealed log's, unbuilt). */
function costOfRecords(events: Omit<LoggedEvents, "finish">): Cost {
  let exits = 0, flushes = 0, linesFlushed = 0, cycles = 0;
  const byCategory = {} as Record<CostCategory, number>;
  for (const c of COST_CATEGORIES) byCategory[c] = 0;
  // Consecutive events mostly share a name: its category is looked up once per run of them.
  let lastName = "", category: CostCategory = "other";
  for (let i = 0; i < events.length; i++) {
    const name = events.nameAt(i), count = events.countAt(i);
    if (name === "kvm_exit") exits += count;
    else if (name === "stage2_flush_vm" || name === "p2m_flush_vm") {
      flushes += count;
      linesFlushed += count * (events.fieldAt(i, "lines") as number);
    } else if (name === "flush_cache_all") {
      flushes += count;
      linesFlushed += count * (events.fieldAt(i, "slots") as number);
    }
    const c = events.fieldAt(i, "cycles");
    if (typeof c === "number" && c > 0) {
      cycles += count * c;
      if (name !== lastName) {
        lastName = name;
        category = costCategory(lastName);
      }
      byCategory[category] += count * c;
    }
  }
  return { exits, flushes, linesFlushed, cycles, cyclesByCategory: Object.freeze(byCategory) };
}

function canonicalScenario(s: Scenario): Scenario {
  return {
    version: s.version,
    machine: s.machine,
    cpus: s.cpus,
    systemCache: s.systemCache,
    policy: s.policy,
    ram: s.ram,
    ramBase: s.ramBase,
    prefault: s.prefault,
    seed: s.seed,
    speculation: s.speculation,
    steps: s.steps,
  };
}

/**
 * One run's outcome.
 *
 * @example Usage
 * ```ts
 * import { run } from "@setway/setway";
 * const result = run({
 *   version: 1, machine: "xgene1", cpus: 1, systemCache: "machine", policy: "kvm-3.18",
 *   ram: 1 << 24, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
 *     { kind: "write", vcpu: 0, addr: 0x40100000, value: 42 },
 *     { kind: "sw_walk", vcpu: 0, op: "cisw" },
 *     { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
 *     { kind: "read", vcpu: 0, addr: 0x40100000 },
 *   ],
 * });
 * console.log(result.verdict.violations[0].blame); // "hypervisor"
 * console.log(result.trace({ filter: "flush" }));
 * ```
 */
export class RunResult {
  /** The scenario run. */
  readonly scenario: Scenario;
  /** The policy's name. */
  readonly policy: string;
  /** The machine, resolved (system-cache override applied). */
  readonly machine: Machine;
  /**
   * Every event, in run order. A run's events are built from its log's
   * columns the first time this is read (event_log.ts).
   */
  declare readonly events: readonly SetwayEvent[];
  /** The oracle's verdict. */
  readonly verdict: Verdict;
  /** What the policy cost, counted from the events the first time this is read. */
  declare readonly cost: Cost;
  /**
   * Where the watched words lived and each cache level's dirty lines, when
   * the run was asked to watch (`RunOptions.watch`); not part of `toJSON()`.
   * A `CacheTrack` (report/cache_track.ts), spelled out here because the
   * package's entry point does not export that name.
   */
  readonly caches?: RunLike["caches"];

  /**
   * Wraps a finished run; the cost is computed from the events when first read.
   * @param init the run's scenario, policy name, machine, events (or the
   *   sealed log they are built from when first read) and verdict
   */
  constructor(init: {
    scenario: Scenario;
    policy: string;
    machine: Machine;
    events: readonly SetwayEvent[] | LoggedEvents;
    verdict: Verdict;
    caches?: RunLike["caches"];
  }) {
    this.scenario = init.scenario;
    this.policy = init.policy;
    this.machine = init.machine;
    const events = init.events;
    // An own, enumerable property as before, whose events are built on first read.
    Object.defineProperty(this, "events", {
      enumerable: true,
      get: Array.isArray(events) ? () => events : () => (events as LoggedEvents).finish(),
    });
    this.verdict = init.verdict;
    let cost: Cost | undefined;
    Object.defineProperty(this, "cost", {
      enumerable: true,
      get: () =>
        cost ??= Object.freeze(
          Array.isArray(events)
            ? costOf(events as readonly SetwayEvent[])
            : costOfRecords(events as LoggedEvents),
        ),
    });
    if (init.caches !== undefined) this.caches = init.caches;
  }

  /**
   * The ftrace-like text trace (lib/report/event_trace.ts), headed by the policy,
   * the machine, the seed and the speculation unless `options.header` is given,
   * its TIMESTAMP column at the machine's clock.
   * @param options which events to print, `raw`, and header lines
   * @returns the trace, one event a line, byte-identical for the same scenario
   */
  trace(options: TraceOptions = {}): string {
    const header = [
      `policy: ${this.policy}`,
      `machine: ${this.machine.name}`,
      `seed: ${this.scenario.seed}`,
      `speculation: ${this.scenario.speculation}`,
    ];
    return formatTrace(this.events, { header, machine: this.machine, ...options });
  }

  /**
   * Plain data: no functions, no bigints, keys in a fixed order.
   * @returns the result as JSON-ready data
   */
  toJSON(): RunResultJSON {
    const v = this.verdict;
    return {
      scenario: canonicalScenario(this.scenario),
      policy: this.policy,
      machine: this.machine,
      events: this.events,
      verdict: {
        ok: v.ok,
        violations: v.violations.map((x) => ({
          kind: x.kind,
          addr: x.addr,
          expected: x.expected,
          got: x.got,
          vcpu: x.vcpu,
          pc: x.pc,
          blame: x.blame,
          readIndex: x.readIndex,
        })),
        archInvalid: [...v.archInvalid],
        failsNatively: v.failsNatively,
        crashed: v.crashed === null ? null : { ...v.crashed },
      },
      cost: {
        exits: this.cost.exits,
        flushes: this.cost.flushes,
        linesFlushed: this.cost.linesFlushed,
        cycles: this.cost.cycles,
        cyclesByCategory: { ...this.cost.cyclesByCategory },
      },
    };
  }
}
