import assert from "node:assert/strict";
import fc from "fast-check";
import { EventLog } from "../../lib/engine/event_log.ts";
import { vm } from "../../mod.ts";

Deno.test("EventLog: identical consecutive events collapse; seq advances by count", () => {
  const log = new EventLog();
  const exit = { reason: "dcsw", ec: 0x18 };
  log.emit("sw_walk", 0, 0, 0x100, { op: "cisw", levels: 2, instructions: 3 });
  for (let i = 0; i < 3; i++) log.emit("kvm_exit", 0, 0, 0x100, exit);
  log.emit("kvm_exit", 0, 0, 0x104, exit); // another PC: a new record
  log.emit("kvm_exit", 0, 1, 0x104, exit); // another CPU: a new record
  log.emit("kvm_exit", 0, 1, 0x104, { reason: "vm_reg", ec: 0x18 }); // other fields
  log.emit("kvm_exit", 0, 1, 0x104, { ec: 0x18, reason: "vm_reg" }); // other field order
  log.emit("host_write", null, 2, null, { addr: 0x4000_0000, value: 1 });
  assert.equal(log.size, 9);
  const events = log.finish();
  assert.deepEqual(events.map((e) => [e.name, e.seq, e.count]), [
    ["sw_walk", 0, 1],
    ["kvm_exit", 1, 3],
    ["kvm_exit", 4, 1],
    ["kvm_exit", 5, 1],
    ["kvm_exit", 6, 1],
    ["kvm_exit", 7, 1],
    ["host_write", 8, 1],
  ]);
  assert.deepEqual(events[1], {
    seq: 1,
    name: "kvm_exit",
    vcpu: 0,
    pcpu: 0,
    pc: 0x100,
    count: 3,
    reason: "dcsw",
    ec: 0x18,
  });
  assert.ok(Object.isFrozen(events[0]));
  assert.throws(() => log.emit("read", 0, 0, 0, {}));
});

Deno.test("EventLog: update fills in a field; unknown fields are refused", () => {
  const log = new EventLog();
  const i = log.emit("stale_read", 0, 0, 0x40, {
    addr: 0x1000,
    expected: 1,
    got: 0,
    blame: "pending",
  });
  log.update(i, "blame", "guest");
  assert.throws(() => log.update(i, "nope", 1), RangeError);
  assert.throws(() => log.update(7, "blame", "x"), RangeError);
  assert.equal(log.finish()[0].blame, "guest");
});

Deno.test("EventLog: a shared frozen fields object folds by identity until its record is updated", () => {
  const log = new EventLog();
  const exit = Object.freeze({ reason: "TRAP", ec: 0x18 });
  log.foldWalk(true);
  log.emit("kvm_exit", 0, 0, 0x40, exit);
  log.emit("sw_local", 0, 0, 0x40, { op: "cisw", set: 0, way: 0, cleaned: 1, invalidated: 1 });
  log.emit("kvm_exit", 0, 0, 0x40, exit);
  log.emit("sw_local", 0, 0, 0x40, { op: "cisw", set: 0, way: 1, cleaned: 0, invalidated: 1 });
  log.foldWalk(false);
  log.emit("kvm_exit", 0, 0, 0x40, exit);
  // An equal but distinct object matches too, by value.
  log.emit("kvm_exit", 0, 0, 0x40, { reason: "TRAP", ec: 0x18 });
  // Another frozen object with other values never matches.
  log.emit("kvm_exit", 0, 0, 0x40, Object.freeze({ reason: "TRAP", ec: 0x03 }));
  const stale = Object.freeze({ addr: 0x1000, blame: "pending" });
  const first = log.emit("stale_read", 0, 0, 0x44, stale);
  log.update(first, "blame", "guest");
  // The record no longer holds the object's values: no fold.
  log.emit("stale_read", 0, 0, 0x44, stale);
  const events = log.finish();
  assert.deepEqual(
    events.map((e) => [e.name, e.count, e.ec ?? e.blame ?? e.cleaned]),
    [
      ["kvm_exit", 2, 0x18],
      ["sw_local", 2, 1],
      ["kvm_exit", 2, 0x18],
      ["kvm_exit", 1, 0x03],
      ["stale_read", 1, "guest"],
      ["stale_read", 1, "pending"],
    ],
  );
});

