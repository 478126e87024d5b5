/**
 * The search behind a check (search.ts): every execution within the bound
 * is run once, at the level of its perturbations; the counts of small
 * programs worked out by hand (with and without the reduction); a choice
 * point before a `pc` step adds nothing; migrations are explored with the
 * same hardware choices as a program that makes them itself; and the time
 * budget, in seconds, cuts the search, but only after its unperturbed
 * execution.
 */

import assert from "node:assert/strict";
import { checkExpectations, type Scenario, type Step } from "../../mod.ts";
import { exists, never, stale, staleAnywhere } from "../../lib/api/expect.ts";
import { CheckRunner, type ExecutionOutcome } from "../../lib/engine/expect/runner.ts";
import type { Variant } from "../../lib/engine/expect/migrations.ts";
import { type SearchBounds, searchChoices } from "../../lib/engine/expect/search.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { A, NO_CLEAN, scenario, SW_CLEAN, tiny, tinyWithL3 } from "./helpers.ts";

/** A runner that notes every execution it runs, by name. */
class RecordingRunner extends CheckRunner {
  readonly names: { variant: Variant; plan: number[] }[] = [];

  override run(
    variant: Variant,
    plan: Int32Array,
    onTail: ((point: number) => void) | null = null,
    recordPerturbations = false,
  ): ExecutionOutcome {
    this.names.push({ variant, plan: Array.from(plan) });
    return super.run(variant, plan, onTail, recordPerturbations);
  }
}

function recordingRunner(s: Scenario): RecordingRunner {
  const { machine, policy } = assertScenario(s);
  return new RecordingRunner(s, machine, policy, []);
}

function bounds(more: Partial<SearchBounds>): SearchBounds {
  return {
    maxPerturbations: 1,
    maxExecutions: 100_000,
    seconds: Infinity,
    migrations: false,
    migrateTo: [0, 1, 2, 3],
    reduce: true,
    ...more,
  };
}

const NEVER_STALE = [never(staleAnywhere())];

Deno.test("one read: every fill into every CPU unreduced, one per interchangeable idle CPU reduced", () => {
  // Pages are faulted in at the read, after its choice point: the caches are empty there,
  // so the options are a fill of the read's line into each of the 4 CPUs, no castout.
  const s = scenario([{ kind: "read", vcpu: 0, addr: A }], { prefault: false });
  const all = searchChoices(recordingRunner(s), NEVER_STALE, bounds({ reduce: false }));
  assert.deepEqual(all.stats.byPerturbations, [1, 4]);
  assert.equal(all.stats.executions, 5);
  assert.equal(all.stats.complete, true);
  // Reduced: cpu0 and cpu1 are busy (the vCPU's, maybe the host's); cpu3 is the twin of cpu2.
  const runner = recordingRunner(s);
  const reduced = searchChoices(runner, NEVER_STALE, bounds({}));
  assert.deepEqual(reduced.stats.byPerturbations, [1, 3]);
  assert.deepEqual(runner.names.map((n) => n.plan), [[], [0, 0], [0, 1], [0, 2]]);
  assert.equal(reduced.tallies[0].negative, 4);
});

Deno.test("every execution is run once, at the level of its perturbations, none beyond the bound", () => {
  const s = scenario(NO_CLEAN);
  const runner = recordingRunner(s);
  const { stats } = searchChoices(
    runner,
    NEVER_STALE,
    bounds({ maxPerturbations: 2, migrations: true }),
  );
  assert.equal(stats.complete, true);
  const keys = runner.names.map((n) => JSON.stringify([n.variant.migrations, n.plan]));
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keys.length, stats.executions);
  const levels = [0, 0, 0];
  for (const n of runner.names) {
    const perturbations = n.variant.migrations.length + n.plan.length / 2;
    assert.ok(perturbations <= 2, JSON.stringify(n));
    levels[perturbations]++;
  }
  assert.deepEqual(stats.byPerturbations, levels);
  // Each level really has executions with a migration and with a hardware choice.
  assert.ok(runner.names.some((n) => n.variant.migrations.length === 1 && n.plan.length === 2));
  assert.ok(runner.names.some((n) => n.variant.migrations.length === 2));
});

