import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { definePolicy, resolvePolicy } from "../../lib/hyp/policies/mod.ts";
import { type Policy, POLICY_HOOKS } from "../../lib/hyp/policy.ts";

/** The hooks of PolicyHooks, in the order the interface declares them. */
const HOOKS = [
  "onReset",
  "onSetWay",
  "onVmRegWrite",
  "onVcpuLoad",
  "onStage2Fault",
  "onUnmap",
  "onGuestEntry",
  "guestCacheView",
];

Deno.test("POLICY_HOOKS: every hook a policy may implement, once, in declaration order", () => {
  assert.deepEqual([...POLICY_HOOKS], HOOKS);
  assert.ok(Object.isFrozen(POLICY_HOOKS));
});

Deno.test("every hook is kept by definePolicy and must be a function on a policy object", () => {
  for (const hook of HOOKS) {
    const fn = () => undefined;
    const defined = definePolicy({ name: "one-hook", [hook]: fn }) as unknown as Record<
      string,
      unknown
    >;
    assert.equal(defined[hook], fn, hook);
    const object = { name: "p", description: "", source: "", state: () => undefined, [hook]: 1 };
    assert.throws(() => resolvePolicy(object as unknown as Policy), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, hook);
      assert.equal(e.code, "invalid_value");
      return true;
    });
    assert.throws(() => definePolicy({ name: "p", [hook]: 1 } as never), ScenarioError, hook);
  }
});
