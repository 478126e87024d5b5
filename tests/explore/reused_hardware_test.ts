/**
 * Exploration runs every program on one reused hardware model (emptied
 * between runs); it must behave as a model built for the run.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { candidateLines, execute } from "../../lib/engine/execute.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { seededChooser } from "../../lib/hw/chooser.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { hardwareState, linesOf } from "../support/hardware_state.ts";
import { TINY_L3 } from "./fixtures.ts";
import type { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { vmState } from "../support/vm_state.ts";
import { NULL_SINK } from "../../lib/hyp/event_sink.ts";
import { native } from "../../lib/hyp/policies/native.ts";
import { definePolicy } from "../../mod.ts";

/**
 * A policy whose HCR bits change during a run, where no built-in's do: the
 * first trapped set/way op sets SWIO and TID2 and stops trapping set/way.
 * A VM restarted for the next run must start with them clear again, as
 * `onReset` leaves them.
 */
const lateBits = definePolicy({
  name: "late-bits",
  onReset(hyp) {
    hyp.vcpu.hcr.tsw = true;
  },
  onSetWay(hyp, op) {
    hyp.executeSetWayLocally(op);
    Object.assign(hyp.vcpu.hcr, { tsw: false, swio: true, tid2: true });
  },
});

for (const policyName of ["kvm-3.18", "kvm-4.0", "xen", "kvm-modern", lateBits]) {
  for (const prefault of [true, false]) {
    const name = typeof policyName === "string" ? policyName : policyName.name;
    Deno.test(`property: the explorer's reused hardware runs like a new one (${name}, prefault ${prefault})`, async () => {
      const config = resolveExploreOptions({
        machine: TINY_L3,
        policy: policyName,
        cpus: 2,
        prefault,
        ops: [
          "write",
          "read",
          "dc_civac",
          "sw_clean",
          "sw_invalidate",
          "mmuOn",
          "mmuOff",
          "migrate",
          "host_write",
        ],
      });
      const { policy, guestClass } = await loadParts(config);
      const ctx = new ExploreContext(config, policy, guestClass);
      const n = ctx.alphabet.instances.length;
      const program = fc.array(fc.nat(n - 1), { maxLength: 8 });
      fc.assert(
        fc.property(program, program, fc.nat(), fc.boolean(), (earlier, ops, seed, adversarial) => {
          ctx.runReal(ctx.steps(earlier, earlier.length), seededChooser(seed + 1));
          const steps = ctx.steps(ops, ops.length);
          const reusedLog = new EventLog();
          const reused = ctx.runReal(steps, adversarial ? seededChooser(seed) : null, reusedLog);

          const scenario: Scenario = {
            version: 1,
            machine: config.machine,
            cpus: config.cpus,
            systemCache: "machine",
            policy: policy.name,
            ram: config.ram,
            ramBase: config.ramBase,
            prefault: config.prefault,
            seed: 1,
            speculation: adversarial ? "adversarial" : "quiet",
            steps,
          };
          const hw = new Hardware(config.machine, { pooled: false });
          let freshHyp: Hypervisor | null = null;
          const newLog = new EventLog();
          const fresh = execute({
            scenario,
            machine: config.machine,
            policy,
            speculation: scenario.speculation,
            sink: newLog,
            maxSteps: Infinity,
            candidates: ctx.candidates,
            ...(adversarial ? { chooser: seededChooser(seed), preemptTo: ctx.preemptTo } : {}),
            hardware: hw,
            onEnd: (h) => (freshHyp = h),
          });
          assert.deepEqual(Array.from(reused.got), Array.from(fresh.got));
          assert.equal(reused.crashed, fresh.crashed !== null);
          assert.deepEqual(reusedLog.finish(), newLog.finish());
          const freshVm = vmState(freshHyp!, config.addresses);
          // Again with no sink, after another program: the VM of that run is restarted.
          ctx.runReal(ctx.steps(earlier, earlier.length), seededChooser(seed + 2));
          const restartedFrom = ctx.lastHyp;
          const quiet = ctx.runReal(steps, adversarial ? seededChooser(seed) : null);
          assert.equal(ctx.lastHyp, restartedFrom);
          assert.deepEqual(Array.from(quiet.got), Array.from(fresh.got));
          assert.equal(quiet.crashed, fresh.crashed !== null);
          assert.deepEqual(vmState(ctx.lastHyp!, config.addresses), freshVm);
          // The ideal machine's VM is restarted too, and reads as a new one.
          const idealAgain = ctx.runIdeal(steps, ctx.lastChoices);
          const idealFresh = execute({
            scenario: { ...scenario, machine: ctx.ideal, speculation: "quiet" },
            machine: ctx.ideal,
            policy: native,
            speculation: "quiet",
            migrate: false,
            sink: NULL_SINK,
            maxSteps: Infinity,
            candidates: ctx.candidates,
            idealChoices: ctx.lastChoices,
            hardware: new Hardware(ctx.ideal, { pooled: false }),
          });
          assert.deepEqual(Array.from(idealAgain), Array.from(idealFresh.got));
          const pages = [
            ...new Set(config.addresses.map((a) => a - ((a - config.ramBase) % 4096))),
          ];
          const lines = pages.flatMap((p) => linesOf(p, 4096, hw.lineSize));
          assert.deepEqual(hardwareState(ctx.hw, lines), hardwareState(hw, lines));
          assert.ok(candidateLines(steps, hw.lineSize).every((l) => ctx.candidates.includes(l)));
        }),
        { seed: 15, numRuns: 150 },
      );
    });
  }
}

Deno.test("runRealReusing: a read a crashed vCPU does not make is 0, whatever the last program of as many reads read", async () => {
  const config = resolveExploreOptions({
    policy: "xen-iommu",
    ops: ["write", "read", "sw_clean"],
  });
  const { policy, guestClass } = await loadParts(config);
  const ctx = new ExploreContext(config, policy, guestClass);
  const op = (name: string) => ctx.alphabet.instances.findIndex((i) => i.name === name);
  const [write, read, clean] = [op("write"), op("read"), op("sw_clean")];
  // One read each: the second program's read array is the first one's, reused.
  const wrote = ctx.runRealReusing(ctx.steps([write, read], 2), null);
  assert.equal(wrote.crashed, false);
  assert.deepEqual(Array.from(wrote.got), [1]);
  // Xen with the IOMMU sharing the p2m crashes the guest at its set/way op: the read after it is not made.
  const crashed = ctx.runRealReusing(ctx.steps([clean, read], 2), null);
  assert.equal(crashed.crashed, true);
  assert.deepEqual(Array.from(crashed.got), [0]);
  assert.deepEqual(Array.from(ctx.runReal(ctx.steps([clean, read], 2), null).got), [0]);
});
