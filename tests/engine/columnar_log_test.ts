import assert from "node:assert/strict";
import fc from "fast-check";
import { EventLog } from "../../lib/engine/event_log.ts";
import { ObjectEventLog } from "../../lib/engine/object_event_log.ts";
import { CostingSink } from "../../lib/engine/costing_sink.ts";
import { costOf, type RunResult } from "../../lib/engine/result.ts";
import { run, runWithLog } from "../../lib/engine/run.ts";
import { resolveCosts } from "../../lib/hyp/costs.ts";
import {
  emitAccessOn,
  emitPairsOn,
  emitRepeatedOn,
  type EventFieldsRecord,
  type EventSink,
} from "../../lib/hyp/event_sink.ts";
import type { EventFieldValue, SetwayEvent } from "../../lib/hyp/events.ts";
import { scenarioOf } from "../reliability/arbitraries.ts";
import { opsScenario } from "../../bench/engine_ops.ts";
import { zimage } from "../../scenarios/zimage.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";

type Log = EventLog | ObjectEventLog;

/** A guest access, as `emitAccessOn` takes it. */
interface Access {
  readonly name: string;
  readonly vcpu: number;
  readonly pcpu: number;
  readonly pc: number;
  readonly addr: number;
  readonly value: number;
  readonly cacheable: boolean;
  readonly cycles: number | undefined;
}

/**
 * What each field of an access may be: few values, so that consecutive
 * events are often identical and collapse; the values a column cannot hold
 * (-0, 2^32, 1.5) make object records.
 */
const ACCESS_VALUES = {
  name: ["read", "write", "host_write"],
  vcpu: [0, 1],
  pcpu: [0, 1],
  pc: [0x40, 0x44],
  addr: [0x4000_0000, 0x4000_0040, 2 ** 40 + 4],
  value: [0, 1, 0xffff_ffff, -0, 2 ** 32, 1.5],
  cacheable: [false, true],
  cycles: [undefined, 0, 3, 2.5],
} as const satisfies { readonly [K in keyof Access]: readonly Access[K][] };

/** The fields an `again` op may change. */
const AGAIN_FIELDS = Object.keys(ACCESS_VALUES) as (keyof Access)[];

type Op =
  | ({ readonly kind: "access" } & Access)
  | {
    // The last access again with one field changed (none when `field` is
    // null), through `emitAccess` or through `emit` with the same fields:
    // the neighbours that a log must tell apart by that field alone, which
    // independent accesses are seldom.
    readonly kind: "again";
    readonly field: keyof Access | null;
    readonly pick: number;
    readonly viaEmit: boolean;
  }
  | {
    readonly kind: "emit";
    readonly name: string;
    readonly vcpu: number | null;
    readonly fields: EventFieldsRecord | undefined;
  }
  | {
    readonly kind: "repeated";
    readonly name: string;
    readonly fields: EventFieldsRecord | undefined;
    readonly n: number;
  }
  | { readonly kind: "pairs"; readonly n: number; readonly set: number }
  | { readonly kind: "fold"; readonly on: boolean }
  | {
    readonly kind: "update";
    readonly back: number;
    readonly field: string;
    readonly value: EventFieldValue;
  };

const WALK_EXIT = Object.freeze({ reason: "dcsw", ec: 0x18 });

const access = fc.record({
  kind: fc.constant("access" as const),
  name: fc.constantFrom(...ACCESS_VALUES.name),
  vcpu: fc.constantFrom(...ACCESS_VALUES.vcpu),
  pcpu: fc.constantFrom(...ACCESS_VALUES.pcpu),
  pc: fc.constantFrom(...ACCESS_VALUES.pc),
  addr: fc.constantFrom(...ACCESS_VALUES.addr),
  value: fc.constantFrom(...ACCESS_VALUES.value),
  cacheable: fc.constantFrom(...ACCESS_VALUES.cacheable),
  cycles: fc.constantFrom(...ACCESS_VALUES.cycles),
});

const again = fc.record({
  kind: fc.constant("again" as const),
  field: fc.option(fc.constantFrom(...AGAIN_FIELDS), { nil: null }),
  pick: fc.nat(4),
  viaEmit: fc.boolean(),
});

