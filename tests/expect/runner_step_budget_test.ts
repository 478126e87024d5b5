import assert from "node:assert/strict";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import { baseVariant, migrationChildren } from "../../lib/engine/expect/migrations.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { NO_CLEAN, scenario } from "./helpers.ts";

Deno.test("check runner: each execution keeps the given step budget, inserted migrations counted", () => {
  const s = scenario(NO_CLEAN);
  const { machine, policy } = assertScenario(s);
  const base = baseVariant(s.steps);
  const moved = migrationChildren(base, machine, 1, [1])[0];
  assert.equal(moved.steps.length, s.steps.length + 1);
  // A budget of exactly the program's steps: the program fits, the program with a migration does not.
  const tight = new CheckRunner(s, machine, policy, [], s.steps.length);
  assert.equal(tight.run(base, new Int32Array(0)).observation.crashed, false);
  assert.throws(
    () => tight.run(moved, new Int32Array(0)),
    (e) =>
      e instanceof ScenarioError && e.code === "budget_exceeded" && /maxSteps = 4/.test(e.message),
  );
  const roomy = new CheckRunner(s, machine, policy, [], s.steps.length + 1);
  assert.equal(roomy.run(moved, new Int32Array(0)).observation.crashed, false);
});
