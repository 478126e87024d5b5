import assert from "node:assert/strict";
import {
  EVENT_NAMES,
  FLUSH_EVENTS,
  HW_EVENTS,
  type SetwayEvent,
  vocabularyOf,
  withoutCycles,
  XEN_EVENT_NAMES,
  XEN_EVENTS,
  xenEventName,
} from "../../lib/hyp/events.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { testVm } from "./fixtures.ts";

function ev(name: string, fields: Record<string, number | string | boolean> = {}): SetwayEvent {
  return { seq: 0, name, vcpu: 0, pcpu: 0, pc: 0x4000_8000, count: 1, ...fields };
}

Deno.test("KVM 4.0's trace events keep the kernel's names and fields", () => {
  // arch/arm/kvm/trace.h (v4.0): kvm_set_way_flush(vcpu_pc, cache),
  // kvm_toggle_cache(vcpu_pc, was, now); vcpu_pc is every event's pc.
  for (const name of ["kvm_exit", "kvm_set_way_flush", "kvm_toggle_cache"]) {
    assert.ok(EVENT_NAMES.includes(name as never), name);
    assert.ok(FLUSH_EVENTS.includes(name), name);
  }
  const vm = testVm(kvm40);
  const v = vm.hyp.vcpus[0];
  vm.hyp.sctlrWrite(v, { m: true, c: true });
  vm.hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 });
  const [toggle] = vm.sink.named("kvm_toggle_cache");
  assert.deepEqual(toggle.fields, { was: false, now: true });
  const [flush] = vm.sink.named("kvm_set_way_flush");
  assert.deepEqual(flush.fields, { cache: true });
  // kvm_guest_fault(vcpu_pc, hsr, hxfar, ipa): the IPA of the page (HPFAR), the address (HxFAR).
  vm.hyp.guestAccess(v, 0x4000_3234);
  const [fault] = vm.sink.named("kvm_guest_fault");
  assert.deepEqual(Object.keys(fault.fields).sort(), ["hsr", "hxfar", "ipa"]);
  assert.equal(fault.fields.ipa, 0x4000_3000);
  assert.equal(fault.fields.hxfar, 0x4000_3234);
});

Deno.test("FLUSH_EVENTS: traps, flushes and the oracle's findings, not plain accesses", () => {
  for (
    const name of ["stage2_flush_vm", "flush_cache_all", "p2m_flush_vm", "stale_read", "lost_write"]
  ) {
    assert.ok(FLUSH_EVENTS.includes(name), name);
  }
  for (const name of ["read", "write", "castout", "speculative_fill", "vcpu_load"]) {
    assert.ok(!FLUSH_EVENTS.includes(name), name);
  }
  assert.ok(FLUSH_EVENTS.every((n) => EVENT_NAMES.includes(n as never)), "all built in");
});

Deno.test("HW_EVENTS: the speculative fill and the castout, nothing a vCPU does", () => {
  assert.deepEqual([...HW_EVENTS], ["speculative_fill", "castout"]);
});

Deno.test("EVENT_NAMES: each built-in name once", () => {
  assert.equal(new Set(EVENT_NAMES).size, EVENT_NAMES.length);
});

Deno.test("withoutCycles: drops cycles, and hands back an event without them untouched", () => {
  const plain = ev("kvm_exit", { reason: "dcsw", ec: 0x18 });
  assert.equal(withoutCycles(plain), plain);
  const costed = { ...plain, cycles: 6500 };
  assert.deepEqual(withoutCycles(costed), plain);
  assert.equal(costed.cycles, 6500, "the event given is not changed");
});

Deno.test("xenEventName: a trap goes by Xen's counter for its ESR exception class", () => {
  // ESR_ELx.EC (Arm ARM): 0x01 WFI/WFE, 0x03 MCR/MRC CP15, 0x04 MCRR/MRRC CP15,
  // 0x05 MCR/MRC CP14, 0x06 LDC/STC CP14, 0x07 FP/SIMD access, 0x08 VMRS (ID
  // group), 0x0c MCRR/MRRC CP14, 0x12 HVC32, 0x13 SMC32, 0x16 HVC64,
  // 0x17 SMC64, 0x18 MSR/MRS, 0x20 instruction abort and 0x24 data abort from a
  // lower EL. Xen 4.17 asm/perfc_defn.h names the counters.
  const expected: [number, string][] = [
    [0x01, "trap_wfi"],
    [0x03, "trap_cp15_32"],
    [0x04, "trap_cp15_64"],
    [0x05, "trap_cp14_32"],
    [0x06, "trap_cp14_dbg"],
    [0x07, "trap_cp"],
    [0x08, "trap_cp10"],
    [0x0c, "trap_cp14_64"],
    [0x12, "trap_hvc32"],
    [0x13, "trap_smc32"],
    [0x16, "trap_hvc64"],
    [0x17, "trap_smc64"],
    [0x18, "trap_sysreg"],
    [0x20, "trap_iabt"],
    [0x24, "trap_dabt"],
    // No counter: an abort from the same EL is not the guest's, an SVC is not trapped.
    [0x21, "trap"],
    [0x25, "trap"],
    [0x11, "trap"],
  ];
  for (const [ec, name] of expected) {
    assert.equal(xenEventName(ev("kvm_exit", { reason: "x", ec })), name, `EC ${ec.toString(16)}`);
    assert.ok(XEN_EVENT_NAMES.includes(name), name);
  }
  assert.equal(xenEventName(ev("kvm_exit")), "trap");
});

Deno.test("xenEventName: the fault and unmap events take Xen's function names; the rest keep theirs", () => {
  assert.equal(xenEventName(ev("kvm_guest_fault")), "p2m_resolve_translation_fault");
  assert.equal(xenEventName(ev("kvm_unmap_hva")), "guest_physmap_remove_page");
  for (const name of ["read", "p2m_flush_vm", "kvm_set_way_flush", "custom_event"]) {
    assert.equal(xenEventName(ev(name)), name);
  }
  for (const name of ["p2m_resolve_translation_fault", "guest_physmap_remove_page", "trap"]) {
    assert.ok(XEN_EVENT_NAMES.includes(name), name);
  }
});

Deno.test("vocabularyOf: one event only Xen emits makes the run Xen's", () => {
  const kvmOnly = [ev("kvm_exit"), ev("kvm_set_way_flush"), ev("stage2_flush_vm")];
  assert.equal(vocabularyOf(kvmOnly), "kvm");
  assert.equal(vocabularyOf([]), "kvm");
  for (
    const name of ["p2m_set_way_flush", "p2m_toggle_cache", "p2m_flush_vm", "flush_page_to_ram"]
  ) {
    assert.ok(XEN_EVENTS.includes(name), name);
    assert.equal(vocabularyOf([...kvmOnly, ev(name)]), "xen", name);
  }
});
