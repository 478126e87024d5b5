/**
 * Event categories: which group each built-in event is drawn in (the HTML
 * timeline's colours and legend, the Chrome trace's `cat`), and that each
 * group's colours can be read.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CATEGORY_STYLES,
  categoryOf,
  type EventCategory,
} from "../../lib/report/event_category.ts";
import { EVENT_NAMES, type EventName } from "../../lib/hyp/events.ts";
import { chromeTrace } from "../../lib/report/chrome_trace.ts";

/** Each built-in event's group, by what the event is (lib/hyp/events.ts). */
const EXPECTED: { readonly [K in EventName]: EventCategory } = {
  read: "access",
  write: "access",
  dc_cvac: "va",
  dc_civac: "va",
  dc_ivac: "va",
  dc_cvau: "va",
  dc_csw: "setway",
  dc_cisw: "setway",
  dc_isw: "setway",
  sw_walk: "setway",
  sctlr_write: "sysreg",
  vm_reg_write: "sysreg",
  kvm_exit: "trap",
  kvm_guest_fault: "trap",
  // What a hypervisor decides about a trap, KVM's or Xen's.
  kvm_set_way_flush: "policy",
  kvm_toggle_cache: "policy",
  p2m_set_way_flush: "policy",
  p2m_toggle_cache: "policy",
  hcr_write: "policy",
  undef_injected: "policy",
  // Cache maintenance the hypervisor performs, whole-VM or one page.
  stage2_flush_vm: "flush",
  flush_cache_all: "flush",
  sw_local: "flush",
  p2m_flush_vm: "flush",
  coherent_cache_guest_page: "flush",
  clean_dcache_guest_page: "flush",
  flush_page_to_ram: "flush",
  flush_page: "flush",
  vcpu_load: "sched",
  migrate: "sched",
  speculative_fill: "hw",
  castout: "hw",
  // The host's own doings on guest memory.
  host_write: "host",
  clear_page: "host",
  kvm_unmap_hva: "host",
  stale_read: "violation",
  lost_write: "violation",
};

Deno.test("every built-in event is drawn in its own group, none as a user policy's event", () => {
  for (const name of EVENT_NAMES) {
    assert.equal(categoryOf(name), EXPECTED[name], name);
  }
});

Deno.test("a name setway does not know is 'other', even one an object inherits", () => {
  for (const name of ["my_policy_event", "", "KVM_EXIT", "toString", "constructor", "__proto__"]) {
    assert.equal(categoryOf(name), "other", JSON.stringify(name));
  }
});

Deno.test("every group has a legend label, its own fill, and ink that reads on it (WCAG AA, 4.5:1)", () => {
  const luminance = (hex: string): number => {
    assert.match(hex, /^#[0-9a-f]{6}$/);
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const categories = Object.keys(CATEGORY_STYLES);
  const used = new Set<string>([...Object.values(EXPECTED), "other"]);
  assert.deepEqual(new Set(categories), used, "a style for every group, and no unused one");
  const fills = new Set<string>();
  const labels = new Set<string>();
  for (const [category, style] of Object.entries(CATEGORY_STYLES)) {
    const [hi, lo] = [luminance(style.fill), luminance(style.ink)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    assert.ok(ratio >= 4.5, `${category}: ${style.ink} on ${style.fill} is ${ratio.toFixed(2)}:1`);
    assert.ok(style.label.trim() !== "", category);
    fills.add(style.fill);
    labels.add(style.label);
  }
  assert.equal(fills.size, categories.length, "two groups share a fill");
  assert.equal(labels.size, categories.length, "two groups share a label");
});

Deno.test("the Chrome trace files each event under its group", () => {
  const at = (seq: number, name: string, fields: Record<string, number | boolean>) => ({
    seq,
    name,
    vcpu: 0,
    pcpu: 0,
    pc: 0x4000_0000,
    count: 1,
    cycles: 100,
    ...fields,
  });
  const trace = chromeTrace([
    at(0, "kvm_exit", { ec: 0x18 }),
    at(1, "p2m_set_way_flush", { cache: true }),
    at(2, "p2m_flush_vm", { pages: 1, lines: 64, cleaned: 0, invalidated: 0, preemptChecks: 0 }),
    at(3, "my_event", { n: 1 }),
  ], { clockHz: 1_000_000_000 });
  const cats = Object.fromEntries(
    trace.traceEvents.filter((e) => e.ph === "X").map((e) => [e.name, e.cat]),
  );
  // A run with Xen's events prints Xen's names; the group stays the event's own.
  assert.deepEqual(cats, {
    trap_sysreg: "trap",
    p2m_set_way_flush: "policy",
    p2m_flush_vm: "flush",
    my_event: "other",
  });
});
