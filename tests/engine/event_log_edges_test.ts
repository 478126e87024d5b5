import assert from "node:assert/strict";
import { EventLog } from "../../lib/engine/event_log.ts";
import { ObjectEventLog } from "../../lib/engine/object_event_log.ts";
import type { EventFieldsRecord } from "../../lib/hyp/event_sink.ts";
import { vm } from "../../mod.ts";

/** A columnar log and the object-per-record log, by name. */
const LOGS = [
  ["columnar", () => new EventLog()],
  ["objects", () => new ObjectEventLog()],
] as const;

Deno.test("EventLog: an access value the unsigned column cannot hold is kept as given", () => {
  const log = new EventLog();
  log.emitAccess("write", 0, 0, 0x40, 0x4000_1000, -1, true, undefined);
  log.emitAccess("write", 0, 0, 0x44, 0x4000_1000, 0xffff_ffff, true, undefined);
  const sealed = log.seal();
  assert.equal(sealed.fieldAt(0, "value"), -1);
  assert.equal(sealed.fieldAt(1, "value"), 0xffff_ffff);
  assert.deepEqual(log.finish().map((e) => e.value), [-1, 0xffff_ffff]);
});

Deno.test("EventLog: update refuses an index outside the records, next to an access record", () => {
  const log = new EventLog();
  log.emitAccess("read", 0, 0, 0x40, 0x4000_1000, 7, true, 3);
  for (const index of [1, -1, 0.5]) {
    assert.throws(() => log.update(index, "value", 9), RangeError, `index ${index}`);
  }
  assert.equal(log.records, 1);
  assert.deepEqual(log.finish(), [{
    seq: 0,
    name: "read",
    vcpu: 0,
    pcpu: 0,
    pc: 0x40,
    count: 1,
    addr: 0x4000_1000,
    value: 7,
    cacheable: true,
    cycles: 3,
  }]);
});

Deno.test("EventLog: an updated access keeps its own fields, so the same access again collapses into it", () => {
  for (const cycles of [undefined, 3]) {
    const log = new EventLog();
    const i = log.emitAccess("read", 0, 0, 0x40, 0x4000_1000, 7, true, cycles);
    log.update(i, "value", 9);
    log.emitAccess("read", 0, 0, 0x40, 0x4000_1000, 9, true, cycles);
    const fields: EventFieldsRecord = cycles === undefined
      ? { addr: 0x4000_1000, value: 9, cacheable: true }
      : { addr: 0x4000_1000, value: 9, cacheable: true, cycles };
    log.emit("read", 0, 0, 0x40, fields);
    const events = log.finish();
    assert.deepEqual(events.map((e) => [e.count, e.value, e.cycles]), [[3, 9, cycles]]);
  }
});

Deno.test("EventLog: fields read from a sealed log are the same before and after its events are built", () => {
  const log = new EventLog();
  log.emitAccess("read", 0, 0, 0x40, 0x4000_1000, 7, true, 4);
  log.emit("stage2_flush_vm", 0, 0, 0x44, {
    pages: 1,
    lines: 64,
    cleaned: 2,
    invalidated: 0,
    cycles: 900,
  });
  const sealed = log.seal();
  const read = () =>
    [0, 1].map((i) => ["seq", "addr", "value", "lines", "cycles"].map((k) => sealed.fieldAt(i, k)));
  const before = read();
  log.finish();
  assert.deepEqual(read(), before);
  assert.deepEqual(before, [[0, 0x4000_1000, 7, undefined, 4], [1, undefined, undefined, 64, 900]]);
});

Deno.test("RunResult: the cost read after the events equals the cost read before them", async () => {
  const program = vm().machine("xgene1").policy("kvm-4.0")
    .guest((g) => g.mmuOn().write(0x4000_8000, 1).sw_clean().mmuOff().read(0x4000_8000));
  const costFirst = await program.run();
  const cost = costFirst.cost;
  const eventsFirst = await program.run();
  assert.ok(eventsFirst.events.length > 0);
  assert.deepEqual(eventsFirst.cost, cost);
  assert.ok(cost.cycles > 0 && cost.linesFlushed > 0 && cost.exits > 0);
});

Deno.test("ObjectEventLog: finish hands out frozen records that later changes cannot reach", () => {
  const log = new ObjectEventLog();
  const i = log.emit("stale_read", 0, 0, 0x40, { addr: 0x1000, blame: "pending" });
  log.emit("kvm_exit", 0, 0, 0x44, { reason: "dcsw", ec: 0x18 });
  log.update(i, "blame", "guest");
  const events = log.finish();
  assert.ok(Object.isFrozen(events));
  assert.ok(events.every((e) => Object.isFrozen(e)));
  assert.throws(() => log.update(i, "blame", "hypervisor"), /finished/);
  assert.equal(events[0].blame, "guest");
  assert.strictEqual(log.seal(), events);
});

for (const [kind, make] of LOGS) {
  Deno.test(`${kind} log: inside a walk, ops of two vCPUs fold each into its own vCPU's record`, () => {
    const log = make();
    log.foldWalk(true);
    for (let set = 0; set < 4; set++) {
      log.emit("sw_local", set % 2, 0, 0x40, {
        op: "csw",
        level: 1,
        set,
        way: 0,
        cleaned: 1,
        invalidated: 0,
      });
    }
    log.foldWalk(false);
    const events = log.finish();
    assert.deepEqual(events.map((e) => [e.vcpu, e.seq, e.count, e.set, e.cleaned]), [
      [0, 0, 2, null, 2],
      [1, 1, 2, null, 2],
    ]);
  });
}
