// Budgets: defaults, overrides (run options beat the builder's .budget()),
// and refusals that name the figure, come quickly and never hang.
import assert from "node:assert/strict";
import { scenarioFrom, validate, vm } from "../../lib/dsl/mod.ts";
import { runBudget } from "../../lib/engine/budget.ts";
import {
  DEFAULT_MAX_EVENTS,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TOUCHED_PAGES,
} from "../../lib/engine/options.ts";
import { run } from "../../lib/engine/run.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { testInChild } from "../support/child_tests.ts";
import { BASE, scenarioErrorOf, tinyScenario, withSteppedClock } from "./helpers.ts";

/** `n` cacheable writes, each to its own 4 KiB page, then caches off so they reach DRAM. */
function pageWrites(n: number): Step[] {
  const steps: Step[] = [{ kind: "sctlr", vcpu: 0, bits: { m: true, c: true } }];
  for (let i = 0; i < n; i++) {
    steps.push({ kind: "write", vcpu: 0, addr: BASE + i * 4096, value: i });
  }
  steps.push({ kind: "sw_walk", vcpu: 0, op: "cisw" });
  return steps;
}

/**
 * `length` steps (none present) in an array that counts the steps read, so a
 * test sees whether the program was walked: a billion reads would take seconds.
 */
