import assert from "node:assert/strict";
import fc from "fast-check";
import { CostingSink } from "../../lib/engine/costing_sink.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { resolveCosts } from "../../lib/hyp/costs.ts";
import type { EventFieldsRecord, EventSink } from "../../lib/hyp/event_sink.ts";

/** A sink with no bulk methods: records every emit call as it comes. */
class CallSink implements EventSink {
  readonly enabled = true;
  readonly calls: unknown[] = [];
  emit(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields?: EventFieldsRecord,
  ): number {
    this.calls.push([name, vcpu, pcpu, pc, fields === undefined ? undefined : { ...fields }]);
    return this.calls.length - 1;
  }
}

const EXIT_64 = Object.freeze({ reason: "dcsw", ec: 0x18 });
const EXIT_32 = Object.freeze({ reason: "dcsw", ec: 0x03 });

const single = fc.oneof(
  fc.record({ name: fc.constant("kvm_exit"), fields: fc.constantFrom(EXIT_64, EXIT_32) }),
  fc.record({
    name: fc.constant("sw_local"),
    fields: fc.record({
      op: fc.constant("cisw"),
      level: fc.constant(1),
      set: fc.nat(3),
      way: fc.nat(1),
      cleaned: fc.nat(1),
      invalidated: fc.nat(1),
    }),
  }),
  fc.record({
    name: fc.constant("flush_cache_all"),
    fields: fc.record({ slots: fc.nat(64), cleaned: fc.nat(3), invalidated: fc.nat(3) }),
  }),
  fc.record({
    name: fc.constant("read"),
    fields: fc.record({ addr: fc.constant(0x4000_0000), value: fc.nat(9) }),
  }),
);

/** Cost tables: the default, or one with some entries overridden. */
const table = fc.option(
  fc.record({ trap: fc.nat(10_000), swSlot: fc.nat(100) }, { requiredKeys: [] }),
  { nil: undefined },
).map((overrides) => resolveCosts([overrides], "costs"));

Deno.test("property: the costing sink's bulk emits record what one costed emit per event records", () => {
  fc.assert(
    fc.property(
      table,
      fc.array(single, { maxLength: 8 }),
      fc.boolean(),
      fc.constantFrom(EXIT_64, EXIT_32),
      fc.integer({ min: 1, max: 30 }),
      fc.nat(1),
      fc.array(single, { maxLength: 8 }),
      (costs, prefix, pairs, exit, n, cleaned, suffix) => {
        const second = {
          name: "sw_local",
          fieldsAt: (i: number) => ({
            op: "cisw",
            level: 1,
            set: i >> 1,
            way: i & 1,
            cleaned,
            invalidated: cleaned,
          }),
        };
        for (const inner of [() => new EventLog(), () => new CallSink()]) {
          const bulkInner = inner(), oneInner = inner();
          const bulk = new CostingSink(bulkInner, costs), one = new CostingSink(oneInner, costs);
          for (const e of prefix) {
            bulk.emit(e.name, 0, 1, 0x40, e.fields);
            one.emit(e.name, 0, 1, 0x40, e.fields);
          }
          if (pairs) {
            bulk.emitPairs(0, 1, 0x40, { name: "kvm_exit", fields: exit }, second, n);
            for (let i = 0; i < n; i++) {
              one.emit("kvm_exit", 0, 1, 0x40, exit);
              one.emit("sw_local", 0, 1, 0x40, second.fieldsAt(i));
            }
          } else {
            bulk.emitRepeated("kvm_exit", 0, 1, 0x40, exit, n);
            for (let i = 0; i < n; i++) one.emit("kvm_exit", 0, 1, 0x40, exit);
          }
          for (const e of suffix) {
            bulk.emit(e.name, 0, 1, 0x40, e.fields);
            one.emit(e.name, 0, 1, 0x40, e.fields);
          }
          if (bulkInner instanceof EventLog) {
            assert.deepEqual(bulkInner.finish(), (oneInner as EventLog).finish());
          } else {
            assert.deepEqual(bulkInner.calls, (oneInner as CallSink).calls);
          }
        }
      },
    ),
    { seed: 15, numRuns: 400 },
  );
});

Deno.test("the costing sink charges every exit of a bulk emit", () => {
  const log = new EventLog();
  const costs = resolveCosts([{ trap: 100 }], "costs");
  new CostingSink(log, costs).emitRepeated("kvm_exit", 0, 0, 0x40, EXIT_64, 3);
  const [e] = log.finish();
  assert.deepEqual([e.name, e.count, e.cycles], ["kvm_exit", 3, 100]);
});

