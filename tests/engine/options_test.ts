// The options run() takes, and the budget it keeps when none is given.
import assert from "node:assert/strict";
import { runBudget } from "../../lib/engine/budget.ts";
import { RUN_OPTION_KEYS } from "../../lib/engine/options.ts";
import { run } from "../../lib/engine/run.ts";
import { scenarioFrom, vm } from "../../lib/dsl/mod.ts";
import { ScenarioError } from "../../lib/errors.ts";

const BASE = 0x4000_0000;

Deno.test("run options: every documented option is accepted together", () => {
  const s = vm().guest((g) => g.mmuOn().write(BASE, 1).read(BASE)).toJSON();
  const result = run(s, {
    policy: "kvm-4.0",
    maxSteps: 100,
    maxEvents: 1000,
    maxTouchedPages: 100,
    maxWallMs: 60_000,
    costs: { trap: 1000 },
    watch: [BASE],
    collapse: false,
  });
  assert.equal(result.verdict.ok, true);
  assert.deepEqual([...RUN_OPTION_KEYS].sort(), [
    "collapse",
    "costs",
    "maxEvents",
    "maxSteps",
    "maxTouchedPages",
    "maxWallMs",
    "policy",
    "watch",
  ]);
});

Deno.test("run options: the list of option names cannot be changed by a caller", () => {
  assert.throws(() => (RUN_OPTION_KEYS as string[]).push("steps"), TypeError);
  assert.equal(RUN_OPTION_KEYS.includes("steps"), false);
});

Deno.test("run options: by default a million steps, a million events, 256 MiB of pages, no wall limit", () => {
  assert.deepEqual(runBudget({}), {
    steps: 1_000_000,
    events: 1_000_000,
    touchedPages: 65_536,
    wallMs: Infinity,
  });
});

Deno.test("run options: a program of a million and one steps is over the default budget", () => {
  const doc = {
    ...vm().toJSON(),
    steps: new Array(1_000_001).fill({ kind: "read", vcpu: 0, addr: BASE }),
  };
  for (const f of [() => scenarioFrom(doc), () => run(doc as never)]) {
    try {
      f();
      assert.fail("expected a refusal");
    } catch (e) {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.deepEqual([e.code, e.call, e.value], ["budget_exceeded", "steps", 1_000_000]);
      assert.match(e.message, /has 1000001 steps, more than maxSteps = 1000000/);
    }
  }
});
