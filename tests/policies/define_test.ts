// definePolicy: kvm-4.0 re-implemented in a few lines through the narrow Hyp handle gives a
// byte-identical trace to the built-in one; bad definitions are refused with a ScenarioError.

import assert from "node:assert/strict";
import { definePolicy, kvm40, type Policy, ScenarioError, vm } from "../../mod.ts";
import { THREAD, zimage } from "./helpers.ts";

/** KVM 4.0 (arch/arm/kvm/mmu.c kvm_set_way_flush / kvm_toggle_cache), written as a user would. */
const mine = definePolicy({
  name: "kvm-4.0",
  description: "re-implemented with definePolicy",
  source: "arch/arm/kvm/mmu.c: kvm_set_way_flush, kvm_toggle_cache",
  onReset(hyp) {
    Object.assign(hyp.vcpu.hcr, { tsw: true, tvm: true, swio: true });
  },
  onSetWay(hyp) {
    if (hyp.vcpu.hcr.tvm) return; // caches off: deferred until they come on
    hyp.emit("kvm_set_way_flush", { cache: hyp.cacheEnabled() });
    hyp.flushVm();
    hyp.vcpu.hcr.tvm = true;
  },
  onVmRegWrite(hyp, write) {
    const now = hyp.cacheEnabled();
    if (now !== write.wasEnabled) hyp.flushVm();
    if (now) hyp.vcpu.hcr.tvm = false;
    hyp.emit("kvm_toggle_cache", { was: write.wasEnabled, now });
  },
  onUnmap(hyp, ipa) {
    hyp.flushPage(ipa, true);
  },
});

const cases = {
  zimage,
  ...THREAD,
  unmap: vm().prefault().guest((g) =>
    g.mmuOn().write(0x4000_1000, 5).host((h) => h.unmap(0x4000_1000)).read(0x4000_1000)
  ),
};

for (const [name, builder] of Object.entries(cases)) {
  Deno.test(`definePolicy: kvm-4.0 re-implemented gives the built-in's trace on ${name}`, async () => {
    const builtIn = await builder.policy(kvm40 as Policy).run();
    const user = await builder.policy(mine as Policy).run();
    assert.equal(user.trace(), builtIn.trace());
    assert.equal(JSON.stringify(user.toJSON()), JSON.stringify(builtIn.toJSON()));
    assert.ok(builtIn.events.length > 0);
  });
}

Deno.test("definePolicy: a different policy under the same name does not give the same trace", async () => {
  const lazy = definePolicy(
    { ...mine, onVmRegWrite: undefined } as Parameters<typeof definePolicy>[0],
  );
  const builtIn = await THREAD.on_walk_off.policy(kvm40 as Policy).run();
  const user = await THREAD.on_walk_off.policy(lazy as Policy).run();
  assert.notEqual(user.trace(), builtIn.trace());
});

Deno.test("definePolicy: the result is a frozen policy with defaults, state created per VM", () => {
  const counting = definePolicy({
    name: "counting",
    state: () => ({ flushes: 0 }),
    onSetWay(hyp, _op, state) {
      state.flushes++;
      hyp.emit("counted", { n: state.flushes });
    },
  });
  assert.ok(Object.isFrozen(counting));
  assert.equal(counting.description, "user-defined policy");
  assert.equal(counting.source, "user-defined");
  assert.notEqual(counting.state(), counting.state());
  assert.equal(definePolicy({ name: "bare" }).state(), undefined);
});

Deno.test("definePolicy: a user event carries the cycles its cost table gives it", async () => {
  const p = definePolicy({
    name: "emitter",
    costs: { events: { my_flush: 321 } },
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onSetWay(hyp) {
      hyp.emit("my_flush", { pages: 3 });
    },
  });
  const run = await vm().policy(p).guest((g) => g.dc_cisw(1, 0, 0)).run();
  const e = run.events.find((x) => x.name === "my_flush");
  assert.equal(e?.cycles, 321);
  assert.equal(run.cost.cyclesByCategory.other, 321);
  assert.match(run.trace(), /my_flush: pages=3\n/);
});

function refused(def: unknown, code: string, call: string): void {
  assert.throws(
    () => definePolicy(def as Parameters<typeof definePolicy>[0]),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.call, call);
      assert.ok(e.message.startsWith("definePolicy"), e.message);
      return true;
    },
  );
}

Deno.test("definePolicy: bad definitions name the field and the value", () => {
  refused(null, "invalid_value", "definePolicy");
  refused({ name: "" }, "invalid_value", "definePolicy.name");
  refused({ name: "Has Spaces" }, "invalid_value", "definePolicy.name");
  refused({ name: "x", onSetway() {} }, "unknown_name", "definePolicy.onSetway");
  refused({ name: "x", onSetWay: 3 }, "invalid_value", "definePolicy.onSetWay");
  refused({ name: "x", state: {} }, "invalid_value", "definePolicy.state");
  refused({ name: "x", description: "two\nlines" }, "invalid_value", "definePolicy.description");
  refused({ name: "x", usesFwb: "yes" }, "invalid_value", "definePolicy.usesFwb");
  refused(
    { name: "x", faultClean: { when: "sometimes", via: "kernel" } },
    "invalid_value",
    "definePolicy.faultClean.when",
  );
  refused(
    { name: "x", faultClean: { when: "always", via: "dma" } },
    "invalid_value",
    "definePolicy.faultClean.via",
  );
  refused({ name: "x", costs: { trap: -1 } }, "invalid_value", "definePolicy.costs.trap");
  refused({ name: "x", costs: { traps: 1 } }, "unknown_name", "definePolicy.costs.traps");
});
