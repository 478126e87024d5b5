/**
 * The event log as one frozen object per record, built as each event comes:
 * the reference the columnar {@linkcode EventLog} (event_log.ts) is tested
 * against. It collapses and folds exactly as that log does (see its module
 * documentation); `run()` uses the columnar one. It has no shortcuts for
 * accesses, repeated or paired events: `emitAccessOn`, `emitRepeatedOn`
 * and `emitPairsOn` (event_sink.ts) then make plain calls of `emit`, which
 * is what the columnar log's shortcuts must equal.
 *
 * @example Usage
 * ```ts
 * import { ObjectEventLog } from "./object_event_log.ts";
 * const log = new ObjectEventLog();
 * log.emit("kvm_exit", 0, 0, 0x40000000, { reason: "dcsw", ec: 0x18 });
 * log.emit("kvm_exit", 0, 0, 0x40000000, { reason: "dcsw", ec: 0x18 });
 * console.log(log.finish()[0].count); // 2
 * ```
 *
 * @module
 */

import type { EventFieldValue, SetwayEvent } from "../hyp/events.ts";
import type { EventFieldsRecord, EventSink } from "../hyp/event_sink.ts";
import { NO_METER, type WorkMeter } from "../hw/work_meter.ts";
import {
  foldable,
  isSlotField,
  isSummedField,
  type MutableEvent,
  NO_KEYS,
  sameFields,
} from "./event_fold.ts";

/**
 * Records events with sequence numbers, collapsing consecutive identical ones.
 *
 * @example Usage
 * ```ts
 * import { ObjectEventLog } from "./object_event_log.ts";
 * const log = new ObjectEventLog();
 * const i = log.emit("stale_read", 0, 0, 0x40000010, { addr: 0x40001000, blame: "pending" });
 * log.update(i, "blame", "guest");
 * console.log(log.finish()[0].blame); // "guest"
 * ```
 */
export class ObjectEventLog implements EventSink {
  /** Always true: the log keeps everything. */
  readonly enabled = true;
  readonly #records: MutableEvent[] = [];
  /** The field names of each record, in order (records never gain or lose fields). */
  readonly #keys: (readonly string[])[] = [];
  #nextSeq = 0;
  #folding = false;
  /** Index of the first record of the walk being folded: folding looks no further back. */
  #walkFrom = 0;
  #finished: readonly SetwayEvent[] | null = null;
  readonly #meter: WorkMeter;
  readonly #collapse: boolean;

  /**
   * An empty log.
   * @param meter told of each event and each record kept (the run's budget), so that a
   *   policy that emits without end is stopped as it emits; default nobody
   * @param options `collapse: false` keeps one record per event; default true
   */
  constructor(meter: WorkMeter = NO_METER, options: { readonly collapse?: boolean } = {}) {
    this.#meter = meter;
    this.#collapse = options.collapse !== false;
  }

  /** Number of events recorded so far, counting each collapsed event. */
  get size(): number {
    return this.#nextSeq;
  }

  /** Number of records kept so far (a run of collapsed events is one record). */
  get records(): number {
    return this.#records.length;
  }

  /**
   * Records one event.
   * @param name the event name
   * @param vcpu the vCPU, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param fields the event's fields (copied)
   * @returns the index of the record that holds it
   */
  emit(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields?: EventFieldsRecord,
  ): number {
    if (this.#finished !== null) throw new Error("EventLog.emit: the log is finished");
    this.#meter.work(1);
    const records = this.#records;
    const seq = this.#nextSeq++;
    const keys = fields === undefined ? NO_KEYS : Object.keys(fields);
    if (!this.#collapse) return this.#push(seq, name, vcpu, pcpu, pc, keys, fields);
    if (this.#folding) {
      const folded = this.#fold(name, vcpu, pcpu, pc, keys, fields);
      if (folded >= 0) return folded;
    }
    const last = records.length > 0 ? records[records.length - 1] : undefined;
    if (
      last !== undefined && last.name === name && last.vcpu === vcpu && last.pcpu === pcpu &&
      last.pc === pc && sameFields(last, this.#keys[records.length - 1], keys, fields)
    ) {
      last.count++;
      return records.length - 1;
    }
    return this.#push(seq, name, vcpu, pcpu, pc, keys, fields);
  }

  /** Adds a new record of one event. */
  #push(
    seq: number,
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    keys: readonly string[],
    fields: EventFieldsRecord | undefined,
  ): number {
    const records = this.#records;
    const record: MutableEvent = { seq, name, vcpu, pcpu, pc, count: 1 };
    for (const key of keys) record[key] = fields![key];
    records.push(record);
    this.#keys.push(keys);
    this.#meter.eventRecords(records.length);
    return records.length - 1;
  }

  /**
   * Starts or ends a set/way walk, inside which repeated events fold into
   * the last two records of the walk (see the module documentation).
   * @param on true at the start of the walk, false at its end
   */
  foldWalk(on: boolean): void {
    this.#folding = on;
    this.#walkFrom = this.#records.length;
  }

  /**
   * Changes one field of a record already logged (the oracle fills in a
   * violation's blame once the reference runs are done).
   * @param index the record index {@linkcode ObjectEventLog.emit} returned
   * @param field the field to set
   * @param value its new value
   */
  update(index: number, field: string, value: EventFieldValue): void {
    if (this.#finished !== null) throw new Error("EventLog.update: the log is finished");
    const record = this.#records[index];
    if (record === undefined || !Object.hasOwn(record, field)) {
      throw new RangeError(`EventLog.update: no field ${field} in record ${index}`);
    }
    record[field] = value;
  }

  /**
   * Ends the log.
   * @returns the frozen records, in run order
   */
  finish(): readonly SetwayEvent[] {
    if (this.#finished === null) {
      for (const r of this.#records) Object.freeze(r);
      // The log takes no more records: its own array is handed out, frozen, not copied.
      this.#finished = Object.freeze(this.#records);
    }
    return this.#finished;
  }

  /**
   * Ends the log, as {@linkcode ObjectEventLog.finish} does.
   * @returns the frozen records, in run order
   */
  seal(): readonly SetwayEvent[] {
    return this.finish();
  }

  #fold(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    keys: readonly string[],
    fields: EventFieldsRecord | undefined,
  ): number {
    const records = this.#records;
    for (let back = 1; back <= 2 && back <= records.length - this.#walkFrom; back++) {
      const index = records.length - back;
      const r = records[index];
      if (r.name !== name || r.vcpu !== vcpu || r.pcpu !== pcpu || r.pc !== pc) continue;
      if (!foldable(r, this.#keys[index], keys, fields)) continue;
      r.count++;
      for (const key of keys) {
        if (isSlotField(key)) r[key] = null;
        else if (isSummedField(key)) (r[key] as number) += fields![key] as number;
      }
      return index;
    }
    return -1;
  }
}
