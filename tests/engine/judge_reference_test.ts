/**
 * The judge's reference runs as a driver calls them (the instruction
 * budget, a resumed run, the end hook, the native run's own hardware
 * choices) and the blame that follows from a policy's declarations.
 */

import assert from "node:assert/strict";
import { Judge } from "../../lib/engine/judge.ts";
import { run } from "../../lib/engine/run.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { candidateLines } from "../../lib/engine/execute.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { ScenarioError } from "../../lib/errors.ts";
import type { Chooser } from "../../lib/hw/chooser.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Step } from "../../lib/guest/ops.ts";
import type { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { kvm318, kvm40, native } from "../../lib/hyp/policies/mod.ts";
import { generic } from "../../lib/machines/mod.ts";
import { BASE, KERNEL, scenario as engineScenario, zimageSteps } from "./fixtures.ts";

const A = BASE;

/** One vCPU on the generic machine, 1 MiB of prefaulted RAM at `A`. */
function onGeneric(steps: Step[], over: Partial<Scenario> = {}): Scenario {
  return engineScenario(steps, { machine: "generic", ram: 1 << 20, prefault: true, ...over });
}

/** Caches on, a write, caches off with nothing cleaned, a read of the write. */
const CACHES_OFF_READ: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "write", vcpu: 0, addr: A, value: 1 },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "read", vcpu: 0, addr: A },
];

/** A chooser that makes the given picks in turn, then nothing. */
function replaying(picks: readonly number[]): Chooser {
  let next = 0;
  return { mode: "explore", pick: (n) => Math.min(picks[next++] ?? 0, n - 1) };
}

Deno.test("the ideal run stops at the instruction budget it is given", () => {
  const judge = new Judge(generic, kvm40, new Float64Array(0));
  const program = onGeneric([
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: A, value: 5 },
    { kind: "read", vcpu: 0, addr: A },
  ]);
  assert.deepEqual(Array.from(judge.idealReads(program, undefined, { maxSteps: 3 })), [5]);
  assert.throws(
    () => judge.idealReads(program, undefined, { maxSteps: 2 }),
    (e) => {
      assert.ok(e instanceof ScenarioError);
      assert.deepEqual([e.code, e.call, e.value], ["budget_exceeded", "steps[2]", 2]);
      return true;
    },
  );
});

Deno.test("the ideal run hands its VM to the end hook, and resumes it from a later step", () => {
  const judge = new Judge(generic, kvm40, new Float64Array(0));
  const steps: Step[] = [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: A, value: 1 },
    { kind: "read", vcpu: 0, addr: A },
    { kind: "write", vcpu: 0, addr: A, value: 2 },
    { kind: "read", vcpu: 0, addr: A },
  ];
  const hardware = new Hardware(judge.ideal, { seed: 1 });
  let vm: Hypervisor | undefined;
  const first = judge.idealReads(onGeneric(steps.slice(0, 3)), undefined, {
    hardware,
    onEnd: (hypervisor) => {
      vm = hypervisor;
    },
  });
  assert.deepEqual(Array.from(first), [1]);
  assert.ok(vm !== undefined, "the end hook was called");
  assert.equal(vm.hardware, hardware);
  // From step 3 on: the read before it is not made again, its entry stays 0.
  const rest = judge.idealReads(onGeneric(steps), undefined, { hardware, hypervisor: vm, from: 3 });
  assert.deepEqual(Array.from(rest), [0, 2]);
});

Deno.test("the native run makes the run's own hardware choices when it is given a chooser", () => {
  const scenario = onGeneric(CACHES_OFF_READ, { speculation: "adversarial" });
  const { machine, policy } = assertScenario(scenario);
  const judge = new Judge(machine, policy, candidateLines(scenario.steps, 64));
  // Seed 5's own choices cast the written line out before caches go off; seed 1's do not.
  const castOut = [0, 1, 3, 1, 1, 1, 6];
  let made = 0;
  const chooser = (picks: readonly number[]) => (hardware: Hardware) => {
    assert.ok(hardware instanceof Hardware);
    made++;
    return replaying(picks);
  };
  assert.deepEqual(Array.from(judge.nativeReads(scenario, chooser(castOut))), [1]);
  assert.deepEqual(Array.from(judge.nativeReads({ ...scenario, seed: 5 }, chooser([]))), [0]);
  assert.equal(made, 2);
  // Without a chooser, the scenario's seed chooses.
  assert.deepEqual(Array.from(judge.nativeReads(scenario, undefined)), [0]);
  assert.deepEqual(Array.from(judge.nativeReads({ ...scenario, seed: 5 }, undefined)), [1]);
});

