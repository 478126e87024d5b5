/**
 * What an expectation can say about one execution of a scenario: the
 * predicates, as plain JSON-serializable data tagged with `kind`, and the
 * small functions that build them.
 *
 * A predicate looks at one execution only: the reads the oracle judged
 * (`stale`, `lostWrite`, `wrongRead`), whether the guest crashed, whether it
 * is architecturally invalid, and how many times the hypervisor did
 * something (`flushes`, `events`, `noSetWayFlush`). Quantifiers
 * (expectation.ts) then say over which executions it must hold.
 *
 * ```ts
 * import { and, flushes, not, stale } from "@setway/setway/expect";
 * const p = and(stale(0x4000_8000, { blame: "hypervisor" }), not(flushes({ min: 1 })));
 * console.log(JSON.stringify(p));
 * // {"kind":"and","all":[{"kind":"stale","addr":1073774592,"blame":"hypervisor"},...]}
 * ```
 *
 * @module
 */

import type { Blame } from "../oracle.ts";

/**
 * Which reads a read predicate looks at: one address, or every read
 * (`addr` absent), and optionally only violations the oracle blames on one
 * party.
 *
 * @example Usage
 * ```ts
 * import type { ReadFilter } from "@setway/setway/expect";
 * const f: ReadFilter = { blame: "hypervisor" };
 * ```
 */
export interface ReadFilter {
  /** Only violations with this blame. Default: any blame. */
  readonly blame?: Blame;
}

/**
 * A read that returned an older value than the guest's last write while the
 * newer one still exists somewhere (the oracle's `stale_read`).
 *
 * @example Usage
 * ```ts
 * import type { StalePredicate } from "@setway/setway/expect";
 * const p: StalePredicate = { kind: "stale", addr: 0x4000_8000 };
 * ```
 */
export interface StalePredicate extends ReadFilter {
  /** The tag. */
  readonly kind: "stale";
  /** The word address read; absent: any read. */
  readonly addr?: number;
}

/**
 * A read whose expected value is nowhere any more (the oracle's `lost_write`).
 *
 * @example Usage
 * ```ts
 * import type { LostWritePredicate } from "@setway/setway/expect";
 * const p: LostWritePredicate = { kind: "lost_write", addr: 0x4000_1000 };
 * ```
 */
export interface LostWritePredicate extends ReadFilter {
  /** The tag. */
  readonly kind: "lost_write";
  /** The word address read; absent: any read. */
  readonly addr?: number;
}

/**
 * A read that returned anything but the last value written: stale or lost.
 *
 * @example Usage
 * ```ts
 * import type { WrongReadPredicate } from "@setway/setway/expect";
 * const p: WrongReadPredicate = { kind: "wrong_read" };
 * ```
 */
export interface WrongReadPredicate extends ReadFilter {
  /** The tag. */
  readonly kind: "wrong_read";
  /** The word address read; absent: any read. */
  readonly addr?: number;
}

/**
 * A bound on a count: at least `min`, at most `max` (each optional).
 *
 * @example Usage
 * ```ts
 * import type { CountRange } from "@setway/setway/expect";
 * const once: CountRange = { min: 1, max: 1 };
 * ```
 */
export interface CountRange {
  /** The smallest count accepted. Default 0. */
  readonly min?: number;
  /** The largest count accepted. Default: no limit. */
  readonly max?: number;
}

/**
 * How many whole flushes the hypervisor made: `stage2_flush_vm` (KVM),
 * `p2m_flush_vm` (Xen) and `flush_cache_all` (KVM 3.18), see
 * {@linkcode FLUSH_EVENT_NAMES}.
 *
 * @example Usage
 * ```ts
 * import type { FlushesPredicate } from "@setway/setway/expect";
 * const p: FlushesPredicate = { kind: "flushes", min: 2, max: 2 };
 * ```
 */
export interface FlushesPredicate extends CountRange {
  /** The tag. */
  readonly kind: "flushes";
}

/**
 * How many events of one name the execution recorded.
 *
 * @example Usage
 * ```ts
 * import type { EventsPredicate } from "@setway/setway/expect";
 * const p: EventsPredicate = { kind: "events", name: "kvm_toggle_cache", min: 1 };
 * ```
 */
