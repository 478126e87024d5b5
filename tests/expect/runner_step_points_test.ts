import assert from "node:assert/strict";
import type { Step } from "../../mod.ts";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import { baseVariant } from "../../lib/engine/expect/migrations.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { A, scenario } from "./helpers.ts";

/** Caches on, a write, then `reads` reads of the word written: one choice point per access. */
function manyReads(reads: number): Step[] {
  return [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: A, value: 5 },
    ...Array.from({ length: reads }, (): Step => ({ kind: "read", vcpu: 0, addr: A })),
  ];
}

Deno.test("stepOfPoint: past 64 and 128 choice points, every point keeps the step it came before", () => {
  for (const reads of [62, 63, 64, 100, 200]) {
    const steps = manyReads(reads);
    const s = scenario(steps);
    const { machine, policy } = assertScenario(s);
    const runner = new CheckRunner(s, machine, policy, []);
    // Twice: the second execution reuses the grown table.
    for (let i = 0; i < 2; i++) {
      const out = runner.run(baseVariant(steps), new Int32Array(0));
      assert.equal(out.points, steps.length, `${reads} reads`);
      assert.deepEqual(Array.from(out.stepOfPoint), steps.map((_, j) => j), `${reads} reads`);
    }
  }
});
