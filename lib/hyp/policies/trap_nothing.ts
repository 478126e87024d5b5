/**
 * A hypervisor that traps no cache maintenance at all: the baseline that
 * shows what the trapping of the other policies buys.
 *
 * @module
 */

import type { Policy } from "../policy.ts";

/**
 * `"trap-nothing"`: HCR.TSW and HCR.TVM clear, so the guest's set/way
 * operations run on whatever physical CPU the vCPU happens to be on (local,
 * never broadcast, deaf to a system cache) and its SCTLR writes go unseen.
 * HCR.SWIO stays set, as every real hypervisor sets it: a guest's set/way
 * invalidate is performed as clean+invalidate, so it cannot discard dirty
 * lines that are not its own. The stage-2 fault path is KVM 4.0's (clean the
 * page when the guest's caches are off).
 *
 * It models no real hypervisor (source "none").
 *
 * @example Usage
 * ```ts
 * import { trapNothing } from "@setway/setway";
 * console.log(trapNothing.name); // trap-nothing
 * ```
 */
export const trapNothing: Policy<undefined> = Object.freeze<Policy<undefined>>({
  name: "trap-nothing",
  description: "TSW and TVM clear: guest S/W ops run on whatever physical CPU the vCPU is on",
  source: "none (a hypervisor that traps no cache maintenance)",
  state: () => undefined,
  onReset(hyp) {
    const hcr = hyp.vcpu.hcr;
    hcr.tsw = false;
    hcr.tvm = false;
    hcr.swio = true;
  },
});