export interface EventsPredicate extends CountRange {
  /** The tag. */
  readonly kind: "events";
  /** The event name, e.g. `"kvm_exit"`. */
  readonly name: string;
}

/**
 * The hypervisor never turned a set/way operation into a flush: no
 * `kvm_set_way_flush` and no `p2m_set_way_flush` event.
 *
 * @example Usage
 * ```ts
 * import type { NoSetWayFlushPredicate } from "@setway/setway/expect";
 * const p: NoSetWayFlushPredicate = { kind: "no_set_way_flush" };
 * ```
 */
export interface NoSetWayFlushPredicate {
  /** The tag. */
  readonly kind: "no_set_way_flush";
}

/**
 * A vCPU crashed: the hypervisor injected an undefined instruction.
 *
 * @example Usage
 * ```ts
 * import type { CrashedPredicate } from "@setway/setway/expect";
 * const p: CrashedPredicate = { kind: "crashed" };
 * ```
 */
export interface CrashedPredicate {
  /** The tag. */
  readonly kind: "crashed";
}

/**
 * The guest did something the architecture does not guarantee (set/way
 * with caches on, or with other CPUs online), whatever came of it.
 *
 * @example Usage
 * ```ts
 * import type { ArchInvalidPredicate } from "@setway/setway/expect";
 * const p: ArchInvalidPredicate = { kind: "arch_invalid" };
 * ```
 */
export interface ArchInvalidPredicate {
  /** The tag. */
  readonly kind: "arch_invalid";
}

/**
 * The negation of a predicate.
 *
 * @example Usage
 * ```ts
 * import type { NotPredicate } from "@setway/setway/expect";
 * const p: NotPredicate = { kind: "not", what: { kind: "crashed" } };
 * ```
 */
export interface NotPredicate {
  /** The tag. */
  readonly kind: "not";
  /** The predicate negated. */
  readonly what: Predicate;
}

/**
 * Every predicate holds.
 *
 * @example Usage
 * ```ts
 * import type { AndPredicate } from "@setway/setway/expect";
 * const p: AndPredicate = { kind: "and", all: [{ kind: "crashed" }, { kind: "arch_invalid" }] };
 * ```
 */
export interface AndPredicate {
  /** The tag. */
  readonly kind: "and";
  /** The predicates, at least one. */
  readonly all: readonly Predicate[];
}

/**
 * Some predicate holds.
 *
 * @example Usage
 * ```ts
 * import type { OrPredicate } from "@setway/setway/expect";
 * const p: OrPredicate = { kind: "or", any: [{ kind: "crashed" }, { kind: "stale" }] };
 * ```
 */
export interface OrPredicate {
  /** The tag. */
  readonly kind: "or";
  /** The predicates, at least one. */
  readonly any: readonly Predicate[];
}

/**
 * Anything an expectation can say about one execution.
 *
 * @example Usage
 * ```ts
 * import type { Predicate } from "@setway/setway/expect";
 * const p: Predicate = { kind: "not", what: { kind: "stale" } };
 * ```
 */
export type Predicate =
  | StalePredicate
  | LostWritePredicate
  | WrongReadPredicate
  | FlushesPredicate
  | EventsPredicate
  | NoSetWayFlushPredicate
  | CrashedPredicate
  | ArchInvalidPredicate
  | NotPredicate
  | AndPredicate
  | OrPredicate;

/** The tag of a predicate. */
export type PredicateKind = Predicate["kind"];

/**
 * Every predicate tag, in the order the checker lists them.
 *
 * @example Usage
 * ```ts
 * import { PREDICATE_KINDS } from "./predicates.ts";
 * console.log(PREDICATE_KINDS.includes("stale")); // true
 * ```
 */
export const PREDICATE_KINDS: readonly PredicateKind[] = Object.freeze([
  "stale",
  "lost_write",
  "wrong_read",
  "flushes",
  "events",
  "no_set_way_flush",
  "crashed",
  "arch_invalid",
  "not",
  "and",
  "or",
]);

