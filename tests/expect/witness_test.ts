/**
 * Witnesses: the executions a check reports are real. Each replays (through
 * the exploration's `replay()`, by meaning) to a run with the same verdict
 * the check saw; its picks replay the same run through the exploration's
 * `ScriptChooser`; migrations appear as inserted `migrate` steps; and a
 * migration the scheduler may make breaks a guest that a local set/way
 * walk saves only on one CPU. Its summary names every choice by the step
 * it precedes, in the words of describeStep and describePerturbation.
 */

import assert from "node:assert/strict";
import { checkExpectations, type CheckResult, run, type Step } from "../../mod.ts";
import { exists, never, staleAnywhere, type Witness, wrongRead } from "../../lib/api/expect.ts";
import { quietChooser } from "../../lib/api/hw.ts";
import { ScriptChooser } from "../../lib/engine/choosers.ts";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import { baseVariant, migrationChildren } from "../../lib/engine/expect/migrations.ts";
import {
  describePerturbation,
  describeStep,
  replayExecution,
} from "../../lib/engine/expect/witness.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { A, B, NO_CLEAN, scenario, SW_CLEAN, tiny } from "./helpers.ts";

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

Deno.test("describeStep: every kind of step in words, addresses and lengths in hex", () => {
  const cases: [Step, string][] = [
    [{ kind: "read", vcpu: 0, addr: A }, "read 0x40000040"],
    [{ kind: "write", vcpu: 0, addr: A, value: 7 }, "write 0x40000040"],
    [{ kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 64 }, "dc civac 0x40000040+0x40"],
    [{ kind: "sw", vcpu: 0, op: "csw", level: 2, set: 5, way: 3 }, "dc csw L2 set 5 way 3"],
    [{ kind: "sw_walk", vcpu: 0, op: "cisw" }, "set/way walk (dc cisw)"],
    [{ kind: "sctlr", vcpu: 0, bits: { m: true, c: false } }, "sctlr m=1 c=0"],
    [{ kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 0 }, "write TTBR0"],
    [{ kind: "pc", vcpu: 0, addr: 0x4000_0100 }, "pc 0x40000100"],
    [{ kind: "migrate", vcpu: 1, pcpu: 3 }, "migrate vcpu1 to cpu3"],
    [{ kind: "host_write", addr: B, value: 1 }, "host write 0x40001080"],
    [{ kind: "host_unmap", addr: 0x4000_1000 }, "host unmap 0x40001000"],
    [{ kind: "exec_state", vcpu: 0, aarch32: true }, "exec state AArch32"],
    [{ kind: "exec_state", vcpu: 0, aarch32: false }, "exec state AArch64"],
  ];
  for (const [step, text] of cases) assert.equal(describeStep(step), text);
});

Deno.test("describePerturbation: a fill names its CPU, a castout its cache, a preemption its target", () => {
  assert.equal(
    describePerturbation({ before: 0, kind: "speculative_fill", cpu: 2, addr: A - 0x40 }),
    "speculative fill of 0x40000000 into cpu2",
  );
  assert.equal(
    describePerturbation({ before: 1, kind: "castout", cache: "cluster1.L2", addr: B - 0x80 }),
    "castout of 0x40001000 from cluster1.L2",
  );
  assert.equal(
    describePerturbation({ before: 2, kind: "preempt", cpu: 1 }),
    "preempted between exit and handler, moved to cpu1",
  );
});

Deno.test("a witness of several choices: its picks, and each choice named by the step it precedes", () => {
  // No choice point before the exec_state step: points 0, 1, 2, 3 come before steps 0, 1, 2, 4.
  const steps: Step[] = [
    NO_CLEAN[0],
    NO_CLEAN[1],
    NO_CLEAN[2],
    { kind: "exec_state", vcpu: 0, aarch32: false },
    NO_CLEAN[3],
  ];
  const s = scenario(steps);
  const { machine, policy } = assertScenario(s);
  const runner = new CheckRunner(s, machine, policy, []);
  // One candidate line, four CPUs: option k is a fill of that line into cpu k.
  const plan = Int32Array.of(0, 1, 2, 2, 3, 3);
  const w = replayExecution(runner, { variant: baseVariant(steps), plan }, {});
  assert.deepEqual(w.picks, [1, 1, 0, 1, 2, 1, 3]);
  assert.equal(
    w.summary,
    [
      "speculative fill of 0x40000040 into cpu1, before steps[0] (sctlr m=1 c=1)",
      "speculative fill of 0x40000040 into cpu2, before steps[2] (sctlr m=0 c=0)",
      "speculative fill of 0x40000040 into cpu3, before steps[4] (read 0x40000040)",
    ].join("\n"),
  );
  // By meaning, `before` counts choice points, not steps.
  assert.deepEqual(w.perturbations.map((p) => p.before), [0, 2, 3]);
  const script = new ScriptChooser();
  script.load(w.picks, w.picks.length);
  const again = run(w.scenario, {}, {
    chooser: (execution) => execution === "main" ? script : quietChooser(),
  });
  assert.equal(again.trace(), w.run.trace());
  assert.equal(script.mismatch, false);
});

Deno.test("a witness of two migrations numbers each by its place in the program as run", () => {
  const s = scenario(NO_CLEAN);
  const { machine, policy } = assertScenario(s);
  const runner = new CheckRunner(s, machine, policy, []);
  const first = migrationChildren(baseVariant(NO_CLEAN), tiny, 1, [0, 1, 2, 3])
    .find((v) => v.migrations[0].before === 1 && v.migrations[0].pcpu === 1)!;
  const second = migrationChildren(first, tiny, 1, [0, 1, 2, 3])
    .find((v) => v.migrations[1].before === 3 && v.migrations[1].pcpu === 2)!;
  const w = replayExecution(runner, { variant: second, plan: new Int32Array(0) }, {});
  assert.equal(
    w.summary,
    "migrate vcpu0 to cpu1, inserted as steps[1] (before write 0x40000040)\n" +
      "migrate vcpu0 to cpu2, inserted as steps[4] (before read 0x40000040)",
  );
  assert.deepEqual(w.scenario.steps[1], { kind: "migrate", vcpu: 0, pcpu: 1 });
  assert.deepEqual(w.scenario.steps[4], { kind: "migrate", vcpu: 0, pcpu: 2 });
  assert.equal(w.run.events.filter((e) => e.name === "migrate").length, 2);
});
