import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/mod.ts";
import { assertEquals } from "./helpers.ts";

const card = () => vm().machine("xgene1").cpus(4).systemCache().policy("kvm-4.0");

Deno.test("run: the card's chain runs; KVM 4.0 boots the 2015 zImage on X-Gene", async () => {
  const result = await card().guest((g) => g.zImage32()).run();
  assertEquals(result.verdict.ok, true);
  // Natively the set/way clean never reaches the L3: the guest would fail on bare metal.
  assertEquals(result.verdict.failsNatively, true);
  const names = new Set(result.events.map((e) => e.name));
  for (const name of ["kvm_set_way_flush", "kvm_toggle_cache", "stage2_flush_vm"]) {
    assert.ok(names.has(name), `emits ${name}`);
  }
  assertEquals(result.scenario, card().guest((g) => g.zImage32()).toJSON());
});

Deno.test("run: KVM 3.18 fails the same guest, blamed on the hypervisor", async () => {
  const result = await card().policy("kvm-3.18").guest((g) => g.zImage32()).run();
  assertEquals(result.verdict.ok, false);
  assert.ok(result.verdict.violations.length > 0);
  assert.ok(result.verdict.violations.every((v) => v.blame === "hypervisor"));
});

Deno.test("run: the by-VA zImage and the VA-correct guest are safe; no maintenance is the guest's bug", async () => {
  const byVa = await card().policy("kvm-3.18").guest((g) => g.zImage32({ era: "by-va" })).run();
  assertEquals([byVa.verdict.ok, byVa.verdict.failsNatively], [true, false]);
  const correct = await card().guest((g) => g.vaCorrect()).run();
  assertEquals(correct.verdict.ok, true);
  const buggy = await card().guest((g) => g.noMaintenance()).run();
  assertEquals(buggy.verdict.ok, false);
  assert.ok(buggy.verdict.violations.every((v) => v.blame === "guest"));
});

Deno.test("run: a policy object is passed to the engine; a bad scenario rejects the promise", async () => {
  const trapNothing = {
    name: "trap-nothing",
    description: "TSW and TVM clear",
    source: "none",
    state: () => undefined,
    onReset(hyp: { vcpu: { hcr: { tsw: boolean; tvm: boolean } } }) {
      hyp.vcpu.hcr.tsw = false;
      hyp.vcpu.hcr.tvm = false;
    },
  };
  const result = await card().policy(trapNothing).guest((g) => g.zImage32()).run();
  assertEquals(result.policy, "trap-nothing");
  // Nothing traps: the only exits are the stage-2 faults, one per page first touched.
  const exits = result.events.filter((e) => e.name === "kvm_exit");
  assertEquals(exits.filter((e) => e.reason !== "dabt").length, 0);
  assertEquals(exits.length, result.events.filter((e) => e.name === "kvm_guest_fault").length);
  await assert.rejects(
    () => vm().guest((g) => g.read(0x7000_0000)).ram("256MiB").run(),
    (e: { code?: string }) => e.code === "bad_address",
  );
});