/**
 * The events {@linkcode flushes} counts: whole flushes by the hypervisor.
 *
 * @example Usage
 * ```ts
 * import { FLUSH_EVENT_NAMES } from "./predicates.ts";
 * console.log(FLUSH_EVENT_NAMES.includes("stage2_flush_vm")); // true
 * ```
 */
export const FLUSH_EVENT_NAMES: readonly string[] = Object.freeze([
  "stage2_flush_vm",
  "p2m_flush_vm",
  "flush_cache_all",
]);

/**
 * The events {@linkcode noSetWayFlush} forbids: a trapped set/way operation
 * turned into a flush (KVM) or a pending flush (Xen).
 *
 * @example Usage
 * ```ts
 * import { SET_WAY_FLUSH_EVENT_NAMES } from "./predicates.ts";
 * console.log(SET_WAY_FLUSH_EVENT_NAMES); // ["kvm_set_way_flush", "p2m_set_way_flush"]
 * ```
 */
export const SET_WAY_FLUSH_EVENT_NAMES: readonly string[] = Object.freeze([
  "kvm_set_way_flush",
  "p2m_set_way_flush",
]);

/**
 * Events an expectation may not count: they are the hardware's own choices,
 * which checking enumerates (and merges where they cannot change a read).
 *
 * @example Usage
 * ```ts
 * import { CHOICE_EVENT_NAMES } from "./predicates.ts";
 * console.log(CHOICE_EVENT_NAMES.includes("castout")); // true
 * ```
 */
export const CHOICE_EVENT_NAMES: readonly string[] = Object.freeze([
  "speculative_fill",
  "castout",
]);

function readFilter(filter: ReadFilter | undefined): ReadFilter {
  return filter?.blame === undefined ? {} : { blame: filter.blame };
}

/**
 * A stale read of `addr`: the read returned an older value while the newer
 * one is still held somewhere.
 *
 * @example Usage
 * ```ts
 * import { stale } from "@setway/setway/expect";
 * console.log(stale(0x4000_8000, { blame: "hypervisor" }).blame); // "hypervisor"
 * ```
 * @param addr the word address read
 * @param filter only violations with this blame
 * @returns the predicate
 */
export function stale(addr: number, filter?: ReadFilter): StalePredicate {
  return { kind: "stale", addr, ...readFilter(filter) };
}

/**
 * A stale read of any address.
 *
 * @example Usage
 * ```ts
 * import { staleAnywhere } from "@setway/setway/expect";
 * console.log(staleAnywhere()); // { kind: "stale" }
 * ```
 * @param filter only violations with this blame
 * @returns the predicate
 */
export function staleAnywhere(filter?: ReadFilter): StalePredicate {
  return { kind: "stale", ...readFilter(filter) };
}

/**
 * A lost write at `addr`: the value written is nowhere any more (a dirty
 * line invalidated, or overwritten by an older castout).
 *
 * @example Usage
 * ```ts
 * import { lostWrite } from "@setway/setway/expect";
 * console.log(lostWrite(0x4000_1000).kind); // "lost_write"
 * ```
 * @param addr the word address read
 * @param filter only violations with this blame
 * @returns the predicate
 */
export function lostWrite(addr: number, filter?: ReadFilter): LostWritePredicate {
  return { kind: "lost_write", addr, ...readFilter(filter) };
}

/**
 * A lost write at any address.
 *
 * @example Usage
 * ```ts
 * import { lostWriteAnywhere } from "@setway/setway/expect";
 * console.log(lostWriteAnywhere()); // { kind: "lost_write" }
 * ```
 * @param filter only violations with this blame
 * @returns the predicate
 */
export function lostWriteAnywhere(filter?: ReadFilter): LostWritePredicate {
  return { kind: "lost_write", ...readFilter(filter) };
}

/**
 * Any wrong read (stale or lost) of `addr`, or of any address when `addr`
 * is omitted.
 *
 * @example Usage
 * ```ts
 * import { wrongRead } from "@setway/setway/expect";
 * console.log(wrongRead()); // { kind: "wrong_read" }
 * ```
 * @param addr the word address read; default any
 * @param filter only violations with this blame
 * @returns the predicate
 */
