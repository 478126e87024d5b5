/**
 * An {@linkcode EventSink} that gives every event its modelled `cycles`
 * (lib/hyp/costs.ts) before passing it on, so that each record of a run
 * says what one occurrence of the event cost. An event that already carries
 * `cycles` (the engine knows what a guest set/way op cost: nothing when it
 * trapped) keeps them.
 *
 * @example Usage
 * ```ts
 * import { CostingSink } from "./costing_sink.ts";
 * import { EventLog } from "./event_log.ts";
 * import { DEFAULT_COSTS } from "@setway/setway/policies";
 * const log = new EventLog();
 * const sink = new CostingSink(log, DEFAULT_COSTS);
 * sink.emit("kvm_exit", 0, 0, 0x40000000, { reason: "dcsw", ec: 0x18 });
 * console.log(log.finish()[0].cycles); // 6500
 * ```
 *
 * @module
 */

import {
  emitAccessOn,
  emitPairsOn,
  emitRepeatedOn,
  type EventFieldsRecord,
  type EventSink,
  type PairFirst,
  type PairSecond,
} from "../hyp/event_sink.ts";
import { type CostTable, eventCycles } from "../hyp/costs.ts";

/**
 * Adds `cycles` to each event and forwards it.
 *
 * @example Usage
 * ```ts
 * import { CostingSink } from "./costing_sink.ts";
 * import { EventLog } from "./event_log.ts";
 * import { resolveCosts } from "@setway/setway/policies";
 * const log = new EventLog();
 * new CostingSink(log, resolveCosts([{ dcLine: 10 }], "costs"))
 *   .emit("dc_cvac", 0, 0, 0x40000000, { addr: 0x40001000, len: 128, lines: 2 });
 * console.log(log.finish()[0].cycles); // 20
 * ```
 */
export class CostingSink implements EventSink {
  readonly #inner: EventSink;
  readonly #table: CostTable;
  readonly #costed = new WeakMap<object, Map<string, EventFieldsRecord>>();
  // The last frozen fields object costed, and its copy: the exits of a walk repeat it.
  #lastFields: EventFieldsRecord | undefined = undefined;
  #lastName = "";
  #lastCosted: EventFieldsRecord | undefined = undefined;
  /** The cycles of a read and of a write: they depend on the name alone. */
  readonly #readCycles: number;
  readonly #writeCycles: number;

  /**
   * Wraps a sink.
   * @param inner where the events go, with their cycles
   * @param table the run's resolved cost table
   */
  constructor(inner: EventSink, table: CostTable) {
    this.#inner = inner;
    this.#table = table;
    this.#readCycles = eventCycles("read", undefined, table);
    this.#writeCycles = eventCycles("write", undefined, table);
  }

  /** Whether the wrapped sink keeps events. */
  get enabled(): boolean {
    return this.#inner.enabled;
  }

  /** The cost table events are charged with. */
  get table(): CostTable {
    return this.#table;
  }

  /**
   * Records one event with its `cycles`.
   * @param name the event name
   * @param vcpu the vCPU, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param fields the event's fields; `cycles` among them is kept as given
   * @returns what the wrapped sink returns (the record index)
   */
  emit(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields?: EventFieldsRecord,
  ): number {
    return this.#inner.emit(name, vcpu, pcpu, pc, this.#withCycles(name, fields));
  }

  /**
   * Records `n` identical events with their `cycles`, through the wrapped
   * sink's `emitRepeated` when it has one.
   * @param name the event name
   * @param vcpu the vCPU, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param fields the event's fields
   * @param n how many, at least 1
   * @returns what the wrapped sink returns for the last one
   */
  emitRepeated(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields: EventFieldsRecord | undefined,
    n: number,
  ): number {
    return emitRepeatedOn(this.#inner, name, vcpu, pcpu, pc, this.#withCycles(name, fields), n);
  }

  /**
   * Records `n` pairs of events with their `cycles`, through the wrapped
   * sink's `emitPairs` when it has one.
   * @param vcpu the vCPU, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param first the first event of each pair
   * @param second the second event, with its fields for pair `i`
   * @param n how many pairs
   */
  emitPairs(
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    first: PairFirst,
    second: PairSecond,
    n: number,
  ): void {
    const a = { name: first.name, fields: this.#withCycles(first.name, first.fields) };
    const b = {
      name: second.name,
      fieldsAt: (i: number) => this.#withCycles(second.name, second.fieldsAt(i))!,
      // The counters are kept as given: their sums are the caller's.
      ...(second.sumOf === undefined ? {} : { sumOf: second.sumOf }),
    };
    emitPairsOn(this.#inner, vcpu, pcpu, pc, a, b, n);
  }

  /**
   * Records one guest data access with its `cycles`, as
   * {@linkcode CostingSink.emit} with the fields `{ addr, value, cacheable }`
   * would, without building them: a read's or write's cost depends on its
   * name alone (`eventCycles`).
   * @param name `"read"` or `"write"`
   * @param vcpu the vCPU index
   * @param pcpu the physical CPU
   * @param pc the guest PC
   * @param addr the address accessed
   * @param value the value read or written, unsigned
   * @param cacheable whether the access was cacheable
   * @param cycles its cycles when the caller gives them, kept as given
   * @returns what the wrapped sink returns (the record index)
   */
  emitAccess(
    name: string,
    vcpu: number,
    pcpu: number,
    pc: number,
    addr: number,
    value: number,
    cacheable: boolean,
    cycles: number | undefined,
  ): number {
    if (cycles === undefined && this.#inner.enabled) {
      if (name === "read") cycles = this.#readCycles;
      else if (name === "write") cycles = this.#writeCycles;
      else return this.emit(name, vcpu, pcpu, pc, { addr, value, cacheable });
    }
    return emitAccessOn(this.#inner, name, vcpu, pcpu, pc, addr, value, cacheable, cycles);
  }

  /** The fields with their `cycles`: as given when they have them or nobody keeps them. */
  #withCycles(name: string, fields: EventFieldsRecord | undefined): EventFieldsRecord | undefined {
    if (fields === this.#lastFields && name === this.#lastName) return this.#lastCosted;
    if (!this.#inner.enabled) return fields;
    if (fields !== undefined && Object.hasOwn(fields, "cycles")) return fields;
    // A frozen fields object is a constant (the exits of a set/way walk share one):
    // its costed copy is made once per name, not once per event.
    if (fields !== undefined && Object.isFrozen(fields)) {
      let byName = this.#costed.get(fields);
      if (byName === undefined) this.#costed.set(fields, byName = new Map());
      let costed = byName.get(name);
      if (costed === undefined) {
        costed = Object.freeze({ ...fields, cycles: eventCycles(name, fields, this.#table) });
        byName.set(name, costed);
      }
      this.#lastFields = fields;
      this.#lastName = name;
      this.#lastCosted = costed;
      return costed;
    }
    return { ...fields, cycles: eventCycles(name, fields, this.#table) };
  }

  /**
   * Starts or ends a set/way walk, as the wrapped sink does.
   * @param on true at the start of the walk, false at its end
   */
  foldWalk(on: boolean): void {
    this.#inner.foldWalk?.(on);
  }
}
