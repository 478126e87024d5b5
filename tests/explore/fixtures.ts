/**
 * Shared fixtures of the exploration tests: a tiny machine (so that set/way
 * walks cost a few dozen instructions), a random-mode question, a policy
 * with a planted bug, one that crashes the guest, and the edits that make
 * one part of an exploration disagree with the others.
 *
 * @module
 */

import type { ExploreOptions, ExploreReport, Machine, Policy } from "../../mod.ts";
import { definePolicy, policies } from "../../mod.ts";

/** One cluster of two CPUs, 1 KiB 2-way L1s, a 4 KiB 4-way L2, no system cache. */
export const TINY: Machine = {
  name: "tiny",
  description: "two CPUs, 1 KiB L1D, 4 KiB L2",
  clusters: [{ cpus: 2, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } }],
};

/** TINY with a 16 KiB system cache that set/way operations never reach. */
export const TINY_L3: Machine = {
  ...TINY,
  name: "tiny-l3",
  systemCache: { size: 16384, ways: 4 },
};

/** Random mode on KVM 3.18: 2000 executions of up to 5 operations, migrations included. */
export const RANDOM: ExploreOptions = {
  machine: "generic",
  policy: "kvm-3.18",
  mode: "random",
  seed: 3,
  executions: 2000,
  maxOps: 5,
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff", "migrate"],
  progress: false,
};

const kvm40 = policies["kvm-4.0"];

/**
 * kvm-4.0 without the flush when the guest turns its caches off: the belt
 * without the braces. A guest that cleans with set/way while TVM is already
 * set (so the walk is deferred) and then turns its caches off reads stale
 * memory.
 */
export const NO_OFF_FLUSH: Policy = {
  ...kvm40,
  name: "kvm-4.0-no-off-flush",
  description: "kvm-4.0 without the stage-2 flush when the caches go off",
  onVmRegWrite(hyp, write) {
    const now = hyp.cacheEnabled();
    if (now && !write.wasEnabled) hyp.flushVm();
    if (now) hyp.vcpu.hcr.tvm = false;
    hyp.emit("kvm_toggle_cache", { was: write.wasEnabled, now });
  },
};

/**
 * A user policy whose hook crashes the guest when it turns its caches off:
 * an operation that runs a hook can fail even as a program's last.
 */
export const CRASHES_ON_CACHES_OFF: Policy = definePolicy({
  name: "crash-on-caches-off",
  onReset(hyp) {
    hyp.vcpu.hcr.tvm = true;
  },
  onVmRegWrite(hyp, write) {
    if (write.wasEnabled && !hyp.cacheEnabled()) hyp.injectUndef("caches turned off");
  },
});

/**
 * A user policy whose stage-2 fault hook crashes the guest: without
 * prefault, a program's first touch of a page fails, even a last write.
 */
export const CRASHES_ON_STAGE2_FAULT: Policy = definePolicy({
  name: "crash-on-stage2-fault",
  onStage2Fault(hyp) {
    hyp.injectUndef("stage-2 fault");
  },
});

/**
 * A user policy that crashes the guest when its set/way op drops a valid
 * line: only a hardware fill puts one there, in a program that never turns
 * its caches on.
 */
export const CRASHES_ON_DROPPED_LINE: Policy = definePolicy({
  name: "crash-on-dropped-line",
  onReset(hyp) {
    hyp.vcpu.hcr.tsw = true;
  },
  onSetWay(hyp, op) {
    if (hyp.executeSetWayLocally(op).invalidated > 0) hyp.injectUndef("a line was dropped");
  },
});

/** Set/way traps counted in a class instance, which the state hash cannot walk. */
class Traps {
  count = 0;
}

/**
 * kvm-4.0 keeping its state in a class instance: not plain data, so an
 * exploration merges none of its states and says it was inexact.
 */
export const NOT_PLAIN_STATE: Policy = {
  ...kvm40,
  name: "kvm-4.0-counting-object",
  description: "kvm-4.0 counting set/way traps in a class instance",
  state: () => new Traps(),
  onSetWay(hyp, _op, state) {
    (state as Traps).count++;
    hyp.flushVm();
  },
};

/** The name of a configuration's machine, given by name or as an object, for a test's name. */
export function machineName(options: ExploreOptions): string | undefined {
  return typeof options.machine === "object" ? options.machine.name : options.machine;
}

/** The op labels of a counterexample's steps, e.g. `["mmuOn", "write", ...]`. */
export function stepNames(
  steps: readonly { kind: string; bits?: { m?: boolean }; op?: string }[],
): string[] {
  return steps.map((s) =>
    s.kind === "sctlr"
      ? (s.bits?.m ? "mmuOn" : "mmuOff")
      : s.kind === "sw_walk"
      ? `sw_${s.op}`
      : s.kind
  );
}

/** Each statistic every part of one exploration reports alike, changed in one part. */
export function sharedStatEdits(stats: ExploreReport["stats"]): Partial<ExploreReport["stats"]>[] {
  return [
    { states: stats.states + 1 },
    { merged: stats.merged + 1 },
    { levels: [...stats.levels, 1] },
    { exact: !stats.exact },
  ];
}
