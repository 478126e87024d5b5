// What the hypervisor records around a policy's hooks: the order of reset and
// vcpu_load, the HCR changes each hook makes, and what a trapped VM-register
// write hands to the policy.
import assert from "node:assert/strict";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import type { VmRegWrite } from "../../lib/hyp/policy.ts";
import { testVm } from "./fixtures.ts";

Deno.test("reset: every vCPU is reset before any is loaded, each on its own first CPU", () => {
  const { sink } = testVm(kvm40, { vcpus: 2 });
  assert.deepEqual(sink.events.map((e) => [e.name, e.vcpu, e.pcpu]), [
    ["hcr_write", 0, 0],
    ["hcr_write", 1, 1],
    ["vcpu_load", 0, 0],
    ["vcpu_load", 1, 1],
  ]);
});

Deno.test("an HCR change made on the way back to the guest is recorded as hcr_write", () => {
  const policy = definePolicy({
    name: "arm-tvm-on-entry",
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onGuestEntry(hyp) {
      hyp.vcpu.hcr.tvm = true;
    },
  });
  const { hyp, sink } = testVm(policy);
  const v = hyp.vcpus[0];
  const mark = sink.events.length;
  hyp.setWay(v, { op: "csw", level: 1, set: 0, way: 0 });
  assert.deepEqual(sink.namesSince(mark), ["kvm_exit", "hcr_write"]);
  assert.deepEqual(sink.events[mark + 1].fields, { tsw: true, tvm: true });
  // Set already: the next entry changes nothing and records nothing.
  const mark2 = sink.events.length;
  hyp.setWay(v, { op: "csw", level: 1, set: 1, way: 0 });
  assert.deepEqual(sink.namesSince(mark2), ["kvm_exit"]);
});

Deno.test("an HCR change made by vcpu_load is recorded as hcr_write on the new CPU", () => {
  const policy = definePolicy({
    name: "trap-sw-off-cpu0",
    onVcpuLoad(hyp) {
      hyp.vcpu.hcr.tsw = hyp.vcpu.pcpu !== 0;
    },
  });
  const { hyp, sink } = testVm(policy);
  assert.deepEqual(sink.events.map((e) => e.name), ["vcpu_load"], "CPU 0: no change at reset");
  const v = hyp.vcpus[0];
  const mark = sink.events.length;
  hyp.migrate(v, 2);
  assert.deepEqual(sink.namesSince(mark), ["migrate", "vcpu_load", "hcr_write"]);
  const hcr = sink.events[mark + 2];
  assert.deepEqual([hcr.vcpu, hcr.pcpu, hcr.fields], [0, 2, { tsw: true, tvm: false }]);
  assert.equal(hyp.trapsSetWay(v), true);
});

Deno.test("a trapped VM-register write tells the policy whether the caches were on before it", () => {
  const writes: VmRegWrite[] = [];
  const policy = definePolicy({
    name: "record-vm-writes",
    onReset(hyp) {
      hyp.vcpu.hcr.tvm = true;
    },
    onVmRegWrite(_hyp, write) {
      writes.push({ ...write });
    },
  });
  const { hyp } = testVm(policy);
  const v = hyp.vcpus[0];
  hyp.vmRegWrite(v, "TTBR0", 0x4000_4000);
  hyp.sctlrWrite(v, { m: true, c: true });
  hyp.vmRegWrite(v, "TTBR1", 0x4000_8000);
  hyp.sctlrWrite(v, { c: false });
  assert.deepEqual(writes.map((w) => [w.reg, w.wasEnabled]), [
    ["TTBR0", false],
    ["SCTLR", false],
    ["TTBR1", true],
    ["SCTLR", true],
  ]);
  assert.equal(writes[2].value, 0x4000_8000);
});

Deno.test("kvm-4.0: a TTBR write with caches on and TVM re-armed clears TVM without a flush", () => {
  const { hyp, sink } = testVm(kvm40);
  const v = hyp.vcpus[0];
  hyp.sctlrWrite(v, { m: true, c: true });
  hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 }); // re-arms TVM
  assert.equal(v.hcr.tvm, true);
  const mark = sink.events.length;
  hyp.vmRegWrite(v, "TTBR0", 0x4000_4000);
  assert.deepEqual(sink.namesSince(mark), [
    "kvm_exit",
    "vm_reg_write",
    "kvm_toggle_cache",
    "hcr_write",
  ]);
  assert.deepEqual(sink.named("kvm_toggle_cache", mark)[0].fields, { was: true, now: true });
  assert.equal(v.hcr.tvm, false);
});

Deno.test("an SCTLR write sets the I bit alone, and records all three bits", () => {
  const { hyp, sink } = testVm(kvm40);
  const v = hyp.vcpus[0];
  hyp.sctlrWrite(v, { i: true });
  assert.deepEqual({ ...v.sctlr }, { m: false, c: false, i: true });
  assert.deepEqual(sink.named("sctlr_write")[0].fields, { m: false, c: false, i: true });
  hyp.sctlrWrite(v, { m: true, i: false });
  assert.deepEqual(sink.named("sctlr_write")[1].fields, { m: true, c: false, i: false });
});

Deno.test("a vCPU stays marked as having cached once its caches were on, after they go off", () => {
  const { hyp } = testVm(kvm40, { vcpus: 2 });
  const [v0, v1] = hyp.vcpus;
  hyp.sctlrWrite(v0, { m: true });
  assert.equal(v0.everCached, false, "MMU on alone is not cacheable");
  hyp.sctlrWrite(v0, { c: true });
  hyp.sctlrWrite(v0, { m: false, c: false });
  assert.equal(v0.everCached, true);
  assert.equal(v1.everCached, false);
});

Deno.test("migrate records the CPU the vCPU leaves and the one it goes to", () => {
  const { hyp, sink } = testVm(kvm40, { vcpus: 2 });
  const v = hyp.vcpus[1];
  v.pc = 0x4000_0040;
  const mark = sink.events.length;
  hyp.migrate(v, 3);
  const [move, load] = sink.events.slice(mark);
  assert.deepEqual(move, {
    name: "migrate",
    vcpu: 1,
    pcpu: 1,
    pc: 0x4000_0040,
    fields: { from: 1, to: 3 },
  });
  assert.deepEqual([load.name, load.pcpu, load.fields], ["vcpu_load", 3, { pcpu: 3 }]);
  assert.equal(v.pcpu, 3);
});
