import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { guardPolicy } from "../../lib/hyp/policies/guard.ts";
import type { GuestCacheView, Hyp, Policy } from "../../lib/hyp/policy.ts";
import { vm } from "../../lib/dsl/mod.ts";

/** A user policy whose onReset throws `thrown`, behind its guard. */
function throwingOnReset(thrown: unknown): Policy {
  return guardPolicy(definePolicy({
    name: "thrower",
    onReset() {
      throw thrown;
    },
  }));
}

/** What calling the guarded onReset throws. */
function resetError(g: Policy): unknown {
  try {
    g.onReset!({} as Hyp, undefined);
  } catch (e) {
    return e;
  }
  return assert.fail("onReset did not throw");
}

Deno.test("guardPolicy: an Error with an empty message is reported by its class alone", () => {
  const e = resetError(throwingOnReset(new TypeError("")));
  assert.ok(e instanceof ScenarioError);
  assert.equal(e.message, 'policy "thrower": onReset threw TypeError');
});

Deno.test("guardPolicy: a refused permission keeps its class and gains the policy and hook", () => {
  const refused = new Deno.errors.NotCapable("Requires net access");
  const e = resetError(throwingOnReset(refused));
  assert.equal(e, refused);
  assert.ok(e instanceof Deno.errors.NotCapable);
  assert.equal(e.message, 'policy "thrower": onReset: Requires net access');
});

Deno.test("guardPolicy: an error that already names a policy passes through unchanged", () => {
  const inner = new ScenarioError("invalid_value", "policy.onSetWay", 1, 'policy "other": boom');
  const e = resetError(throwingOnReset(inner));
  assert.equal(e, inner);
  assert.equal((e as Error).message, 'policy "other": boom');
});

Deno.test("guardPolicy: a ScenarioError from a hook keeps its code, call and value", () => {
  const inner = new ScenarioError("out_of_range", "hyp.flush.addr", -4, "address -4 out of range");
  const e = resetError(throwingOnReset(inner));
  assert.ok(e instanceof ScenarioError);
  assert.equal(e.code, "out_of_range");
  assert.equal(e.call, "hyp.flush.addr");
  assert.equal(e.value, -4);
  assert.equal(e.message, 'policy "thrower": onReset: address -4 out of range');
});

Deno.test("guardPolicy: a hook's non-boolean HCR write reads as the module doc shows", async () => {
  const p = definePolicy({
    name: "trap-once",
    onReset(hyp) {
      (hyp.vcpu.hcr as unknown as Record<string, unknown>).tsw = 1;
    },
  });
  const e = await vm().policy(p).guest((g) => g.read(0x4000_0000)).run().then(
    () => assert.fail("accepted"),
    (e) => e,
  );
  assert.ok(e instanceof ScenarioError);
  assert.equal(e.call, "hcr.tsw");
  assert.match(e.message, /^policy "trap-once": onReset wrote hcr\.tsw = 1; an HCR bit is true/);
});

Deno.test("guardPolicy: an async hook that rejects is refused, and its rejection stays handled", async () => {
  const g = guardPolicy(definePolicy({
    name: "eager",
    async onReset() {
      await Promise.resolve();
      throw new Error("late");
    },
  }));
  const e = resetError(g);
  assert.ok(e instanceof ScenarioError);
  assert.match(e.message, /^policy "eager": onReset returned a promise; hooks run synchronously/);
  // Let the rejection settle: left unhandled, it would fail this test.
  await new Promise((resolve) => setTimeout(resolve, 10));
});

Deno.test("guardPolicy: a guestCacheView or state() that returns a promise is refused as async", () => {
  const view: GuestCacheView = { clidr: 0, levels: [] };
  const g = guardPolicy<unknown>({
    name: "lazy",
    description: "",
    source: "",
    state: () => Promise.resolve(0),
    guestCacheView: () => Promise.resolve(view) as unknown as GuestCacheView,
  });
  assert.throws(
    () => g.guestCacheView!({} as Hyp, view, 0),
    (e) =>
      e instanceof ScenarioError &&
      /^policy "lazy": guestCacheView returned a promise; hooks run synchronously/.test(e.message),
  );
  assert.throws(
    () => g.state(),
    (e) =>
      e instanceof ScenarioError &&
      /^policy "lazy": state\(\) returned a promise; hooks run synchronously/.test(e.message),
  );
});

Deno.test("guardPolicy: every action hook is kept, runs with its policy as this, and gets all its arguments", () => {
  const calls: unknown[][] = [];
  const hooks = [
    "onReset",
    "onSetWay",
    "onVmRegWrite",
    "onVcpuLoad",
    "onStage2Fault",
    "onUnmap",
    "onGuestEntry",
  ];
  const raw: Record<string, unknown> = {
    name: "recorder",
    description: "",
    source: "",
    state: () => 0,
  };
  for (const hook of hooks) {
    raw[hook] = function (this: unknown, a: unknown, b: unknown, c: unknown) {
      calls.push([hook, this === raw, a, b, c]);
    };
  }
  const g = guardPolicy(raw as unknown as Policy) as unknown as Record<
    string,
    (a: unknown, b: unknown, c: unknown) => unknown
  >;
  for (const hook of hooks) assert.equal(g[hook](1, 2, 3), undefined, hook);
  assert.deepEqual(calls, hooks.map((hook) => [hook, true, 1, 2, 3]));
});
