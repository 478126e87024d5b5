/**
 * checkExpectations: answers over the hardware's choices for programs whose
 * behaviour follows from the architecture (a guest that never cleans is
 * saved only by a castout to DRAM; a set/way walk never reaches a system
 * cache; a clean by address always does), counts and witnesses, bounds,
 * budget, determinism, and the refusal of bad options.
 */

import assert from "node:assert/strict";
import { checkExpectations, ScenarioError } from "../../mod.ts";
import {
  crashed,
  exists,
  forall,
  formatCheck,
  never,
  noSetWayFlush,
  stale,
  staleAnywhere,
  wrongRead,
} from "../../lib/api/expect.ts";
import { A, NO_CLEAN, scenario, SW_CLEAN, tinyWithL3, VA_CLEAN } from "./helpers.ts";

Deno.test("a guest that never cleans: stale without perturbation, saved by a snoop", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), {
    expect: [exists(stale(A)), never(staleAnywhere()), forall(staleAnywhere())],
  });
  const [some, none, all] = r.expectations;
  assert.equal(r.stats.complete, true);
  assert.equal(some.answer, "Sometimes");
  assert.equal(some.holds, true);
  assert.equal(none.holds, false);
  assert.equal(all.holds, false);
  for (const e of r.expectations) assert.equal(e.positive + e.negative, r.stats.executions);
  // The first positive witness is the unperturbed run; the first negative one has one choice.
  assert.equal(some.witnesses.positive?.perturbations.length, 0);
  const saved = some.witnesses.negative!;
  assert.equal(saved.perturbations.length, 1);
  assert.equal(saved.run.verdict.ok, true);
  assert.equal(saved.replayAgrees, true);
  // First in the hardware's order: a fill into the other cluster, whose snoop of the dirty
  // line writes it to DRAM (no system cache on this machine).
  assert.deepEqual(saved.perturbations[0], {
    before: 2,
    kind: "speculative_fill",
    cpu: 2,
    addr: 0x4000_0040,
  });
});

Deno.test("a set/way clean on a machine without a system cache: never stale natively", async () => {
  const r = await checkExpectations(scenario(SW_CLEAN), { expect: [never(wrongRead())] });
  assert.equal(r.ok, true);
  assert.equal(r.expectations[0].answer, "Never");
  assert.ok(r.stats.executions > 1);
});

Deno.test("with a system cache the same walk leaves the line in it: stale, blamed on the machine", async () => {
  const s = scenario(SW_CLEAN, { machine: tinyWithL3 });
  const r = await checkExpectations(s, {
    expect: [
      exists(staleAnywhere({ blame: "machine" })),
      exists(staleAnywhere({ blame: "guest" })),
    ],
  });
  assert.equal(r.expectations[0].holds, true);
  assert.equal(r.expectations[0].answer, "Sometimes"); // a castout from the system cache saves it
  assert.equal(r.expectations[1].answer, "Never"); // the ideal machine (no system cache) passes
});

Deno.test("under KVM 4.0 the walk becomes a flush by address: never stale, always a set/way flush", async () => {
  const s = scenario(SW_CLEAN, { machine: tinyWithL3, policy: "kvm-4.0", prefault: false });
  const r = await checkExpectations(s, {
    expect: [never(staleAnywhere()), forall({ kind: "not", what: noSetWayFlush() })],
  });
  assert.equal(r.ok, true, formatCheck(r));
  for (const e of r.expectations) {
    for (const w of [e.witnesses.positive, e.witnesses.negative]) {
      if (w) assert.equal(w.replayAgrees, true);
    }
  }
});

Deno.test("a clean by address reaches the system cache: never stale, under every perturbation pair", async () => {
  const s = scenario(VA_CLEAN, { machine: tinyWithL3 });
  const r = await checkExpectations(s, { expect: [never(wrongRead())], maxPerturbations: 2 });
  assert.equal(r.ok, true);
  assert.equal(r.stats.complete, true);
  assert.equal(r.stats.byPerturbations.length, 3);
  assert.ok(r.stats.byPerturbations[2] > r.stats.byPerturbations[1]);
});

Deno.test("maxPerturbations 0 runs the program once, quietly", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), {
    expect: [forall(staleAnywhere())],
    maxPerturbations: 0,
  });
  assert.equal(r.stats.executions, 1);
  assert.equal(r.expectations[0].answer, "Always");
});

