/**
 * checkExpectations: what the result names (its machine and policy), and
 * expectations passed in the options of a scenario that was already
 * validated, which are checked all the same.
 */

import assert from "node:assert/strict";
import { checkExpectations, ScenarioError, validate } from "../../mod.ts";
import { crashed, never, staleAnywhere } from "../../lib/api/expect.ts";
import { NO_CLEAN, scenario } from "./helpers.ts";

Deno.test("a check's result names the scenario's machine and policy", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), {
    expect: [never(crashed())],
    maxPerturbations: 0,
  });
  assert.equal(r.machine, "tiny");
  assert.equal(r.policy, "native");
  const kvm = await checkExpectations(scenario(NO_CLEAN, { machine: "generic" }), {
    expect: [never(crashed())],
    maxPerturbations: 0,
    policy: "kvm-4.0",
  });
  assert.deepEqual([kvm.machine, kvm.policy], ["generic", "kvm-4.0"]);
});

Deno.test("expectations given in the options of a validated scenario are still checked", async () => {
  const v = validate(scenario(NO_CLEAN, { expect: [never(staleAnywhere())] }));
  assert.ok(v.ok);
  // The scenario's own expectations passed with it: checked without complaint.
  assert.equal((await checkExpectations(v.scenario, { maxPerturbations: 0 })).ok, false);
  const bad = [{ kind: "never", what: { kind: "stale", addr: 3 } }];
  await assert.rejects(
    checkExpectations(v.scenario, { expect: bad as never, maxPerturbations: 0 }),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.code, "bad_address");
      assert.equal(e.call, "check.expect[0].what.addr");
      return true;
    },
  );
});
