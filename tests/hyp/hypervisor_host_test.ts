// What the host does to guest RAM: the VMM's writes (natively a loader's),
// unmapping a page, and the fault-path clean of a page mapped for the first time.
import assert from "node:assert/strict";
import { POISON } from "../../lib/hw/memory.ts";
import { kvm318 } from "../../lib/hyp/policies/kvm_3_18.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { native } from "../../lib/hyp/policies/native.ts";
import { xen } from "../../lib/hyp/policies/xen.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { BASE, testVm } from "./fixtures.ts";

const PAGE = BASE + 0x6000;

Deno.test("natively a host write is a loader's: cacheable, then cleaned to PoC", () => {
  const { hyp, hw, sink } = testVm(native);
  hyp.hostWrite(1, PAGE + 0x40, 0x1234);
  assert.deepEqual(sink.events.map((e) => e.name), ["host_write"]);
  assert.equal(hw.memory.read(PAGE + 0x40), 0x1234, "DRAM holds the image");
  assert.equal(hw.read(0, PAGE + 0x40, false), 0x1234, "another CPU reads it uncached");
});

Deno.test("a host write to a new page zeroes the whole page from its base first", () => {
  const { hyp, hw, sink } = testVm(kvm40);
  const mark = sink.events.length;
  hyp.hostWrite(1, PAGE + 0x88, 0xc0de);
  assert.deepEqual(sink.namesSince(mark), ["clear_page", "host_write"]);
  const [clear, write] = sink.events.slice(mark);
  assert.deepEqual([clear.name, clear.vcpu, clear.pcpu, clear.fields], [
    "clear_page",
    null,
    1,
    { ipa: PAGE },
  ]);
  assert.deepEqual(write.fields, { addr: PAGE + 0x88, value: 0xc0de });
  assert.equal(hw.read(1, PAGE, true), 0, "the page's first word is zeroed");
  assert.equal(hw.read(1, PAGE + 0x84, true), 0);
  assert.equal(hw.read(1, PAGE + 0x88, true), 0xc0de);
  assert.equal(hw.read(1, PAGE + 0xffc, true), 0, "and its last");
  assert.equal(hw.read(1, PAGE + 0x1000, true), POISON, "the next page is not touched");
});

Deno.test("unmapping a page that is not mapped records it and runs no policy maintenance", () => {
  const { hyp, sink } = testVm(kvm40);
  const mark = sink.events.length;
  hyp.hostUnmap(2, PAGE + 0x10);
  assert.deepEqual(sink.events.slice(mark).map((e) => [e.name, e.pcpu, e.fields]), [
    ["kvm_unmap_hva", 2, { ipa: PAGE, mapped: false }],
  ]);
});

Deno.test("kvm-4.0: each unmap's flush runs on the CPU that unmapped", () => {
  const { hyp, sink } = testVm(kvm40);
  const v = hyp.vcpus[0];
  hyp.guestAccess(v, PAGE);
  hyp.guestAccess(v, PAGE + 0x1000);
  const mark = sink.events.length;
  hyp.hostUnmap(2, PAGE);
  hyp.hostUnmap(3, PAGE + 0x1000);
  assert.deepEqual(sink.events.slice(mark).map((e) => [e.name, e.vcpu, e.pcpu]), [
    ["kvm_unmap_hva", null, 2],
    ["flush_page", null, 2],
    ["kvm_unmap_hva", null, 3],
    ["flush_page", null, 3],
  ]);
});

Deno.test("xen: every page's first mapping is flushed to RAM, whatever its place in RAM", () => {
  const { hyp, sink } = testVm(xen);
  const v = hyp.vcpus[0];
  // RAM pages 0, 1, 16, 31, 32 and 48: neighbours in any 16- or 32-page group.
  const pages = [0, 1, 16, 31, 32, 48];
  for (const p of pages) hyp.guestAccess(v, BASE + p * 0x1000);
  const flushed = sink.named("flush_page_to_ram").map((e) => e.fields.ipa);
  assert.deepEqual(flushed, pages.map((p) => BASE + p * 0x1000));
  // Mapped again after an unmap: not its first mapping, no flush.
  hyp.hostUnmap(0, BASE + 16 * 0x1000);
  const mark = sink.events.length;
  hyp.guestAccess(v, BASE + 16 * 0x1000);
  assert.deepEqual(sink.namesSince(mark), ["kvm_exit", "kvm_guest_fault"]);
});

Deno.test("the fault-path clean records which mapping the policy cleans through", () => {
  const viaOf = (policy: Policy) => {
    const { hyp, sink } = testVm(policy);
    hyp.guestAccess(hyp.vcpus[0], PAGE);
    return sink.named("coherent_cache_guest_page").map((e) => e.fields.via);
  };
  assert.deepEqual(viaOf(kvm40), ["kernel"]);
  assert.deepEqual(viaOf(kvm318), ["hva"], "Linux 3.18 cleans through the VMM's user mapping");
});