Deno.test("the budget cuts the search, and the result says so", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), {
    expect: [exists(stale(A))],
    maxExecutions: 5,
  });
  assert.equal(r.stats.executions, 5);
  assert.equal(r.stats.complete, false);
  assert.match(formatCheck(r), /incomplete: the budget of 5 executions ran out/);
});

Deno.test("the result carries the bounds it was given, the time budget too", async () => {
  const given = await checkExpectations(scenario(NO_CLEAN), {
    expect: [exists(stale(A))],
    maxPerturbations: 2,
    maxExecutions: 40,
    seconds: 60,
    migrations: true,
  });
  assert.deepEqual(given.bounds, {
    maxPerturbations: 2,
    migrations: true,
    maxExecutions: 40,
    seconds: 60,
  });
  const defaults = await checkExpectations(scenario(NO_CLEAN), { expect: [exists(stale(A))] });
  assert.equal(defaults.bounds.seconds, Infinity);
  assert.equal(defaults.bounds.migrations, false);
});

Deno.test("a check is deterministic: the same text twice", async () => {
  const s = scenario(SW_CLEAN, { machine: tinyWithL3, policy: "kvm-3.18", prefault: false });
  const options = { expect: [exists(stale(A)), never(crashed())], migrations: true };
  const a = formatCheck(await checkExpectations(s, options), { witnesses: "all" });
  const b = formatCheck(await checkExpectations(s, options), { witnesses: "all" });
  assert.equal(a, b);
});

Deno.test("the scenario's own expectations are checked unless options give others", async () => {
  const s = scenario(NO_CLEAN, { expect: [exists(stale(A))] });
  assert.equal((await checkExpectations(s)).expectations[0].text, "exists(stale(0x40000040))");
  const other = await checkExpectations(s, { expect: [never(crashed())] });
  assert.equal(other.expectations[0].text, "never(crashed())");
});

Deno.test("bad options and a scenario without expectations are refused with ScenarioError", async () => {
  const s = scenario(NO_CLEAN, { expect: [never(crashed())] });
  const refused: [object, string][] = [
    [{ maxPerturbations: -1 }, "check.maxPerturbations"],
    [{ maxExecutions: 0 }, "check.maxExecutions"],
    [{ seconds: 0 }, "check.seconds"],
    [{ migrations: "yes" }, "check.migrations"],
    [{ migrateTo: [9] }, "check.migrateTo"],
    [
      { expect: [{ kind: "never", what: { kind: "stale", addr: 3 } }] },
      "check.expect[0].what.addr",
    ],
  ];
  for (const [options, call] of refused) {
    await assert.rejects(checkExpectations(s, options as never), (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.call, call);
      return true;
    });
  }
  await assert.rejects(checkExpectations(scenario(NO_CLEAN)), /states no expectation/);
  await assert.rejects(checkExpectations({ ...s, cpus: 9 }), ScenarioError);
});

Deno.test("a single execution on the negative side makes Sometimes, not Always", async () => {
  // A guest that never cleans, on a machine with a system cache: of every
  // execution with up to two perturbations, exactly one saves it: a fill
  // into the other cluster (whose snoop moves the dirty line to the system
  // cache), then a castout of the system cache's line to DRAM.
  const r = await checkExpectations(scenario(NO_CLEAN, { machine: tinyWithL3 }), {
    expect: [forall(staleAnywhere()), exists(staleAnywhere())],
    maxPerturbations: 2,
  });
  assert.equal(r.stats.complete, true);
  const [all, some] = r.expectations;
  assert.equal(all.negative, 1);
  assert.ok(all.positive > 1);
  assert.equal(all.answer, "Sometimes");
  assert.equal(all.holds, false);
  assert.equal(some.holds, true);
  assert.equal(r.ok, false);
  assert.equal(all.witnesses.negative?.run.verdict.ok, true);
});

Deno.test("options just past their bounds are refused: a CPU one past the last, NaN seconds", async () => {
  const s = scenario(NO_CLEAN, { expect: [exists(stale(A))] });
  // The tiny machine has 4 CPUs: 3 is the last.
  await checkExpectations(s, { migrateTo: [3], maxExecutions: 1 });
  const refused: [Parameters<typeof checkExpectations>[1], string][] = [
    [{ migrateTo: [4] }, "check.migrateTo"],
    [{ migrateTo: [4], migrations: true }, "check.migrateTo"],
    [{ seconds: NaN }, "check.seconds"],
  ];
  for (const [options, call] of refused) {
    await assert.rejects(checkExpectations(s, options), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.call, call);
      return true;
    });
  }
});
