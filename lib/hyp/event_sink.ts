/**
 * Where the hypervisor model sends its events.
 *
 * The hypervisor does not own the event log: the run engine does. An
 * {@linkcode EventSink} is the one-method interface between them, so that
 * `lib/hyp` depends on nothing above it. The engine's event log implements
 * it; {@linkcode NULL_SINK} drops everything (the oracle's reference runs).
 *
 * @module
 */

import type { EventFieldValue } from "./events.ts";

/**
 * The fields of one event, in the order they should be printed.
 *
 * @example Usage
 * ```ts
 * import type { EventFieldsRecord } from "./event_sink.ts";
 * const fields: EventFieldsRecord = { pages: 2, lines: 128, cleaned: 3, invalidated: 5 };
 * ```
 */
export type EventFieldsRecord = Readonly<Record<string, EventFieldValue>>;

/**
 * The first event of each pair {@linkcode EventSink.emitPairs} records: the
 * same every time.
 *
 * @example Usage
 * ```ts
 * import type { PairFirst } from "./event_sink.ts";
 * const exit: PairFirst = { name: "kvm_exit", fields: Object.freeze({ reason: "dcsw", ec: 0x18 }) };
 * ```
 */
export interface PairFirst {
  /** The event name. */
  readonly name: string;
  /** Its fields. */
  readonly fields: EventFieldsRecord | undefined;
}

/**
 * The second event of each pair {@linkcode EventSink.emitPairs} records:
 * its fields for pair `i`, which differ only in the slot (`set`, `way`),
 * and, when `sumOf` is given, in the summed counters (`cleaned`,
 * `invalidated`) as well.
 *
 * @example Usage
 * ```ts
 * import type { PairSecond } from "./event_sink.ts";
 * const slots: PairSecond = {
 *   name: "sw_local",
 *   fieldsAt: (i) => ({ op: "cisw", level: 2, set: i >> 4, way: i & 15, cleaned: 0, invalidated: 0 }),
 * };
 * ```
 */
export interface PairSecond {
  /** The event name. */
  readonly name: string;
  /** The fields of the event of pair `i`. */
  readonly fieldsAt: (i: number) => EventFieldsRecord;
  /**
   * The sum of the counter `key` (`cleaned` or `invalidated`) over the
   * events of pairs `from` to `to - 1`. Absent: every pair's counters are
   * those of pair 0.
   */
  readonly sumOf?: (key: string, from: number, to: number) => number;
}

/**
 * Receives events as they happen.
 *
 * @example Usage
 * ```ts
 * import type { EventSink } from "./event_sink.ts";
 * const lines: string[] = [];
 * const sink: EventSink = {
 *   enabled: true,
 *   emit(name, vcpu, pcpu, pc) {
 *     lines.push(`${name} vcpu=${vcpu} pcpu=${pcpu} pc=${pc}`);
 *     return lines.length - 1;
 *   },
 * };
 * sink.emit("kvm_exit", 0, 0, 0x40000000, { reason: "dcsw", ec: 0x18 });
 * ```
 */
export interface EventSink {
  /**
   * False when every event is dropped: callers may then skip an event
   * altogether, its fields unbuilt. A sink that reads any event says true.
   */
  readonly enabled: boolean;
  /**
   * Records one event.
   *
   * @param name the event name, e.g. `"stage2_flush_vm"`
   * @param vcpu the vCPU index, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param fields the event's own fields; the sink copies them, so callers may reuse the object
   * @returns the index of the record that holds the event (-1 when dropped)
   */
  emit(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields?: EventFieldsRecord,
  ): number;
  /**
   * Records `n` identical events in a row, exactly as `n` calls of
   * {@linkcode EventSink.emit} would (a sink may fold them at once).
   * Optional: without it callers call `emit` `n` times.
   *
   * @param name the event name
   * @param vcpu the vCPU index, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param fields the event's own fields
   * @param n how many, at least 1
   * @returns the index of the record that holds the last one (-1 when dropped)
   */
  emitRepeated?(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields: EventFieldsRecord | undefined,
    n: number,
  ): number;
  /**
   * Records `n` pairs of events, `first` then `second`, exactly as `2n`
   * calls of {@linkcode EventSink.emit} would (a sink may fold them at
   * once). The `second` events differ only in their slot fields (`set`,
   * `way`), and in their counters when `second.sumOf` adds them up: the
   * exits of a trapped walk and the slot operations they cause.
   * Optional: without it callers emit the pairs one by one.
   *
   * @param vcpu the vCPU index, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param first the first event of each pair: its name and fields
   * @param second the second event: its name, and its fields for pair `i`
   * @param n how many pairs, at least 1
   */
  emitPairs?(
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    first: PairFirst,
    second: PairSecond,
    n: number,
  ): void;
  /**
   * Starts or ends a set/way walk. Inside a walk a sink may fold each
   * repeated event into the matching one of the walk's last two records (the
   * exit and the action it caused; never a record from before the walk),
   * ignoring the slot (`set`, `way`) and summing
   * `cleaned` and `invalidated`, so that a 16 896-instruction walk reads as
   * a handful of records.
   *
   * @param on true at the start of a walk, false at its end
   */
  foldWalk?(on: boolean): void;
  /**
   * Records one guest data access: the event `name` (`"read"` or
   * `"write"`) with the fields `{ addr, value, cacheable }`, and `cycles`
   * after them when given, exactly as {@linkcode EventSink.emit} with that
   * fields object would. Optional: it lets a sink build its record without
   * the fields object, on the path every guest access takes.
   *
   * @param name `"read"` or `"write"`
   * @param vcpu the vCPU index
   * @param pcpu the physical CPU
   * @param pc the guest PC
   * @param addr the address accessed
   * @param value the value read or written, unsigned
   * @param cacheable whether the access was cacheable
   * @param cycles its modelled cycles, or undefined for no `cycles` field
   * @returns the index of the record that holds the event (-1 when dropped)
   */
  emitAccess?(
    name: string,
    vcpu: number,
    pcpu: number,
    pc: number,
    addr: number,
    value: number,
    cacheable: boolean,
    cycles: number | undefined,
  ): number;
}