function watchedSteps(length: number): { steps: Step[]; read: () => number } {
  const holes: Step[] = [];
  holes.length = length;
  let read = 0;
  const steps = new Proxy(holes, {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) read++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { steps, read: () => read };
}

Deno.test("budget: the defaults, and run options that override them", () => {
  assert.deepEqual(runBudget({}), {
    steps: DEFAULT_MAX_STEPS,
    events: DEFAULT_MAX_EVENTS,
    touchedPages: DEFAULT_MAX_TOUCHED_PAGES,
    wallMs: Infinity,
  });
  assert.deepEqual(
    runBudget({ maxSteps: 7, maxEvents: 8, maxTouchedPages: 9, maxWallMs: 10 }),
    { steps: 7, events: 8, touchedPages: 9, wallMs: 10 },
  );
  assert.equal(runBudget({ maxSteps: Infinity }).steps, Infinity);
});

Deno.test("budget: a program longer than the step budget is refused before it is checked", async () => {
  // A billion reads: the array is never walked, so the refusal is immediate.
  const { steps, read } = watchedSteps(1_000_000_000);
  const err = await scenarioErrorOf(() => run(tinyScenario(steps)));
  assert.equal(read(), 0, "refused without reading a step");
  assert.deepEqual([err.code, err.call, err.value], [
    "budget_exceeded",
    "steps",
    DEFAULT_MAX_STEPS,
  ]);
  assert.match(err.message, /1000000000 steps/);
  assert.match(err.message, /maxSteps = 1000000/);

  // The same from JSON: 2001 reads, every one invalid (vCPU 5), refused by the
  // budget of 2000 before validation could list 2001 issues.
  const text = JSON.stringify(
    tinyScenario(Array.from({ length: 2001 }, () => ({ kind: "read", vcpu: 5, addr: BASE }))),
  );
  const fromJson = await scenarioErrorOf(() => run(JSON.parse(text), { maxSteps: 2000 }));
  assert.deepEqual([fromJson.code, fromJson.call], ["budget_exceeded", "steps"]);
  // And the builder's from(), as the command line reads a JSON file, reads none either.
  const many = watchedSteps(DEFAULT_MAX_STEPS + 1);
  const doc = { ...tinyScenario([]), steps: many.steps };
  const fromDoc = await scenarioErrorOf(() => vm().from(doc).run());
  assert.deepEqual([fromDoc.code, fromDoc.call], ["budget_exceeded", "steps"]);
  assert.equal(many.read(), 0, "refused without reading a step");
});

Deno.test("budget: validate() and run() without a step budget refuse a billion steps at once", async () => {
  const { steps, read } = watchedSteps(1_000_000_000);
  const checked = validate(tinyScenario(steps));
  assert.ok(!checked.ok);
  assert.deepEqual(checked.issues.map((i) => [i.code, i.path, i.value]), [
    ["out_of_range", "steps", 1_000_000_000],
  ]);
  const err = await scenarioErrorOf(() => run(tinyScenario(steps), { maxSteps: Infinity }));
  assert.deepEqual([err.code, err.call], ["out_of_range", "steps"]);
  assert.match(err.message, /at most 16777216 steps, not 1000000000/);
  assert.equal(read(), 0, "refused without reading a step");
});

Deno.test("budget: a program longer than the builder's step budget is refused before toJSON", async () => {
  const reads: Step[] = Array.from({ length: 1001 }, () => ({ kind: "read", vcpu: 0, addr: BASE }));
  const b = vm().guest((g) => g.append(reads));
  const err = await scenarioErrorOf(() => b.budget({ steps: 1000 }).run());
  assert.deepEqual([err.code, err.call, err.value], ["budget_exceeded", "steps", 1000]);
  // The same JSON scenario read back from text keeps the builder's budget.
  const json = JSON.stringify(b.toJSON());
  const again = await scenarioErrorOf(() => vm().budget({ steps: 1000 }).from(json).run());
  assert.equal(again.code, "budget_exceeded");
  assert.equal(scenarioFrom(json).steps.length, 1001, "the scenario itself is valid");
});

Deno.test("budget: the step budget counts lines and walk slots, and is checked before the step runs", async () => {
  // generic: L1 128 sets x 4 ways + L2 1024 sets x 16 ways = 16896 slots per walk.
  const walks: Step[] = Array.from({ length: 100 }, () => ({
    kind: "sw_walk",
    vcpu: 0,
    op: "cisw",
  }));
  // With a wall budget that never runs out, the clock's reads count the work done.
  const options = { maxSteps: 50_000, maxWallMs: Number.MAX_SAFE_INTEGER };
  const walked = await withSteppedClock(
    100,
    () => scenarioErrorOf(() => run(tinyScenario(walks), options)),
  );
  // The start, after steps 0 and 1, and once for every 4096 units of their work:
  // step 2 is refused before it does any.
  assert.equal(walked.reads, 5);
  const err = walked.value;
  assert.deepEqual([err.code, err.call, err.value], ["budget_exceeded", "steps[2]", 50_000]);
  assert.match(err.message, /\(50688 with this step\)/);
  // A 1 TiB DC range on a 1 TiB VM is refused before its first line.
  const huge = tinyScenario(
    [{ kind: "dc_va", vcpu: 0, op: "civac", addr: BASE, len: 2 ** 40 }],
    { ram: 2 ** 40 },
  );
  const refused = await withSteppedClock(
    100,
    () => scenarioErrorOf(() => run(huge, { maxWallMs: Number.MAX_SAFE_INTEGER })),
  );
  assert.equal(refused.reads, 1, "only the start read the clock: no line ran");
  const big = refused.value;
  assert.deepEqual([big.code, big.call], ["budget_exceeded", "steps[0]"]);
  assert.match(big.message, /17179869184 with this step|0x400000000 with this step/);
});

Deno.test("budget: events — the records kept, a collapsed run counting once", async () => {
  const writes: Step[] = Array.from({ length: 50 }, (_, i) => ({
    kind: "write",
    vcpu: 0,
    addr: BASE + 4 * i,
    value: i,
  }));
  const ok = run(tinyScenario(writes, { prefault: true }), { maxEvents: 60 });
  const records = ok.events.length;
  assert.ok(records >= 50 && records <= 60, `${records} records`);
  const err = await scenarioErrorOf(() =>
    run(tinyScenario(writes, { prefault: true }), { maxEvents: 40 })
  );
  assert.equal(err.code, "budget_exceeded");
  assert.equal(err.value, 40);
  assert.match(err.message, /maxEvents = 40 event records \(41 with this step\)/);
  // Identical events collapse: a trapped walk's 16896 exits are one record.
  const walk = run(tinyScenario([{ kind: "sw_walk", vcpu: 0, op: "cisw" }]), { maxEvents: 10 });
  assert.ok(walk.events.length <= 10, `${walk.events.length} records`);
  assert.ok(walk.cost.exits >= 16896);
});

Deno.test("budget: touched pages — DRAM written, in any of the run's executions", async () => {
  const ok = run(tinyScenario(pageWrites(20)), { maxTouchedPages: 20 });
  assert.equal(ok.verdict.ok, true);
  const err = await scenarioErrorOf(() =>
    run(tinyScenario(pageWrites(20)), { maxTouchedPages: 19 })
  );
  assert.deepEqual([err.code, err.call, err.value], ["budget_exceeded", "steps[21]", 19]);
  assert.match(err.message, /maxTouchedPages = 19 pages of DRAM written \(20 with this step\)/);
  // The builder's budget applies, and an explicit run option beats it.
  const b = vm().ram("1MiB").guest((g) => g.append(pageWrites(20))).budget({ touchedPages: 10 });
  assert.equal((await scenarioErrorOf(() => b.run())).value, 10);
  assert.equal((await b.run({ maxTouchedPages: 64 })).verdict.ok, true);
  assert.equal((await b.budget({ touchedPages: Infinity }).run()).verdict.ok, true);
});

Deno.test("budget: wall time stops a run that takes too long, naming the step", async () => {
  // 40 walks of 16896 slots each under KVM 3.18 (every slot trapped): far more than 1 ms.
  const walks: Step[] = [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    ...Array.from(
      { length: 40 },
      () => ({ kind: "sw_walk" as const, vcpu: 0, op: "cisw" as const }),
    ),
  ];
  const { value: err, reads } = await withSteppedClock(
    1000,
    () => scenarioErrorOf(() => run(tinyScenario(walks, { policy: "kvm-3.18" }), { maxWallMs: 1 })),
  );
  // The start, after step 0, then 4096 units into the first walk: past the budget.
  assert.equal(reads, 3);
  assert.equal(err.code, "budget_exceeded");
  assert.equal(err.value, 1);
  assert.equal(err.call, "steps[1]");
  assert.match(
    err.message,
    /^steps\[1\] \(sw_walk\): .*maxWallMs = 1 milliseconds of wall time \(2 with/,
  );
});

Deno.test("budget: the builder merges .budget() calls and validates each field at the call", async () => {
  const b = vm().budget({ steps: 5 }).budget({ events: 3 });
  const tooLong = b.guest((g) =>
    g.read(BASE).read(BASE + 4).read(BASE + 8).read(BASE + 12).read(BASE + 16).read(BASE + 20)
  );
  const err = await scenarioErrorOf(() => tooLong.run());
  assert.deepEqual([err.code, err.value], ["budget_exceeded", 5]);
  const fits = b.guest((g) => g.mmuOn());
  const events = await scenarioErrorOf(() => fits.run());
  assert.deepEqual([events.code, events.value], ["budget_exceeded", 3]);
  assert.ok((await fits.run({ maxEvents: 100 })).verdict.ok);
  assert.equal(vm().budget({}).toJSON().steps.length, 0, "the budget is not part of the scenario");
});

Deno.test("budget: work without end inside one step is stopped (runaway_cases.ts, in a child)", () =>
  // Each case there would run for hours, or forever, if the budget it tests
  // stopped nothing; it takes about a second.
  testInChild("tests/reliability/runaway_cases.ts", 4, 60_000));
