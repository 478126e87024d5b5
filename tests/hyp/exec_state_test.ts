// The exception class of a trap follows the vCPU's execution state: 0x03 (CP15_32, an MCR)
// from AArch32, 0x18 (SYS64) from AArch64, for set/way and VM-register traps alike.
import assert from "node:assert/strict";
import { ESR_EC_CP15_32, ESR_EC_SYS64 } from "../../lib/hyp/hypervisor.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { native } from "../../lib/hyp/policies/native.ts";
import { exceptionClassName } from "../../lib/report/esr.ts";
import { testVm } from "./fixtures.ts";

Deno.test("exec state: the two classes are the kernel's CP15_32 and SYS64", () => {
  assert.equal(ESR_EC_CP15_32, 0x03);
  assert.equal(ESR_EC_SYS64, 0x18);
  assert.equal(exceptionClassName(ESR_EC_CP15_32), "CP15_32");
  assert.equal(exceptionClassName(ESR_EC_SYS64), "SYS64");
});

Deno.test("exec state: a vCPU starts in AArch64 and its traps report SYS64", () => {
  const { hyp, sink } = testVm(kvm40);
  const v = hyp.vcpus[0];
  assert.equal(v.aarch32, false);
  const mark = sink.events.length;
  hyp.vmRegWrite(v, "TTBR0", 0x4000_4000);
  hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 });
  hyp.sctlrWrite(v, { m: true, c: true });
  const exits = sink.named("kvm_exit", mark).map((e) => [e.fields.reason, e.fields.ec]);
  assert.deepEqual(exits, [["vm_reg", 0x18], ["dcsw", 0x18], ["vm_reg", 0x18]]);
});

Deno.test("exec state: an AArch32 vCPU's set/way, SCTLR and VM-register traps report CP15_32", () => {
  const { hyp, sink } = testVm(kvm40, { vcpus: 2 });
  const [v0, v1] = hyp.vcpus;
  const mark = sink.events.length;
  hyp.setExecState(v0, true);
  assert.equal(sink.events.length, mark, "setting the state records no event");
  assert.equal(v0.aarch32, true);
  assert.equal(v1.aarch32, false, "per vCPU");
  hyp.vmRegWrite(v0, "DACR", 0xffff_ffff);
  hyp.setWay(v0, { op: "isw", level: 1, set: 1, way: 0 });
  hyp.setWayWalk(v0, "csw");
  hyp.sctlrWrite(v0, { m: true, c: true, i: true });
  hyp.setWay(v1, { op: "isw", level: 1, set: 1, way: 0 });
  const exits = sink.named("kvm_exit", mark);
  assert.ok(exits.length > 4, "the walk traps slot by slot");
  for (const e of exits) {
    assert.equal(e.fields.ec, e.vcpu === 0 ? 0x03 : 0x18, `vCPU ${e.vcpu} ${e.fields.reason}`);
  }
  assert.deepEqual([...new Set(exits.map((e) => e.fields.reason))], ["vm_reg", "dcsw"]);
  // Back to AArch64: SYS64 again.
  hyp.setExecState(v0, false);
  const mark2 = sink.events.length;
  hyp.setWay(v0, { op: "cisw", level: 1, set: 0, way: 0 });
  assert.equal(sink.named("kvm_exit", mark2)[0].fields.ec, 0x18);
});

Deno.test("exec state: the policy's handling is the same in both states, only the class differs", () => {
  const program = (aarch32: boolean) => {
    const vm = testVm(kvm40);
    const v = vm.hyp.vcpus[0];
    vm.hyp.setExecState(v, aarch32);
    vm.hyp.sctlrWrite(v, { m: true, c: true });
    vm.hyp.hostWrite(1, 0x4000_1000, 7);
    vm.hyp.setWayWalk(v, "cisw");
    vm.hyp.sctlrWrite(v, { m: false, c: false });
    return vm.sink.events.map((e) => ({ ...e, fields: { ...e.fields, ec: undefined } }));
  };
  const a64 = program(false);
  assert.ok(a64.some((e) => e.name === "kvm_set_way_flush"));
  assert.deepEqual(program(true), a64);
});

Deno.test("exec state: without a hypervisor nothing traps in either state", () => {
  const { hyp, sink } = testVm(native);
  const v = hyp.vcpus[0];
  hyp.setExecState(v, true);
  hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 });
  hyp.sctlrWrite(v, { m: true, c: true });
  assert.equal(sink.named("kvm_exit").length, 0);
});
