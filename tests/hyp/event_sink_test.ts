/**
 * The helpers that hand events to a sink without its fast methods: the
 * events one `emit` each would give, and the index of the record that holds
 * the last one, as the fast methods return it.
 */

import assert from "node:assert/strict";
import {
  emitAccessOn,
  emitPairsOn,
  emitRepeatedOn,
  type EventFieldsRecord,
  type EventSink,
  type PairFirst,
  type PairSecond,
} from "../../lib/hyp/event_sink.ts";
import { EventLog } from "../../lib/engine/event_log.ts";

/** One call of `emit`, as a sink with `emit` alone saw it. */
interface Emitted {
  name: string;
  vcpu: number | null;
  pcpu: number | null;
  pc: number | null;
  fields: EventFieldsRecord | undefined;
}

/** A sink with `emit` alone that keeps each call's arguments. */
function recordingSink(): EventSink & { calls: Emitted[] } {
  const calls: Emitted[] = [];
  return {
    enabled: true,
    calls,
    emit(name, vcpu, pcpu, pc, fields) {
      calls.push({
        name,
        vcpu,
        pcpu,
        pc,
        fields: fields === undefined ? undefined : { ...fields },
      });
      return calls.length - 1;
    },
  };
}

Deno.test("emitRepeatedOn: n events on a sink with emit alone, returning the last one's record", () => {
  const sink = recordingSink();
  sink.emit("vcpu_load", 0, 0, null, { pcpu: 0 });
  const last = emitRepeatedOn(sink, "kvm_exit", 0, 0, 0x4000_0000, { reason: "dcsw", ec: 0x18 }, 3);
  assert.deepEqual(sink.calls.map((c) => c.name), [
    "vcpu_load",
    "kvm_exit",
    "kvm_exit",
    "kvm_exit",
  ]);
  assert.equal(last, 3);
  // The log's own emitRepeated answers the same way: the record that holds the last event.
  const log = new EventLog(undefined, { collapse: false });
  log.emit("vcpu_load", 0, 0, null, { pcpu: 0 });
  assert.equal(emitRepeatedOn(log, "kvm_exit", 0, 0, 0x4000_0000, { reason: "dcsw" }, 3), 3);
});

const EXIT: PairFirst = { name: "kvm_exit", fields: { reason: "dcsw", ec: 0x18 } };
const SLOT: PairSecond = {
  name: "sw_local",
  fieldsAt: (i) => ({ op: "cisw", level: 1, set: i, way: 0, cleaned: 0, invalidated: 0 }),
};

Deno.test("emitAccessOn: a sink with emit alone gets the access's own fields, cycles only when given", () => {
  const sink = recordingSink();
  // vCPU 1 on physical CPU 3, so that swapping the two would show.
  assert.equal(emitAccessOn(sink, "read", 1, 3, 0x40, 0x4000_1000, 7, false, undefined), 0);
  assert.equal(emitAccessOn(sink, "write", 1, 3, 0x44, 0x4000_1004, 9, true, 12), 1);
  assert.deepEqual(sink.calls, [
    {
      name: "read",
      vcpu: 1,
      pcpu: 3,
      pc: 0x40,
      fields: { addr: 0x4000_1000, value: 7, cacheable: false },
    },
    {
      name: "write",
      vcpu: 1,
      pcpu: 3,
      pc: 0x44,
      fields: { addr: 0x4000_1004, value: 9, cacheable: true, cycles: 12 },
    },
  ]);
});

Deno.test("emitPairsOn: a sink with emit alone gets exactly n pairs, the first event then the second of pair i", () => {
  const sink = recordingSink();
  emitPairsOn(sink, 1, 3, 0x80, EXIT, SLOT, 3);
  assert.deepEqual(
    sink.calls.map((c) => [c.name, c.vcpu, c.pcpu, c.pc, c.fields?.set]),
    [
      ["kvm_exit", 1, 3, 0x80, undefined],
      ["sw_local", 1, 3, 0x80, 0],
      ["kvm_exit", 1, 3, 0x80, undefined],
      ["sw_local", 1, 3, 0x80, 1],
      ["kvm_exit", 1, 3, 0x80, undefined],
      ["sw_local", 1, 3, 0x80, 2],
    ],
  );
});

Deno.test("emitPairsOn: a sink with emitPairs gets the call as made, vCPU and physical CPU in place", () => {
  const seen: unknown[][] = [];
  const sink: EventSink = {
    enabled: true,
    emit: () => {
      throw new Error("emit called although the sink folds pairs itself");
    },
    emitPairs(vcpu, pcpu, pc, first, second, n) {
      seen.push([vcpu, pcpu, pc, first, second, n]);
    },
  };
  emitPairsOn(sink, 1, 3, 0x80, EXIT, SLOT, 5);
  assert.deepEqual(seen, [[1, 3, 0x80, EXIT, SLOT, 5]]);
  // The columnar log folds them into records that keep the vCPU and physical CPU apart.
  const log = new EventLog(undefined, { collapse: false });
  emitPairsOn(log, 1, 3, 0x80, EXIT, SLOT, 2);
  const events = log.finish();
  assert.equal(events.length, 4);
  for (const e of events) assert.deepEqual([e.vcpu, e.pcpu, e.pc], [1, 3, 0x80]);
});
