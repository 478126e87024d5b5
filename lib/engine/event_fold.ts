/**
 * The collapse and fold rules every event log follows: when a record may
 * take the next event (identical fields; or, inside a set/way walk, the
 * same fields but the slot's, with the per-slot counters added up). The
 * columnar log (event_log.ts) and the object-per-record log it is tested
 * against (object_event_log.ts) differ in how they store records, not in
 * these rules, so both take them from here.
 *
 * @example Usage
 * ```ts
 * import { foldable, type MutableEvent } from "./event_fold.ts";
 * const r: MutableEvent = { seq: 1, name: "dc_sw", vcpu: 0, pcpu: 0, pc: 0, count: 1, set: 0, cleaned: 1 };
 * console.log(foldable(r, ["set", "cleaned"], ["set", "cleaned"], { set: 1, cleaned: 0 })); // true
 * ```
 *
 * @module
 */

import type { EventFieldValue } from "../hyp/events.ts";
import type { EventFieldsRecord } from "../hyp/event_sink.ts";

/**
 * A record while it may still grow: its count, and its summed counters
 * when a walk folds into it.
 *
 * @example Usage
 * ```ts
 * import type { MutableEvent } from "./event_fold.ts";
 * const r: MutableEvent = { seq: 1, name: "read", vcpu: 0, pcpu: 0, pc: 0, count: 1, addr: 0x40000000 };
 * r.count++;
 * ```
 */
export type MutableEvent = {
  seq: number;
  name: string;
  vcpu: number | null;
  pcpu: number | null;
  pc: number | null;
  count: number;
  [field: string]: EventFieldValue;
};

/**
 * The field names of an event with no fields.
 *
 * @example Usage
 * ```ts
 * import { NO_KEYS } from "./event_fold.ts";
 * console.log(NO_KEYS.length); // 0
 * ```
 */
export const NO_KEYS: readonly string[] = Object.freeze([]);

/**
 * The field names of a guest data access without cycles (`emitAccess`).
 *
 * @example Usage
 * ```ts
 * import { ACCESS_KEYS } from "./event_fold.ts";
 * console.log(ACCESS_KEYS.join()); // "addr,value,cacheable"
 * ```
 */
export const ACCESS_KEYS: readonly string[] = Object.freeze(["addr", "value", "cacheable"]);

/**
 * The field names of a guest data access with its cycles (`emitAccess`).
 *
 * @example Usage
 * ```ts
 * import { ACCESS_KEYS_CYCLES } from "./event_fold.ts";
 * console.log(ACCESS_KEYS_CYCLES.at(-1)); // "cycles"
 * ```
 */
export const ACCESS_KEYS_CYCLES: readonly string[] = Object.freeze([
  "addr",
  "value",
  "cacheable",
  "cycles",
]);

/**
 * Whether two lists of field names are the same, in the same order.
 *
 * @example Usage
 * ```ts
 * import { ACCESS_KEYS, sameKeys } from "./event_fold.ts";
 * console.log(sameKeys(ACCESS_KEYS, ["addr", "value", "cacheable"])); // true
 * ```
 * @param a one list
 * @param b the other
 * @returns whether they match
 */
export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether a field names a cache slot: dropped when a walk folds.
 *
 * @example Usage
 * ```ts
 * import { isSlotField } from "./event_fold.ts";
 * console.log(isSlotField("way"), isSlotField("addr")); // true false
 * ```
 * @param key a field name
 * @returns whether it is `set` or `way`
 */
export function isSlotField(key: string): boolean {
  return key === "set" || key === "way";
}

/**
 * Whether a field is a counter that adds up when a walk folds.
 *
 * @example Usage
 * ```ts
 * import { isSummedField } from "./event_fold.ts";
 * console.log(isSummedField("cleaned")); // true
 * ```
 * @param key a field name
 * @returns whether it is `cleaned` or `invalidated`
 */
export function isSummedField(key: string): boolean {
  return key === "cleaned" || key === "invalidated";
}

/**
 * Whether folding into a record with these fields changes it (slot fields,
 * summed counters).
 *
 * @example Usage
 * ```ts
 * import { foldChanges } from "./event_fold.ts";
 * console.log(foldChanges(["level", "set", "way"]), foldChanges(["level"])); // true false
 * ```
 * @param keys the record's field names
 * @returns whether a fold would change it
 */
export function foldChanges(keys: readonly string[]): boolean {
  return keys.some((k) => isSlotField(k) || isSummedField(k));
}

/**
 * Whether an event may fold into a record inside a set/way walk: the same
 * field names, and the same values except the slot's and the summed
 * counters (which must both be numbers).
 *
 * @example Usage
 * ```ts
 * import { foldable, type MutableEvent } from "./event_fold.ts";
 * const r: MutableEvent = { seq: 1, name: "dc_sw", vcpu: 0, pcpu: 0, pc: 0, count: 1, level: 1, way: 0 };
 * console.log(foldable(r, ["level", "way"], ["level", "way"], { level: 2, way: 1 })); // false
 * ```
 * @param record the record
 * @param recordKeys its field names
 * @param keys the event's field names
 * @param fields the event's fields
 * @returns whether it folds
 */
export function foldable(
  record: MutableEvent,
  recordKeys: readonly string[],
  keys: readonly string[],
  fields: EventFieldsRecord | undefined,
): boolean {
  if (recordKeys.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (recordKeys[i] !== key) return false;
    if (isSlotField(key)) continue;
    if (isSummedField(key)) {
      if (typeof record[key] !== "number" || typeof fields![key] !== "number") return false;
      continue;
    }
    if (record[key] !== fields![key]) return false;
  }
  return true;
}

/**
 * Whether an event's fields equal a record's, name for name and in order:
 * the test for collapsing identical events.
 *
 * @example Usage
 * ```ts
 * import { sameFields, type MutableEvent } from "./event_fold.ts";
 * const r: MutableEvent = { seq: 1, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 1, ec: 0x18 };
 * console.log(sameFields(r, ["ec"], ["ec"], { ec: 0x18 })); // true
 * ```
 * @param last the record
 * @param lastKeys its field names
 * @param keys the event's field names
 * @param fields the event's fields
 * @returns whether they are equal
 */
export function sameFields(
  last: MutableEvent,
  lastKeys: readonly string[],
  keys: readonly string[],
  fields: EventFieldsRecord | undefined,
): boolean {
  if (lastKeys.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (lastKeys[i] !== key || last[key] !== fields![key]) return false;
  }
  return true;
}
