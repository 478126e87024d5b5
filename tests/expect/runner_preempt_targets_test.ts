import assert from "node:assert/strict";
import { vm } from "../../mod.ts";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import {
  baseVariant,
  migrationChildren,
  type Variant,
} from "../../lib/engine/expect/migrations.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";

/** One vCPU under KVM 3.18 on the generic machine: a write, a trapped DC CSW, caches off, a read. */
const TRAPPED_CSW = vm().machine("generic").cpus(1).policy("kvm-3.18").prefault()
  .guest((g) => g.mmuOn().write(0x40008000, 1).dc_csw(1, 0, 0).mmuOff().read(0x40008000))
  .toJSON();

/** Every preemption an execution of `variant` offers, as `"before->cpu"`, trying each option of each point. */
function preemptionsOffered(runner: CheckRunner, variant: Variant): string[] {
  const offered: string[] = [];
  const points = runner.run(variant, new Int32Array(0)).points;
  for (let point = 0; point < points; point++) {
    // Options past a point's last do not fit the execution: the runner refuses them.
    for (let option = 0; option < 64; option++) {
      let out;
      try {
        out = runner.run(variant, Int32Array.of(point, option), null, true);
      } catch {
        break;
      }
      for (const p of out.perturbations) {
        if (p.kind === "preempt") offered.push(`${p.before}->${p.cpu}`);
      }
    }
  }
  return offered;
}

Deno.test("check runner: a CPU a variant migrates to later is offered as a preemption target; an idle one is not", () => {
  const { machine, policy } = assertScenario(TRAPPED_CSW);
  const runner = new CheckRunner(TRAPPED_CSW, machine, policy, []);
  runner.preemptTo = [2, 3];
  const base = baseVariant(TRAPPED_CSW.steps);
  // CPUs 2 and 3 are idle in the program as written: no preemption at all.
  assert.deepEqual(preemptionsOffered(runner, base), []);
  // Migrated to CPU 3 before the read, after the trapped op: CPU 3 is busy, CPU 2 still idle.
  const later = migrationChildren(base, machine, 1, [3]).find((v) => v.migrations[0].before === 4)!;
  assert.deepEqual(preemptionsOffered(runner, later), ["2->3"]);
});
