/**
 * The run's event log: events in run order, with runs of identical events
 * collapsed into one record.
 *
 * Every record gets a `seq`, its place in the run. When an event is identical
 * to the previous record in everything but `seq` (same name, vCPU, physical
 * CPU, PC and fields, in the same order), the record's `count` grows instead
 * and `seq` advances by one all the same: a record's `seq` is the place of
 * the first event it stands for, and the next record starts at `seq + count`.
 * So a trapped set/way walk of 16 896 instructions under KVM 4.0 reads as one
 * `sw_walk` and one `kvm_exit` with `count: 16896`.
 *
 * Inside a set/way walk ({@linkcode EventLog.foldWalk}) the log folds more:
 * an event joins the matching record among the last two of that walk (never
 * one from before the walk started, such as the previous walk's last exit at
 * the same PC: a walk's records stay after its own `sw_walk` and cover
 * exactly its events' places), ignoring the slot
 * (`set`, `way`, which become null) and summing `cleaned` and `invalidated`.
 * Under KVM 3.18 each trapped instruction is an exit followed by a local S/W
 * op on a different slot; folded, the walk reads as one `kvm_exit` and one
 * `sw_local` record, each with the walk's count and the walk's totals. The
 * order inside the walk is then the order of first occurrence.
 *
 * A log made with `{ collapse: false }` keeps every event as its own record
 * (`count` 1, slots and counters as emitted): what a raw trace prints.
 *
 * Guest reads and writes ({@linkcode EventLog.emitAccess}), nearly every
 * record of a long program, are kept in typed-array columns, one entry per
 * record; other records are objects. Event objects are built only when the
 * events are read ({@linkcode EventLog.finish}); {@linkcode EventLog.seal}
 * ends the log without building them, and a run's cost is counted from the
 * columns. object_event_log.ts keeps the log as one object per record from
 * the start: the reference this one is tested against.
 *
 * @example Usage
 * ```ts
 * import { EventLog } from "./event_log.ts";
 * const log = new EventLog();
 * log.emit("kvm_exit", 0, 0, 0x40000000, { reason: "dcsw", ec: 0x18 });
 * log.emit("kvm_exit", 0, 0, 0x40000000, { reason: "dcsw", ec: 0x18 });
 * log.emit("kvm_set_way_flush", 0, 0, 0x40000000, { cache: true });
 * const events = log.finish();
 * console.log(events.length, events[0].count, events[1].seq); // 2 2 2
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
 * An access record's tag: its name's id times 4, plus 2 when it has a
 * `cycles` field, plus 1 when the access was cacheable.
 */
const TAG_CYCLES = 2, TAG_CACHEABLE = 1;
/** The tag of a record kept as an object. */
const OBJECT_TAG = -1;

/** Whether `x` fits an Int32Array entry exactly (-0 does not). */
function isInt32(x: number): boolean {
  return (x | 0) === x && (x !== 0 || 1 / x > 0);
}

/** Whether `x` fits a Uint32Array entry exactly (-0 does not). */
function isUint32(x: number): boolean {
  return x >>> 0 === x && (x !== 0 || 1 / x > 0);
}

/** A record kept as an object: its fields' names, and the frozen fields object its values equal. */
type ObjectRecord = {
  readonly record: MutableEvent;
  /** The field names, in order (records never gain or lose fields). */
  readonly keys: readonly string[];
  /**
   * The frozen fields object the record's values equal (undefined when
   * none): an event with that same object matches without comparing fields.
   */
  source: EventFieldsRecord | undefined;
};

/**
 * A finished log's records, read without building event objects.
 *
 * @example Usage
 * ```ts
 * import { EventLog, type LoggedEvents } from "./event_log.ts";
 * const log = new EventLog();
 * log.emitAccess("read", 0, 0, 0x40, 0x40001000, 7, true, 1);
 * const logged: LoggedEvents = log.seal();
 * console.log(logged.length, logged.nameAt(0), logged.fieldAt(0, "cycles")); // 1 read 1
 * ```
 */
export interface LoggedEvents {
  /** Number of records. */
  readonly length: number;
  /**
   * The name of record `i`.
   * @param i the record index
   */
  nameAt(i: number): string;
  /**
   * How many events record `i` stands for.
   * @param i the record index
   */
  countAt(i: number): number;
  /**
   * A field of record `i` (`seq`, `name`, ... included), or undefined when it has none.
   * @param i the record index
   * @param key the field name
   */
  fieldAt(i: number, key: string): EventFieldValue | undefined;
  /** The frozen records, in run order, built on the first call. */
  finish(): readonly SetwayEvent[];
}

