// The cost rules one event at a time: which figure of the table each event
// is charged, which category it counts in, and how layers of overrides
// combine and are checked.

import assert from "node:assert/strict";
import { ScenarioError, vm } from "../../mod.ts";
import {
  checkCosts,
  costCategory,
  type CostTable,
  DEFAULT_COSTS,
  eventCycles,
  resolveCosts,
} from "../../lib/api/policies.ts";
import { EVENT_NAMES } from "../../lib/hyp/events.ts";
import { categoryOf } from "../../lib/report/event_category.ts";

/** Every figure a different power of two, so that no sum of other figures can stand for one. */
const DISTINCT: CostTable = resolveCosts([{
  trap: 1,
  stage2Fault: 2,
  s2PageWalk: 4,
  dcLine: 8,
  swSlot: 16,
  flushAllSlot: 32,
  pageZero: 64,
  preemptCheck: 128,
  undefInject: 256,
  vcpuLoad: 512,
  access: 1024,
  sysreg: 2048,
  unmap: 4096,
}], "costs");

Deno.test("each event with a rule of its own is charged its own figure of the table", () => {
  const t = DISTINCT;
  const expected: [string, Record<string, number>, number][] = [
    ["kvm_exit", {}, t.trap],
    ["undef_injected", {}, t.undefInject],
    // The exit is the kvm_exit before the fault: the fault is its handling alone.
    ["kvm_guest_fault", { ipa: 0x4000_0000 }, t.stage2Fault],
    ["clear_page", { ipa: 0x4000_0000 }, t.pageZero],
    ["stage2_flush_vm", { pages: 3, lines: 5 }, 3 * t.s2PageWalk + 5 * t.dcLine],
    [
      "p2m_flush_vm",
      { pages: 3, lines: 5, preemptChecks: 7 },
      3 * t.s2PageWalk + 5 * t.dcLine + 7 * t.preemptCheck,
    ],
    ["flush_cache_all", { slots: 9 }, 9 * t.flushAllSlot],
    ["flush_page", { lines: 3 }, 3 * t.dcLine],
    ["coherent_cache_guest_page", { lines: 3 }, 3 * t.dcLine],
    ["clean_dcache_guest_page", { lines: 3 }, 3 * t.dcLine],
    ["flush_page_to_ram", { lines: 3 }, 3 * t.dcLine],
    ["dc_civac", { lines: 3 }, 3 * t.dcLine],
    ["sw_local", { level: 1, set: 0, way: 0 }, t.swSlot],
    ["read", {}, t.access],
    ["write", {}, t.access],
    ["host_write", {}, t.access],
    ["sctlr_write", {}, t.sysreg],
    ["vm_reg_write", { value: 1 }, t.sysreg],
    ["vcpu_load", {}, t.vcpuLoad],
    ["kvm_unmap_hva", { ipa: 0x4000_0000 }, t.unmap],
  ];
  for (const [name, fields, cycles] of expected) {
    assert.equal(eventCycles(name, fields, t), cycles, name);
  }
});

Deno.test("a table's per-event figures cost only the events without a rule of their own", () => {
  // A table built by hand, as eventCycles accepts any CostTable: checkCosts
  // refuses such figures for events with a rule of their own.
  const t: CostTable = { ...DEFAULT_COSTS, events: { kvm_exit: 1, vcpu_load: 2, my_flush: 300 } };
  assert.equal(eventCycles("kvm_exit", {}, t), DEFAULT_COSTS.trap);
  assert.equal(eventCycles("vcpu_load", {}, t), DEFAULT_COSTS.vcpuLoad);
  assert.equal(eventCycles("my_flush", {}, t), 300);
});

