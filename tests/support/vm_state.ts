/**
 * Test support: a VM as a later step sees it, as plain data to compare.
 *
 * @module
 */

import type { Hypervisor } from "../../lib/hyp/hypervisor.ts";

/**
 * Everything of a VM a later step could see: each vCPU's fields, stage 2 at
 * `addresses` and in all, and the policy's state.
 *
 * @param hyp the VM
 * @param addresses guest physical addresses whose stage-2 mapping is compared
 * @returns plain data, equal for VMs no later step can tell apart
 */
export function vmState(hyp: Hypervisor, addresses: readonly number[]): unknown {
  return {
    vcpus: hyp.vcpus.map((v) => ({
      sctlr: { ...v.sctlr },
      hcr: { tsw: v.hcr.tsw, tvm: v.hcr.tvm, swio: v.hcr.swio, tid2: v.hcr.tid2 },
      aarch32: v.aarch32,
      pc: v.pc,
      pcpu: v.pcpu,
      lastPcpu: v.lastPcpu,
      everCached: v.everCached,
      crashed: v.crashed,
    })),
    stage2: addresses.map((a) => [hyp.stage2.isMapped(a), hyp.stage2.isPopulated(a)]),
    mapped: hyp.stage2.mappedPages,
    populated: hyp.stage2.populatedPages,
    policy: JSON.stringify(hyp.policyState),
  };
}
