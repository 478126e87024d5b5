import assert from "node:assert/strict";
import fc from "fast-check";
import { CostingSink } from "../../lib/engine/costing_sink.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { resolveCosts } from "../../lib/hyp/costs.ts";
import {
  emitAccessOn,
  type EventFieldsRecord,
  type EventSink,
  NULL_SINK,
} from "../../lib/hyp/event_sink.ts";

/** A sink with only `emit`: records every call as it comes. */
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

type Op =
  | {
    readonly kind: "access";
    readonly name: string;
    readonly vcpu: number;
    readonly pcpu: number;
    readonly pc: number;
    readonly addr: number;
    readonly value: number;
    readonly cacheable: boolean;
    readonly cycles: number | undefined;
  }
  | {
    readonly kind: "emit";
    readonly name: string;
    readonly vcpu: number;
    readonly fields: EventFieldsRecord | undefined;
  }
  | { readonly kind: "fold"; readonly on: boolean }
  | { readonly kind: "update"; readonly back: number; readonly value: number };

// Few distinct values, so that consecutive events are often identical and collapse.
const access = fc.record({
  kind: fc.constant("access" as const),
  name: fc.constantFrom("read", "write", "host_write"),
  vcpu: fc.nat(1),
  pcpu: fc.nat(1),
  pc: fc.constantFrom(0x40, 0x44),
  addr: fc.constantFrom(0x4000_0000, 0x4000_0040),
  value: fc.nat(2),
  cacheable: fc.boolean(),
  cycles: fc.option(fc.nat(3), { nil: undefined }),
});

const other = fc.record({
  kind: fc.constant("emit" as const),
  name: fc.constantFrom("read", "write", "kvm_exit", "sw_local"),
  vcpu: fc.nat(1),
  fields: fc.oneof(
    fc.constant(undefined),
    fc.constant(Object.freeze({ reason: "dcsw", ec: 0x18 })),
    fc.record({ addr: fc.constant(0x4000_0000), value: fc.nat(2), cacheable: fc.boolean() }),
    fc.record({ addr: fc.constant(0x4000_0000), value: fc.nat(2) }),
    fc.record({ set: fc.nat(3), way: fc.nat(1), cleaned: fc.nat(1), invalidated: fc.nat(1) }),
  ),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: access, weight: 6 },
  { arbitrary: other, weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("fold" as const), on: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      back: fc.nat(2),
      value: fc.nat(2),
    }),
    weight: 1,
  },
);

/** Plays `ops` on `sink`, each access through `emitAccessOn` (fast) or one `emit` (slow). */
function play(sink: EventSink, log: EventLog | null, ops: readonly Op[], fast: boolean): void {
  for (const o of ops) {
    if (o.kind === "access") {
      if (fast) {
        emitAccessOn(sink, o.name, o.vcpu, o.pcpu, o.pc, o.addr, o.value, o.cacheable, o.cycles);
      } else {
        const { addr, value, cacheable, cycles } = o;
        sink.emit(
          o.name,
          o.vcpu,
          o.pcpu,
          o.pc,
          cycles === undefined ? { addr, value, cacheable } : { addr, value, cacheable, cycles },
        );
      }
    } else if (o.kind === "emit") {
      sink.emit(o.name, o.vcpu, 1, 0x40, o.fields);
    } else if (o.kind === "fold") {
      sink.foldWalk?.(o.on);
    } else if (log !== null && log.records > o.back) {
      // The oracle's late blame: a record changed after it was logged.
      const index = log.records - 1 - o.back;
      try {
        log.update(index, "value", o.value);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
      }
    }
  }
}

Deno.test("property: an access event through emitAccess is logged as the same event through emit", () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 40 }),
      fc.boolean(),
      fc.option(fc.record({ access: fc.nat(5) }), { nil: undefined }),
      (ops, collapse, overrides) => {
        const costs = resolveCosts([overrides], "costs");
        // The log alone, and behind the costing sink (which adds `cycles`).
        for (const costed of [false, true]) {
          const logs = [true, false].map((fast) => {
            const log = new EventLog(undefined, { collapse });
            play(costed ? new CostingSink(log, costs) : log, log, ops, fast);
            return log;
          });
          const [fast, slow] = logs;
          assert.equal(fast.size, slow.size);
          assert.equal(fast.records, slow.records);
          const a = fast.finish(), b = slow.finish();
          assert.deepEqual(a, b);
          assert.equal(JSON.stringify(a), JSON.stringify(b)); // field order too
        }
        // A sink with only emit behind the costing sink gets the same calls.
        const calls = [true, false].map((fast) => {
          const sink = new CallSink();
          play(new CostingSink(sink, costs), null, ops, fast);
          return sink.calls;
        });
        assert.deepEqual(calls[0], calls[1]);
        assert.equal(JSON.stringify(calls[0]), JSON.stringify(calls[1]));
      },
    ),
    { seed: 17, numRuns: 600 },
  );
});

Deno.test("emitAccessOn: a sink that drops events returns -1", () => {
  assert.equal(emitAccessOn(NULL_SINK, "read", 0, 0, 0x40, 0x4000_0000, 1, true, undefined), -1);
  const log = new EventLog();
  emitAccessOn(log, "read", 0, 0, 0x40, 0x4000_0000, 1, true, 7);
  emitAccessOn(log, "read", 0, 0, 0x40, 0x4000_0000, 1, true, 7);
  const [e] = log.finish();
  assert.equal(
    JSON.stringify(e),
    JSON.stringify({
      seq: 0,
      name: "read",
      vcpu: 0,
      pcpu: 0,
      pc: 0x40,
      count: 2,
      addr: 0x4000_0000,
      value: 1,
      cacheable: true,
      cycles: 7,
    }),
  );
});
