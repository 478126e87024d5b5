import assert from "node:assert/strict";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { POISON } from "../../lib/hw/memory.ts";
import { BASE, testVm } from "./fixtures.ts";

const A = BASE + 0x1000;
const B = BASE + 0x2040;

/** Makes `addr` mapped and writes `value` through the vCPU's current cacheability. */
function guestWrite(vm: ReturnType<typeof testVm>, addr: number, value: number): void {
  const v = vm.hyp.vcpus[0];
  vm.hyp.guestAccess(v, addr);
  vm.hw.write(v.pcpu, addr, value, vm.hyp.cacheable(v));
}

Deno.test("kvm-4.0: reset sets TSW, TVM and SWIO", () => {
  const { hyp, sink } = testVm(kvm40);
  // No TID2 (Linux 4.0's HCR_GUEST_FLAGS): the guest reads the cache ID registers untrapped.
  assert.deepEqual({ ...hyp.vcpus[0].hcr }, { tsw: true, tvm: true, swio: true, tid2: false });
  assert.deepEqual(sink.named("hcr_write")[0].fields, { tsw: true, tvm: true });
  assert.deepEqual(sink.named("vcpu_load")[0].fields, { pcpu: 0 });
});

Deno.test("kvm-4.0: a S/W op with TVM set does nothing (deferred)", () => {
  const vm = testVm(kvm40);
  vm.hyp.hostWrite(1, A, 5); // a dirty line the S/W op would have to clean
  const mark = vm.sink.events.length;
  vm.hyp.setWay(vm.hyp.vcpus[0], { op: "cisw", level: 1, set: 0, way: 0 });
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit"]);
  assert.deepEqual(vm.sink.events[mark].fields, { reason: "dcsw", ec: 0x18 });
  assert.deepEqual(vm.hyp.vcpus[0].hcr.tvm, true);
  assert.deepEqual(vm.hw.memory.read(A), POISON, "nothing was cleaned to DRAM");
});

Deno.test("kvm-4.0: the first S/W op with TVM clear flushes once and sets TVM", () => {
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  assert.deepEqual(v.hcr.tvm, false);
  guestWrite(vm, A, 0x1234);
  const mark = vm.sink.events.length;
  for (let i = 0; i < 3; i++) vm.hyp.setWay(v, { op: "cisw", level: 1, set: i, way: 0 });
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "kvm_set_way_flush",
    "stage2_flush_vm",
    "hcr_write",
    "kvm_exit",
    "kvm_exit",
  ]);
  assert.deepEqual(vm.sink.named("kvm_set_way_flush", mark)[0].fields, { cache: true });
  const flush = vm.sink.named("stage2_flush_vm", mark)[0].fields;
  assert.deepEqual(flush.pages, 1);
  assert.deepEqual(flush.lines, 64);
  assert.ok((flush.cleaned as number) >= 1);
  assert.deepEqual(v.hcr.tvm, true);
  assert.deepEqual(vm.hw.memory.read(A), 0x1234, "stage2_flush_vm cleaned the data to DRAM");
});

Deno.test("kvm-4.0: caches off -> on flushes and clears TVM", () => {
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  const mark = vm.sink.events.length;
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "sctlr_write",
    "stage2_flush_vm",
    "kvm_toggle_cache",
    "hcr_write",
  ]);
  assert.deepEqual(vm.sink.named("kvm_toggle_cache", mark)[0].fields, { was: false, now: true });
  assert.deepEqual(vm.sink.named("kvm_exit", mark)[0].fields.reason, "vm_reg");
  assert.deepEqual(v.hcr.tvm, false);
  // TVM clear: the next SCTLR write does not trap.
  const mark2 = vm.sink.events.length;
  vm.hyp.sctlrWrite(v, { i: true });
  assert.deepEqual(vm.sink.namesSince(mark2), ["sctlr_write"]);
});

Deno.test("kvm-4.0: caches on -> off flushes (belt and braces) and keeps TVM", () => {
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  vm.hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 }); // re-arms TVM
  guestWrite(vm, B, 0xbeef);
  assert.deepEqual(vm.hw.memory.read(B), POISON);
  const mark = vm.sink.events.length;
  vm.hyp.sctlrWrite(v, { m: false, c: false });
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "sctlr_write",
    "stage2_flush_vm",
    "kvm_toggle_cache",
  ]);
  assert.deepEqual(vm.sink.named("kvm_toggle_cache", mark)[0].fields, { was: true, now: false });
  assert.deepEqual(v.hcr.tvm, true);
  assert.deepEqual(vm.hw.memory.read(B), 0xbeef);
});

Deno.test("kvm-4.0: a TTBR write with no cache state change traces kvm_toggle_cache without a flush", () => {
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  const mark = vm.sink.events.length;
  vm.hyp.vmRegWrite(v, "TTBR0", 0x4000_4000);
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit", "vm_reg_write", "kvm_toggle_cache"]);
  assert.deepEqual(vm.sink.named("kvm_toggle_cache", mark)[0].fields, { was: false, now: false });
  assert.deepEqual(vm.sink.named("vm_reg_write", mark)[0].fields, {
    reg: "TTBR0",
    value: 0x4000_4000,
  });
  assert.deepEqual(v.hcr.tvm, true);
});

Deno.test("kvm-4.0: unmapping a page cleans and invalidates it by VA", () => {
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  guestWrite(vm, A, 77);
  const mark = vm.sink.events.length;
  vm.hyp.hostUnmap(2, A);
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_unmap_hva", "flush_page"]);
  const flush = vm.sink.named("flush_page", mark)[0];
  assert.deepEqual(flush.vcpu, null);
  assert.deepEqual(flush.pcpu, 2);
  assert.deepEqual(flush.fields.invalidate, true);
  assert.deepEqual(vm.hw.memory.read(A), 77);
  assert.deepEqual(vm.hyp.stage2.isMapped(A), false);
  // The next access faults again.
  const mark2 = vm.sink.events.length;
  vm.hyp.guestAccess(v, A);
  assert.deepEqual(vm.sink.namesSince(mark2), ["kvm_exit", "kvm_guest_fault"]);
});
