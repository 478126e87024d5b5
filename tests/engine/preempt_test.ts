/**
 * kvm-3.18's `last_pcpu` and the scheduler's preemption between an exit and
 * its handler: the rule of arch/arm/kvm/arm.c `kvm_arch_vcpu_ioctl_run` and
 * coproc.c `access_dcsw` (Linux 3.18) as runs show it, and the preemption as
 * a choice that checks, explore() and replay() quantify over.
 */

import assert from "node:assert/strict";
import { explore, ScenarioError, vm } from "../../mod.ts";
import { events, exists, never, staleAnywhere } from "../../lib/api/expect.ts";
import { replay } from "../../lib/api/explore.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { seededChooser } from "../../lib/hw/chooser.ts";
import { PlanChooser } from "../../lib/engine/choosers.ts";
import type { Machine } from "../../lib/hw/machine.ts";

/** Two CPUs sharing an L2, tiny caches: walks of 80 slots. */
const TINY: Machine = {
  name: "tiny",
  description: "2 CPUs, tiny caches",
  clusters: [{ cpus: 2, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } }],
  systemCache: null,
};

Deno.test("kvm-3.18: a S/W op after a migration runs locally on the new CPU, so the issue's read is stale", async () => {
  const result = await vm().machine("generic").cpus(1).policy("kvm-3.18")
    .guest((g) =>
      g.mmuOn().migrate(0, 1).write(0x40008000, 0x1234).dc_csw(1, 5, 0).mmuOff().read(0x40008000)
    )
    .run();
  assert.equal(result.verdict.ok, false);
  assert.deepEqual(result.verdict.violations.map((v) => v.kind), ["stale_read"]);
  // One L1 slot cleans nothing to PoC on bare metal either: the guest is to blame.
  assert.equal(result.verdict.violations[0].blame, "guest");
  assert.equal(result.verdict.failsNatively, true);
  const after = result.events.slice(result.events.findIndex((e) => e.name === "dc_csw"));
  assert.deepEqual(after.slice(0, 3).map((e) => [e.name, e.pcpu]), [
    ["dc_csw", 1],
    ["kvm_exit", 1],
    ["sw_local", 1],
  ]);
  assert.equal(result.events.filter((e) => e.name === "flush_cache_all").length, 0);
});

Deno.test("kvm-3.18: a migration before a walk still leaves the old CPU's L1 dirty (blame hypervisor)", async () => {
  const result = await vm().machine("generic").cpus(1).policy("kvm-3.18")
    .guest((g) =>
      g.mmuOn().write(0x40008000, 0x1234).migrate(0, 1).sw_clean().mmuOff().read(0x40008000)
    )
    .run();
  assert.deepEqual(result.verdict.violations.map((v) => [v.kind, v.blame]), [
    ["stale_read", "hypervisor"],
  ]);
  // The walk's first exit is taken on CPU 1, where its handler runs: no long way.
  assert.equal(result.events.filter((e) => e.name === "flush_cache_all").length, 0);
});

Deno.test("runs never preempt on their own: quiet, and seeded adversarial hardware alike", async () => {
  for (const speculation of ["quiet", "adversarial"] as const) {
    const result = await vm().machine("generic").cpus(1).policy("kvm-3.18").speculation(speculation)
      .guest((g) => g.mmuOn().write(0x40008000, 1).sw_clean().mmuOff().read(0x40008000))
      .run();
    assert.equal(result.events.filter((e) => e.name === "migrate").length, 0, speculation);
  }
});

Deno.test("replay: a planned preemption moves the vCPU between exit and handler; kvm-3.18 takes the long way", () => {
  const scenario = vm().machine("generic").cpus(1).policy("kvm-3.18").prefault()
    .speculation("adversarial")
    .guest((g) => g.mmuOn().write(0x40008000, 1).dc_csw(1, 0, 0).mmuOff().read(0x40008000))
    .toJSON();
  const result = replay(scenario, [{ before: 2, kind: "preempt", cpu: 1 }]);
  const i = result.events.findIndex((e) => e.name === "migrate");
  assert.deepEqual(
    result.events.slice(i - 1, i + 3).map((e) => [e.name, e.pcpu]),
    [["kvm_exit", 0], ["migrate", 0], ["vcpu_load", 1], ["flush_cache_all", 1]],
  );
  assert.deepEqual([result.events[i].from, result.events[i].to, result.events[i].reason], [
    0,
    1,
    "preempt",
  ]);
  assert.match(result.trace({ filter: "all" }), /migrate: cpu 0 -> cpu 1 reason=preempt/);
  // Under kvm-4.0 the same preemption changes nothing the handler does.
  const kvm40 = replay({ ...scenario, policy: "kvm-4.0" }, [{
    before: 2,
    kind: "preempt",
    cpu: 1,
  }]);
  assert.equal(kvm40.events.filter((e) => e.name === "flush_cache_all").length, 0);
  assert.equal(kvm40.events.filter((e) => e.name === "migrate").length, 1);
  // Before a step that does not trap, a preemption cannot happen: skipped.
  const none = replay(scenario, [{ before: 1, kind: "preempt", cpu: 1 }]);
  assert.equal(none.events.filter((e) => e.name === "migrate").length, 0);
  assert.throws(
    () => replay(scenario, [{ before: 2, kind: "preempt" } as never]),
    (e) => e instanceof ScenarioError && /perturbations\[0\]/.test(e.message),
  );
});

