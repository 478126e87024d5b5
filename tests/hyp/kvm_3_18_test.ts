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

Deno.test("kvm-3.18: a S/W op right after a migration takes the long way (flush_cache_all)", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.migrate(v, 2);
  assert.deepEqual(v.lastPcpu, 0);
  let mark = vm.sink.events.length;
  vm.hyp.setWay(v, { op: "csw", level: 1, set: 3, way: 1 });
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit", "flush_cache_all"]);
  assert.deepEqual(v.lastPcpu, 2);
  mark = vm.sink.events.length;
  vm.hyp.setWay(v, { op: "csw", level: 1, set: 3, way: 1 });
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit", "sw_local"]);
  assert.deepEqual(vm.sink.events[mark + 1].fields.op, "csw");
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
