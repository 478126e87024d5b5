import assert from "node:assert/strict";
import { kvm318 } from "../../lib/hyp/policies/kvm_3_18.ts";
import { POISON } from "../../lib/hw/memory.ts";
import { BASE, testVm } from "./fixtures.ts";

const A = BASE + 0x1000;

Deno.test("kvm-3.18: a trapped S/W op runs locally, DCISW upgraded to DCCISW by SWIO", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  vm.hyp.guestAccess(v, A);
  vm.hw.write(0, A, 0x55, true);
  const mark = vm.sink.events.length;
  vm.hyp.setWayWalk(v, "isw");
  const local = vm.sink.named("sw_local", mark);
  // TINY: L1 8 sets x 2 ways + L2 16 sets x 4 ways.
  assert.deepEqual(local.length, 16 + 64);
  assert.deepEqual(vm.sink.named("kvm_exit", mark).length, 80);
  assert.ok(local.every((e) => e.fields.op === "cisw" && e.pcpu === 0));
  assert.ok(local.reduce((n, e) => n + (e.fields.cleaned as number), 0) >= 1);
  assert.deepEqual(vm.sink.named("flush_cache_all", mark).length, 0);
  assert.deepEqual(vm.sink.named("stage2_flush_vm", mark).length, 0);
  assert.deepEqual(vm.hw.memory.read(A), 0x55, "the local walk reached DRAM (no system cache)");
});

Deno.test("kvm-3.18: other CPUs are marked, and flushed with flush_cache_all on vcpu_load", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 });
  // The guest's dirty data sits on CPU 1 (where the vCPU will go).
  vm.hw.write(1, A, 0x77, true);
  let mark = vm.sink.events.length;
  vm.hyp.migrate(v, 1);
  assert.deepEqual(vm.sink.namesSince(mark), ["migrate", "vcpu_load", "flush_cache_all"]);
  const flush = vm.sink.named("flush_cache_all", mark)[0];
  assert.deepEqual(flush.pcpu, 1);
  assert.deepEqual(flush.fields.slots, 16 + 64);
  assert.deepEqual(vm.hw.memory.read(A), 0x77);
  // Back to CPU 0 (not marked), then to CPU 1 again (mark cleared): no flush.
  mark = vm.sink.events.length;
  vm.hyp.migrate(v, 0);
  vm.hyp.migrate(v, 1);
  assert.deepEqual(vm.sink.named("flush_cache_all", mark).length, 0);
});

Deno.test("kvm-3.18: a S/W op right after a migration runs locally: its exit is taken on the new CPU", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.migrate(v, 2);
  assert.deepEqual(v.lastPcpu, 0, "a migration between instructions leaves last_pcpu alone");
  const mark = vm.sink.events.length;
  vm.hyp.setWay(v, { op: "csw", level: 1, set: 3, way: 1 });
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit", "sw_local"]);
  assert.deepEqual(vm.sink.events[mark].pcpu, 2);
  assert.deepEqual(vm.sink.events[mark + 1].pcpu, 2);
  assert.deepEqual(v.lastPcpu, 2, "the exit set last_pcpu");
});

Deno.test("kvm-3.18: every exit sets last_pcpu, a VM-register trap and a stage-2 fault included", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.migrate(v, 1);
  vm.hyp.vmRegWrite(v, "TTBR0", 0x4000_0000);
  assert.deepEqual(v.lastPcpu, 1);
  vm.hyp.migrate(v, 3);
  vm.hyp.guestAccess(v, A);
  assert.deepEqual(v.lastPcpu, 3);
  vm.hyp.migrate(v, 2);
  vm.hyp.guestAccess(v, A); // mapped: no exit
  assert.deepEqual(v.lastPcpu, 3);
});

Deno.test("kvm-3.18: preempted and moved between exit and handler, access_dcsw takes the long way", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  // CPU 2 holds a mark from an earlier S/W op: vcpu_load there flushes too.
  vm.hyp.setWay(v, { op: "csw", level: 1, set: 0, way: 0 });
  vm.hw.write(0, A, 0x66, true);
  let mark = vm.sink.events.length;
  vm.hyp.preemptAtNextExit(v, 2);
  vm.hyp.setWay(v, { op: "csw", level: 1, set: 3, way: 1 });
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "migrate",
    "vcpu_load",
    "flush_cache_all", // kvm_arch_vcpu_load: CPU 2 was in require_dcache_flush
    "flush_cache_all", // access_dcsw: the long way around
  ]);
  const events = vm.sink.events.slice(mark);
  assert.deepEqual(events.map((e) => e.pcpu), [0, 0, 2, 2, 2]);
  assert.deepEqual(events[1].fields, { from: 0, to: 2, reason: "preempt" });
  assert.deepEqual(v.pcpu, 2);
  assert.deepEqual(v.lastPcpu, 0, "last_pcpu is the CPU that took the exit");
  assert.notDeepEqual(vm.hw.memory.read(A), 0x66, "the long way is local: CPU 0's L1 keeps it");
  // The next exit is taken on CPU 2: a local op again.
  mark = vm.sink.events.length;
  vm.hyp.setWay(v, { op: "csw", level: 1, set: 3, way: 1 });
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit", "sw_local"]);
  assert.deepEqual(v.lastPcpu, 2);
});

Deno.test("kvm-3.18: a preemption applies to the first exit of a walk only, and skips no slot", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  vm.hyp.guestAccess(v, A);
  vm.hw.write(0, A, 0x55, true);
  const mark = vm.sink.events.length;
  vm.hyp.preemptAtNextExit(v, 1);
  vm.hyp.setWayWalk(v, "csw");
  const names = vm.sink.namesSince(mark);
  assert.deepEqual(names.slice(0, 4), ["kvm_exit", "migrate", "vcpu_load", "flush_cache_all"]);
  assert.deepEqual(vm.sink.named("kvm_exit", mark).length, 16 + 64);
  assert.deepEqual(vm.sink.named("sw_local", mark).length, 16 + 64 - 1);
  assert.ok(vm.sink.named("sw_local", mark).every((e) => e.pcpu === 1));
  assert.deepEqual(vm.sink.named("migrate", mark).length, 1);
});

Deno.test("kvm-3.18: a cancelled preemption does nothing", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.preemptAtNextExit(v, 3);
  vm.hyp.cancelPreemption(v);
  const mark = vm.sink.events.length;
  vm.hyp.setWay(v, { op: "csw", level: 1, set: 3, way: 1 });
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit", "sw_local"]);
  assert.deepEqual(v.pcpu, 0);
});

Deno.test("kvm-3.18: SCTLR caches on clears TVM and flushes; other VM registers do nothing", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  let mark = vm.sink.events.length;
  vm.hyp.vmRegWrite(v, "TTBR0", 0x4000_0000);
  vm.hyp.sctlrWrite(v, { m: true }); // MMU on, caches still off
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "vm_reg_write",
    "kvm_exit",
    "sctlr_write",
  ]);
  assert.deepEqual(v.hcr.tvm, true);
  vm.hyp.hostWrite(3, A, 9);
  vm.hyp.guestAccess(v, A); // maps the page the host wrote
  mark = vm.sink.events.length;
  vm.hyp.sctlrWrite(v, { c: true });
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "sctlr_write",
    "stage2_flush_vm",
    "hcr_write",
  ]);
  assert.deepEqual(vm.sink.named("hcr_write", mark)[0].fields, { tsw: true, tvm: false });
  assert.deepEqual(v.hcr.tvm, false);
  assert.deepEqual(vm.hw.memory.read(A), 9);
  assert.ok(vm.hw.memory.read(A + 4) !== POISON);
});