/**
 * Records events with sequence numbers, collapsing consecutive identical ones.
 *
 * @example Usage
 * ```ts
 * import { EventLog } from "./event_log.ts";
 * const log = new EventLog();
 * const i = log.emit("stale_read", 0, 0, 0x40000010, { addr: 0x40001000, blame: "pending" });
 * log.update(i, "blame", "guest");
 * console.log(log.finish()[0].blame); // "guest"
 * ```
 */
export class EventLog implements EventSink, LoggedEvents {
  /** Always true: the log keeps everything. */
  readonly enabled = true;
  /** Number of records. */
  #n = 0;
  /** The records kept as objects (their tag is {@linkcode OBJECT_TAG}), by index. */
  #objects = new Map<number, ObjectRecord>();
  // The columns, indexed by record: every record's tag, the rest for access records.
  #tag = new Int32Array(0);
  #seq = new Float64Array(0);
  #count = new Float64Array(0);
  #vcpu = new Int32Array(0);
  #pcpu = new Int32Array(0);
  #pc = new Float64Array(0);
  #addr = new Float64Array(0);
  #value = new Uint32Array(0);
  #cycles = new Float64Array(0);
  /** Room the columns start with, at the first access record. */
  readonly #capacity: number;
  /** The names of access records, by the id the name column holds. */
  readonly #names: string[] = ["read", "write"];
  readonly #nameIds = new Map<string, number>([["read", 0], ["write", 1]]);
  readonly #frozenKeys = new WeakMap<EventFieldsRecord, readonly string[]>();
  /** Keys of frozen objects without slot or summed fields: folding never changes such a record. */
  readonly #constant = new WeakSet<readonly string[]>();
  #nextSeq = 0;
  #folding = false;
  /** Index of the first record of the walk being folded: folding looks no further back. */
  #walkFrom = 0;
  #sealed = false;
  #finished: readonly SetwayEvent[] | null = null;
  readonly #meter: WorkMeter;
  readonly #collapse: boolean;

  /**
   * An empty log.
   * @param meter told of each event and each record kept (the run's budget), so that a
   *   policy that emits without end is stopped as it emits; default nobody
   * @param options `collapse: false` keeps one record per event; default true.
   *   `capacity`: how many records to make room for at once (a run gives the
   *   records its program is expected to make, so that the columns are not
   *   regrown); default 256, at most 2^22
   */
  constructor(
    meter: WorkMeter = NO_METER,
    options: { readonly collapse?: boolean; readonly capacity?: number } = {},
  ) {
    this.#meter = meter;
    this.#collapse = options.collapse !== false;
    const capacity = options.capacity ?? 256;
    this.#capacity = Number.isInteger(capacity) && capacity >= 1
      ? Math.min(capacity, 1 << 22)
      : 256;
  }

  /** Number of events recorded so far, counting each collapsed event. */
  get size(): number {
    return this.#nextSeq;
  }

  /** Number of records kept so far (a run of collapsed events is one record). */
  get records(): number {
    return this.#n;
  }

