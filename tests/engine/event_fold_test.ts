// The collapse and fold rules shared by both event logs: which fields name a slot, which add
// up, when an event may join a record; and what both logs record by them.
import assert from "node:assert/strict";
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
} from "../../lib/engine/event_fold.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { ObjectEventLog } from "../../lib/engine/object_event_log.ts";
import { emitAccessOn, emitRepeatedOn, type EventFieldsRecord } from "../../lib/hyp/event_sink.ts";
import type { EventFieldValue } from "../../lib/hyp/events.ts";

/** Both logs: the columnar one and the object-per-record reference. */
const LOGS = [
  ["columnar", () => new EventLog()],
  ["objects", () => new ObjectEventLog()],
] as const;

/** A record of a local set/way op with these fields. */
function record(fields: Record<string, EventFieldValue>): MutableEvent {
  return { seq: 0, name: "sw_local", vcpu: 0, pcpu: 0, pc: 0x40, count: 1, ...fields };
}

/** What `sw_local` events at one PC inside one walk leave: each record's count and fields. */
function walk(
  make: () => EventLog | ObjectEventLog,
  events: readonly EventFieldsRecord[],
): Record<string, EventFieldValue>[] {
  const log = make();
  log.foldWalk(true);
  for (const fields of events) log.emit("sw_local", 0, 0, 0x40, fields);
  log.foldWalk(false);
  return log.finish().map(({ seq: _seq, name: _name, vcpu: _v, pcpu: _p, pc: _pc, ...rest }) =>
    rest
  );
}

Deno.test("fold rules: field lists match by name and order; the access fields are fixed", () => {
  assert.equal(sameKeys(["addr", "value"], ["addr", "value"]), true);
  assert.equal(sameKeys(["addr", "value"], ["value", "addr"]), false);
  assert.equal(sameKeys(["addr", "value"], ["addr", "value", "cacheable"]), false);
  assert.equal(sameKeys(["addr", "value", "cacheable"], ["addr", "value"]), false);
  assert.equal(sameKeys(ACCESS_KEYS, ["addr", "value", "cacheable"]), true);
  assert.deepEqual([...ACCESS_KEYS], ["addr", "value", "cacheable"]);
  assert.deepEqual([...ACCESS_KEYS_CYCLES], ["addr", "value", "cacheable", "cycles"]);
  assert.deepEqual([...NO_KEYS], []);
});

Deno.test("fold rules: set and way name a slot; cleaned and invalidated add up", () => {
  assert.deepEqual(
    ["set", "way", "level", "addr", "cleaned"].map(isSlotField),
    [true, true, false, false, false],
  );
  assert.deepEqual(
    ["cleaned", "invalidated", "lines", "set"].map(isSummedField),
    [true, true, false, false],
  );
  // a fold changes a record that has a slot or a counter, and only such a record
  assert.equal(foldChanges(["op", "level", "set", "way"]), true);
  assert.equal(foldChanges(["op", "way"]), true);
  assert.equal(foldChanges(["pages", "lines", "cleaned"]), true);
  assert.equal(foldChanges(["invalidated"]), true);
  assert.equal(foldChanges(["op", "level"]), false);
  assert.equal(foldChanges(NO_KEYS), false);
});

Deno.test("fold rules: an event folds with the same fields in order, equal but for slot and counters", () => {
  const keys = ["op", "level", "set", "way", "cleaned"];
  const r = record({ op: "cisw", level: 1, set: 0, way: 0, cleaned: 1 });
  assert.equal(foldable(r, keys, keys, { op: "cisw", level: 1, set: 5, way: 2, cleaned: 0 }), true);
  assert.equal(foldable(r, keys, keys, { op: "csw", level: 1, set: 5, way: 2, cleaned: 0 }), false);
  assert.equal(
    foldable(r, keys, keys, { op: "cisw", level: 2, set: 0, way: 0, cleaned: 1 }),
    false,
  );
  // another number of fields, or other names in the same places
  const fewer = ["op", "level", "set", "way"];
  assert.equal(foldable(r, keys, fewer, { op: "cisw", level: 1, set: 0, way: 0 }), false);
  const more = [...keys, "invalidated"];
  const fields = { op: "cisw", level: 1, set: 0, way: 0, cleaned: 1, invalidated: 1 };
  assert.equal(foldable(r, keys, more, fields), false);
  const reordered = ["level", "op", "set", "way", "cleaned"];
  assert.equal(
    foldable(r, keys, reordered, { level: 1, op: "cisw", set: 0, way: 0, cleaned: 1 }),
    false,
  );
  // counters must both be numbers to add up
  const c = ["op", "cleaned"];
  assert.equal(
    foldable(record({ op: "cisw", cleaned: 1 }), c, c, { op: "cisw", cleaned: 2 }),
    true,
  );
  assert.equal(
    foldable(record({ op: "cisw", cleaned: 1 }), c, c, { op: "cisw", cleaned: null }),
    false,
  );
  assert.equal(
    foldable(record({ op: "cisw", cleaned: null }), c, c, { op: "cisw", cleaned: 1 }),
    false,
  );
  assert.equal(
    foldable(record({ op: "cisw", cleaned: null }), c, c, { op: "cisw", cleaned: null }),
    false,
  );
});

Deno.test("fold rules: an event collapses with equal fields of the same names in the same order", () => {
  const r = record({ reason: "dcsw", ec: 0x18 });
  const keys = ["reason", "ec"];
  assert.equal(sameFields(r, keys, keys, { reason: "dcsw", ec: 0x18 }), true);
  assert.equal(sameFields(r, keys, keys, { reason: "dcsw", ec: 0x03 }), false);
  assert.equal(sameFields(r, keys, ["ec", "reason"], { ec: 0x18, reason: "dcsw" }), false);
  assert.equal(sameFields(r, keys, ["reason"], { reason: "dcsw" }), false);
  assert.equal(
    sameFields(r, keys, ["reason", "ec", "cycles"], { reason: "dcsw", ec: 0x18, cycles: 0 }),
    false,
  );
  // slots and counters count too outside a walk
  const s = record({ set: 0, cleaned: 1 });
  assert.equal(
    sameFields(s, ["set", "cleaned"], ["set", "cleaned"], { set: 1, cleaned: 1 }),
    false,
  );
});

