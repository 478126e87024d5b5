import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { policies, resolvePolicy } from "../../lib/hyp/policies/mod.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { testVm } from "./fixtures.ts";
import { vm } from "../../mod.ts";

Deno.test("resolvePolicy: built-in names, and an unknown name lists the valid ones", () => {
  assert.equal(resolvePolicy("kvm-4.0"), policies["kvm-4.0"]);
  assert.equal(resolvePolicy("native").native, true);
  assert.ok(policies["kvm-3.18"].source.includes("access_dcsw"));
  assert.ok(policies["kvm-4.0"].source.includes("kvm_set_way_flush"));
  assert.throws(() => resolvePolicy("kvm-5.0"), (e: unknown) => {
    assert.ok(e instanceof ScenarioError);
    assert.equal(e.code, "unknown_name");
    assert.equal(e.call, "policy");
    assert.equal(e.value, "kvm-5.0");
    assert.match(e.message, /"kvm-5\.0".*valid: kvm-4\.0, kvm-3\.18, native/);
    return true;
  });
  assert.throws(() => resolvePolicy({ name: "x" } as unknown as Policy), ScenarioError);
  assert.throws(() => resolvePolicy("toString"), ScenarioError);
});

Deno.test("a user policy acts through the Hyp handle; reserved event fields are refused", () => {
  const seen: string[] = [];
  const custom: Policy<{ traps: number }> = {
    name: "count-and-flush",
    description: "flushes on every S/W op",
    source: "test",
    state: () => ({ traps: 0 }),
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onSetWay(hyp, op, state) {
      state.traps++;
      seen.push(`${op.op}@${op.level}/${op.set}/${op.way}`);
      hyp.emit("custom_trap", { n: state.traps, cache: hyp.cacheEnabled() });
      if (state.traps === 2) hyp.flushAll();
      if (state.traps === 3) hyp.emit("bad", { seq: 1 });
    },
  };
  const vm = testVm(custom as Policy);
  const v = vm.hyp.vcpus[0];
  vm.hyp.setWay(v, { op: "csw", level: 2, set: 5, way: 3 });
  vm.hyp.setWay(v, { op: "isw", level: 1, set: 0, way: 1 });
  assert.deepEqual(seen, ["csw@2/5/3", "isw@1/0/1"]);
  const customs = vm.sink.named("custom_trap");
  assert.deepEqual(customs.map((e) => e.fields), [{ n: 1, cache: false }, { n: 2, cache: false }]);
  assert.equal(vm.sink.named("flush_cache_all").length, 1);
  assert.throws(
    () => vm.hyp.setWay(v, { op: "csw", level: 1, set: 0, way: 0 }),
    (e: unknown) => e instanceof ScenarioError && e.call === "policy.emit.seq",
  );
});

Deno.test("policies: the eight built-in policies, each under its own name", () => {
  assert.deepEqual(Object.keys(policies), [
    "kvm-4.0",
    "kvm-3.18",
    "native",
    "kvm-modern",
    "xen",
    "xen-iommu",
    "trap-nothing",
    "kvm-4.0-sw-only",
  ]);
  for (const [name, p] of Object.entries(policies)) {
    assert.equal(p.name, name);
    assert.equal(resolvePolicy(name), p);
  }
  assert.ok(Object.isFrozen(policies));
});

Deno.test("resolvePolicy: a near miss is refused with the name it meant", () => {
  assert.throws(() => resolvePolicy("kvm-40"), (e: unknown) => {
    assert.ok(e instanceof ScenarioError);
    assert.equal(e.value, "kvm-40");
    assert.match(e.message, /^policy\("kvm-40"\): unknown policy \(did you mean "kvm-4\.0"\?\)/);
    return true;
  });
});

Deno.test("resolvePolicy: a policy object is checked for shape and declarations, naming the bad value", () => {
  const ok = { name: "mine", description: "d", source: "s", state: () => undefined };
  assert.equal(resolvePolicy(ok as Policy), ok);
  const bad: [string, unknown, string][] = [
    ["null", null, "policy"],
    ["no state()", { name: "mine" }, "policy"],
    ["an empty name", { ...ok, name: "" }, "policy"],
    ["a name that is not a string", { ...ok, name: 7 }, "policy"],
    ["a hook that is not a function", { ...ok, onSetWay: "flush" }, "policy"],
    ["a set/way shortcut", { ...ok, setWayIdle: () => true }, "policy.setWayIdle"],
    ["native not a boolean", { ...ok, native: "yes" }, "policy.native"],
    ["usesFwb not a boolean", { ...ok, usesFwb: 1 }, "policy.usesFwb"],
    ["faultClean.when unknown", { ...ok, faultClean: { when: "sometimes", via: "kernel" } }, ""],
    ["a negative cost", { ...ok, costs: { trap: -1 } }, ""],
  ];
  for (const [what, policy, call] of bad) {
    assert.throws(() => resolvePolicy(policy as Policy), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, `${what}: ${e}`);
      if (call !== "") assert.equal(e.call, call, what);
      return true;
    }, what);
  }
});

Deno.test("every hypervisor policy sets HCR.SWIO: a guest's DC ISW walk cleans; bare metal's only invalidates", async () => {
  // HCR_EL2.SWIO makes EL1's invalidate by set/way a clean and invalidate
  // (KVM's HCR_GUEST_FLAGS has it, and so has the HCR_EL2 value Xen's
  // init_traps writes). On the generic machine (no system cache) a walk
  // that cleans reaches DRAM.
  const A = 0x4000_1000;
  const scenario = vm().machine("generic").guest((g) =>
    g.mmuOn().write(A, 0x55).sw_invalidate().mmuOff().read(A)
  );
  for (const name of Object.keys(policies)) {
    const r = await scenario.policy(name).run();
    const got = r.verdict.violations.map((v) => v.got);
    assert.deepEqual(got, name === "native" ? [0] : [], name);
  }
});
