/**
 * What the VM builder keeps from one call to the next: budgets and costs
 * given in several calls, a scenario loaded with from(), expectations, the
 * RAM's base, the policy, and the options a run is given.
 */

import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/mod.ts";
import { never, stale } from "../../lib/api/expect.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { kvm318 } from "../../lib/hyp/policies/kvm_3_18.ts";
import type { Expectation } from "../../lib/engine/expect/expectation.ts";

Deno.test("budget(): a second call adds its limits to the first's, and wins where both set one", () => {
  const both = vm().budget({ steps: 100 }).budget({ events: 50 });
  assert.deepEqual(both.runOptions(), { maxSteps: 100, maxEvents: 50 });
  const later = vm().budget({ steps: 100, wallMs: 5_000 }).budget({ steps: 200 });
  assert.deepEqual(later.runOptions(), { maxSteps: 200, maxWallMs: 5_000 });
});

Deno.test("costs(): a second call adds its costs, event costs included, to the first's", () => {
  const b = vm().costs({ trap: 10, events: { my_flush: 3 } })
    .costs({ stage2Fault: 20, events: { other_flush: 4 } });
  assert.deepEqual(b.runOptions().costs, {
    trap: 10,
    stage2Fault: 20,
    events: { my_flush: 3, other_flush: 4 },
  });
  assert.deepEqual(vm().costs({ trap: 10 }).costs({ trap: 11 }).runOptions().costs, { trap: 11 });
});

Deno.test("from(): the scenario replaces the builder's, its budget and costs stay, its expectations come along", () => {
  const expectation: Expectation = never(stale(0x4000_0000));
  const saved = vm().cpus(1).expect(expectation)
    .guest((g) => g.write(0x4000_0000, 1).read(0x4000_0000)).toJSON();
  const b = vm().budget({ steps: 1_000 }).costs({ trap: 5 }).from(
    JSON.parse(JSON.stringify(saved)),
  );
  assert.deepEqual(b.runOptions(), { maxSteps: 1_000, costs: { trap: 5 } });
  assert.deepEqual(b.toJSON(), saved);
  assert.deepEqual(b.toJSON().expect, [expectation]);
});

Deno.test("expect(): every call is kept, each as a copy of what was given", () => {
  const first = { kind: "never", what: { kind: "stale", addr: 0x4000_0000 } } as Expectation;
  const b = vm().expect(first).expect(never(stale(0x4000_0040)));
  (first.what as { addr: number }).addr = 0x4000_0080;
  assert.deepEqual(b.toJSON().expect, [never(stale(0x4000_0000)), never(stale(0x4000_0040))]);
});

Deno.test("expect(): addresses are checked against the builder's own RAM", () => {
  const high = vm().ram(1 << 20, { base: 0x8000_0000 });
  assert.deepEqual(high.expect(never(stale(0x8000_0000))).toJSON().expect, [
    never(stale(0x8000_0000)),
  ]);
  assert.throws(
    () => high.expect(never(stale(0x4000_0000))),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "bad_address" &&
      e.message.includes("[0x80000000, 0x80100000)"),
  );
});

Deno.test("ram(): a later size keeps the base given earlier", () => {
  const s = vm().ram(1 << 24, { base: 0x8000_0000 }).ram(1 << 20).toJSON();
  assert.deepEqual([s.ram, s.ramBase], [1 << 20, 0x8000_0000]);
});

Deno.test("prefault() with no argument turns prefaulting on", () => {
  assert.equal(vm().prefault().toJSON().prefault, true);
  assert.equal(vm().prefault().prefault(false).toJSON().prefault, false);
});

Deno.test("policy(): a name given after a policy object replaces the object", async () => {
  const named = vm().policy(kvm318).policy("kvm-4.0");
  assert.equal(named.policyObject(), null);
  const run = await named.guest((g) => g.mmuOn().sw_clean()).run();
  // kvm-4.0 defers the walk to a flush of the VM; kvm-3.18 would run it locally.
  assert.ok(run.events.some((e) => e.name === "kvm_set_way_flush"));
  assert.ok(!run.events.some((e) => e.name === "sw_local"));
});

Deno.test("run(): its options win over the builder's budget", async () => {
  const b = vm().budget({ steps: 2 }).guest((g) =>
    g.write(0x4000_0000, 1).write(0x4000_0004, 2).read(0x4000_0000)
  );
  await assert.rejects(() => b.run(), ScenarioError);
  const run = await b.run({ maxSteps: 100 });
  assert.equal(run.verdict.ok, true);
});

Deno.test("host(): a CPU given to the host is kept on its unmaps and writes; a value as a negative 32-bit integer is kept unsigned", () => {
  const steps =
    vm().cpus(1).guest((g) =>
      g.host((h) => h.write(0x4000_0000, -1).unmap(0x4000_1000), { cpu: 2 })
        .host((h) => h.write(0x4000_0004, -2))
    ).toJSON().steps;
  assert.deepEqual(steps, [
    { kind: "host_write", cpu: 2, addr: 0x4000_0000, value: 0xffff_ffff },
    { kind: "host_unmap", cpu: 2, addr: 0x4000_1000 },
    { kind: "host_write", addr: 0x4000_0004, value: 0xffff_fffe },
  ]);
});

Deno.test("a vCPU past the count says how to get more", () => {
  assert.throws(
    () => vm().cpus(2).guest((g) => g.on(2, (v) => v.write(0x4000_0000, 1))),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "out_of_range" &&
      /call \.cpus\(\) before \.guest\(\) for more/.test(e.message),
  );
});
