import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { guardPolicy, isGuarded } from "../../lib/hyp/policies/guard.ts";
import { kvm40, policies } from "../../lib/hyp/policies/mod.ts";
import type { GuestCacheView, Hyp, Policy } from "../../lib/hyp/policy.ts";
import { HcrBits, Vcpu } from "../../lib/hyp/vcpu.ts";
import { vm } from "../../lib/dsl/mod.ts";

Deno.test("guardPolicy: built-in policies run as they are; a user policy is guarded once", () => {
  for (const p of Object.values(policies)) assert.equal(guardPolicy(p), p);
  assert.equal(isGuarded(kvm40), false);
  const mine = definePolicy({ name: "mine", onReset() {} });
  const g = guardPolicy(mine);
  assert.notEqual(g, mine);
  assert.equal(guardPolicy(mine), g, "the same object gives the same guarded policy");
  assert.equal(guardPolicy(g), g, "a guarded policy is not guarded twice");
  assert.ok(isGuarded(g) && Object.isFrozen(g));
  assert.equal(g.name, "mine");
});

Deno.test("guardPolicy: a hook runs with its own policy as this, and its answer passes through", () => {
  const seen: unknown[] = [];
  const raw: Policy = {
    name: "raw",
    description: "d",
    source: "s",
    state: () => 7,
    guestCacheView(this: unknown, _hyp: Hyp, physical: GuestCacheView, state: unknown) {
      seen.push(this, state);
      return physical;
    },
  };
  const g = guardPolicy(raw);
  const view: GuestCacheView = { clidr: 0, levels: [{ sets: 64, ways: 4, lineSize: 64 }] };
  assert.equal(g.guestCacheView!({} as Hyp, view, g.state()), view);
  assert.deepEqual(seen, [raw, 7]);
});

Deno.test("guardPolicy: a budget exceeded inside a hook is not blamed on the hook", () => {
  const budget = new ScenarioError("budget_exceeded", "events", 10, "over budget");
  const g = guardPolicy(definePolicy({
    name: "busy",
    onReset() {
      throw budget;
    },
  }));
  assert.throws(() => g.onReset!({} as Hyp, undefined), (e) => e === budget);
});

Deno.test("HcrBits: booleans only, at the write; no other bit; a spread gives the three", () => {
  const hcr = new HcrBits();
  hcr.tsw = true;
  assert.deepEqual({ ...hcr }, { tsw: true, tvm: false, swio: false });
  assert.equal(JSON.stringify(hcr), '{"tsw":true,"tvm":false,"swio":false}');
  assert.throws(
    () => ((hcr as { tvm: unknown }).tvm = 1),
    (e) => e instanceof ScenarioError && e.call === "hcr.tvm" && /hcr\.tvm = 1/.test(e.message),
  );
  assert.equal(hcr.tvm, false, "the refused write changed nothing");
  assert.throws(() => ((hcr as unknown as Record<string, unknown>).tws = true), TypeError);
  // Built-in policies run on plain bits, user policies on checked ones.
  assert.ok(!(new Vcpu(0, 0).hcr instanceof HcrBits));
  assert.ok(new Vcpu(0, 0, true).hcr instanceof HcrBits);
});

Deno.test("guardPolicy: a hook that emits a bad event names the policy, the hook and the field", async () => {
  const p = definePolicy({
    name: "noisy",
    onReset(hyp) {
      hyp.emit("noisy_reset", { when: NaN });
    },
  });
  const e = await vm().policy(p).guest((g) => g.read(0x4000_0000)).run().then(
    () => assert.fail("accepted"),
    (e) => e,
  );
  assert.ok(e instanceof ScenarioError);
  assert.equal(e.call, "policy.emit.when");
  assert.match(
    e.message,
    /^policy "noisy": onReset: policy\.emit\("noisy_reset"\): field "when" = NaN/,
  );
});