const fieldsArb: fc.Arbitrary<EventFieldsRecord | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(WALK_EXIT),
  fc.record({ addr: fc.constant(0x4000_0000), value: fc.nat(1), cacheable: fc.boolean() }),
  fc.record({
    addr: fc.constant(0x4000_0000),
    value: fc.nat(1),
    cacheable: fc.boolean(),
    cycles: fc.constantFrom(0, 3),
  }),
  fc.record({ addr: fc.constant(0x4000_0000), value: fc.nat(1) }),
  fc.record({ set: fc.nat(3), way: fc.nat(1), cleaned: fc.nat(1), invalidated: fc.nat(1) }),
  // Frozen, as a policy's constant fields may be: a log may match a frozen
  // object by identity only while folding cannot change its record.
  fc.record({ set: fc.nat(3), way: fc.nat(1), cleaned: fc.nat(1), invalidated: fc.nat(1) })
    .map((f) => Object.freeze(f)),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: access, weight: 8 },
  { arbitrary: again, weight: 6 },
  {
    arbitrary: fc.record({
      kind: fc.constant("emit" as const),
      name: fc.constantFrom("read", "write", "kvm_exit", "sw_local"),
      vcpu: fc.option(fc.nat(1), { nil: null }),
      fields: fieldsArb,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("repeated" as const),
      name: fc.constantFrom("read", "kvm_exit"),
      fields: fieldsArb,
      n: fc.integer({ min: 1, max: 5 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("pairs" as const),
      n: fc.integer({ min: 0, max: 5 }),
      set: fc.nat(2),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("fold" as const), on: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      back: fc.nat(3),
      field: fc.constantFrom("value", "cycles", "blame", "count", "cacheable"),
      value: fc.constantFrom<EventFieldValue>(2, "guest", null, false),
    }),
    weight: 1,
  },
);

/** Plays `ops` on `sink` (the log itself or a sink in front of it); updates go to `log`. */
function play(sink: EventSink, log: Log, ops: readonly Op[]): void {
  const emitAccess = (a: Access) =>
    emitAccessOn(sink, a.name, a.vcpu, a.pcpu, a.pc, a.addr, a.value, a.cacheable, a.cycles);
  let last: Access | undefined;
  for (const o of ops) {
    switch (o.kind) {
      case "access":
        emitAccess(o);
        last = o;
        break;
      case "again":
        if (last === undefined) break;
        last = changed(last, o.field, o.pick);
        if (o.viaEmit) sink.emit(last.name, last.vcpu, last.pcpu, last.pc, accessFields(last));
        else emitAccess(last);
        break;
      case "emit":
        sink.emit(o.name, o.vcpu, 1, 0x40, o.fields);
        break;
      case "repeated":
        emitRepeatedOn(sink, o.name, 0, 1, 0x40, o.fields, o.n);
        break;
      case "pairs":
        emitPairsOn(sink, 0, 1, 0x40, { name: "kvm_exit", fields: WALK_EXIT }, {
          name: "sw_local",
          fieldsAt: (i) => ({ set: (o.set + i) % 4, way: i % 2, cleaned: 1, invalidated: 0 }),
        }, o.n);
        break;
      case "fold":
        sink.foldWalk?.(o.on);
        break;
      case "update":
        if (log.records > o.back) {
          // The oracle's late blame: a record changed after it was logged.
          try {
            log.update(log.records - 1 - o.back, o.field, o.value);
          } catch (e) {
            if (!(e instanceof RangeError)) throw e;
          }
        }
        break;
    }
  }
}

/** `a` with `field` set to another of its values (the `pick`-th, cyclically), or `a` itself. */
function changed(a: Access, field: keyof Access | null, pick: number): Access {
  if (field === null) return a;
  const others = (ACCESS_VALUES[field] as readonly unknown[]).filter((v) =>
    !Object.is(v, a[field])
  );
  return { ...a, [field]: others[pick % others.length] };
}

/** The fields `emitAccessOn` gives an access when the sink has no `emitAccess`. */
function accessFields(a: Access): EventFieldsRecord {
  const { addr, value, cacheable, cycles } = a;
  return cycles === undefined ? { addr, value, cacheable } : { addr, value, cacheable, cycles };
}

/** Every field name that any event of `events` has. */
function keysOf(events: readonly SetwayEvent[]): string[] {
  const keys = new Set<string>(["lines", "slots", "cycles", "addr", "value", "cacheable"]);
  for (const e of events) for (const k of Object.keys(e)) keys.add(k);
  return [...keys];
}

Deno.test("property: the columnar log records what the object-per-record log records", () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 50 }),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 1, max: 4 }),
      (ops, collapse, costed, capacity) => {
        const costs = resolveCosts([{ access: 2 }], "costs");
        // A small capacity: the columns grow while the log fills.
        const columnar = new EventLog(undefined, { collapse, capacity });
        const objects = new ObjectEventLog(undefined, { collapse });
        for (const log of [columnar, objects]) {
          play(costed ? new CostingSink(log, costs) : log, log, ops);
        }
        assert.equal(columnar.size, objects.size);
        assert.equal(columnar.records, objects.records);
        const want = objects.finish();
        // Read before the events are built: field by field, and the cost.
        const sealed = columnar.seal();
        assert.equal(sealed.length, want.length);
        for (let i = 0; i < want.length; i++) {
          assert.equal(sealed.nameAt(i), want[i].name);
          assert.equal(sealed.countAt(i), want[i].count);
          for (const key of keysOf(want)) {
            assert.ok(
              Object.is(
                sealed.fieldAt(i, key),
                Object.hasOwn(want[i], key) ? want[i][key] : undefined,
              ),
              `record ${i} field ${key}`,
            );
          }
        }
        assert.throws(() => columnar.emit("read", 0, 0, 0), /finished/);
        const got = columnar.finish();
        assert.deepEqual(got, want);
        assert.equal(JSON.stringify(got), JSON.stringify(want)); // field order too
        assert.ok(Object.isFrozen(got) && got.every((e) => Object.isFrozen(e)));
        assert.strictEqual(columnar.finish(), got);
        assert.deepEqual(costOf(got), costOf(want));
        // After the events are built the log reads from them.
        for (let i = 0; i < want.length; i++) {
          assert.equal(sealed.nameAt(i), want[i].name);
          assert.equal(sealed.countAt(i), want[i].count);
        }
      },
    ),
    { seed: 42, numRuns: 1500 },
  );
});

