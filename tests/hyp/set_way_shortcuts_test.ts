import assert from "node:assert/strict";
import fc from "fast-check";
import { run } from "../../lib/engine/run.ts";
import { replay } from "../../lib/engine/explore/replay.ts";
import { resolvePolicy } from "../../lib/hyp/policies/mod.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { setWayShortcutsOf } from "../../lib/hyp/set_way_shortcuts.ts";
import { scenarioOf } from "../reliability/arbitraries.ts";
import { zimage } from "../../scenarios/zimage.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { candidateLines, execute } from "../../lib/engine/execute.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { CostingSink } from "../../lib/engine/costing_sink.ts";
import { resolveCosts } from "../../lib/hyp/costs.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { hardwareState, linesOf } from "../support/hardware_state.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { kvm318With, kvm40With } from "../../lib/hyp/policies/kvm_switches.ts";
import { ScenarioError } from "../../lib/errors.ts";

/** The built-in policies that declare `setWayIdle` or `setWayLocal`. */
const SHORTCUT_POLICIES = ["kvm-4.0", "kvm-modern", "xen", "kvm-3.18"] as const;

/** The same policy calling its hooks for every slot of a trapped walk. */
function slotBySlot(name: string): Policy {
  const policy = resolvePolicy(name) as Policy;
  const shortcuts = setWayShortcutsOf(policy);
  assert.ok(
    typeof shortcuts?.setWayIdle === "function" || typeof shortcuts?.setWayLocal === "function",
    `${name} declares a shortcut`,
  );
  // A copy is another object: the shortcuts stay with the built-in one.
  const copy = Object.freeze({ ...policy });
  assert.equal(setWayShortcutsOf(copy), undefined);
  return copy;
}

function same(a: ReturnType<typeof run>, b: ReturnType<typeof run>): void {
  assert.equal(a.trace({ filter: "all" }), b.trace({ filter: "all" }));
  assert.equal(JSON.stringify(a.toJSON()), JSON.stringify(b.toJSON()));
}

/**
 * Runs `scenario` under `fast` and under `slow` and asserts the two runs
 * are the same, or that both throw the same error (its message included).
 *
 * @returns the fast run, or null when both threw
 */
function sameRun(
  scenario: Scenario,
  fast: string | Policy,
  slow: Policy,
): ReturnType<typeof run> | null {
  let a;
  try {
    a = run(scenario, { policy: fast });
  } catch (e) {
    assert.throws(() => run(scenario, { policy: slow }), (f) => String(f) === String(e));
    return null;
  }
  same(a, run(scenario, { policy: slow }));
  return a;
}

Deno.test("set/way shortcuts: the zImage walks give the same trace and JSON as slot by slot", () => {
  const scenario = zimage.toJSON();
  for (const name of SHORTCUT_POLICIES) {
    const fast = run(scenario, { policy: name });
    const slow = run(scenario, { policy: slotBySlot(name) });
    same(fast, slow);
    // The shortcut took most of the walk: thousands of exits in one record
    // (kvm-modern's normalized view has a single slot).
    const longest = Math.max(
      ...fast.events.filter((e) => e.name === "kvm_exit").map((e) => e.count),
    );
    assert.ok(name === "kvm-modern" || longest > 1000, `${name}: ${longest}`);
  }
});

Deno.test("property: set/way shortcuts never change a run (random programs with S/W walks)", () => {
  let walked = 0;
  fc.assert(
    fc.property(
      scenarioOf({ mix: "any", policies: [...SHORTCUT_POLICIES], maxSteps: 25 }),
      (scenario) => {
        const fast = sameRun(scenario, scenario.policy, slotBySlot(scenario.policy));
        if (fast?.events.some((e) => e.name === "kvm_exit" && e.count > 1)) walked++;
      },
    ),
    { numRuns: 200, seed: 51 },
  );
  // Seeded: the same 200 programs every time.
  assert.ok(walked >= 20, `only ${walked} runs had a folded trapped walk`);
});