Deno.test("failsNatively under adversarial hardware comes from a native run that speculates too", () => {
  // Natively, seed 5's hardware casts the written line out before caches go off: the
  // read sees it there, as it does under the policy. Quiet hardware would not.
  const seeded = run(onGeneric(CACHES_OFF_READ, { speculation: "adversarial", seed: 5 }));
  assert.equal(seeded.verdict.ok, true);
  assert.equal(seeded.verdict.failsNatively, false);
  const quiet = run(onGeneric(CACHES_OFF_READ));
  assert.equal(quiet.verdict.failsNatively, true);
  assert.deepEqual(quiet.verdict.violations.map((v) => `${v.blame}/${v.kind}`), [
    "guest/stale_read",
  ]);
});

Deno.test("a policy object that declares native: false is a hypervisor: its failures are blamed on it", () => {
  assert.equal(
    new Judge(generic, { ...kvm40, native: false }, new Float64Array(0)).notGuest,
    "hypervisor",
  );
  assert.equal(new Judge(generic, kvm40, new Float64Array(0)).notGuest, "hypervisor");
  assert.equal(new Judge(generic, native, new Float64Array(0)).notGuest, "machine");
  const r = run(engineScenario(zimageSteps()), { policy: { ...kvm318, native: false } });
  assert.equal(r.verdict.ok, false);
  assert.deepEqual(
    r.verdict.violations.map((v) => [v.addr, v.blame]),
    [0, 1, 2, 3].map((i) => [KERNEL + i * 64, "hypervisor"]),
  );
});

Deno.test("the ideal machine does not follow migrations: a set/way clean left behind on the old CPU is not the guest's", () => {
  // The write stays dirty in the first CPU's L1; the vCPU then moves, and its
  // set/way clean runs on the second CPU. Unmoved, the clean would have found it.
  const steps: Step[] = [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: A, value: 7 },
    { kind: "migrate", vcpu: 0, pcpu: 1 },
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "read", vcpu: 0, addr: A },
  ];
  for (const [policy, blame] of [["trap-nothing", "hypervisor"], ["native", "machine"]]) {
    const r = run(onGeneric(steps, { policy, systemCache: false }));
    assert.deepEqual(
      r.verdict.violations.map((v) => [v.kind, v.blame, v.expected, v.got, v.readIndex]),
      [["stale_read", blame, 7, 0, 0]],
      policy,
    );
    assert.equal(r.verdict.failsNatively, true, policy);
  }
});

Deno.test("the native reference run is held to the run's page budget, even when the policy's run stops early", () => {
  // Under xen-iommu the first set/way op crashes the guest: the policy's run writes no
  // page. The native run goes on and writes a page of DRAM per caches-off write.
  const steps: Step[] = [{ kind: "sw", vcpu: 0, op: "cisw", level: 1, set: 0, way: 0 }];
  for (let p = 0; p < 4; p++) steps.push({ kind: "write", vcpu: 0, addr: A + p * 4096, value: p });
  const scenario = onGeneric(steps, { policy: "xen-iommu" });
  const r = run(scenario, { maxTouchedPages: 4 });
  assert.equal(r.verdict.crashed?.vcpu, 0);
  assert.equal(r.verdict.failsNatively, false);
  assert.throws(
    () => run(scenario, { maxTouchedPages: 2 }),
    (e) => {
      assert.ok(e instanceof ScenarioError);
      assert.deepEqual([e.code, e.call, e.value], ["budget_exceeded", "steps[3]", 2]);
      // The policy's run stopped at step 0: the message says which run needed more.
      assert.match(
        e.message,
        /^steps\[3\] \(write\): the native reference run \(the same program on bare metal\) needs more than maxTouchedPages = 2/,
      );
      return true;
    },
  );
});
