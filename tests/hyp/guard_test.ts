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

Deno.test("guardPolicy: the guarded policy keeps every declaration", () => {
  const declared: Policy = {
    name: "declared",
    description: "d",
    source: "s",
    native: false,
    usesFwb: true,
    faultClean: { when: "always", via: "hva" },
    costs: { trap: 5, events: { my_flush: 3 } },
    state: () => undefined,
  };
  const g = guardPolicy(declared);
  for (const key of ["name", "description", "source", "native", "usesFwb", "faultClean", "costs"]) {
    assert.equal(g[key as keyof Policy], declared[key as keyof Policy], key);
  }
  assert.equal(guardPolicy({ ...declared, name: "native", native: true }).native, true);
});

Deno.test("guardPolicy: a cache view passes only as CLIDR and CCSIDR can say it", () => {
  const viewing = (view: unknown) =>
    guardPolicy({
      name: "viewer",
      description: "",
      source: "",
      state: () => 0,
      guestCacheView: () => view as GuestCacheView,
    });
  const level = { sets: 64, ways: 4, lineSize: 64 };
  const good = [
    { clidr: 0, levels: [] },
    { clidr: 0xffff_ffff, levels: [level, null, level, level, level, level, level] },
    { clidr: 3, levels: [{ sets: 1, ways: 1, lineSize: 16 }] },
  ];
  for (const view of good) {
    assert.equal(viewing(view).guestCacheView!({} as Hyp, view as GuestCacheView, 0), view);
  }
  const bad = [
    { clidr: -1, levels: [level] },
    { clidr: 2 ** 32, levels: [level] },
    { clidr: 0.5, levels: [level] },
    { clidr: 0, levels: Array(8).fill(level) },
    { clidr: 0, levels: [{ ...level, lineSize: 48 }] },
    { clidr: 0, levels: [{ ...level, sets: 0 }] },
    { clidr: 0, levels: [{ ...level, ways: 1.5 }] },
    { clidr: 0, levels: [7] },
    { clidr: 0 },
  ];
  for (const view of bad) {
    assert.throws(
      () => viewing(view).guestCacheView!({} as Hyp, good[0] as GuestCacheView, 0),
      (e) => e instanceof ScenarioError && e.call === "policy.guestCacheView",
      JSON.stringify(view),
    );
  }
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

Deno.test("HcrBits: booleans only, at the write; no other bit; a spread gives the four", () => {
  const hcr = new HcrBits();
  hcr.tsw = true;
  assert.deepEqual({ ...hcr }, { tsw: true, tvm: false, swio: false, tid2: false });
  assert.equal(JSON.stringify(hcr), '{"tsw":true,"tvm":false,"swio":false,"tid2":false}');
  assert.throws(
    () => ((hcr as { tid2: unknown }).tid2 = "on"),
    (e) => e instanceof ScenarioError && e.call === "hcr.tid2",
  );
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
