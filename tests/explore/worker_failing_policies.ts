/**
 * Policies that fail only on an exploration's worker threads, at the first
 * trapped register write (a unit's work, not the worker's start), so that
 * a test sees what the calling thread makes of a worker's failure. On the
 * calling thread they are kvm-4.0's trapping of the VM registers, slowed
 * (each trapped write waits 2 ms) so that the worker claims units before
 * the calling thread has run them all.
 */

import process from "node:process";
import { isMainThread } from "node:worker_threads";
import { definePolicy, type Hyp, type VmRegWrite } from "../../lib/api/policies.ts";

/** kvm-4.0's answer to a trapped VM register write, after a 2 ms wait. */
function slowToggle(hyp: Hyp, write: VmRegWrite): void {
  const until = performance.now() + 2;
  while (performance.now() < until) { /* the calling thread is slow */ }
  const now = hyp.cacheEnabled();
  if (now && !write.wasEnabled) hyp.flushVm();
  if (now) hyp.vcpu.hcr.tvm = false;
}

/** Ends the worker thread it runs in (`process.exit`), as a hook with a fatal bug could. */
export const exiting = definePolicy({
  name: "exits-in-workers",
  onReset(hyp) {
    hyp.vcpu.hcr.tvm = true;
  },
  onVmRegWrite(hyp, write) {
    if (!isMainThread) process.exit(7);
    slowToggle(hyp, write);
  },
});

/** Writes HCR.TVM = 1 (a number) on a worker thread: the write is refused with a ScenarioError. */
export const refused = definePolicy({
  name: "refused-in-workers",
  onReset(hyp) {
    hyp.vcpu.hcr.tvm = true;
  },
  onVmRegWrite(hyp, write) {
    if (!isMainThread) (hyp.vcpu.hcr as { tvm: unknown }).tvm = 1;
    slowToggle(hyp, write);
  },
});

/**
 * kvm-4.0's trapping of the VM registers on the calling thread; on a worker
 * thread not a policy at all (no `state()`), so the worker refuses the
 * configuration it is sent.
 */
export const refusedAtStart: unknown = isMainThread
  ? definePolicy({ name: "refused-at-start", onReset: exiting.onReset, onVmRegWrite: slowToggle })
  : { name: "not a policy in workers" };
