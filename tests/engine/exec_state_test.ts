// The `exec_state` step end to end: checked like every step, recorded by `g.aarch32()`, run
// as configuration (no event, no hardware choice point) and shown only in the
// exception class of the vCPU's traps.
import assert from "node:assert/strict";
import { scenarioFrom } from "../../lib/dsl/scenario_from.ts";
import { validate } from "../../lib/dsl/validate.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { run } from "../../lib/engine/run.ts";
import { describeStep } from "../../lib/engine/explore/report.ts";
import { stepCall } from "../../lib/engine/explore/snippet.ts";
import { stepsIssues } from "../../lib/engine/rules/steps.ts";
import { ScenarioError } from "../../lib/errors.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { zImage32 } from "../../lib/guest/zimage32.ts";
import { smpSecondary } from "../../lib/guest/smp_secondary.ts";
import { uboot } from "../../lib/guest/uboot.ts";
import { edk2 } from "../../lib/guest/edk2.ts";
import { linuxArm64 } from "../../lib/guest/linux_arm64.ts";
import { BASE, KERNEL, scenario, zimageSteps } from "./fixtures.ts";

const CTX = { cpus: 2, pcpus: 4, ramBase: BASE, ram: 1 << 24 };

Deno.test("exec_state: checked like every step (schema, vCPU, unknown fields)", () => {
  assert.deepEqual(stepsIssues([{ kind: "exec_state", vcpu: 1, aarch32: true }], CTX), []);
  const bad = stepsIssues([
    { kind: "exec_state", vcpu: 0, aarch32: 1 },
    { kind: "exec_state", vcpu: 0 },
    { kind: "exec_state", vcpu: 2, aarch32: false },
    { kind: "exec_state", vcpu: 0, aarch32: true, el: 1 },
  ], CTX);
  assert.deepEqual(bad.map((i) => [i.path, i.code]), [
    ["steps[0].aarch32", "bad_schema"],
    ["steps[1].aarch32", "bad_schema"],
    ["steps[2].vcpu", "out_of_range"],
    ["steps[3].el", "bad_schema"],
  ]);
  assert.match(bad[0].message, /boolean/);
});

Deno.test("exec_state: g.aarch32() records it on the current vCPU and round-trips through JSON", () => {
  const s = vm().cpus(2).guest((g) => g.aarch32().on(1, (h) => h.aarch32(false)).sw_clean())
    .toJSON();
  assert.deepEqual(s.steps, [
    { kind: "exec_state", vcpu: 0, aarch32: true },
    { kind: "exec_state", vcpu: 1, aarch32: false },
    { kind: "sw_walk", vcpu: 0, op: "csw" },
  ]);
  assert.deepEqual(scenarioFrom(JSON.stringify(s)), s);
  const r = validate({ ...s, steps: [{ kind: "exec_state", vcpu: 0, aarch32: "yes" }] });
  assert.equal(r.ok, false);
  assert.throws(
    () => vm().guest((g) => g.aarch32("yes" as unknown as boolean)),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "invalid_value" && /aarch32/.test(e.message),
  );
});

Deno.test("exec_state: exploration prints it as the DSL call and in words", () => {
  const a32: Step = { kind: "exec_state", vcpu: 1, aarch32: true };
  const a64: Step = { kind: "exec_state", vcpu: 0, aarch32: false };
  assert.equal(stepCall(a32), "aarch32()");
  assert.equal(stepCall(a64), "aarch32(false)");
  assert.equal(describeStep(a32), "vcpu1: AArch32");
  assert.equal(describeStep(a64), "vcpu0: AArch64");
});

/** The events of a run without the exception class, which is all the state may change. */
function withoutEc(steps: Step[], speculation: "quiet" | "adversarial", seed = 1) {
  const r = run(scenario(steps, { speculation, seed }));
  return {
    result: r,
    events: r.events.map((e) => ({ ...e, ec: e.name === "kvm_exit" ? "?" : e.ec })),
  };
}

Deno.test("exec_state: AArch32 traps report CP15_32; nothing else in the run changes", () => {
  for (const speculation of ["quiet", "adversarial"] as const) {
    for (const seed of [1, 7]) {
      const a64 = withoutEc(zimageSteps(), speculation, seed);
      const a32 = withoutEc(
        [{ kind: "exec_state", vcpu: 0, aarch32: true }, ...zimageSteps()],
        speculation,
        seed,
      );
      assert.deepEqual(a32.events, a64.events, `${speculation}, seed ${seed}`);
      assert.deepEqual(a32.result.verdict, a64.result.verdict);
      const ecs = (r: typeof a64.result) =>
        new Set(r.events.filter((e) => e.name === "kvm_exit").map((e) => e.ec));
      // A stage-2 abort is DABT_LOW (0x24) from either state.
      assert.deepEqual(ecs(a64.result), new Set([0x18, 0x24]));
      assert.deepEqual(ecs(a32.result), new Set([0x03, 0x24]));
      assert.match(a32.result.trace(), /kvm_exit: TRAP: HSR_EC: 0x0003 \(CP15_32\), PC: /);
      assert.doesNotMatch(a32.result.trace(), /SYS64/);
    }
  }
});

Deno.test("exec_state: a step of the budget like any other, the PC unchanged", () => {
  const steps: Step[] = [
    { kind: "pc", vcpu: 0, addr: BASE + 0x100 },
    { kind: "exec_state", vcpu: 0, aarch32: true },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
    { kind: "exec_state", vcpu: 0, aarch32: false },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ];
  const r = run(scenario(steps), { maxSteps: 5 });
  assert.deepEqual(
    r.events.filter((e) => e.name === "write" || e.name === "read").map((e) => e.pc),
    [BASE + 0x100, BASE + 0x104],
  );
  assert.throws(
    () => run(scenario(steps), { maxSteps: 4 }),
    (e: unknown) => e instanceof ScenarioError && e.code === "budget_exceeded",
  );
});

Deno.test("exec_state: the 32-bit presets start in AArch32; the arm64 ones in AArch64", () => {
  assert.deepEqual(zImage32({ vcpu: 1 })[0], { kind: "exec_state", vcpu: 1, aarch32: true });
  assert.deepEqual(smpSecondary({ l1: false, secondary: 3 }).slice(0, 2), [
    { kind: "exec_state", vcpu: 0, aarch32: true },
    { kind: "exec_state", vcpu: 3, aarch32: true },
  ]);
  assert.deepEqual(uboot({ vcpu: 2 })[0], { kind: "exec_state", vcpu: 2, aarch32: false });
  assert.deepEqual(edk2()[0], { kind: "exec_state", vcpu: 0, aarch32: false });
  assert.deepEqual(linuxArm64({ cpus: 2 }).slice(0, 2), [
    { kind: "exec_state", vcpu: 0, aarch32: false },
    { kind: "exec_state", vcpu: 1, aarch32: false },
  ]);
});