/** What `show` returns, or the message it throws. */
function shown(show: () => string): string {
  try {
    return show();
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
}

/** Everything a run shows: events as read, JSON, traces, verdict and cost. */
function assertSameRun(fast: RunResult, slow: RunResult): void {
  assert.deepEqual(fast.cost, slow.cost);
  assert.deepEqual(fast.verdict, slow.verdict);
  assert.equal(fast.trace(), slow.trace());
  assert.equal(
    shown(() => fast.trace({ raw: true, cycles: true })),
    shown(() => slow.trace({ raw: true, cycles: true })),
  );
  assert.equal(fast.trace({ filter: "flush" }), slow.trace({ filter: "flush" }));
  assert.deepEqual(fast.events, slow.events);
  assert.equal(JSON.stringify(fast), JSON.stringify(slow));
  assert.deepEqual(Object.keys(fast), Object.keys(slow));
  assert.deepEqual(fast, slow);
}

const objectLog = (meter: ConstructorParameters<typeof ObjectEventLog>[0], collapse: boolean) =>
  new ObjectEventLog(meter, { collapse });

Deno.test("property: a run logged in columns shows what a run logged in objects shows", () => {
  fc.assert(
    fc.property(
      scenarioOf({
        mix: "any",
        policies: ["kvm-4.0", "kvm-3.18", "xen", "native", "kvm-modern"],
        maxSteps: 30,
      }),
      fc.boolean(),
      (scenario, collapse) => {
        let fast: RunResult;
        try {
          fast = run(scenario, { collapse });
        } catch (e) {
          assert.throws(() => runWithLog(scenario, { collapse }, objectLog), {
            message: (e as Error).message,
          });
          return;
        }
        assertSameRun(fast, runWithLog(scenario, { collapse }, objectLog));
      },
    ),
    { seed: 7, numRuns: 250 },
  );
});

Deno.test("a long access program and the zImage story show the same from either log", () => {
  const scenarios: Scenario[] = [opsScenario(3000), zimage.toJSON()];
  for (const scenario of scenarios) {
    for (const collapse of [true, false]) {
      assertSameRun(
        run(scenario, { collapse }),
        runWithLog(scenario, { collapse }, objectLog),
      );
    }
  }
});