Deno.test("EventLog: a walk folds only into its own records, not the previous walk's at the same PC", () => {
  const log = new EventLog();
  const exit = Object.freeze({ reason: "dcsw", ec: 0x18 });
  const walk = (levels: number) => {
    log.emit("sw_walk", 0, 0, 0x100, { op: "csw", levels, instructions: 2 * levels });
    log.foldWalk(true);
    for (let level = 1; level <= levels; level++) {
      for (let set = 0; set < 2; set++) {
        log.emit("kvm_exit", 0, 0, 0x100, exit);
        log.emit("sw_local", 0, 0, 0x100, { op: "csw", level, set, way: 0 });
      }
    }
    log.foldWalk(false);
  };
  // The first walk ends on a kvm_exit record of two levels' order (level 2's
  // exits after its sw_local): the second walk's first exit matches it.
  walk(2);
  walk(2);
  const events = log.finish();
  assert.deepEqual(events.map((e) => [e.name, e.seq, e.count, e.level ?? null]), [
    ["sw_walk", 0, 1, null],
    ["kvm_exit", 1, 3, null],
    ["sw_local", 2, 2, 1],
    ["sw_local", 6, 2, 2],
    ["kvm_exit", 7, 1, null],
    ["sw_walk", 9, 1, null],
    ["kvm_exit", 10, 3, null],
    ["sw_local", 11, 2, 1],
    ["sw_local", 15, 2, 2],
    ["kvm_exit", 16, 1, null],
  ]);
});

Deno.test("EventLog: two walks of one routine under kvm-3.18 keep each walk's records after its sw_walk, seq contiguous", async () => {
  const r = await vm().policy("kvm-3.18").guest((g) =>
    g.pc(0x40001000).sw_clean().pc(0x40001000).sw_clean()
  ).run();
  const events = r.events;
  const walks = events.flatMap((e, i) => (e.name === "sw_walk" ? [i] : []));
  assert.equal(walks.length, 2);
  const [a, b] = walks;
  const total = events.reduce((n, e) => n + e.count, 0);
  // Each walk's records lie in its own places, from its sw_walk to the next
  // one, and their counts fill them (inside a walk, records interleave).
  const span = (from: number, to: number) => {
    const end = to < events.length ? events[to].seq : total;
    const records = events.slice(from, to);
    for (const e of records) assert.ok(e.seq >= events[from].seq && e.seq < end, `${e.name}`);
    return records.reduce((n, e) => n + e.count, 0);
  };
  assert.equal(span(a, b), events[b].seq - events[a].seq);
  assert.equal(span(b, events.length), total - events[b].seq);
  const exits = (from: number, to: number) =>
    events.slice(from, to).filter((e) => e.name === "kvm_exit").reduce((n, e) => n + e.count, 0);
  assert.equal(exits(a + 1, b), events[a].instructions);
  assert.equal(exits(b + 1, events.length), events[b].instructions);
  assert.equal(events[b + 1].name, "kvm_exit");
  assert.equal(events[b + 1].seq, events[b].seq + 1);
});