Deno.test("the costing sink costs one frozen fields object by each event's own name", () => {
  const calls = new CallSink();
  const sink = new CostingSink(calls, resolveCosts([{ trap: 100, swSlot: 7 }], "costs"));
  const cyclesOf = (call: unknown) => ((call as unknown[])[4] as { cycles: number }).cycles;
  // One constant fields object under two names, in turn: each is charged its own rule.
  for (const name of ["kvm_exit", "sw_local", "sw_local", "kvm_exit", "sw_local"]) {
    sink.emit(name, 0, 0, 0x40, EXIT_64);
  }
  assert.deepEqual(calls.calls.map(cyclesOf), [100, 7, 7, 100, 7]);
  // Cycles the caller gave are kept.
  sink.emit("kvm_exit", 0, 0, 0x40, Object.freeze({ ...EXIT_64, cycles: 3 }));
  assert.equal(cyclesOf(calls.calls.at(-1)), 3);
});

Deno.test("the costing sink passes a set/way walk on: its pairs fold into two records with the slots' own totals", () => {
  const log = new EventLog();
  const sink = new CostingSink(log, resolveCosts([{ trap: 100, swSlot: 7 }], "costs"));
  // Slots cleaned unevenly: the walk's total is theirs, not a multiple of any one slot's.
  const cleaned = [1, 0, 0, 1, 1, 0];
  const second = {
    name: "sw_local",
    fieldsAt: (i: number) => ({
      op: "cisw",
      level: 1,
      set: i >> 1,
      way: i & 1,
      cleaned: cleaned[i],
      invalidated: 1,
    }),
    sumOf: (key: string, from: number, to: number) =>
      key === "cleaned" ? cleaned.slice(from, to).reduce((a, b) => a + b, 0) : to - from,
  };
  sink.foldWalk(true);
  sink.emitPairs(0, 1, 0x40, { name: "kvm_exit", fields: EXIT_64 }, second, cleaned.length);
  sink.foldWalk(false);
  const events = log.finish();
  assert.deepEqual(
    events.map((e) => [e.name, e.count, e.cycles, e.set, e.way, e.cleaned, e.invalidated]),
    [
      ["kvm_exit", 6, 100, undefined, undefined, undefined, undefined],
      ["sw_local", 6, 7, null, null, 3, 6],
    ],
  );
});

Deno.test("the costing sink keeps the cycles a caller gives a guest access, and costs one without them", () => {
  const calls = new CallSink();
  const sink = new CostingSink(calls, resolveCosts([{ access: 4 }], "costs"));
  sink.emitAccess("read", 0, 1, 0x40, 0x4000_0000, 7, true, 11);
  sink.emitAccess("write", 0, 1, 0x44, 0x4000_0000, 8, false, 0);
  sink.emitAccess("read", 0, 1, 0x48, 0x4000_0000, 8, true, undefined);
  assert.deepEqual(calls.calls, [
    ["read", 0, 1, 0x40, { addr: 0x4000_0000, value: 7, cacheable: true, cycles: 11 }],
    ["write", 0, 1, 0x44, { addr: 0x4000_0000, value: 8, cacheable: false, cycles: 0 }],
    ["read", 0, 1, 0x48, { addr: 0x4000_0000, value: 8, cacheable: true, cycles: 4 }],
  ]);
});

Deno.test("the costing sink charges an access of another name by that name's own rule, as emit does", () => {
  const costs = resolveCosts([{ access: 4, events: { probe: 9 } }], "costs");
  const viaAccess = new CallSink(), viaEmit = new CallSink();
  new CostingSink(viaAccess, costs).emitAccess(
    "probe",
    0,
    1,
    0x40,
    0x4000_0000,
    7,
    true,
    undefined,
  );
  new CostingSink(viaEmit, costs).emit("probe", 0, 1, 0x40, {
    addr: 0x4000_0000,
    value: 7,
    cacheable: true,
  });
  assert.deepEqual(viaAccess.calls, [
    ["probe", 0, 1, 0x40, { addr: 0x4000_0000, value: 7, cacheable: true, cycles: 9 }],
  ]);
  assert.deepEqual(viaAccess.calls, viaEmit.calls);
});
