import assert from "node:assert/strict";
import { run } from "../../lib/engine/run.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { KERNEL, scenario } from "./fixtures.ts";

/** A write, a trapped set/way walk (320 exits, one collapsed record), a second write and its read. */
const WALK_THEN_WRITE = scenario([
  { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
  { kind: "sw_walk", vcpu: 0, op: "cisw" },
  { kind: "write", vcpu: 0, addr: KERNEL + 64, value: 2 },
  { kind: "read", vcpu: 0, addr: KERNEL + 64 },
]);

Deno.test("run: the events budget counts records kept, so a collapsed walk counts once", () => {
  const r = run(WALK_THEN_WRITE, { maxEvents: 20 });
  const exits = r.events.find((e) => e.name === "kvm_exit" && (e.count ?? 1) > 1);
  assert.equal(exits?.count, 320);
  assert.ok(r.events.length <= 20);
  // Without collapsing, each exit is a record of its own, and the same budget is exceeded.
  assert.throws(
    () => run(WALK_THEN_WRITE, { maxEvents: 20, collapse: false }),
    (e) => e instanceof ScenarioError && e.code === "budget_exceeded",
  );
});

Deno.test("run: a watched word's change is placed at the next event's seq, past a collapsed record", () => {
  const r = run(WALK_THEN_WRITE, { watch: [KERNEL + 64] });
  const write = r.events.filter((e) => e.name === "write")[1];
  const read = r.events.find((e) => e.name === "read")!;
  assert.equal(read.seq, write.seq + 1);
  assert.ok(write.seq > r.events.length, "seq counts each collapsed exit");
  const changes = r.caches!.addresses[0].changes;
  // Caches are off: the write goes to DRAM, from the place of the event after it.
  assert.deepEqual(changes.at(-1), { at: read.seq, where: "dram", label: "DRAM" });
});
