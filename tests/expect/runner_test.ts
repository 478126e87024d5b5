/**
 * The check's fast path agrees with the engine: for every execution with
 * one hardware choice (every option at every choice point, unreduced), the
 * observation the runner builds without recording events equals the one
 * read from a full `run()` replaying the same perturbations through the
 * exploration's `replay()`.
 */

import assert from "node:assert/strict";
import { type Scenario } from "../../mod.ts";
import { replay } from "../../lib/api/explore.ts";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import { baseVariant } from "../../lib/engine/expect/migrations.ts";
import { ChoiceFilter } from "../../lib/engine/expect/reduce.ts";
import { observeRun } from "../../lib/engine/expect/observation.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { NO_CLEAN, scenario, SW_CLEAN, tinyWithL3 } from "./helpers.ts";

const WATCHED = ["flush_cache_all", "kvm_exit", "kvm_set_way_flush", "stage2_flush_vm", "sw_local"];

function agreeOnEveryChoice(s: Scenario): number {
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
  for (const plan of plans) {
    const fast = runner.run(variant, Int32Array.from(plan), null, true);
    const full = replay({ ...s, speculation: "adversarial" }, fast.perturbations);
    assert.deepEqual(fast.observation, observeRun(full, WATCHED), `plan ${plan}`);
  }
  return plans.length;
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
