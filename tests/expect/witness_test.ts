/**
 * Witnesses: the executions a check reports are real. Each replays (through
 * the exploration's `replay()`, by meaning) to a run with the same verdict
 * the check saw; its picks replay the same run through the exploration's
 * `ScriptChooser`; migrations appear as inserted `migrate` steps; and a
 * migration the scheduler may make breaks a guest that a local set/way
 * walk saves only on one CPU.
 */

import assert from "node:assert/strict";
import { checkExpectations, type CheckResult, run } from "../../mod.ts";
import { exists, never, staleAnywhere, type Witness, wrongRead } from "../../lib/api/expect.ts";
import { quietChooser } from "../../lib/api/hw.ts";
import { ScriptChooser } from "../../lib/engine/choosers.ts";
import { A, NO_CLEAN, scenario, SW_CLEAN, tiny } from "./helpers.ts";

function witnesses(r: CheckResult): Witness[] {
  return r.expectations.flatMap((e) =>
    [e.witnesses.positive, e.witnesses.negative].filter((w): w is Witness => w !== null)
  );
}

Deno.test("every witness replays to the verdict the check saw, by meaning and by picks", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN, { policy: "kvm-3.18", prefault: false }), {
    expect: [exists(staleAnywhere()), never(wrongRead())],
    maxPerturbations: 2,
  });
  const all = witnesses(r);
  assert.ok(all.length >= 3);
  for (const w of all) {
    assert.equal(w.replayAgrees, true, w.summary);
    assert.equal(w.holds, !w.run.verdict.ok || w.run.verdict.violations.length > 0);
    const script = new ScriptChooser();
    script.load(w.picks, w.picks.length);
    const again = run(w.scenario, {}, {
      chooser: (execution) => execution === "main" ? script : quietChooser(),
    });
    assert.deepEqual(again.verdict.violations, w.run.verdict.violations, w.summary);
    assert.equal(script.mismatch, false);
  }
});

Deno.test("a witness names its perturbations by step, and its trace shows them", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), { expect: [never(wrongRead())] });
  const failing = r.expectations[0].witnesses.positive!;
  assert.equal(failing.summary, "no perturbation");
  assert.equal(failing.scenario.speculation, "quiet");
  assert.match(failing.trace, /stale_read: at 0x40000040: expected 0x00000007, got 0x00000000/);
  const saved = r.expectations[0].witnesses.negative!;
  assert.equal(
    saved.summary,
    "speculative fill of 0x40000040 into cpu2, before steps[2] (sctlr m=0 c=0)",
  );
  assert.match(saved.trace, /speculative_fill: 0x40000040 into cpu2\.L1/);
  assert.equal(saved.scenario.speculation, "adversarial");
  assert.equal("expect" in saved.scenario, false);
  assert.deepEqual(saved.picks, [0, 0, 1, 2]); // choice point 2: option 2, a fill of line 0 into cpu2
});

Deno.test("migrations: a vCPU moved before its local set/way walk leaves its dirty line behind", async () => {
  // trap-nothing performs the guest's walk on whatever CPU it runs: moved to the other
  // cluster, the walk cannot reach the line still dirty in the first cluster.
  const s = scenario(SW_CLEAN, { machine: tiny, policy: "trap-nothing" });
  const still = await checkExpectations(s, {
    expect: [never(staleAnywhere())],
    maxPerturbations: 1,
  });
  assert.equal(still.ok, true);
  const moved = await checkExpectations(s, {
    expect: [never(staleAnywhere())],
    maxPerturbations: 1,
    migrations: true,
  });
  assert.equal(moved.ok, false);
  const w = moved.expectations[0].witnesses.positive!;
  assert.equal(w.migrations.length, 1);
  assert.equal(w.perturbations.length, 0);
  // The first: to its sibling, whose walk cleans its own L1 and the shared L2, not cpu0's L1.
  assert.equal(w.migrations[0].pcpu, 1);
  assert.equal(w.migrations[0].before, 2); // before the walk
  assert.deepEqual(w.scenario.steps[2], { kind: "migrate", vcpu: 0, pcpu: 1 });
  assert.match(w.summary, /migrate vcpu0 to cpu1, inserted as steps\[2\] \(before set\/way walk/);
  assert.match(w.trace, /migrate/);
  // KVM 4.0 turns the walk into a flush by address: the migration does not matter.
  const kvm = await checkExpectations({ ...s, policy: "kvm-4.0" }, {
    expect: [never(staleAnywhere())],
    migrations: true,
  });
  assert.equal(kvm.ok, true);
  assert.ok(kvm.stats.executions > still.stats.executions);
});

Deno.test("migrateTo restricts the targets", async () => {
  const s = scenario(SW_CLEAN, { machine: tiny, policy: "trap-nothing" });
  const nowhere = await checkExpectations(s, {
    expect: [never(staleAnywhere())],
    migrations: true,
    migrateTo: [0],
  });
  assert.equal(nowhere.ok, true); // the vCPU is on cpu0 already: no migration to make
  const sibling = await checkExpectations(s, {
    expect: [never(staleAnywhere())],
    migrations: true,
    migrateTo: [1],
  });
  assert.equal(sibling.ok, false);
  assert.ok(sibling.stats.executions > nowhere.stats.executions);
  const w = sibling.expectations[0].witnesses.positive!;
  assert.ok(w.migrations.every((m) => m.pcpu === 1));
  assert.ok(A > 0);
});