  /** Number of records (the same as {@linkcode EventLog.records}). */
  get length(): number {
    return this.#n;
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
    if (this.#sealed) throw new Error("EventLog.emit: the log is finished");
    this.#meter.work(1);
    const seq = this.#nextSeq++;
    const keys = this.#keysOf(fields);
    if (!this.#collapse) return this.#push(seq, name, vcpu, pcpu, pc, keys, fields);
    if (this.#folding) {
      const folded = this.#fold(name, vcpu, pcpu, pc, keys, fields);
      if (folded >= 0) return folded;
    }
    const last = this.#n - 1;
    if (last >= 0) {
      const o = this.#objectAt(last);
      if (o === undefined) {
        if (this.#accessMatches(last, name, vcpu, pcpu, pc, keys, fields)) {
          this.#count[last]++;
          return last;
        }
      } else {
        const r = o.record;
        if (
          r.name === name && r.vcpu === vcpu && r.pcpu === pcpu && r.pc === pc && (
            (fields !== undefined && o.source === fields) || sameFields(r, o.keys, keys, fields)
          )
        ) {
          r.count++;
          return last;
        }
      }
    }
    return this.#push(seq, name, vcpu, pcpu, pc, keys, fields);
  }

  /**
   * Records one guest data access, as {@linkcode EventLog.emit} with the
   * fields `{ addr, value, cacheable }` (then `cycles` when given) would,
   * into the access columns instead of an object.
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
    if (
      this.#folding || typeof cacheable !== "boolean" || !isInt32(vcpu) || !isInt32(pcpu) ||
      typeof pc !== "number" || typeof addr !== "number" || !isUint32(value) ||
      (cycles !== undefined && typeof cycles !== "number")
    ) {
      // Folding inside a set/way walk compares field by field, and what the
      // columns cannot hold is kept as an object: the general path.
      return this.emit(
        name,
        vcpu,
        pcpu,
        pc,
        cycles === undefined ? { addr, value, cacheable } : { addr, value, cacheable, cycles },
      );
    }
    if (this.#sealed) throw new Error("EventLog.emit: the log is finished");
    this.#meter.work(1);
    const seq = this.#nextSeq++;
    const id = name === "read" ? 0 : name === "write" ? 1 : this.#nameId(name);
    const tag = 4 * id + (cycles === undefined ? 0 : TAG_CYCLES) + (cacheable ? TAG_CACHEABLE : 0);
    const n = this.#n;
    if (this.#collapse && n > 0) {
      const last = n - 1;
      const lastTag = this.#tag[last];
      if (lastTag !== OBJECT_TAG) {
        if (
          lastTag === tag && this.#vcpu[last] === vcpu && this.#pcpu[last] === pcpu &&
          this.#pc[last] === pc && this.#addr[last] === addr && this.#value[last] === value &&
          (cycles === undefined || this.#cycles[last] === cycles)
        ) {
          this.#count[last]++;
          return last;
        }
      } else {
        const o = this.#objects.get(last)!;
        const r = o.record;
        if (
          r.name === name && r.vcpu === vcpu && r.pcpu === pcpu && r.pc === pc &&
          sameKeys(o.keys, cycles === undefined ? ACCESS_KEYS : ACCESS_KEYS_CYCLES) &&
          r.addr === addr && r.value === value && r.cacheable === cacheable &&
          (cycles === undefined || r.cycles === cycles)
        ) {
          r.count++;
          return last;
        }
      }
    }
    if (n >= this.#tag.length) this.#grow(n + 1);
    this.#tag[n] = tag;
    this.#seq[n] = seq;
    this.#count[n] = 1;
    this.#vcpu[n] = vcpu;
    this.#pcpu[n] = pcpu;
    this.#pc[n] = pc;
    this.#addr[n] = addr;
    this.#value[n] = value;
    if (cycles !== undefined) this.#cycles[n] = cycles;
    this.#n = n + 1;
    this.#meter.eventRecords(n + 1);
    return n;
  }

  /** The id of an access record's name in the name column. */
  #nameId(name: string): number {
    let id = this.#nameIds.get(name);
    if (id === undefined) {
      id = this.#names.length;
      this.#names.push(name);
      this.#nameIds.set(name, id);
    }
    return id;
  }

  /**
   * Makes room in the columns for at least `n` records: the capacity first,
   * then half as many again each time (a run's capacity is close to what
   * it needs: doubling would leave up to half of a large log unused).
   */
  #grow(n: number): void {
    const length = this.#tag.length;
    const room = Math.max(n, length === 0 ? this.#capacity : length + (length >> 1) + 16);
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(room);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(room);
      b.set(a);
      return b;
    };
    const value = new Uint32Array(room);
    value.set(this.#value);
    this.#value = value;
    this.#tag = i32(this.#tag);
    this.#vcpu = i32(this.#vcpu);
    this.#pcpu = i32(this.#pcpu);
    this.#seq = f64(this.#seq);
    this.#count = f64(this.#count);
    this.#pc = f64(this.#pc);
    this.#addr = f64(this.#addr);
    this.#cycles = f64(this.#cycles);
  }

  /**
   * Whether an event equals access record `i` in everything but `seq`. An
   * access record has no slot or summed field, so this is also whether the
   * event folds into it.
   */
  #accessMatches(
    i: number,
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    keys: readonly string[],
    fields: EventFieldsRecord | undefined,
  ): boolean {
    const tag = this.#tag[i];
    if (
      this.#names[tag >> 2] !== name || this.#vcpu[i] !== vcpu ||
      this.#pcpu[i] !== pcpu || this.#pc[i] !== pc
    ) return false;
    const recordKeys = (tag & TAG_CYCLES) === 0 ? ACCESS_KEYS : ACCESS_KEYS_CYCLES;
    if (!sameKeys(recordKeys, keys)) return false;
    return this.#addr[i] === fields!.addr && this.#value[i] === fields!.value &&
      ((tag & TAG_CACHEABLE) !== 0) === fields!.cacheable &&
      (recordKeys === ACCESS_KEYS || this.#cycles[i] === fields!.cycles);
  }

  /** Adds a new object record of one event. */
  #push(
    seq: number,
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    keys: readonly string[],
    fields: EventFieldsRecord | undefined,
  ): number {
    const record: MutableEvent = { seq, name, vcpu, pcpu, pc, count: 1 };
    for (const key of keys) record[key] = fields![key];
    const n = this.#n;
    if (n >= this.#tag.length) this.#grow(n + 1);
    this.#tag[n] = OBJECT_TAG;
    this.#objects.set(n, {
      record,
      keys,
      source: fields !== undefined && this.#constant.has(keys) ? fields : undefined,
    });
    this.#n = n + 1;
    this.#meter.eventRecords(n + 1);
    return n;
  }

  /** Record `i` when it is kept as an object, else undefined. */
  #objectAt(i: number): ObjectRecord | undefined {
    return this.#tag[i] === OBJECT_TAG ? this.#objects.get(i) : undefined;
  }

  /** The field names of record `i`. */
  #keysAt(i: number): readonly string[] {
    const o = this.#objectAt(i);
    if (o !== undefined) return o.keys;
    return (this.#tag[i] & TAG_CYCLES) === 0 ? ACCESS_KEYS : ACCESS_KEYS_CYCLES;
  }

  /** Adds `k` to the count of record `i`. */
  #addCount(i: number, k: number): void {
    const o = this.#objectAt(i);
    if (o !== undefined) o.record.count += k;
    else this.#count[i] += k;
  }

  /**
   * Records `n` identical events in a row, as `n` calls of
   * {@linkcode EventLog.emit} would: once the second lands in the same
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
    const keys = this.#keysAt(second);
    if (second !== first || foldChanges(keys)) {
      let index = second;
      for (let done = 2; done < n; done++) index = this.emit(name, vcpu, pcpu, pc, fields);
      return index;
    }
    // Both landed in one record that folding leaves unchanged: so would the rest.
    const rest = n - 2;
    this.#meter.work(rest);
    this.#addCount(second, rest);
    this.#nextSeq += rest;
    return second;
  }

  /**
   * Records `n` pairs of events as `2n` calls of {@linkcode EventLog.emit}
   * would. Once the second pair folds into the same two records as the
   * first (the last two: inside a walk), so would every later pair, and the
   * rest are counted at once; the `second` events must differ only in
   * their slot fields, and in their summed fields when `second.sumOf` adds
   * those up (else they add up as the second pair's).
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
      if (!this.#collapse) continue;
      // The pair's two records must be the last two (in either order): the ones folding looks at.
      if (i === 0 || a !== a0 || b !== b0 || Math.min(a, b) !== this.#n - 2 || a === b) {
        continue;
      }
      // Pair i folded into the same last two records as pair i - 1: the
      // records' compared fields did not change, so every later pair would too.
      const rest = n - 1 - i;
      this.#meter.work(2 * rest);
      this.#addCount(a, rest);
      this.#addCount(b, rest);
      const o = this.#objectAt(b);
      if (o !== undefined) {
        const s = o.record;
        for (const key of o.keys) {
          if (!isSummedField(key)) continue;
          (s[key] as number) += second.sumOf === undefined
            ? rest * (fields[key] as number)
            : second.sumOf(key, i + 1, n);
        }
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
    this.#walkFrom = this.#n;
  }

  /**
   * Changes one field of a record already logged (the oracle fills in a
   * violation's blame once the reference runs are done).
   * @param index the record index {@linkcode EventLog.emit} returned
   * @param field the field to set
   * @param value its new value
   */
  update(index: number, field: string, value: EventFieldValue): void {
    if (this.#sealed) throw new Error("EventLog.update: the log is finished");
    const o = Number.isInteger(index) && index >= 0 && index < this.#n
      ? this.#objectAt(index) ?? this.#toObject(index)
      : undefined;
    if (o === undefined || !Object.hasOwn(o.record, field)) {
      throw new RangeError(`EventLog.update: no field ${field} in record ${index}`);
    }
    o.record[field] = value;
    o.source = undefined;
  }

  /** Moves access record `i` out of the columns into an object (its fields may then change). */
  #toObject(i: number): ObjectRecord {
    const o: ObjectRecord = { record: this.#build(i), keys: this.#keysAt(i), source: undefined };
    this.#objects.set(i, o);
    this.#tag[i] = OBJECT_TAG;
    return o;
  }

  /** Access record `i` as an object, its fields in the order `emit` would give them. */
  #build(i: number): MutableEvent {
    const tag = this.#tag[i];
    const seq = this.#seq[i], name = this.#names[tag >> 2], count = this.#count[i];
    const vcpu = this.#vcpu[i], pcpu = this.#pcpu[i], pc = this.#pc[i];
    const addr = this.#addr[i], value = this.#value[i], cacheable = (tag & TAG_CACHEABLE) !== 0;
    return (tag & TAG_CYCLES) === 0
      ? { seq, name, vcpu, pcpu, pc, count, addr, value, cacheable }
      : { seq, name, vcpu, pcpu, pc, count, addr, value, cacheable, cycles: this.#cycles[i] };
  }

  /**
   * Ends the log without building its events: they are built when
   * {@linkcode EventLog.finish} is first called.
   * @returns the log, to be read
   */
  seal(): LoggedEvents {
    this.#sealed = true;
    return this;
  }

  /**
   * The name of record `i`.
   * @param i the record index
   * @returns its event name
   */
  nameAt(i: number): string {
    if (this.#finished !== null) return this.#finished[i].name;
    const o = this.#objectAt(i);
    return o !== undefined ? o.record.name : this.#names[this.#tag[i] >> 2];
  }

  /**
   * How many events record `i` stands for.
   * @param i the record index
   * @returns its count
   */
  countAt(i: number): number {
    if (this.#finished !== null) return this.#finished[i].count;
    const o = this.#objectAt(i);
    return o !== undefined ? o.record.count : this.#count[i];
  }

  /**
   * A field of record `i`.
   * @param i the record index
   * @param key the field name
   * @returns its value, or undefined when the record has no such field
   */
  fieldAt(i: number, key: string): EventFieldValue | undefined {
    if (this.#finished !== null) {
      const e = this.#finished[i];
      return Object.hasOwn(e, key) ? e[key] : undefined;
    }
    const o = this.#objectAt(i);
    if (o !== undefined) return Object.hasOwn(o.record, key) ? o.record[key] : undefined;
    switch (key) {
      case "cycles":
        return (this.#tag[i] & TAG_CYCLES) !== 0 ? this.#cycles[i] : undefined;
      case "seq":
        return this.#seq[i];
      case "name":
        return this.#names[this.#tag[i] >> 2];
      case "vcpu":
        return this.#vcpu[i];
      case "pcpu":
        return this.#pcpu[i];
      case "pc":
        return this.#pc[i];
      case "count":
        return this.#count[i];
      case "addr":
        return this.#addr[i];
      case "value":
        return this.#value[i];
      case "cacheable":
        return (this.#tag[i] & TAG_CACHEABLE) !== 0;
      default:
        return undefined;
    }
  }

  /**
   * Ends the log and builds its events, once.
   * @returns the frozen records, in run order
   */
  finish(): readonly SetwayEvent[] {
    if (this.#finished === null) {
      this.#sealed = true;
      const out: SetwayEvent[] = [];
      for (let i = 0; i < this.#n; i++) {
        const o = this.#objectAt(i);
        out.push(Object.freeze(o !== undefined ? o.record : this.#build(i)));
      }
      this.#finished = Object.freeze(out);
      // The built events now stand for the records: the columns are let go.
      this.#objects = new Map();
      this.#tag = this.#vcpu = this.#pcpu = new Int32Array(0);
      this.#seq =
        this.#count =
        this.#pc =
        this.#addr =
        this.#cycles =
          new Float64Array(0);
      this.#value = new Uint32Array(0);
    }
    return this.#finished;
  }

  #fold(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    keys: readonly string[],
    fields: EventFieldsRecord | undefined,
  ): number {
    const n = this.#n;
    for (let back = 1; back <= 2 && back <= n - this.#walkFrom; back++) {
      const index = n - back;
      const o = this.#objectAt(index);
      if (o === undefined) {
        if (this.#accessMatches(index, name, vcpu, pcpu, pc, keys, fields)) {
          this.#count[index]++;
          return index;
        }
        continue;
      }
      const r = o.record;
      if (r.name !== name || r.vcpu !== vcpu || r.pcpu !== pcpu || r.pc !== pc) continue;
      if (fields !== undefined && o.source === fields) {
        r.count++;
        return index;
      }
      if (!foldable(r, o.keys, keys, fields)) continue;
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