Deno.test("check: with scheduler choices, kvm-3.18's access_dcsw sometimes takes the long way", async () => {
  const build = (policy: string) =>
    vm().machine("generic").cpus(1).policy(policy).prefault()
      .guest((g) => g.mmuOn().write(0x40008000, 1).dc_csw(1, 0, 0).mmuOff().read(0x40008000))
      .expect(exists(events("flush_cache_all", { min: 1 })));
  const without = await build("kvm-3.18").check();
  assert.equal(without.expectations[0].answer, "Never");
  const withMoves = await build("kvm-3.18").check({ migrations: true });
  const r = withMoves.expectations[0];
  assert.equal(r.answer, "Sometimes");
  const w = r.witnesses.positive!;
  assert.deepEqual(w.perturbations, [{ before: 2, kind: "preempt", cpu: 1 }]);
  assert.equal(w.replayAgrees, true);
  assert.match(w.trace, /migrate: cpu 0 -> cpu 1 reason=preempt/);
  // The other positives are migrations after the op onto a CPU it marked (vcpu_load's flush).
  assert.ok(r.positive > 1 && r.negative > 0);
  const kvm40 = await vm().machine("generic").cpus(1).policy("kvm-4.0").prefault()
    .guest((g) => g.mmuOn().write(0x40008000, 1).dc_csw(1, 0, 0).mmuOff().read(0x40008000))
    .expect(never(events("flush_cache_all", { min: 1 })))
    .expect(never(staleAnywhere()))
    .check({ migrations: true });
  assert.deepEqual(kvm40.expectations.map((e) => e.answer), ["Never", "Never"]);
});

Deno.test("check: a preemption is offered only at a trapped set/way exit, and only to another CPU", async () => {
  const executions = async (policy: string, migrations: boolean) =>
    (await vm().machine("generic").cpus(1).policy(policy).prefault()
      .guest((g) =>
        g.mmuOn().write(0x40008000, 1).dc_csw(1, 0, 0).sw_clean().mmuOff().read(0x40008000)
      )
      .expect(exists(events("migrate", { min: 1 })))
      .check({ migrations })).stats.executions;
  // Without a hypervisor nothing traps: the scheduler's choices are only the
  // migrations between steps. Under kvm-3.18 they add one preemption per
  // trapped set/way step (the op and the walk's first exit), to CPU 1: CPU 0
  // is the vCPU's own, where a move changes nothing.
  const moves = (await executions("native", true)) - (await executions("native", false));
  const preempted = (await executions("kvm-3.18", true)) - (await executions("kvm-3.18", false));
  assert.ok(moves > 0);
  assert.equal(preempted, moves + 2);
});

Deno.test("explore: a guest that is safe unless preempted mid-trap fails only with scheduler choices", async () => {
  const ask = (ops: string[]) =>
    explore({
      machine: TINY,
      policy: "kvm-3.18",
      guestClass: "uses-sw",
      maxOps: 5,
      ops: ops as never,
      migrateTo: [0, 1],
      progress: false,
    });
  const base = ["write", "read", "sw_clean", "mmuOn", "mmuOff"];
  const without = await ask(base);
  assert.deepEqual(without.failures.map((f) => f.blame), ["guest"]);
  const withMoves = await ask([...base, "migrate"]);
  const escape = withMoves.failures.find((f) => f.blame === "hypervisor");
  assert.ok(escape !== undefined);
  const c = escape.counterexample!;
  assert.deepEqual(c.perturbations, [{ before: 2, kind: "preempt", cpu: 1 }]);
  assert.deepEqual(c.steps.map((s) => s.kind), ["sctlr", "write", "sw_walk", "sctlr", "read"]);
  assert.match(c.snippet, /kind: "preempt", cpu: 1/);
});

Deno.test("Hardware.perturb: the caller's extra options come after the hardware's, by label", () => {
  const hw = new Hardware(TINY);
  const seen = new Set<string>();
  for (let seed = 1; seed <= 200; seed++) {
    const p = hw.perturb(seededChooser(seed), [], [7, 9]);
    assert.deepEqual(hw.extraOptions, [7, 9]);
    if (p !== null) {
      assert.equal(p.kind, "extra");
      if (p.kind === "extra") seen.add(`${p.index}:${p.label}`);
    }
  }
  assert.deepEqual([...seen].sort(), ["0:7", "1:9"]);
  // A plan by meaning finds its option among the labels, or is skipped.
  const plan = new PlanChooser(hw, new Float64Array(0));
  plan.load([{ before: 0, kind: "preempt", cpu: 9 }, { before: 1, kind: "preempt", cpu: 3 }]);
  assert.deepEqual(hw.perturb(plan, [], [7, 9]), { kind: "extra", index: 1, label: 9 });
  assert.equal(hw.perturb(plan, [], [7, 9]), null);
  assert.equal(plan.skipped, 1);
});
