// definePolicy: kvm-4.0 re-implemented in a few lines through the narrow Hyp handle gives a
// byte-identical trace to the built-in one; bad definitions are refused with a ScenarioError.

import assert from "node:assert/strict";
import {
  definePolicy,
  type GuestBuilder,
  kvm40,
  type Policy,
  ScenarioError,
  vm,
} from "../../mod.ts";
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

Deno.test("definePolicy: flushPage cleans the whole page holding the address, invalidating only when asked", async () => {
  const pageFlusher = (invalidate: boolean) =>
    definePolicy({
      name: "page-flusher",
      onReset(hyp) {
        hyp.vcpu.hcr.tsw = true;
      },
      onSetWay(hyp) {
        // An address in the middle of the page: the page's first line is flushed, not the next page's.
        hyp.flushPage(0x4000_1234, invalidate);
      },
    });
  const guest = (g: GuestBuilder) =>
    g.mmuOn().write(0x4000_1000, 1).write(0x4000_1ffc, 2).write(0x4000_2000, 3).dc_cisw(1, 0, 0);
  for (const invalidate of [false, true]) {
    const run = await vm().prefault().policy(pageFlusher(invalidate)).guest(guest).run();
    const flush = run.events.find((e) => e.name === "flush_page");
    assert.deepEqual(
      flush && [flush.ipa, flush.invalidate, flush.lines],
      [0x4000_1000, invalidate, 64],
    );
    // The two dirty lines of the page are written back; the next page's stays dirty.
    assert.equal(flush?.cleaned, 2);
    // Invalidating drops each line's copies, in L1 and in L2; cleaning alone keeps them.
    assert.equal(flush?.invalidated, invalidate ? 4 : 0);
  }
});

Deno.test("definePolicy: injectUndef stops the vCPU at the trapping instruction; the first reason is kept", async () => {
  const undef = definePolicy({
    name: "undef-twice",
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onSetWay(hyp) {
      hyp.injectUndef("first");
      hyp.injectUndef("second");
    },
  });
  const run = await vm().policy(undef).guest((g) =>
    g.pc(0x4008_0000).mmuOn().dc_cisw(1, 0, 0).write(0x4000_0000, 1)
  ).run();
  assert.deepEqual(run.verdict.crashed, { reason: "first", pc: 0x4008_0004, vcpu: 0 });
  assert.deepEqual(
    run.events.filter((e) => e.name === "undef_injected").map((e) => e.reason),
    ["first", "second"],
  );
  assert.equal(run.events.some((e) => e.name === "write"), false, "no step after the crash");
  // Two vCPUs crash, vCPU 1 first: the verdict names the first crash.
  const both = await vm().cpus(2).policy(undef).guest((g) =>
    g.on(1, (v) => v.pc(0x4009_0000).dc_cisw(1, 0, 0)).pc(0x4008_0000).dc_cisw(1, 0, 0)
  ).run();
  assert.deepEqual(both.verdict.crashed, { reason: "first", pc: 0x4009_0000, vcpu: 1 });
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

Deno.test("definePolicy: a trapped SCTLR write reaches onVmRegWrite with the register's value", async () => {
  // SCTLR_EL1 (and the AArch32 SCTLR): M is bit 0, C bit 2, I bit 12.
  const seen: string[] = [];
  const watching = definePolicy({
    name: "watching",
    onReset(hyp) {
      hyp.vcpu.hcr.tvm = true;
    },
    onVmRegWrite(_hyp, write) {
      seen.push(`${write.reg}=0x${write.value.toString(16)} was ${write.wasEnabled}`);
    },
  });
  await vm().policy(watching).guest((g) =>
    g.mmuOn().sctlr({ i: false }).sctlr({ c: false }).sctlr({ m: false, i: true })
  ).run();
  assert.deepEqual(seen, [
    "SCTLR=0x1005 was false",
    "SCTLR=0x5 was true",
    "SCTLR=0x1 was true",
    "SCTLR=0x1000 was false",
  ]);
});

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
  refused({ name: ".x" }, "invalid_value", "definePolicy.name");
  refused({ name: "Mine" }, "invalid_value", "definePolicy.name");
  refused(
    { name: "x", faultClean: ["always", "kernel"] },
    "invalid_value",
    "definePolicy.faultClean",
  );
  refused(
    { name: "x", faultClean: { when: "always", via: "kernel", event: "MyFlush" } },
    "invalid_value",
    "definePolicy.faultClean.event",
  );
});

Deno.test("definePolicy: usesFwb and faultClean are kept, faultClean as a frozen copy", () => {
  const fc = { when: "populate", via: "hva", event: "my_clean" } as const;
  const p = definePolicy({ name: "x", usesFwb: true, faultClean: { ...fc } });
  assert.equal(p.usesFwb, true);
  assert.deepEqual(p.faultClean, fc);
  assert.ok(Object.isFrozen(p.faultClean));
  const given = { when: "always" as const, via: "kernel" as const };
  const q = definePolicy({ name: "y", faultClean: given });
  (given as { when: string }).when = "never";
  assert.equal(
    q.faultClean?.when,
    "always",
    "a later change to the object given does not reach the policy",
  );
  assert.equal(definePolicy({ name: "z" }).usesFwb, undefined);
});
