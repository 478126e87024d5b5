/**
 * What a predicate can see of one execution, and the evaluation of a
 * predicate on it.
 *
 * An {@linkcode Observation} keeps only what predicates read: the failed
 * reads with the oracle's kind and blame, whether a vCPU crashed, whether
 * the guest was architecturally invalid, and the counts of the events the
 * expectations name ({@linkcode watchedEvents}). The exploring runner builds
 * one per execution without recording events; {@linkcode observeRun} builds
 * the same from a full `RunResult`, so a replayed witness can be checked
 * against what the exploration saw.
 *
 * @example Usage
 * ```ts
 * import { holds } from "./observation.ts";
 * const o = {
 *   violations: [{ readIndex: 0, addr: 0x4000_8000, kind: "stale_read", blame: "hypervisor" }],
 *   crashed: false, archInvalid: true, counts: { stage2_flush_vm: 2 },
 * } as const;
 * console.log(holds({ kind: "stale", addr: 0x4000_8000 }, o)); // true
 * console.log(holds({ kind: "flushes", min: 1 }, o)); // true
 * ```
 *
 * @module
 */

import type { Blame, ViolationKind } from "../oracle.ts";
import type { RunResult } from "../result.ts";
import type { Expectation } from "./expectation.ts";
import {
  FLUSH_EVENT_NAMES,
  type Predicate,
  type ReadFilter,
  SET_WAY_FLUSH_EVENT_NAMES,
} from "./predicates.ts";

/**
 * One read the oracle refused.
 *
 * @example Usage
 * ```ts
 * import type { ReadViolation } from "./observation.ts";
 * const v: ReadViolation = { readIndex: 3, addr: 0x4000_8000, kind: "stale_read", blame: "machine" };
 * ```
 */
export interface ReadViolation {
  /** The read's index among the program's reads. */
  readonly readIndex: number;
  /** The address read. */
  readonly addr: number;
  /** Stale or lost. */
  readonly kind: ViolationKind;
  /** Whom the oracle blames. */
  readonly blame: Blame;
}

/**
 * What predicates see of one execution.
 *
 * @example Usage
 * ```ts
 * import type { Observation } from "./observation.ts";
 * const quiet: Observation = { violations: [], crashed: false, archInvalid: false, counts: {} };
 * ```
 */
export interface Observation {
  /** Every refused read, in read order. */
  readonly violations: readonly ReadViolation[];
  /** Whether a vCPU crashed. */
  readonly crashed: boolean;
  /** Whether the guest was architecturally invalid. */
  readonly archInvalid: boolean;
  /** How many times each watched event happened (absent: 0). */
  readonly counts: Readonly<Record<string, number>>;
}

function collect(p: Predicate, out: Set<string>): void {
  switch (p.kind) {
    case "flushes":
      for (const n of FLUSH_EVENT_NAMES) out.add(n);
      break;
    case "no_set_way_flush":
      for (const n of SET_WAY_FLUSH_EVENT_NAMES) out.add(n);
      break;
    case "events":
      out.add(p.name);
      break;
    case "not":
      collect(p.what, out);
      break;
    case "and":
      for (const q of p.all) collect(q, out);
      break;
    case "or":
      for (const q of p.any) collect(q, out);
      break;
  }
}

/**
 * The event names a list of expectations counts, sorted.
 *
 * @example Usage
 * ```ts
 * import { watchedEvents } from "./observation.ts";
 * console.log(watchedEvents([{ kind: "forall", what: { kind: "no_set_way_flush" } }]));
 * // ["kvm_set_way_flush", "p2m_set_way_flush"]
 * ```
 * @param expectations the expectations
 * @returns the names
 */
export function watchedEvents(expectations: readonly Expectation[]): string[] {
  const out = new Set<string>();
  for (const e of expectations) collect(e.what, out);
  return [...out].sort();
}

function readHolds(
  o: Observation,
  kind: ViolationKind | null,
  addr: number | undefined,
  f: ReadFilter,
): boolean {
  for (const v of o.violations) {
    if (kind !== null && v.kind !== kind) continue;
    if (addr !== undefined && v.addr !== addr) continue;
    if (f.blame !== undefined && v.blame !== f.blame) continue;
    return true;
  }
  return false;
}

function inRange(n: number, r: { readonly min?: number; readonly max?: number }): boolean {
  return (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max);
}

function count(o: Observation, names: readonly string[]): number {
  let n = 0;
  for (const name of names) n += o.counts[name] ?? 0;
  return n;
}

/**
 * Whether a predicate holds of one execution.
 *
 * @example Usage
 * ```ts
 * import { holds } from "./observation.ts";
 * const o = { violations: [], crashed: true, archInvalid: false, counts: {} };
 * console.log(holds({ kind: "not", what: { kind: "crashed" } }, o)); // false
 * ```
 * @param p the predicate
 * @param o the execution
 * @returns true when it holds
 */
export function holds(p: Predicate, o: Observation): boolean {
  switch (p.kind) {
    case "stale":
      return readHolds(o, "stale_read", p.addr, p);
    case "lost_write":
      return readHolds(o, "lost_write", p.addr, p);
    case "wrong_read":
      return readHolds(o, null, p.addr, p);
    case "flushes":
      return inRange(count(o, FLUSH_EVENT_NAMES), p);
    case "events":
      return inRange(o.counts[p.name] ?? 0, p);
    case "no_set_way_flush":
      return count(o, SET_WAY_FLUSH_EVENT_NAMES) === 0;
    case "crashed":
      return o.crashed;
    case "arch_invalid":
      return o.archInvalid;
    case "not":
      return !holds(p.what, o);
    case "and":
      return p.all.every((q) => holds(q, o));
    case "or":
      return p.any.some((q) => holds(q, o));
    default: {
      const never: never = p;
      throw new Error(`unknown predicate ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The observation of a finished run: its verdict, and its events counted
 * (a collapsed record counts `count` times).
 *
 * @example Usage
 * ```ts
 * import { observeRun } from "./observation.ts";
 * import { run } from "@setway/setway";
 * const r = run({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "sw_walk", vcpu: 0, op: "cisw" }],
 * });
 * console.log(observeRun(r, ["stage2_flush_vm"]).counts.stage2_flush_vm); // 1
 * ```
 * @param result the run
 * @param names the event names to count
 * @returns the observation
 */
export function observeRun(result: RunResult, names: readonly string[]): Observation {
  const watched = new Set(names);
  const counts: Record<string, number> = {};
  for (const n of names) counts[n] = 0;
  for (const e of result.events) if (watched.has(e.name)) counts[e.name] += e.count;
  const v = result.verdict;
  return {
    violations: v.violations.map((x) => ({
      readIndex: x.readIndex,
      addr: x.addr,
      kind: x.kind,
      blame: x.blame,
    })),
    crashed: v.crashed !== null,
    archInvalid: v.archInvalid.length > 0,
    counts,
  };
}
