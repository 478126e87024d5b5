// The alphabet's instances in their documented order (operation-major in
// EXPLORE_OPS order, whatever order the operations were listed in, then
// vCPU, then address or target), each address operation carrying its
// address's index, and every migration target for every vCPU.
import assert from "node:assert/strict";
import { explore, ScenarioError } from "../../mod.ts";
import { Alphabet } from "../../lib/engine/explore/alphabet.ts";
import { TINY } from "./fixtures.ts";

const A = 0x4000_0000, B = 0x4000_1040, C = 0x4000_2080;

/** Every label of an alphabet, in exploration order. */
const labels = (a: Alphabet) => a.instances.map((_, i) => a.label(i));

Deno.test("alphabet: instances follow the fixed operation order, not the order listed", () => {
  const spec = { cpus: 1, addresses: [A], migrateTo: [], hostCpu: 1 };
  const listed = new Alphabet({ ...spec, ops: ["mmuOff", "read", "sw_clean", "write"] });
  const sorted = new Alphabet({ ...spec, ops: ["write", "read", "sw_clean", "mmuOff"] });
  const want = ["write(0x40000000)", "read(0x40000000)", "sw_clean", "mmuOff"];
  assert.deepEqual(labels(listed), want);
  assert.deepEqual(labels(sorted), want);
  for (let i = 0; i < listed.size; i++) assert.deepEqual(listed.step(i, 1), sorted.step(i, 1));
});

Deno.test("alphabet: each address operation carries its address's index in the list", () => {
  const a = new Alphabet({
    ops: ["write", "read", "dc_civac", "host_write", "mmuOn", "migrate"],
    cpus: 2,
    addresses: [A, B, C],
    migrateTo: [2],
    hostCpu: 3,
  });
  const addresses = [A, B, C];
  let withAddress = 0;
  for (const op of a.instances) {
    if (op.addr < 0) {
      assert.equal(op.addrIndex, -1, op.name);
      continue;
    }
    withAddress++;
    assert.equal(op.addrIndex, addresses.indexOf(op.addr), `${op.name} ${op.addr}`);
  }
  // write, read, dc_civac on two vCPUs and host_write once, at three addresses each.
  assert.equal(withAddress, (3 * 2 + 1) * 3);
});

Deno.test("alphabet: a search judges each address against its own writes", async () => {
  // Caches off all along: every read returns the last write to its address, so
  // nothing is stale whichever address is written and read.
  const report = await explore({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read"],
    addresses: [A, B],
    maxOps: 2,
    progress: false,
    shrink: false,
  });
  assert.equal(report.complete, true);
  assert.deepEqual(report.failures, []);
  assert.ok(report.stats.executions > 0);
});

Deno.test("alphabet: every vCPU may migrate to every target, its own number included", () => {
  const a = new Alphabet({
    ops: ["migrate"],
    cpus: 2,
    addresses: [A],
    migrateTo: [0, 1, 2],
    hostCpu: 3,
  });
  assert.deepEqual(labels(a), [
    "migrate(0, 0)",
    "migrate(0, 1)",
    "migrate(0, 2)",
    "migrate(1, 0)",
    "migrate(1, 1)",
    "migrate(1, 2)",
  ]);
  assert.deepEqual(a.step(0, 1), { kind: "migrate", vcpu: 0, pcpu: 0 });
  assert.deepEqual(a.step(4, 1), { kind: "migrate", vcpu: 1, pcpu: 1 });
});

Deno.test("alphabet: an empty list of operations is refused", () => {
  assert.throws(
    () => new Alphabet({ ops: [], cpus: 1, addresses: [A], migrateTo: [], hostCpu: 1 }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "invalid_value" && e.call === "explore.ops",
  );
});
