/**
 * The event log as one frozen object per record, built as each event comes:
 * the reference the columnar {@linkcode EventLog} (event_log.ts) is tested
 * against. It collapses and folds exactly as that log does (see its module
 * documentation); `run()` uses the columnar one.
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
import type { EventFieldsRecord, EventSink, PairFirst, PairSecond } from "../hyp/event_sink.ts";
import { NO_METER, type WorkMeter } from "../hw/work_meter.ts";
import {
  ACCESS_KEYS,
  ACCESS_KEYS_CYCLES,
  foldable,
  foldChanges,
  isSlotField,
  isSummedField,
  type MutableEvent,
  NO_KEYS,
  sameFields,
  sameKeys,
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
  readonly #frozenKeys = new WeakMap<EventFieldsRecord, readonly string[]>();
  /** Keys of frozen objects without slot or summed fields: folding never changes such a record. */
  readonly #constant = new WeakSet<readonly string[]>();
  /**
   * Per record, the frozen fields object its values equal (undefined when
   * none): an event with that same object matches without comparing fields.
   */
  readonly #sources: (EventFieldsRecord | undefined)[] = [];
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
    const keys = this.#keysOf(fields);
    if (!this.#collapse) return this.#push(seq, name, vcpu, pcpu, pc, keys, fields);
    if (this.#folding) {
      const folded = this.#fold(name, vcpu, pcpu, pc, keys, fields);
      if (folded >= 0) return folded;
    }
    const last = records.length > 0 ? records[records.length - 1] : undefined;
    if (
      last !== undefined && last.name === name && last.vcpu === vcpu && last.pcpu === pcpu &&
      last.pc === pc && (
        (fields !== undefined && this.#sources[records.length - 1] === fields) ||
        sameFields(last, this.#keys[records.length - 1], keys, fields)
      )
    ) {
      last.count++;
      return records.length - 1;
    }
    return this.#push(seq, name, vcpu, pcpu, pc, keys, fields);
  }

  /**
   * Records one guest data access, as {@linkcode ObjectEventLog.emit} with the
   * fields `{ addr, value, cacheable }` (then `cycles` when given) would,
   * building the record at once instead of copying a fields object.
   * @param name the event name, `"read"` or `"write"`
   * @param vcpu the vCPU
   * @param pcpu the physical CPU
   * @param pc the guest PC
   * @param addr the address accessed
   * @param value the value read or written
   * @param cacheable whether the access was cacheable
   * @param cycles its cycles, or undefined for no `cycles` field
   * @returns the index of the record that holds it
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
    if (this.#folding) {
      // Folding inside a set/way walk compares field by field: the general path.
      return this.emit(
        name,
        vcpu,
        pcpu,
        pc,
        cycles === undefined ? { addr, value, cacheable } : { addr, value, cacheable, cycles },
      );
    }
    if (this.#finished !== null) throw new Error("EventLog.emit: the log is finished");
    this.#meter.work(1);
    const records = this.#records;
    const seq = this.#nextSeq++;
    const keys = cycles === undefined ? ACCESS_KEYS : ACCESS_KEYS_CYCLES;
    const n = records.length;
    if (this.#collapse && n > 0) {
      const last = records[n - 1];
      if (
        last.name === name && last.vcpu === vcpu && last.pcpu === pcpu && last.pc === pc &&
        sameKeys(this.#keys[n - 1], keys) && last.addr === addr && last.value === value &&
        last.cacheable === cacheable && (cycles === undefined || last.cycles === cycles)
      ) {
        last.count++;
        return n - 1;
      }
    }
    const record: MutableEvent = cycles === undefined
      ? { seq, name, vcpu, pcpu, pc, count: 1, addr, value, cacheable }
      : { seq, name, vcpu, pcpu, pc, count: 1, addr, value, cacheable, cycles };
    records.push(record);
    this.#keys.push(keys);
    this.#sources.push(undefined);
    this.#meter.eventRecords(records.length);
    return records.length - 1;
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
    this.#sources.push(fields !== undefined && this.#constant.has(keys) ? fields : undefined);
    this.#meter.eventRecords(records.length);
    return records.length - 1;
  }

  /**
   * Records `n` identical events in a row, as `n` calls of
   * {@linkcode ObjectEventLog.emit} would: once the second lands in the same
   * record as the first, so would every later one, and the rest are counted
   * at once (summed fields are added up as folding would).
   * @param name the event name
   * @param vcpu the vCPU, or null
   * @param pcpu the physical CPU, or null
   * @param pc the guest PC, or null
   * @param fields the event's fields (copied)
   * @param n how many, at least 1
   * @returns the index of the record that holds the last one
   */
  emitRepeated(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields: EventFieldsRecord | undefined,
    n: number,
  ): number {
    const first = this.emit(name, vcpu, pcpu, pc, fields);
    if (n <= 1) return first;
    if (!this.#collapse) {
      let index = first;
      for (let done = 1; done < n; done++) index = this.emit(name, vcpu, pcpu, pc, fields);
      return index;
    }
    const second = this.emit(name, vcpu, pcpu, pc, fields);
    const keys = this.#keys[second];
    if (second !== first || foldChanges(keys)) {
      let index = second;
      for (let done = 2; done < n; done++) index = this.emit(name, vcpu, pcpu, pc, fields);
      return index;
    }
    // Both landed in one record that folding leaves unchanged: so would the rest.
    const rest = n - 2;
    this.#meter.work(rest);
    this.#records[second].count += rest;
    this.#nextSeq += rest;
    return second;
  }

  /**
   * Records `n` pairs of events as `2n` calls of {@linkcode ObjectEventLog.emit}
   * would. Once the second pair folds into the same two records as the
   * first (the last two: inside a walk), so would every later pair, and the
   * rest are counted at once; the `second` events must differ only in their
   * slot fields, so the summed fields add up as the second pair's.
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
    let a = -1, b = -1;
    for (let i = 0; i < n; i++) {
      const a0 = a, b0 = b;
      a = this.emit(first.name, vcpu, pcpu, pc, first.fields);
      const fields = second.fieldsAt(i);
      b = this.emit(second.name, vcpu, pcpu, pc, fields);
      const records = this.#records;
      if (!this.#collapse) continue;
      // The pair's two records must be the last two (in either order): the ones folding looks at.
      if (i === 0 || a !== a0 || b !== b0 || Math.min(a, b) !== records.length - 2 || a === b) {
        continue;
      }
      // Pair i folded into the same last two records as pair i - 1: the
      // records' compared fields did not change, so every later pair would too.
      const rest = n - 1 - i;
      this.#meter.work(2 * rest);
      records[a].count += rest;
      const s = records[b];
      s.count += rest;
      for (const key of this.#keys[b]) {
        if (isSummedField(key)) (s[key] as number) += rest * (fields[key] as number);
      }
      this.#nextSeq += 2 * rest;
      return;
    }
  }

  /** The field names of `fields`; a frozen object's are listed once. */
  #keysOf(fields: EventFieldsRecord | undefined): readonly string[] {
    if (fields === undefined) return NO_KEYS;
    if (!Object.isFrozen(fields)) return Object.keys(fields);
    let keys = this.#frozenKeys.get(fields);
    if (keys === undefined) {
      this.#frozenKeys.set(fields, keys = Object.keys(fields));
      if (!foldChanges(keys)) this.#constant.add(keys);
    }
    return keys;
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
    this.#sources[index] = undefined;
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
      if (fields !== undefined && this.#sources[index] === fields) {
        r.count++;
        return index;
      }
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