Deno.test("a pc step only moves the PC: the choices before it are those before the next step", async () => {
  const withPc: Step[] = [
    NO_CLEAN[0],
    { kind: "pc", vcpu: 0, addr: 0x4000_0100 },
    NO_CLEAN[1],
    NO_CLEAN[2],
    { kind: "pc", vcpu: 0, addr: 0x4000_0200 },
    NO_CLEAN[3],
  ];
  for (const machine of [tiny, tinyWithL3]) {
    const options = { expect: [exists(stale(A))], maxPerturbations: 2 };
    const plain = await checkExpectations(scenario(NO_CLEAN, { machine }), options);
    const moved = await checkExpectations(scenario(withPc, { machine }), options);
    assert.equal(moved.stats.choicePoints, 6);
    assert.deepEqual(moved.stats.byPerturbations, plain.stats.byPerturbations);
    assert.equal(moved.expectations[0].positive, plain.expectations[0].positive);
  }
});

Deno.test("choicePoints are the unperturbed execution's, whatever executions come later", async () => {
  const s = scenario(SW_CLEAN, { machine: tiny, policy: "trap-nothing" });
  const r = await checkExpectations(s, { expect: NEVER_STALE, migrations: true });
  // Later executions run an inserted migrate step, and one more choice point.
  assert.ok(r.stats.byPerturbations[1] > 0);
  assert.equal(r.stats.choicePoints, SW_CLEAN.length);
});

Deno.test("a migration's hardware choices are those of the program with the migrate step written in", () => {
  const s = scenario(SW_CLEAN, { machine: tiny, policy: "trap-nothing" });
  const runner = recordingRunner(s);
  searchChoices(runner, NEVER_STALE, bounds({ maxPerturbations: 2, migrations: true }));
  const moved = runner.names.filter((n) => n.variant.migrations.length === 1);
  // Each variant's children: its one-choice executions.
  const byVariant = new Map<Variant, number[][]>();
  for (const n of moved) {
    if (!byVariant.has(n.variant)) byVariant.set(n.variant, []);
    if (n.plan.length === 2) byVariant.get(n.variant)!.push(n.plan);
  }
  assert.ok(byVariant.size > 2);
  for (const [variant, plans] of byVariant) {
    const written = recordingRunner({ ...s, steps: [...variant.steps] });
    searchChoices(written, NEVER_STALE, bounds({}));
    assert.deepEqual(
      plans,
      written.names.filter((n) => n.plan.length === 2).map((n) => n.plan),
      JSON.stringify(variant.migrations),
    );
  }
});

Deno.test("the time budget never cuts the search before its unperturbed execution", async () => {
  // The guest that never cleans reads stale data without any perturbation: a check that
  // ran nothing would find never() holding over no execution at all.
  const r = await checkExpectations(scenario(NO_CLEAN), { expect: NEVER_STALE, seconds: 1e-9 });
  assert.equal(r.stats.byPerturbations[0], 1);
  assert.equal(r.stats.choicePoints, 4);
  assert.equal(r.stats.complete, false);
  assert.equal(r.ok, false);
  assert.equal(r.expectations[0].witnesses.positive?.summary, "no perturbation");
});

Deno.test("the time budget is in seconds: a tiny one cuts the search, a large one does not", () => {
  // A walk of 80 set/way instructions trapped one by one: about a third of a millisecond each.
  const s = scenario(SW_CLEAN, { machine: tinyWithL3, policy: "kvm-3.18", prefault: false });
  const quick = searchChoices(recordingRunner(s), NEVER_STALE, bounds({ seconds: 1e-9 }));
  assert.equal(quick.stats.complete, false);
  // Generous in seconds: only the budget of executions stops it. Taken as milliseconds,
  // it would stop these executions long before.
  const start = performance.now();
  const cut = searchChoices(
    recordingRunner(s),
    NEVER_STALE,
    bounds({ maxPerturbations: 2, maxExecutions: 1500, seconds: 30 }),
  );
  const took = performance.now() - start;
  assert.ok(took > 30, `the search took ${took} ms`);
  assert.equal(cut.stats.executions, 1500);
  const full = searchChoices(recordingRunner(s), NEVER_STALE, bounds({ seconds: 30 }));
  assert.equal(full.stats.complete, true);
  assert.ok(quick.stats.executions < full.stats.executions);
});