Deno.test("set/way shortcuts: walks over empty and filled caches around migrations match slot by slot", () => {
  const base = zimage.toJSON();
  const programs: Scenario["steps"][] = [
    // Caches never on: every slot of the first walk is empty, then the vCPU moves.
    [
      { kind: "sw_walk", vcpu: 0, op: "cisw" },
      { kind: "migrate", vcpu: 0, pcpu: 1 },
      { kind: "sw_walk", vcpu: 0, op: "csw" },
      { kind: "migrate", vcpu: 0, pcpu: 0 },
      { kind: "sw_walk", vcpu: 0, op: "isw" },
    ],
    // Lines in L1 and L2, a walk, a move, more lines, a walk on the new CPU.
    [
      { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
      { kind: "write", vcpu: 0, addr: 0x4000_8000, value: 1 },
      { kind: "write", vcpu: 0, addr: 0x4001_8040, value: 2 },
      { kind: "sw_walk", vcpu: 0, op: "csw" },
      { kind: "migrate", vcpu: 0, pcpu: 2 },
      { kind: "write", vcpu: 0, addr: 0x4002_0080, value: 3 },
      { kind: "sw_walk", vcpu: 0, op: "cisw" },
      { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
      { kind: "read", vcpu: 0, addr: 0x4000_8000 },
      { kind: "read", vcpu: 0, addr: 0x4002_0080 },
    ],
  ];
  for (const steps of programs) {
    for (const name of SHORTCUT_POLICIES) {
      const scenario = { ...base, cpus: 1, steps };
      same(run(scenario, { policy: name }), run(scenario, { policy: slotBySlot(name) }));
    }
  }
});

Deno.test("property: set/way shortcuts never change a run with a vCPU preempted between exit and handler", () => {
  let preempted = 0;
  fc.assert(
    fc.property(
      scenarioOf({ mix: "any", policies: [...SHORTCUT_POLICIES], maxSteps: 25 }),
      fc.nat(40),
      fc.integer({ min: 1, max: 3 }),
      (generated, pick, cpu) => {
        const scenario: Scenario = { ...generated, speculation: "adversarial" };
        // Choice points come before every step but exec_state ones: preempt a set/way step's.
        const points: number[] = [];
        let point = 0;
        for (const s of scenario.steps) {
          if (s.kind === "exec_state") continue;
          if (s.kind === "sw" || s.kind === "sw_walk") points.push(point);
          point++;
        }
        const before = points.length === 0 ? 0 : points[pick % points.length];
        const plan = [{ before, kind: "preempt" as const, cpu }];
        let fast;
        try {
          fast = replay(scenario, plan);
        } catch (e) {
          assert.throws(() => replay(scenario, plan, { policy: slotBySlot(scenario.policy) }));
          return void e;
        }
        same(fast, replay(scenario, plan, { policy: slotBySlot(scenario.policy) }));
        if (fast.events.some((e) => e.name === "migrate" && e.reason === "preempt")) preempted++;
      },
    ),
    { numRuns: 300, seed: 1518 },
  );
  // Seeded: the same 300 programs every time, of which 33 are preempted.
  assert.ok(preempted >= 20, `only ${preempted} runs were preempted`);
});

/**
 * The main execution of a scenario on a hardware model built here and kept:
 * every event (costed, unfolded by nothing but the log), the reads, and the
 * model's caches and DRAM afterwards.
 */
function executeKeeping(scenario: Scenario, policy: Policy | string) {
  const { machine, policy: resolved } = assertScenario(scenario, { policy });
  const hardware = new Hardware(machine, { seed: scenario.seed });
  const lineSize = hardware.lineSize;
  const costs = resolveCosts([resolved.costs], "costs");
  const log = new EventLog();
  const out = execute({
    scenario,
    machine,
    policy: resolved,
    speculation: scenario.speculation,
    sink: new CostingSink(log, costs),
    costs,
    maxSteps: Infinity,
    candidates: candidateLines(scenario.steps, lineSize),
    hardware,
  });
  const state = hardwareState(hardware, linesOf(scenario.ramBase, scenario.ram, lineSize));
  hardware.release();
  return { events: JSON.stringify(log.finish()), out: JSON.stringify(out), state };
}

/** The scenario's policy and the same calling its hooks slot by slot leave the same events, outputs, caches and DRAM. */
function assertKeptAlike(scenario: Scenario): void {
  const fast = executeKeeping(scenario, scenario.policy);
  const slow = executeKeeping(scenario, slotBySlot(scenario.policy));
  assert.equal(fast.events, slow.events);
  assert.equal(fast.out, slow.out);
  assert.deepEqual(fast.state, slow.state);
}

Deno.test("property: set/way shortcuts leave the same events, costs, caches and DRAM as slot by slot", () => {
  let walked = 0;
  fc.assert(
    fc.property(
      scenarioOf({ mix: "any", policies: [...SHORTCUT_POLICIES], maxSteps: 25 }),
      (scenario) => {
        try {
          assertScenario(scenario);
        } catch {
          return;
        }
        assertKeptAlike(scenario);
        if (scenario.steps.some((s) => s.kind === "sw_walk")) walked++;
      },
    ),
    { seed: 15, numRuns: 300 },
  );
  assert.ok(walked >= 30, `only ${walked} programs had a set/way walk`);
});

Deno.test("property: set/way shortcuts never change a run whose vCPUs first turn their caches on", () => {
  // Random steps seldom turn a vCPU's caches on before it walks, so the
  // states a shortcut decides on with caches on (kvm-4.0's and kvm-modern's
  // TVM cleared by the toggle, Xen's pending flush to RAM, kvm-3.18's marks
  // of other CPUs after a migration) need programs that start there.
  let walked = 0;
  fc.assert(
    fc.property(
      scenarioOf({ mix: "native-on", policies: [...SHORTCUT_POLICIES], maxSteps: 12 }),
      (scenario) => {
        assertKeptAlike(scenario);
        same(run(scenario), run(scenario, { policy: slotBySlot(scenario.policy) }));
        if (scenario.steps.some((s) => s.kind === "sw_walk" && s.vcpu > 0)) walked++;
      },
    ),
    { seed: 1204, numRuns: 500 },
  );
  assert.ok(walked >= 30, `only ${walked} programs had a walk by a vCPU other than the first`);
});

Deno.test("a user policy declaring setWayIdle or setWayLocal is refused, whatever the value", () => {
  for (const key of ["setWayIdle", "setWayLocal"]) {
    for (const value of [() => true, true, false, undefined]) {
      const refused = (call: string) => (e: unknown) => {
        assert.ok(e instanceof ScenarioError, String(e));
        assert.equal(e.code, "invalid_value");
        assert.equal(e.call, `${call}.${key}`);
        assert.ok(e.message.startsWith(`${call}: ${key} is internal`), e.message);
        return true;
      };
      assert.throws(
        () => definePolicy({ name: "mine", [key]: value } as never),
        refused("definePolicy"),
      );
      assert.throws(
        () => resolvePolicy({ name: "mine", state: () => undefined, [key]: value } as never),
        refused("policy"),
      );
    }
  }
});

Deno.test("property: the switched KVM 2015 policies keep their base's set/way shortcuts without changing a run", () => {
  // kvm40With and kvm318With reuse kvm-4.0's and kvm-3.18's shortcuts, as
  // only the unmap and fault-path cleans differ: each against a copy of
  // itself, which walks slot by slot.
  const variants: Policy[] = [
    kvm40With({ unmapInvalidate: false }),
    kvm40With({ faultCleanViaKernelMap: false }),
    kvm40With({ unmapInvalidate: false, faultCleanViaKernelMap: false }),
    kvm318With({ unmapInvalidate: true }),
    kvm318With({ faultCleanViaKernelMap: true }),
    kvm318With({ unmapInvalidate: true, faultCleanViaKernelMap: true }),
  ] as Policy[];
  for (const v of variants) assert.notEqual(setWayShortcutsOf(v), undefined, v.name);
  let walked = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        scenarioOf({ mix: "any", policies: ["kvm-4.0"], maxSteps: 25 }),
        scenarioOf({ mix: "native-on", policies: ["kvm-4.0"], maxSteps: 12 }),
      ),
      fc.constantFrom(...variants),
      (scenario, variant) => {
        const fast = sameRun(scenario, variant, Object.freeze({ ...variant }));
        if (fast?.events.some((e) => e.name === "kvm_exit" && e.count > 1)) walked++;
      },
    ),
    { numRuns: 300, seed: 1206 },
  );
  assert.ok(walked >= 20, `only ${walked} runs had a folded trapped walk`);
});