for (const [kind, make] of LOGS) {
  Deno.test(`${kind} log: inside a walk, ops on other slots fold; their counters add up`, () => {
    assert.deepEqual(
      walk(make, [
        { op: "cisw", level: 1, set: 0, way: 0, cleaned: 1, invalidated: 1 },
        { op: "cisw", level: 1, set: 1, way: 3, cleaned: 0, invalidated: 2 },
        { op: "cisw", level: 1, set: 7, way: 1, cleaned: 1, invalidated: 0 },
      ]),
      [{ count: 3, op: "cisw", level: 1, set: null, way: null, cleaned: 2, invalidated: 3 }],
    );
  });

  Deno.test(`${kind} log: inside a walk, fields of another number, order or type do not fold`, () => {
    // one field fewer
    assert.deepEqual(walk(make, [{ op: "csw", set: 0, way: 0 }, { op: "csw", set: 1 }]), [
      { count: 1, op: "csw", set: 0, way: 0 },
      { count: 1, op: "csw", set: 1 },
    ]);
    // the same fields in another order
    assert.deepEqual(
      walk(make, [{ op: "csw", level: 1, set: 0 }, { level: 1, op: "csw", set: 1 }]),
      [{ count: 1, op: "csw", level: 1, set: 0 }, { count: 1, level: 1, op: "csw", set: 1 }],
    );
    // counters that are not numbers, in the event or in the record
    assert.deepEqual(
      walk(make, [{ op: "csw", set: 0, cleaned: 1 }, { op: "csw", set: 1, cleaned: null }]),
      [{ count: 1, op: "csw", set: 0, cleaned: 1 }, { count: 1, op: "csw", set: 1, cleaned: null }],
    );
    assert.deepEqual(
      walk(make, [{ op: "csw", set: 0, cleaned: null }, { op: "csw", set: 1, cleaned: null }]),
      [
        { count: 1, op: "csw", set: 0, cleaned: null },
        { count: 1, op: "csw", set: 1, cleaned: null },
      ],
    );
  });

  Deno.test(`${kind} log: inside a walk, one shared frozen event adds its counters each time`, () => {
    const local = Object.freeze({ op: "cisw", level: 2, cleaned: 1, invalidated: 2 });
    assert.deepEqual(walk(make, [local, local, local]), [
      { count: 3, op: "cisw", level: 2, cleaned: 3, invalidated: 6 },
    ]);
    const log = make();
    log.foldWalk(true);
    emitRepeatedOn(log, "sw_local", 0, 0, 0x40, { op: "csw", level: 1, cleaned: 1 }, 4);
    log.foldWalk(false);
    const [r] = log.finish();
    assert.deepEqual([r.count, r.cleaned], [4, 4]);
  });

  Deno.test(`${kind} log: a walk's events never fold into the previous walk's, at the same PC`, () => {
    const log = make();
    const op = (set: number) => ({ op: "csw", level: 1, set, way: 0, cleaned: 1, invalidated: 0 });
    for (const set of [0, 1]) {
      log.emit("sw_walk", 0, 0, 0x40, { op: "csw", levels: 1, instructions: 1 });
      log.foldWalk(true);
      log.emit("sw_local", 0, 0, 0x40, op(set));
      log.foldWalk(false);
    }
    // The second walk's op is two records back from its own: it stays after its sw_walk.
    const records = log.finish();
    assert.deepEqual(records.map((r) => [r.name, r.count, r.set]), [
      ["sw_walk", 1, undefined],
      ["sw_local", 1, 0],
      ["sw_walk", 1, undefined],
      ["sw_local", 1, 1],
    ]);
  });

  Deno.test(`${kind} log: outside a walk, identical events collapse and keep their counters`, () => {
    const log = make();
    emitRepeatedOn(log, "stage2_flush_vm", 0, 0, 0x40, { pages: 1, lines: 64, cleaned: 2 }, 3);
    const [r] = log.finish();
    assert.deepEqual([r.count, r.lines, r.cleaned], [3, 64, 2]);
  });

  Deno.test(`${kind} log: an access and the same fields in another order stay apart`, () => {
    const A = 0x4000_0000;
    const log = make();
    emitAccessOn(log, "read", 0, 0, 0x40, A, 5, true, undefined);
    log.emit("read", 0, 0, 0x40, { addr: A, value: 5, cacheable: true }); // the same
    log.emit("read", 0, 0, 0x40, { value: 5, addr: A, cacheable: true });
    emitAccessOn(log, "read", 0, 0, 0x40, A, 5, true, undefined);
    emitAccessOn(log, "read", 0, 0, 0x40, A, 5, true, 3);
    log.emit("read", 0, 0, 0x40, { addr: A, value: 5, cacheable: true, cycles: 3 }); // the same
    log.emit("read", 0, 0, 0x40, { addr: A, value: 5, cacheable: true });
    assert.deepEqual(
      log.finish().map((e) => [e.seq, e.count, Object.keys(e).slice(6).join()]),
      [
        [0, 2, "addr,value,cacheable"],
        [2, 1, "value,addr,cacheable"],
        [3, 1, "addr,value,cacheable"],
        [4, 2, "addr,value,cacheable,cycles"],
        [6, 1, "addr,value,cacheable"],
      ],
    );
  });
}