export function wrongRead(addr?: number, filter?: ReadFilter): WrongReadPredicate {
  return addr === undefined
    ? { kind: "wrong_read", ...readFilter(filter) }
    : { kind: "wrong_read", addr, ...readFilter(filter) };
}

function range(count: number | CountRange): CountRange {
  if (typeof count === "number") return { min: count, max: count };
  if (typeof count !== "object" || count === null) return count as unknown as CountRange;
  const out: { min?: number; max?: number } = {};
  if (count.min !== undefined) out.min = count.min;
  if (count.max !== undefined) out.max = count.max;
  return out;
}

/**
 * The hypervisor made exactly `count` whole flushes (or a number within a
 * range): `stage2_flush_vm`, `p2m_flush_vm` and `flush_cache_all` events.
 *
 * @example Usage
 * ```ts
 * import { flushes } from "@setway/setway/expect";
 * console.log(flushes(2)); // { kind: "flushes", min: 2, max: 2 }
 * console.log(flushes({ min: 1 })); // { kind: "flushes", min: 1 }
 * ```
 * @param count an exact count, or `{ min?, max? }`
 * @returns the predicate
 */
export function flushes(count: number | CountRange): FlushesPredicate {
  return { kind: "flushes", ...range(count) };
}

/**
 * The execution recorded exactly `count` events named `name` (or a number
 * within a range).
 *
 * @example Usage
 * ```ts
 * import { events } from "@setway/setway/expect";
 * console.log(events("kvm_toggle_cache", { min: 1 }).name); // "kvm_toggle_cache"
 * ```
 * @param name the event name
 * @param count an exact count, or `{ min?, max? }`
 * @returns the predicate
 */
export function events(name: string, count: number | CountRange): EventsPredicate {
  return { kind: "events", name, ...range(count) };
}

/**
 * No set/way operation was turned into a flush (no `kvm_set_way_flush`, no
 * `p2m_set_way_flush`).
 *
 * @example Usage
 * ```ts
 * import { noSetWayFlush } from "@setway/setway/expect";
 * console.log(noSetWayFlush().kind); // "no_set_way_flush"
 * ```
 * @returns the predicate
 */
export function noSetWayFlush(): NoSetWayFlushPredicate {
  return { kind: "no_set_way_flush" };
}

/**
 * A vCPU crashed (the hypervisor injected an undefined instruction).
 *
 * @example Usage
 * ```ts
 * import { crashed } from "@setway/setway/expect";
 * console.log(crashed()); // { kind: "crashed" }
 * ```
 * @returns the predicate
 */
export function crashed(): CrashedPredicate {
  return { kind: "crashed" };
}

/**
 * The guest is architecturally invalid (set/way with caches on or with
 * other CPUs online).
 *
 * @example Usage
 * ```ts
 * import { archInvalid } from "@setway/setway/expect";
 * console.log(archInvalid().kind); // "arch_invalid"
 * ```
 * @returns the predicate
 */
export function archInvalid(): ArchInvalidPredicate {
  return { kind: "arch_invalid" };
}

/**
 * The negation of `what`.
 *
 * @example Usage
 * ```ts
 * import { crashed, not } from "@setway/setway/expect";
 * console.log(not(crashed()).kind); // "not"
 * ```
 * @param what the predicate
 * @returns the predicate
 */
export function not(what: Predicate): NotPredicate {
  return { kind: "not", what };
}

/**
 * Every one of `all` holds.
 *
 * @example Usage
 * ```ts
 * import { and, crashed, noSetWayFlush } from "@setway/setway/expect";
 * console.log(and(crashed(), noSetWayFlush()).all.length); // 2
 * ```
 * @param all the predicates, at least one
 * @returns the predicate
 */
export function and(...all: Predicate[]): AndPredicate {
  return { kind: "and", all };
}

/**
 * At least one of `any` holds.
 *
 * @example Usage
 * ```ts
 * import { crashed, or, staleAnywhere } from "@setway/setway/expect";
 * console.log(or(crashed(), staleAnywhere()).any.length); // 2
 * ```
 * @param any the predicates, at least one
 * @returns the predicate
 */
export function or(...any: Predicate[]): OrPredicate {
  return { kind: "or", any };
}
