// The cost model: every event carries cycles from a plain-data table, the table resolves from
// defaults, the policy's profile and the run's overrides, and RunResult.cost adds them up.

import assert from "node:assert/strict";
import { type RunResult, ScenarioError, vm } from "../../mod.ts";
import {
  COST_CATEGORIES,
  costCategory,
  DEFAULT_COSTS,
  eventCycles,
  KVM_VHE_COSTS,
  resolveCosts,
  XEN_COSTS,
} from "../../lib/api/policies.ts";
import { THREAD, zimage } from "./helpers.ts";

function sumOfEvents(run: RunResult): { total: number; by: Record<string, number> } {
  let total = 0;
  const by: Record<string, number> = {};
  for (const e of run.events) {
    assert.equal(typeof e.cycles, "number", `${e.name} carries cycles`);
    const c = e.count * (e.cycles as number);
    total += c;
    by[costCategory(e.name)] = (by[costCategory(e.name)] ?? 0) + c;
  }
  return { total, by };
}

for (
  const policy of [
    "kvm-3.18",
    "kvm-4.0",
    "kvm-modern",
    "xen",
    "xen-iommu",
    "trap-nothing",
    "native",
  ]
) {
  Deno.test(`cost: under ${policy}, the run's cycles are its events' cycles, by category`, async () => {
    const run = await zimage.policy(policy).run();
    const { total, by } = sumOfEvents(run);
    assert.equal(run.cost.cycles, total);
    for (const c of COST_CATEGORIES) assert.equal(run.cost.cyclesByCategory[c], by[c] ?? 0, c);
    assert.ok(total > 0);
  });
}

Deno.test("cost: each hypervisor's trap round trip comes from its profile", async () => {
  const trapOf = async (policy: string) =>
    (await zimage.policy(policy).run()).events.find((e) => e.name === "kvm_exit")?.cycles;
  assert.equal(await trapOf("kvm-4.0"), DEFAULT_COSTS.trap);
  assert.equal(await trapOf("kvm-3.18"), DEFAULT_COSTS.trap);
  assert.equal(await trapOf("kvm-modern"), KVM_VHE_COSTS.trap);
  assert.equal(await trapOf("xen"), XEN_COSTS.trap);
});

Deno.test("cost: Xen's profile is both of Xen ARM's figures (Dall et al., ISCA 2016, Table II)", async () => {
  assert.deepEqual({ ...XEN_COSTS }, { trap: 376, vcpuLoad: 8_799 });
  const loads = (await zimage.policy("xen").run()).events.filter((e) => e.name === "vcpu_load");
  assert.ok(loads.length > 0);
  assert.ok(loads.every((e) => e.cycles === 8_799));
});

Deno.test("cost: every figure of the table can be overridden, and each DC by VA costs its lines", () => {
  for (const key of Object.keys(DEFAULT_COSTS).filter((k) => k !== "events")) {
    const t = resolveCosts([{ [key]: 12_345 }], "costs");
    assert.equal(t[key as keyof typeof t], 12_345, key);
  }
  const t = resolveCosts([{ dcLine: 3 }], "costs");
  for (const op of ["dc_cvac", "dc_civac", "dc_ivac", "dc_cvau"]) {
    assert.equal(eventCycles(op, { lines: 5 }, t), 15, op);
  }
});

Deno.test("cost: what the host does for the guest is counted where it happens", () => {
  // Zeroing a page is part of handling the stage-2 fault that populates it
  // (hypervisor.ts `#populate`); a VMM's write or unmap is the host's own.
  const expected: Record<string, string> = {
    kvm_exit: "trap",
    kvm_guest_fault: "fault",
    clear_page: "fault",
    stage2_flush_vm: "flush",
    sw_local: "sw",
    dc_cvau: "guest",
    vcpu_load: "sched",
    migrate: "sched",
    host_write: "host",
    kvm_unmap_hva: "host",
  };
  for (const [name, category] of Object.entries(expected)) {
    assert.equal(costCategory(name), category, name);
  }
});

Deno.test("cost: the trap category is exits times the trap cost, whatever the table says", async () => {
  for (const trap of [1, 1_234, 10_000]) {
    const run = await THREAD.on_walk_off.costs({ trap }).run();
    assert.equal(run.cost.cyclesByCategory.trap, run.cost.exits * trap);
  }
});

