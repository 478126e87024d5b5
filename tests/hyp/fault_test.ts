import assert from "node:assert/strict";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { kvm318 } from "../../lib/hyp/policies/kvm_3_18.ts";
import { POISON } from "../../lib/hw/memory.ts";
import { BASE, testVm } from "./fixtures.ts";

const PAGE = BASE + 0x5000;

Deno.test("stage-2 fault with caches off: the host zeroes the page and cleans it to PoC", () => {
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  v.pc = BASE + 0x80;
  const mark = vm.sink.events.length;
  vm.hyp.guestAccess(v, PAGE + 0x124);
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "kvm_guest_fault",
    "clear_page",
    "coherent_cache_guest_page",
  ]);
  const [exit, fault, clear, clean] = vm.sink.events.slice(mark);
  assert.deepEqual(exit.fields, { reason: "dabt", ec: 0x24 });
  assert.deepEqual([exit.vcpu, exit.pcpu, exit.pc], [0, 0, BASE + 0x80]);
  // A word load, translation fault level 3; FAR is the address loaded, the IPA its page.
  assert.deepEqual(fault.fields, { ipa: PAGE, hsr: 0x9380_0007, hxfar: PAGE + 0x124 });
  assert.deepEqual([fault.vcpu, fault.pcpu, fault.pc], [0, 0, BASE + 0x80]);
  assert.deepEqual([clear.vcpu, clear.pcpu], [0, 0]);
  assert.equal(clean.fields.lines, 64);
  assert.ok((clean.fields.cleaned as number) > 0, "the zeroing left dirty lines");
  assert.ok(vm.hyp.stage2.isMapped(PAGE));
  for (let a = PAGE; a < PAGE + 4096; a += 256) {
    assert.equal(vm.hw.memory.read(a), 0, `DRAM at 0x${a.toString(16)} holds the zeroes`);
  }
  // Mapped now: no second fault.
  const mark2 = vm.sink.events.length;
  vm.hyp.guestAccess(v, PAGE);
  assert.equal(vm.sink.events.length, mark2);
});

Deno.test("stage-2 fault with caches on: zeroed through the cache, no clean", () => {
  const vm = testVm(kvm318);
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  const mark = vm.sink.events.length;
  vm.hyp.guestAccess(v, PAGE);
  assert.deepEqual(vm.sink.namesSince(mark), ["kvm_exit", "kvm_guest_fault", "clear_page"]);
  let poisoned = 0;
  for (let a = PAGE; a < PAGE + 4096; a += 64) if (vm.hw.memory.read(a) === POISON) poisoned++;
  assert.ok(poisoned > 0, "some zeroes are still only in the caches");
  assert.equal(vm.hw.read(0, PAGE, true), 0);
});

Deno.test("host writes populate the page without mapping it; the guest's fault then cleans it", () => {
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  let mark = vm.sink.events.length;
  vm.hyp.hostWrite(1, PAGE + 8, 0xc0de);
  vm.hyp.hostWrite(1, PAGE + 12, 0xc0df);
  assert.deepEqual(vm.sink.namesSince(mark), ["clear_page", "host_write", "host_write"]);
  assert.equal(vm.sink.events[mark].vcpu, null);
  assert.equal(vm.sink.events[mark].pcpu, 1);
  assert.equal(vm.hyp.stage2.isMapped(PAGE), false);
  assert.ok(vm.hyp.stage2.isPopulated(PAGE));
  assert.equal(vm.hw.read(0, PAGE + 8, false), POISON, "the image is only in CPU 1's cache");
  mark = vm.sink.events.length;
  vm.hyp.guestAccess(v, PAGE + 8);
  assert.deepEqual(vm.sink.namesSince(mark), [
    "kvm_exit",
    "kvm_guest_fault",
    "coherent_cache_guest_page",
  ]);
  assert.equal(vm.hw.read(0, PAGE + 8, false), 0xc0de);
  assert.equal(vm.hw.read(0, PAGE + 12, false), 0xc0df);
});

Deno.test("prefault: every page mapped, RAM reads zero, nothing resident", () => {
  const vm = testVm(kvm40, { prefault: true, ram: 1 << 30 });
  assert.equal(vm.hyp.stage2.mappedPages, (1 << 30) / 4096);
  assert.equal(vm.hw.residentLines(), 0);
  assert.equal(vm.hw.read(0, BASE + 0x3000_0000, false), 0);
  const mark = vm.sink.events.length;
  vm.hyp.guestAccess(vm.hyp.vcpus[0], BASE + 0x3000_0000);
  assert.equal(vm.sink.events.length, mark, "no fault");
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  const flush = vm.sink.named("stage2_flush_vm", mark)[0];
  assert.equal(flush.fields.pages, (1 << 30) / 4096);
  assert.equal(flush.fields.lines, (1 << 30) / 64);
});