/**
 * Records one guest data access on `sink`: through its `emitAccess` when it
 * has one, else one `emit` with the fields `{ addr, value, cacheable }`
 * (and `cycles` when given).
 *
 * @example Usage
 * ```ts
 * import { emitAccessOn, NULL_SINK } from "./event_sink.ts";
 * console.log(emitAccessOn(NULL_SINK, "read", 0, 0, 0x40, 0x4000_1000, 7, true, undefined)); // -1
 * ```
 * @param sink where the event goes
 * @param name `"read"` or `"write"`
 * @param vcpu the vCPU index
 * @param pcpu the physical CPU
 * @param pc the guest PC
 * @param addr the address accessed
 * @param value the value read or written, unsigned
 * @param cacheable whether the access was cacheable
 * @param cycles its modelled cycles, or undefined for no `cycles` field
 * @returns the index of the record that holds the event (-1 when dropped)
 */
export function emitAccessOn(
  sink: EventSink,
  name: string,
  vcpu: number,
  pcpu: number,
  pc: number,
  addr: number,
  value: number,
  cacheable: boolean,
  cycles: number | undefined,
): number {
  if (sink.emitAccess !== undefined) {
    return sink.emitAccess(name, vcpu, pcpu, pc, addr, value, cacheable, cycles);
  }
  return sink.emit(
    name,
    vcpu,
    pcpu,
    pc,
    cycles === undefined ? { addr, value, cacheable } : { addr, value, cacheable, cycles },
  );
}

/**
 * Records `n` identical events on `sink`: through its `emitRepeated` when it
 * has one, else one `emit` each.
 *
 * @example Usage
 * ```ts
 * import { emitRepeatedOn, NULL_SINK } from "./event_sink.ts";
 * console.log(emitRepeatedOn(NULL_SINK, "kvm_exit", 0, 0, 0x40, undefined, 3)); // -1
 * ```
 * @param sink where the events go
 * @param name the event name
 * @param vcpu the vCPU index, or null
 * @param pcpu the physical CPU, or null
 * @param pc the guest PC, or null
 * @param fields the event's own fields
 * @param n how many, at least 1
 * @returns the index of the record that holds the last one (-1 when dropped)
 */
export function emitRepeatedOn(
  sink: EventSink,
  name: string,
  vcpu: number | null,
  pcpu: number | null,
  pc: number | null,
  fields: EventFieldsRecord | undefined,
  n: number,
): number {
  if (sink.emitRepeated !== undefined) return sink.emitRepeated(name, vcpu, pcpu, pc, fields, n);
  let index = -1;
  for (let i = 0; i < n; i++) index = sink.emit(name, vcpu, pcpu, pc, fields);
  return index;
}

/**
 * Records `n` pairs of events on `sink`: through its `emitPairs` when it has
 * one, else two `emit`s a pair.
 *
 * @example Usage
 * ```ts
 * import { emitPairsOn, NULL_SINK } from "./event_sink.ts";
 * emitPairsOn(NULL_SINK, 0, 0, 0x40, { name: "kvm_exit", fields: undefined }, {
 *   name: "sw_local",
 *   fieldsAt: (i) => ({ set: i, way: 0 }),
 * }, 4);
 * ```
 * @param sink where the events go
 * @param vcpu the vCPU index, or null
 * @param pcpu the physical CPU, or null
 * @param pc the guest PC, or null
 * @param first the first event of each pair
 * @param second the second event, with its fields for pair `i`
 * @param n how many pairs
 */
export function emitPairsOn(
  sink: EventSink,
  vcpu: number | null,
  pcpu: number | null,
  pc: number | null,
  first: PairFirst,
  second: PairSecond,
  n: number,
): void {
  if (sink.emitPairs !== undefined) {
    sink.emitPairs(vcpu, pcpu, pc, first, second, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    sink.emit(first.name, vcpu, pcpu, pc, first.fields);
    sink.emit(second.name, vcpu, pcpu, pc, second.fieldsAt(i));
  }
}

/**
 * A sink that drops every event.
 *
 * @example Usage
 * ```ts
 * import { NULL_SINK } from "./event_sink.ts";
 * console.log(NULL_SINK.emit("read", 0, 0, 0)); // -1
 * ```
 */
export const NULL_SINK: EventSink = Object.freeze({
  enabled: false,
  emit: () => -1,
  emitAccess: () => -1,
  // Folded at once, so that a trapped walk of thousands of slots builds no fields for nothing.
  emitRepeated: () => -1,
  emitPairs: () => {},
});
