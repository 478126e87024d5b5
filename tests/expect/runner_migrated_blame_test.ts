import assert from "node:assert/strict";
import type { Step } from "../../mod.ts";
import { replay } from "../../lib/api/explore.ts";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import { baseVariant, migrationChildren } from "../../lib/engine/expect/migrations.ts";
import { observeRun } from "../../lib/engine/expect/observation.ts";
import { ChoiceFilter } from "../../lib/engine/expect/reduce.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { A, NO_CLEAN, scenario } from "./helpers.ts";

/** Caches on, then off, a write (to DRAM), caches on again, a read: no invalidate. */
const NO_INVALIDATE: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "write", vcpu: 0, addr: A, value: 7 },
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "read", vcpu: 0, addr: A },
];

/**
 * Asserts that every single choice of `steps` run with the vCPU first moved
 * to CPU 1 gives the runner the observation of a full run replaying it.
 *
 * @returns the blames of the failed reads seen
 */
function agreeMoved(steps: Step[], policy: string): string[] {
  const s = scenario(steps, { policy });
  const { machine, policy: p } = assertScenario(s);
  const runner = new CheckRunner(s, machine, p, []);
  const filter = new ChoiceFilter(runner.hw, runner.candidates, { cpus: 1, steps }, false);
  // Every step of the program is one further on in the variant: choices are made by step index.
  const moved = migrationChildren(baseVariant(steps), machine, 1, [1])[0];
  assert.deepEqual(moved.migrations, [{ before: 0, vcpu: 0, pcpu: 1 }]);
  const plans: number[][] = [];
  runner.run(moved, new Int32Array(0), (point) => filter.options((o) => plans.push([point, o])));
  const blames: string[] = [];
  for (const plan of plans) {
    const fast = runner.run(moved, Int32Array.from(plan), null, true);
    const full = replay(
      { ...s, steps: moved.steps, speculation: "adversarial" },
      fast.perturbations,
    );
    assert.deepEqual(fast.observation, observeRun(full, []), `${policy}, plan ${plan}`);
    blames.push(...fast.observation.violations.map((v) => v.blame));
  }
  return blames;
}

Deno.test("check runner: with a migration inserted, each single choice's blame is the full run's", () => {
  const blames = new Set<string>();
  for (const policy of ["native", "kvm-4.0"]) {
    for (const steps of [NO_CLEAN, NO_INVALIDATE]) {
      for (const b of agreeMoved(steps, policy)) blames.add(b);
    }
  }
  // A fill the guest could have prevented, and one only the hypervisor or the machine could.
  assert.deepEqual([...blames].sort(), ["guest", "hypervisor", "machine"]);
});
