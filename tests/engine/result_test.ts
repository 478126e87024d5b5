// A run's result: what its events cost, its JSON form and its trace.
import assert from "node:assert/strict";
import { costOf, RunResult, type Verdict } from "../../lib/engine/result.ts";
import { run } from "../../lib/engine/run.ts";
import { generic } from "../../lib/machines/generic.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import { KERNEL, scenario } from "./fixtures.ts";

/** An event with the usual vCPU, CPU and PC. */
function ev(seq: number, name: string, count: number, fields: object = {}): SetwayEvent {
  return { seq, name, vcpu: 0, pcpu: 0, pc: 0x4000_0000, count, ...fields } as SetwayEvent;
}

const ZERO = { trap: 0, fault: 0, flush: 0, sw: 0, guest: 0, sched: 0, host: 0, other: 0 };

Deno.test("costOf: a collapsed event counts as many times as its count, by kind and by category", () => {
  const cost = costOf([
    ev(0, "kvm_exit", 3, { reason: "dcsw", ec: 0x18, cycles: 100 }),
    ev(3, "stage2_flush_vm", 2, { pages: 1, lines: 64, cleaned: 0, invalidated: 0, cycles: 10 }),
    ev(5, "p2m_flush_vm", 1, { pages: 1, lines: 32 }),
    ev(6, "flush_cache_all", 2, { slots: 100, cycles: 5 }),
    ev(8, "read", 4, { addr: KERNEL, value: 0, cacheable: true, cycles: 4 }),
    ev(12, "my_event", 1, { cycles: 7 }),
    ev(13, "kvm_exit", 1, { reason: "dcsw", ec: 0x18, cycles: 0 }),
    ev(14, "write", 1, { addr: KERNEL, value: 1, cacheable: true, cycles: 2 }),
  ]);
  assert.deepEqual(cost, {
    exits: 3 + 1,
    flushes: 2 + 1 + 2,
    // stage2_flush_vm and p2m_flush_vm count lines, flush_cache_all slots
    linesFlushed: 2 * 64 + 32 + 2 * 100,
    cycles: 3 * 100 + 2 * 10 + 2 * 5 + 4 * 4 + 7 + 2,
    cyclesByCategory: {
      ...ZERO,
      trap: 3 * 100,
      flush: 2 * 10 + 2 * 5,
      guest: 4 * 4 + 2,
      other: 7, // a name setway does not know
    },
  });
});

Deno.test("costOf: no events cost nothing, every category present", () => {
  assert.deepEqual(costOf([]), {
    exits: 0,
    flushes: 0,
    linesFlushed: 0,
    cycles: 0,
    cyclesByCategory: ZERO,
  });
  assert.deepEqual(costOf([ev(0, "vcpu_load", 2, { cycles: 50 })]).cyclesByCategory, {
    ...ZERO,
    sched: 100,
  });
});

/** A finished run made by hand: a stale read, a crash, one flush. */
function handMade(caches?: RunResult["caches"]): RunResult {
  const verdict: Verdict = {
    ok: false,
    violations: [{
      kind: "stale_read",
      addr: KERNEL,
      expected: 42,
      got: 7,
      vcpu: 1,
      pc: 0x4000_0010,
      blame: "hypervisor",
      readIndex: 3,
    }],
    archInvalid: ["S/W with caches on at 0x40000008"],
    failsNatively: false,
    crashed: { reason: "undefined instruction", pc: 0x4000_0008, vcpu: 1 },
  };
  return new RunResult({
    scenario: scenario([], { prefault: true, seed: 9, speculation: "adversarial" }),
    policy: "xen-iommu",
    machine: generic,
    events: [
      ev(0, "kvm_exit", 2, { reason: "dcsw", ec: 0x18 }),
      ev(2, "stage2_flush_vm", 3, { pages: 2, lines: 128, cleaned: 1, invalidated: 0 }),
    ],
    verdict,
    ...(caches === undefined ? {} : { caches }),
  });
}

Deno.test("RunResult.toJSON: the verdict field for field, the crash, the cost and the scenario", () => {
  const json = handMade().toJSON();
  assert.deepEqual(json.verdict, {
    ok: false,
    violations: [{
      kind: "stale_read",
      addr: KERNEL,
      expected: 42,
      got: 7,
      vcpu: 1,
      pc: 0x4000_0010,
      blame: "hypervisor",
      readIndex: 3,
    }],
    archInvalid: ["S/W with caches on at 0x40000008"],
    failsNatively: false,
    crashed: { reason: "undefined instruction", pc: 0x4000_0008, vcpu: 1 },
  });
  assert.deepEqual(json.cost, {
    exits: 2,
    flushes: 3,
    linesFlushed: 3 * 128,
    cycles: 0,
    cyclesByCategory: ZERO,
  });
  assert.equal(json.policy, "xen-iommu");
  assert.equal(json.machine.name, "generic");
  assert.deepEqual(
    [json.scenario.prefault, json.scenario.seed, json.scenario.speculation],
    [true, 9, "adversarial"],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
});

Deno.test("RunResult.toJSON: a guest crash of a real run, and a failure that is not native", () => {
  // Xen with the IOMMU sharing its p2m refuses set/way: the walk crashes the guest.
  const r = run(
    scenario([
      { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
      { kind: "write", vcpu: 0, addr: KERNEL, value: 42 },
      { kind: "sw_walk", vcpu: 0, op: "cisw" },
      { kind: "read", vcpu: 0, addr: KERNEL },
    ], { machine: "generic", policy: "xen-iommu" }),
  );
  const json = r.toJSON();
  assert.equal(json.verdict.ok, false);
  assert.equal(json.verdict.failsNatively, false);
  assert.equal(json.verdict.crashed?.vcpu, 0);
  assert.match(json.verdict.crashed?.reason ?? "", /IOMMU/);
  assert.deepEqual(json.verdict.crashed, { ...r.verdict.crashed });
});

Deno.test("RunResult.trace: headed by policy, machine, seed and speculation unless given a header", () => {
  const r = handMade();
  const head = (text: string) => text.split("\n").slice(0, 8);
  assert.deepEqual(head(r.trace()).slice(0, 7), [
    "# tracer: setway",
    "#",
    "# policy: xen-iommu",
    "# machine: generic",
    "# seed: 9",
    "# speculation: adversarial",
    "#",
  ]);
  assert.deepEqual(head(r.trace({ header: ["run 7"] })).slice(0, 4), [
    "# tracer: setway",
    "#",
    "# run 7",
    "#",
  ]);
});

Deno.test("RunResult: the watched caches are kept when given, absent otherwise", () => {
  const caches = { levels: [], addresses: [{ addr: KERNEL, changes: [] }] };
  assert.equal(handMade(caches).caches, caches);
  assert.equal(handMade().caches, undefined);
});