Deno.test("cost: run()'s costs replace the builder's; both beat the policy's profile", async () => {
  const b = THREAD.card_from_reset.policy("xen").costs({ trap: 11 });
  const exit = (r: RunResult) => r.events.find((e) => e.name === "kvm_exit")?.cycles;
  assert.equal(exit(await b.run()), 11);
  assert.equal(exit(await b.run({ costs: { trap: 22 } })), 22);
  assert.equal(exit(await b.run({ costs: { dcLine: 1 } })), XEN_COSTS.trap);
  assert.equal(exit(await b.costs({ dcLine: 1 }).run()), 11, "calls accumulate");
});

Deno.test("cost: a set/way walk costs its instructions when performed, nothing when trapped", async () => {
  const walkOf = async (policy: string) => {
    const run = await THREAD.card_from_reset.policy(policy).run();
    return run.events.find((e) => e.name === "sw_walk")!;
  };
  const performed = await walkOf("trap-nothing");
  assert.equal(performed.cycles, (performed.instructions as number) * DEFAULT_COSTS.swSlot);
  const trapped = await walkOf("kvm-4.0");
  assert.equal(trapped.cycles, 0);
});

Deno.test("cost: one set/way instruction costs a slot when performed on a slot the CPU has", async () => {
  const opOf = async (policy: string, way: number) => {
    const run = await vm().policy(policy).guest((g) => g.mmuOn().dc_csw(1, 0, way)).run();
    return run.events.find((e) => e.name === "dc_csw")!;
  };
  assert.equal((await opOf("trap-nothing", 1)).cycles, DEFAULT_COSTS.swSlot);
  assert.equal((await opOf("kvm-4.0", 1)).cycles, 0, "trapped: the exit and handler pay");
  // The generic machine's L1 has 4 ways: way 7 names no slot, and does nothing.
  assert.equal((await opOf("trap-nothing", 7)).cycles, 0);
});

Deno.test("cost: flushes cost their pages and lines", () => {
  const t = resolveCosts(
    [{ s2PageWalk: 7, dcLine: 3, preemptCheck: 100, flushAllSlot: 2 }],
    "costs",
  );
  assert.equal(eventCycles("stage2_flush_vm", { pages: 2, lines: 128 }, t), 2 * 7 + 128 * 3);
  assert.equal(
    eventCycles("p2m_flush_vm", { pages: 2, lines: 128, preemptChecks: 4 }, t),
    2 * 7 + 128 * 3 + 4 * 100,
  );
  assert.equal(eventCycles("flush_cache_all", { slots: 1000 }, t), 2000);
  assert.equal(eventCycles("kvm_set_way_flush", { cache: true }, t), 0);
  assert.equal(eventCycles("somebody_elses", {}, t), 0);
});

Deno.test("cost: resolveCosts layers later over earlier, events merged by name", () => {
  const t = resolveCosts([{ trap: 5, events: { a: 1 } }, undefined, { events: { b: 2 } }], "costs");
  assert.equal(t.trap, 5);
  assert.deepEqual(t.events, { a: 1, b: 2 });
  assert.equal(t.dcLine, DEFAULT_COSTS.dcLine);
  assert.equal(resolveCosts([], "costs"), DEFAULT_COSTS);
  assert.ok(Object.isFrozen(t));
});

Deno.test("cost: bad overrides are refused, naming the call and the value", async () => {
  const refused = (f: () => unknown, code: string, call: string) =>
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.call, call);
      return true;
    });
  refused(() => vm().costs({ trap: -1 }), "invalid_value", "costs.trap");
  refused(() => vm().costs({ trap: Infinity }), "invalid_value", "costs.trap");
  refused(() => vm().costs({ trapp: 1 } as never), "unknown_name", "costs.trapp");
  refused(() => vm().costs({ events: { x: "1" } } as never), "invalid_value", "costs.events.x");
  refused(() => vm().costs(null as never), "invalid_value", "costs");
  await assert.rejects(
    () => vm().run({ costs: { dcLine: NaN } }),
    (e: unknown) => e instanceof ScenarioError && e.call === "costs.dcLine",
  );
});

Deno.test("cost: costs are not part of the scenario's JSON", () => {
  assert.deepEqual(vm().costs({ trap: 1 }).toJSON(), vm().toJSON());
  assert.deepEqual(vm().costs({ trap: 1 }).runOptions().costs, { trap: 1 });
});