Deno.test("property: emitPairs and emitRepeated record exactly what one emit per event records", () => {
  const exitA = Object.freeze({ reason: "dcsw", ec: 0x18 });
  const exitB = Object.freeze({ reason: "dcsw", ec: 0x03 });
  const event = fc.oneof(
    fc.record({ kind: fc.constant("exit" as const), fields: fc.constantFrom(exitA, exitB) }),
    fc.record({
      kind: fc.constant("sw" as const),
      level: fc.integer({ min: 1, max: 2 }),
      set: fc.nat(7),
      cleaned: fc.nat(2),
    }),
    fc.record({ kind: fc.constant("fold" as const), on: fc.boolean() }),
  );
  type Ev = typeof event extends fc.Arbitrary<infer T> ? T : never;
  const sw = (level: number, set: number, cleaned: number) => ({
    op: "cisw",
    level,
    set,
    way: 0,
    cleaned,
    invalidated: cleaned,
  });
  const play = (log: EventLog, evs: readonly Ev[]) => {
    for (const e of evs) {
      if (e.kind === "fold") log.foldWalk(e.on);
      else if (e.kind === "exit") log.emit("kvm_exit", 0, 0, 0x40, e.fields);
      else log.emit("sw_local", 0, 0, 0x40, sw(e.level, e.set, e.cleaned));
    }
  };
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 12 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 2 }),
      fc.nat(2),
      fc.array(event, { maxLength: 4 }),
      (prefix, pairs, n, level, cleaned, suffix) => {
        const bulk = new EventLog(), one = new EventLog();
        play(bulk, prefix);
        play(one, prefix);
        if (pairs) {
          const second = { name: "sw_local", fieldsAt: (i: number) => sw(level, i, cleaned) };
          bulk.emitPairs(0, 0, 0x40, { name: "kvm_exit", fields: exitA }, second, n);
          for (let i = 0; i < n; i++) {
            one.emit("kvm_exit", 0, 0, 0x40, exitA);
            one.emit("sw_local", 0, 0, 0x40, second.fieldsAt(i));
          }
        } else {
          bulk.emitRepeated("kvm_exit", 0, 0, 0x40, exitA, n);
          for (let i = 0; i < n; i++) one.emit("kvm_exit", 0, 0, 0x40, exitA);
        }
        play(bulk, suffix);
        play(one, suffix);
        assert.equal(bulk.size, one.size);
        assert.deepEqual(bulk.finish(), one.finish());
      },
    ),
    { seed: 20261209, numRuns: 400 },
  );
});

Deno.test("property: emitPairs with counters that differ from pair to pair (sumOf) records what one emit per event records", () => {
  const exit = Object.freeze({ reason: "dcsw", ec: 0x18 });
  const sw = (level: number, set: number, cleaned: number, invalidated: number) => ({
    op: "cisw",
    level,
    set,
    way: 0,
    cleaned,
    invalidated,
  });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 2 }), fc.nat(2)), { maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(2), fc.nat(1)), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 2 }),
      fc.boolean(),
      fc.boolean(),
      (prefix, counters, level, walk, collapse) => {
        const bulk = new EventLog(undefined, { collapse });
        const one = new EventLog(undefined, { collapse });
        for (const log of [bulk, one]) {
          if (walk) log.foldWalk(true);
          for (const [l, c] of prefix) {
            log.emit("kvm_exit", 0, 0, 0x40, exit);
            log.emit("sw_local", 0, 0, 0x40, sw(l, 9, c, c));
          }
        }
        const second = {
          name: "sw_local",
          fieldsAt: (i: number) => sw(level, i, counters[i][0], counters[i][1]),
          sumOf: (key: string, from: number, to: number) => {
            let total = 0;
            for (let i = from; i < to; i++) total += counters[i][key === "cleaned" ? 0 : 1];
            return total;
          },
        };
        const n = counters.length;
        bulk.emitPairs(0, 0, 0x40, { name: "kvm_exit", fields: exit }, second, n);
        for (let i = 0; i < n; i++) {
          one.emit("kvm_exit", 0, 0, 0x40, exit);
          one.emit("sw_local", 0, 0, 0x40, second.fieldsAt(i));
        }
        assert.equal(bulk.size, one.size);
        assert.deepEqual(bulk.finish(), one.finish());
      },
    ),
    { seed: 20261210, numRuns: 300 },
  );
});
