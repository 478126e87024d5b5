import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { run } from "../../lib/engine/run.ts";
import { DEFAULT_MAX_STEPS } from "../../lib/engine/options.ts";
import { budgetIssues, BudgetMeter, budgetOptions, runBudget } from "../../lib/engine/budget.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { BASE, scenario } from "./fixtures.ts";

Deno.test("budget: a walk counts one instruction per set and way", () => {
  // TWO_CLUSTERS_L3: L1 32 sets x 2 ways + L2 64 sets x 4 ways = 320 instructions.
  const steps = [
    { kind: "write" as const, vcpu: 0, addr: BASE, value: 1 },
    { kind: "sw_walk" as const, vcpu: 0, op: "cisw" as const },
  ];
  assert.equal(run(scenario(steps), { maxSteps: 321 }).verdict.ok, true);
  assert.throws(
    () => run(scenario(steps), { maxSteps: 320 }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "budget_exceeded" && e.call === "steps[1]" &&
      e.value === 320 && /maxSteps/.test(e.message),
  );
});

Deno.test("budget: DC by VA counts one instruction per line; the default is one million", () => {
  const big = [{ kind: "dc_va" as const, vcpu: 0, op: "civac" as const, addr: BASE, len: 1 << 26 }];
  const s = scenario(big, { ram: 1 << 27 });
  assert.equal(DEFAULT_MAX_STEPS, 1_000_000);
  assert.throws(
    () => run(s),
    (e: unknown) => e instanceof ScenarioError && e.code === "budget_exceeded",
  );
  const small = scenario([{ kind: "dc_va", vcpu: 0, op: "civac", addr: BASE + 32, len: 1 << 16 }]);
  const ok = run(small, { maxSteps: 1025 });
  const dc = ok.events.find((e) => e.name === "dc_civac");
  assert.equal(dc?.lines, 1025, "an unaligned range touches one more line");
  assert.throws(() => run(small, { maxSteps: 1024 }), ScenarioError);
  assert.throws(
    () => run(s, { maxSteps: 0 }),
    (e: unknown) => e instanceof ScenarioError && e.call === "maxSteps",
  );
});

Deno.test("budget: a program of exactly maxSteps one-instruction steps runs; one step more is refused before it starts", () => {
  const reads = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ kind: "read" as const, vcpu: 0, addr: BASE + 4 * i }));
  assert.equal(run(scenario(reads(5)), { maxSteps: 5 }).verdict.ok, true);
  assert.throws(
    () => run(scenario(reads(6)), { maxSteps: 5 }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "budget_exceeded" && e.call === "steps" &&
      /has 6 steps/.test(e.message),
  );
});

Deno.test("budget: budgetOptions leaves out the fields a budget does not give", () => {
  assert.deepEqual(budgetOptions({ steps: 10, wallMs: 500 }), { maxSteps: 10, maxWallMs: 500 });
  assert.deepEqual(budgetOptions({}), {});
});

Deno.test("budget: run options that are an array are refused as a whole, not read as empty", () => {
  const issues = budgetIssues([]);
  assert.equal(issues.length, 1);
  assert.equal(issues[0].path, "options");
  assert.equal(issues[0].code, "invalid_value");
});

Deno.test("BudgetMeter.during names the execution a budget is exceeded in, and only while it runs", () => {
  const meter = new BudgetMeter(runBudget({ maxTouchedPages: 1 }), () => 0);
  const step: Step = { kind: "write", vcpu: 0, addr: 0x4000_0000, value: 1 };
  meter.at(3, step);
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ScenarioError && e.code === "budget_exceeded", String(e));
      return e.message;
    }
    assert.fail("no budget exceeded");
  };
  assert.match(
    message(() => meter.during("the native reference run", () => meter.pagesTouched(2))),
    /^steps\[3\] \(write\): the native reference run needs more than maxTouchedPages = 1/,
  );
  assert.equal(meter.during("the ideal machine's run", () => 7), 7);
  assert.match(message(() => meter.pagesTouched(2)), /^steps\[3\] \(write\): the run needs more/);
});
