/**
 * The message part of each trace line, written out by hand: the kernel's
 * trace points as arch/arm/kvm/trace.h and virt/kvm/arm/trace.h print them
 * (C's printf rules for `%08lx`, `%#08lx`, `%#llx`), and setway's own
 * messages as lib/report/messages.ts documents them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { formatEventMessage } from "../../lib/report/messages.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import { ScenarioError } from "../../lib/errors.ts";

const PC = 0x4000_8234;

function ev(
  name: string,
  fields: Record<string, number | string | boolean | null> = {},
  base: Partial<Pick<SetwayEvent, "seq" | "vcpu" | "pcpu" | "pc" | "count">> = {},
): SetwayEvent {
  return { seq: 1, name, vcpu: 0, pcpu: 0, pc: PC, count: 1, ...base, ...fields };
}

const msg = (
  name: string,
  fields: Record<string, number | string | boolean | null> = {},
  base: Partial<Pick<SetwayEvent, "seq" | "vcpu" | "pcpu" | "pc" | "count">> = {},
): string => formatEventMessage(ev(name, fields, base));

Deno.test("kvm_exit: TRAP, the class in 0x%04x with arm64's name, the PC in 0x%08lx", () => {
  assert.equal(
    msg("kvm_exit", { reason: "access_vm_reg", ec: 0x03 }, { pc: 0x8000 }),
    "TRAP: HSR_EC: 0x0003 (CP15_32), PC: 0x00008000",
  );
  assert.equal(
    msg("kvm_exit", { reason: "dabt", ec: 0x24 }),
    "TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x40008234",
  );
  // %08lx is a minimum width: a PC above 4 GiB prints all its digits, no more.
  assert.equal(
    msg("kvm_exit", { reason: "dabt", ec: 0x24 }, { pc: 0x1_0000_0040 }),
    "TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x100000040",
  );
  assert.equal(
    msg("kvm_exit", { reason: "x", ec: 0x12 }, { pc: 0 }),
    "TRAP: HSR_EC: 0x0012 (0x12), PC: 0x00000000",
  );
});

Deno.test("kvm_exit on a 32-bit arch/arm host: the HVC exception type and arch/arm's class names", () => {
  assert.equal(
    msg("kvm_exit", { reason: "dabt", ec: 0x24, type: "HVC" }, { pc: 0x8000 }),
    "HVC: HSR_EC: 0x0024 (DABT), PC: 0x00008000",
  );
  assert.equal(
    msg("kvm_exit", { reason: "iabt", ec: 0x20, type: "HVC" }, { pc: 0x8000 }),
    "HVC: HSR_EC: 0x0020 (IABT), PC: 0x00008000",
  );
  assert.equal(
    msg("kvm_exit", { reason: "access_dcsw", ec: 0x03, type: "HVC" }, { pc: 0x8004 }),
    "HVC: HSR_EC: 0x0003 (CP15_32), PC: 0x00008004",
  );
  // arm64's SYS64 is not a class a 32-bit host names.
  assert.equal(
    msg("kvm_exit", { reason: "x", ec: 0x18, type: "HVC" }, { pc: 0x8000 }),
    "HVC: HSR_EC: 0x0018 (0x18), PC: 0x00008000",
  );
});

Deno.test("kvm_guest_fault: %#llx for the IPA and %#08lx for the syndrome, the address and the PC", () => {
  assert.equal(
    msg("kvm_guest_fault", { ipa: 0x1_0000_2000, hsr: 0x9380_0047, hxfar: 0x1_0000_2010 }),
    "ipa 0x100002000, hsr 0x93800047, hxfar 0x100002010, pc 0x40008234",
  );
  // The 0x prefix counts in the width of %#08lx: six digits after it.
  assert.equal(
    msg("kvm_guest_fault", { ipa: 0x8000, hsr: 0x46, hxfar: 0x10 }, { pc: 0x1234 }),
    "ipa 0x8000, hsr 0x000046, hxfar 0x000010, pc 0x001234",
  );
});

Deno.test("the guest's own operations: loads, stores, DC by VA and by set/way, walks", () => {
  assert.equal(
    msg("read", { addr: 0x4000_0000, value: 1, cacheable: false }),
    "load from 0x40000000 = 0x00000001 (non-cacheable)",
  );
  assert.equal(
    msg("write", { addr: 0x1_2345_6780, value: 0xdead, cacheable: true }),
    "store to 0x0000000123456780 = 0x0000dead (cacheable)",
  );
  assert.equal(
    msg("dc_cvac", { addr: 0x4000_0000, len: 0x1000, lines: 64 }),
    "addr 0x40000000 len 0x1000 (64 lines)",
  );
  assert.equal(
    msg("dc_civac", { addr: 0x4000_0040, len: 0x40, lines: 1 }),
    "addr 0x40000040 len 0x40 (1 lines)",
  );
  assert.equal(
    msg("dc_cvau", { addr: 0x4000_0000, len: 0x3000, lines: 192 }),
    "addr 0x40000000 len 0x3000 (192 lines)",
  );
  assert.equal(
    msg("dc_ivac", { addr: 0x4000_0000, len: 0x1000, lines: 64, performedAs: "ivac" }),
    "addr 0x40000000 len 0x1000 (64 lines)",
  );
  assert.equal(
    msg("dc_ivac", { addr: 0x4000_0000, len: 0x1000, lines: 64, performedAs: "civac" }),
    "addr 0x40000000 len 0x1000 (64 lines), performed as civac",
  );
  assert.equal(msg("dc_csw", { level: 1, set: 3, way: 1 }), "level 1 set 3 way 1");
  assert.equal(msg("dc_isw", { level: 2, set: 0, way: 7 }), "level 2 set 0 way 7");
  assert.equal(msg("dc_cisw", { level: 2, set: null, way: null }), "level 2 every set and way");
  assert.equal(
    msg("sw_walk", { op: "cisw", levels: 2, instructions: 16640 }),
    "dc cisw walk: 16640 instructions over 2 levels",
  );
  // Modern KVM's normalized CLIDR: one instruction, over one level on Neoverse V1.
  assert.equal(
    msg("sw_walk", { op: "csw", levels: 1, instructions: 1 }),
    "dc csw walk: 1 instruction over 1 level",
  );
});

Deno.test("register writes name each bit and value in order", () => {
  assert.equal(msg("sctlr_write", { m: true, c: false, i: true }), "M on, C off, I on");
  assert.equal(msg("sctlr_write", { m: false, c: true, i: false }), "M off, C on, I off");
  assert.equal(msg("vm_reg_write", { reg: "TTBR0", value: 0x4000_4000 }), "TTBR0 = 0x40004000");
  assert.equal(msg("hcr_write", { tsw: false, tvm: true }), "TSW off, TVM on");
  assert.equal(msg("hcr_write", { tsw: true, tvm: false }), "TSW on, TVM off");
});

Deno.test("the fault path's clean+invalidate says through which mapping", () => {
  const page = { ipa: 0x4000_0000, lines: 64, cleaned: 2, invalidated: 3 };
  assert.equal(
    msg("coherent_cache_guest_page", { ...page, via: "kernel" }),
    "clean+invalidate to PoC ipa 0x40000000 via kernel mapping: 64 lines, 2 cleaned, 3 invalidated",
  );
  assert.equal(
    msg("clean_dcache_guest_page", { ...page, via: "hva" }),
    "clean+invalidate to PoC ipa 0x40000000 via user mapping: 64 lines, 2 cleaned, 3 invalidated",
  );
  assert.equal(
    msg("flush_page_to_ram", { ...page, via: "dma" }),
    "clean+invalidate to PoC ipa 0x40000000 via dma: 64 lines, 2 cleaned, 3 invalidated",
  );
  // Neither the mapping nor the invalidated count is required.
  assert.equal(
    msg("coherent_cache_guest_page", { ipa: 0x4000_0000, lines: 64, cleaned: 2 }),
    "clean+invalidate to PoC ipa 0x40000000: 64 lines, 2 cleaned",
  );
});

Deno.test("the hypervisor's flushes and unmaps", () => {
  assert.equal(
    msg("flush_page", {
      ipa: 0x4000_1000,
      invalidate: true,
      lines: 64,
      cleaned: 1,
      invalidated: 2,
    }),
    "clean+invalidate to PoC ipa 0x40001000 by VA: 64 lines, 1 cleaned, 2 invalidated",
  );
  assert.equal(
    msg("flush_page", {
      ipa: 0x4000_1000,
      invalidate: false,
      lines: 64,
      cleaned: 1,
      invalidated: 0,
    }),
    "clean to PoC ipa 0x40001000 by VA: 64 lines, 1 cleaned, 0 invalidated",
  );
  assert.equal(msg("kvm_unmap_hva", { ipa: 0x4000_1000, mapped: true }), "ipa 0x40001000");
  assert.equal(
    msg("kvm_unmap_hva", { ipa: 0x4000_1000, mapped: false }),
    "ipa 0x40001000 (not mapped)",
  );
  assert.equal(msg("clear_page", { ipa: 0x4000_3000 }), "zero page at ipa 0x40003000");
  assert.equal(
    msg("stage2_flush_vm", { pages: 3, lines: 192, cleaned: 5, invalidated: 9 }),
    "3 pages, 192 lines: 5 cleaned, 9 invalidated",
  );
  assert.equal(
    msg("flush_cache_all", { slots: 1024, cleaned: 1, invalidated: 2 }),
    "1024 slots: 1 cleaned, 2 invalidated",
  );
  assert.equal(
    msg("sw_local", { op: "cisw", level: 1, set: 3, way: 1, cleaned: 1, invalidated: 0 }),
    "dc cisw level 1 set 3 way 1: 1 cleaned, 0 invalidated",
  );
  assert.equal(
    msg("sw_local", { op: "csw", level: 2, set: null, way: null, cleaned: 64, invalidated: 0 }),
    "dc csw level 2 every set and way: 64 cleaned, 0 invalidated",
  );
});

Deno.test("Xen's policy events: need_flush_to_ram only when it was marked", () => {
  assert.equal(
    msg("p2m_set_way_flush", { cache: false }),
    "S/W op at 0x0000000040008234 (cache off): need_flush_to_ram",
  );
  assert.equal(
    msg("p2m_toggle_cache", { was: true, now: false, flush: true }),
    "VM op at 0x0000000040008234 (cache was on, now off): need_flush_to_ram",
  );
  assert.equal(
    msg("p2m_toggle_cache", { was: false, now: true, flush: false }),
    "VM op at 0x0000000040008234 (cache was off, now on)",
  );
  assert.equal(
    msg("p2m_flush_vm", { pages: 3, lines: 192, cleaned: 5, invalidated: 9, preemptChecks: 2 }),
    "3 pages, 192 lines: 5 cleaned, 9 invalidated, 2 preemption checks",
  );
  assert.equal(
    msg("undef_injected", { reason: "no set/way here" }),
    'undefined instruction at 0x0000000040008234: "no set/way here"',
  );
});

Deno.test("scheduler, hardware, host and oracle events", () => {
  assert.equal(msg("vcpu_load", {}, { pcpu: 2 }), "on cpu 2");
  assert.equal(msg("migrate", { from: 0, to: 1 }), "cpu 0 -> cpu 1");
  assert.equal(
    msg("migrate", { from: 1, to: 0, reason: "preempt" }),
    "cpu 1 -> cpu 0 reason=preempt",
  );
  assert.equal(
    msg("speculative_fill", { addr: 0x4000_0000, cache: "L2" }, { vcpu: null }),
    "0x40000000 into L2",
  );
  assert.equal(
    msg("castout", { addr: 0x4000_0040, cache: "L1", dirty: true }),
    "0x40000040 from L1, dirty yes",
  );
  assert.equal(msg("host_write", { addr: 0x4000_0080, value: 5 }), "0x40000080 = 0x00000005");
  assert.equal(
    msg("lost_write", { addr: 0x4000_0000, expected: 2, got: 1, blame: "guest" }),
    "at 0x40000000: expected 0x00000002, got 0x00000001 (blame guest)",
  );
});

Deno.test("fields printed as k=v: hex from 0x10000 on, other numbers as they are, strings quoted when needed", () => {
  assert.equal(
    msg("my_event", { a: 0xffff, b: 0x10000, c: 70_000.5, d: -70_000, e: 0 }),
    "a=65535 b=0x10000 c=70000.5 d=-70000 e=0",
  );
  assert.equal(
    msg("my_event", { on: true, off: false, none: null }),
    "on=yes off=no none=null",
  );
  assert.equal(
    msg("my_event", { word: "L2", blank: "two words", empty: "", tab: "a\tb" }),
    'word=L2 blank="two words" empty="" tab="a\\tb"',
  );
  // An event with no field of its own prints an empty message.
  assert.equal(msg("my_event"), "");
  // The base keys are never fields.
  assert.equal(msg("my_event", { n: 1 }, { seq: 99, vcpu: 3, pcpu: 4, pc: 8, count: 5 }), "n=1");
});

Deno.test("a built-in event's extra fields are appended to its message as k=v", () => {
  assert.equal(
    msg("kvm_exit", { reason: "access_dcsw", ec: 0x18, cycles: 6500 }),
    "TRAP: HSR_EC: 0x0018 (SYS64), PC: 0x40008234 cycles=6500",
  );
  assert.equal(
    msg("kvm_set_way_flush", { cache: true, note: "by hand" }),
    'S/W flush at 0x0000000040008234 (cache on) note="by hand"',
  );
});

Deno.test("a field of the wrong kind is refused with the event, its seq and the field", () => {
  const refused = (event: SetwayEvent, field: string) =>
    assert.throws(
      () => formatEventMessage(event),
      (e: unknown) =>
        e instanceof ScenarioError && e.code === "bad_schema" &&
        e.call === `formatTrace: ${event.name}.${field}` &&
        e.message.includes(`(seq ${event.seq})`),
      `${event.name}.${field}`,
    );
  refused(ev("kvm_exit", { reason: "r", ec: -1 }, { seq: 7 }), "ec");
  refused(ev("kvm_exit", { reason: "r", ec: 1.5 }, { seq: 7 }), "ec");
  refused(ev("kvm_exit", { reason: "r", ec: 0x18 }, { seq: 8, pc: null }), "pc");
  refused(ev("kvm_exit", { reason: "r", ec: 0x18, type: 2 }, { seq: 9 }), "type");
  refused(ev("kvm_guest_fault", { ipa: 0, hsr: null }, { seq: 10 }), "hsr");
  refused(ev("sctlr_write", { m: 1, c: true, i: true }), "m");
  refused(ev("vm_reg_write", { reg: 5, value: 1 }), "reg");
  refused(ev("read", { addr: 0x4000_0000, value: 2 ** 53, cacheable: true }), "value");
  refused(ev("dc_csw", { level: 1, set: 3, way: null }), "way");
});