Deno.test("a per-event figure for an event the table's own figures price is refused, naming them", () => {
  const refusal = (name: string): ScenarioError | null => {
    try {
      checkCosts({ events: { [name]: 7 } }, "costs");
      return null;
    } catch (e) {
      assert.ok(e instanceof ScenarioError, String(e));
      return e;
    }
  };
  const e = refusal("kvm_exit")!;
  assert.deepEqual([e.code, e.call, e.value], ["invalid_value", "costs.events.kvm_exit", 7]);
  assert.match(e.message, /priced by the table's trap.*set trap instead/);
  assert.match(refusal("p2m_flush_vm")!.message, /s2PageWalk, dcLine and preemptCheck/);
  // Every built-in event: refused exactly when its figure would never be
  // read, by eventCycles or, for the guest's set/way instructions, by the
  // engine, which prices them with swSlot.
  const zero: CostTable = Object.fromEntries(
    Object.keys(DEFAULT_COSTS).map((k) => [k, 0]),
  ) as unknown as CostTable;
  const SET_WAY = ["dc_csw", "dc_cisw", "dc_isw", "sw_walk"];
  for (const name of EVENT_NAMES) {
    const read = eventCycles(name, { lines: 1 }, { ...zero, events: { [name]: 7 } }) === 7;
    const refused = refusal(name) !== null;
    if (SET_WAY.includes(name)) assert.ok(refused, name);
    else assert.equal(refused, !read, name);
  }
  assert.equal(refusal("my_flush"), null);
  assert.equal(refusal("kvm_set_way_flush"), null);
});

Deno.test("the guest's set/way instructions are priced by swSlot, whatever the per-event figures", async () => {
  const run = await vm().machine("tc2").policy("trap-nothing").costs({ swSlot: 3 })
    .guest((g) => g.mmuOn().write(0x4000_8000, 1).sw_clean()).run();
  const walk = run.events.find((e) => e.name === "sw_walk")!;
  assert.equal(walk.cycles, (walk.instructions as number) * 3);
});

Deno.test("every event a report draws as a flush costs its lines, pages or slots, as a flush", () => {
  for (const name of EVENT_NAMES.filter((n) => categoryOf(n) === "flush")) {
    // A set/way instruction the hypervisor performs for the guest counts with the set/way work.
    assert.equal(costCategory(name), name === "sw_local" ? "sw" : "flush", name);
    const fields = { lines: 1, pages: 1, slots: 1, preemptChecks: 1 };
    assert.ok(eventCycles(name, fields, DEFAULT_COSTS) > 0, name);
  }
});

Deno.test("a page or line count that is not a finite number counts as none", () => {
  const t = DISTINCT;
  assert.equal(eventCycles("stage2_flush_vm", { pages: NaN, lines: 2 }, t), 2 * t.dcLine);
  assert.equal(eventCycles("stage2_flush_vm", { pages: 1, lines: Infinity }, t), t.s2PageWalk);
  assert.equal(eventCycles("flush_cache_all", { slots: -Infinity }, t), 0);
  assert.equal(eventCycles("flush_page", { lines: "3" }, t), 0);
  assert.equal(eventCycles("flush_page", undefined, t), 0);
});

Deno.test("every flush a hypervisor makes counts in the flush category", () => {
  for (
    const name of [
      "stage2_flush_vm",
      "p2m_flush_vm",
      "flush_cache_all",
      "flush_page",
      "coherent_cache_guest_page",
      "clean_dcache_guest_page",
      "flush_page_to_ram",
    ]
  ) {
    assert.equal(costCategory(name), "flush", name);
  }
});

Deno.test("under Xen, the page flushes and the whole-VM flush are charged to the flush category", async () => {
  const run = await vm().machine("xgene1").systemCache().policy("xen")
    .guest((g) => g.mmuOn().write(0x4000_8000, 1).sw_clean().mmuOff().read(0x4000_8000)).run();
  const cyclesOf = (name: string) =>
    run.events.filter((e) => e.name === name)
      .reduce((sum, e) => sum + e.count * (e.cycles as number), 0);
  const p2m = cyclesOf("p2m_flush_vm"), toRam = cyclesOf("flush_page_to_ram");
  assert.ok(p2m > 0 && toRam > 0, `${p2m} ${toRam}`);
  assert.equal(run.cost.cyclesByCategory.flush, p2m + toRam);
  assert.equal(run.cost.cyclesByCategory.other, 0);
});

Deno.test("names that objects inherit (toString, constructor...) are of no known category", () => {
  for (const name of ["toString", "constructor", "hasOwnProperty", "__proto__", "valueOf"]) {
    assert.equal(costCategory(name), "other", name);
  }
});

Deno.test("a per-event figure that is negative or not finite is refused, naming the event", () => {
  for (const bad of [-1, -0.5, Infinity, NaN]) {
    assert.throws(() => vm().costs({ events: { my_flush: bad } }), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.code, "invalid_value");
      assert.equal(e.call, "costs.events.my_flush");
      assert.ok(Object.is(e.value, bad), String(e.value));
      return true;
    });
  }
  assert.equal(resolveCosts([{ events: { my_flush: 0 } }], "costs").events.my_flush, 0);
});

Deno.test("a later layer's figure for an event beats an earlier layer's", () => {
  const t = resolveCosts(
    [{ events: { my_flush: 1, kept: 5 } }, undefined, { events: { my_flush: 2 } }],
    "costs",
  );
  assert.deepEqual(t.events, { my_flush: 2, kept: 5 });
  assert.equal(eventCycles("my_flush", {}, t), 2);
});

Deno.test("a resolved table cannot be changed, its per-event figures included", () => {
  const t = resolveCosts([{ trap: 1 }, { events: { my_flush: 300 } }], "costs");
  assert.ok(Object.isFrozen(t));
  assert.ok(Object.isFrozen(t.events));
  assert.throws(() => {
    (t.events as Record<string, number>).my_flush = 1;
  }, TypeError);
  assert.equal(eventCycles("my_flush", {}, t), 300);
});
