/**
 * A deliberately broken kvm-4.0 for the proof's cross-check: a trapped
 * set/way operation is dropped, and turning caches off flushes nothing
 * (Linux 4.0 `kvm_toggle_cache` flushes the VM then, arch/arm/kvm/mmu.c).
 * A module of its own, so that a printed counterexample naming it can be
 * pasted into a module and run.
 */

import { definePolicy } from "../../mod.ts";

/** kvm-4.0, broken: a trapped set/way op is dropped, and turning caches off flushes nothing. */
export const broken = definePolicy({
  name: "kvm-4.0-broken",
  onReset(hyp) {
    Object.assign(hyp.vcpu.hcr, { tsw: true, tvm: true, swio: true });
  },
  onVmRegWrite(hyp, write) {
    const now = hyp.cacheEnabled();
    if (now && !write.wasEnabled) hyp.flushVm();
    if (now) hyp.vcpu.hcr.tvm = false;
  },
});
