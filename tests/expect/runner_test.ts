/**
 * The check's fast path agrees with the engine: for every execution with
 * one hardware choice (every option at every choice point, unreduced), the
 * observation the runner builds without recording events equals the one
 * read from a full `run()` replaying the same perturbations through the
 * exploration's `replay()`. A failed read's blame follows the execution's
 * own hardware choices, and each choice point is mapped to the step it came
 * before, in every execution the runner is reused for. The same agreement
 * holds on random programs under every policy (stale reads, crashes and
 * watched events among them), for the quiet execution and its first
 * single choices.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { scenarioOf, writesThenCachesOff } from "../reliability/arbitraries.ts";
import { type Scenario, type Step } from "../../mod.ts";
import { replay } from "../../lib/api/explore.ts";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import { baseVariant, migrationChildren } from "../../lib/engine/expect/migrations.ts";
import { ChoiceFilter } from "../../lib/engine/expect/reduce.ts";
import { type Observation, observeRun } from "../../lib/engine/expect/observation.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { A, NO_CLEAN, scenario, SW_CLEAN, tinyWithL3 } from "./helpers.ts";

const WATCHED = ["flush_cache_all", "kvm_exit", "kvm_set_way_flush", "stage2_flush_vm", "sw_local"];

/**
 * Asserts that the runner's observation of each plan equals the one read
 * from a full run replaying the same perturbations: the quiet execution
 * (no plan) when asked, then every single choice, or the first `most`.
 *
 * @returns the observations compared
 */
function agreeOnChoices(s: Scenario, quiet = false, most = Infinity): Observation[] {
  const { machine, policy } = assertScenario(s);
  const runner = new CheckRunner(s, machine, policy, WATCHED);
  const variant = baseVariant(s.steps);
  const filter = new ChoiceFilter(
    runner.hw,
    runner.candidates,
    { cpus: s.cpus, steps: s.steps },
    false,
  );
  const plans: number[][] = [];
  runner.run(variant, new Int32Array(0), (point) => filter.options((o) => plans.push([point, o])));
  const compared: Observation[] = [];
  for (const plan of [...(quiet ? [[]] : []), ...plans.slice(0, most)]) {
    const fast = runner.run(variant, Int32Array.from(plan), null, true);
    const full = replay({ ...s, speculation: "adversarial" }, fast.perturbations);
    assert.deepEqual(fast.observation, observeRun(full, WATCHED), `plan ${plan}`);
    compared.push(fast.observation);
  }
  return compared;
}

/** {@linkcode agreeOnChoices} for every single choice; how many plans it compared. */
function agreeOnEveryChoice(s: Scenario): number {
  return agreeOnChoices(s).length;
}

Deno.test("fast path = run(): a guest that never cleans, natively", () => {
  assert.ok(agreeOnEveryChoice(scenario(NO_CLEAN)) > 10);
});

Deno.test("fast path = run(): a set/way walk under KVM 3.18 with a system cache, pages faulted in", () => {
  const s = scenario(SW_CLEAN, { machine: tinyWithL3, policy: "kvm-3.18", prefault: false });
  assert.ok(agreeOnEveryChoice(s) > 100);
});

Deno.test("fast path = run(): the same under KVM 4.0 on two vCPUs", () => {
  const s = scenario(SW_CLEAN, { machine: tinyWithL3, policy: "kvm-4.0", cpus: 2 });
  assert.ok(agreeOnEveryChoice(s) > 10);
});

/** Caches on, then off, a write (to DRAM), caches on again, a read: no invalidate. */
const NO_INVALIDATE: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "write", vcpu: 0, addr: A, value: 7 },
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "read", vcpu: 0, addr: A },
];

Deno.test("fast path = run(): a line filled before a write with caches off, blamed by the fill", () => {
  assert.ok(agreeOnEveryChoice(scenario(NO_INVALIDATE)) > 10);
});

Deno.test("a fill while the guest's caches are on is the guest's to invalidate; one through the host's alias is not", () => {
  const s = scenario(NO_INVALIDATE);
  const { machine, policy } = assertScenario(s);
  const runner = new CheckRunner(s, machine, policy, []);
  const variant = baseVariant(s.steps);
  const blameOf = (point: number, cpu: number) =>
    runner.run(variant, Int32Array.of(point, cpu)).observation.violations.map((v) => v.blame);
  assert.deepEqual(runner.run(variant, new Int32Array(0)).observation.violations, []);
  // Option 0 at any point: a fill of A's line into cpu0, where the vCPU runs. Before step 1
  // its caches are on, so the same fill may happen on bare metal: the clean copy of 0 hides
  // the write made with caches off, and the guest, which never invalidated, is to blame.
  assert.deepEqual(blameOf(1, 0), ["guest"]);
  // Before steps 0 and 2 its caches are off: only the host's cacheable alias could fill it.
  assert.deepEqual(blameOf(0, 0), ["machine"]);
  assert.deepEqual(blameOf(2, 0), ["machine"]);
});

Deno.test("stepOfPoint: each choice point's step, none before an exec_state step, in every execution", () => {
  const steps: Step[] = [
    ...NO_CLEAN.slice(0, 3),
    { kind: "exec_state", vcpu: 0, aarch32: false },
    NO_CLEAN[3],
  ];
  const s = scenario(steps);
  const { machine, policy } = assertScenario(s);
  const runner = new CheckRunner(s, machine, policy, []);
  const base = baseVariant(steps);
  const plain = runner.run(base, new Int32Array(0));
  assert.equal(plain.points, 4);
  assert.deepEqual(Array.from(plain.stepOfPoint), [0, 1, 2, 4]);
  // The same program with a migration inserted first: every later step one further on.
  const moved = migrationChildren(base, machine, 1, [1])[0];
  assert.deepEqual(moved.migrations, [{ before: 0, vcpu: 0, pcpu: 1 }]);
  const out = runner.run(moved, new Int32Array(0));
  assert.deepEqual(Array.from(out.stepOfPoint), [0, 1, 2, 3, 5]);
  assert.deepEqual(Array.from(runner.run(base, new Int32Array(0)).stepOfPoint), [0, 1, 2, 4]);
});

/** Every built-in policy. */
const EVERY_POLICY = Object.keys(policies);

Deno.test("property: fast path = run() on random programs under every policy, for their first plans", () => {
  let plans = 0, failing = 0, crashed = 0, counted = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        scenarioOf({ mix: "any", policies: EVERY_POLICY, maxSteps: 14 }),
        scenarioOf({ mix: "native-on", policies: EVERY_POLICY, maxSteps: 14 }),
        writesThenCachesOff(EVERY_POLICY),
      ),
      (s) => {
        // The quiet execution, then up to six single choices.
        for (const o of agreeOnChoices(s, true, 6)) {
          plans++;
          if (o.violations.length > 0) failing++;
          if (o.crashed) crashed++;
          if (Object.values(o.counts).some((n) => n > 0)) counted++;
        }
      },
    ),
    { seed: 20261206, numRuns: 120 },
  );
  // Seeded: the same programs every time, with stale reads, crashes and watched events.
  const seen = { plans, failing, crashed, counted };
  assert.ok(plans > 300 && failing > 20 && crashed > 10 && counted > 100, JSON.stringify(seen));
});
