/**
 * The KVM/arm policy of Linux 4.0: trapped set/way operations are turned into
 * a full clean+invalidate by VA of the VM, and used to re-arm the trapping of
 * VM-register writes, so the hypervisor sees the guest turn its caches on or
 * off and flushes then.
 *
 * @module
 */

import { withSetWayShortcuts } from "../set_way_shortcuts.ts";
import type { Policy } from "../policy.ts";

/**
 * `"kvm-4.0"`: models `kvm_set_way_flush` and `kvm_toggle_cache` in
 * arch/arm/kvm/mmu.c (Linux 4.0, "arm/arm64: KVM: Use set/way op trapping to
 * track the state of the caches"), reached from `access_dcsw` and
 * `access_vm_reg` (arch/arm/kvm/coproc.c, arch/arm64/kvm/sys_regs.c), and the
 * same series' `kvm_flush_dcache_pte` on unmap (`unmap_ptes`).
 *
 * - reset (`vcpu_reset_hcr`): HCR.TSW, TVM and SWIO set;
 * - trapped S/W op: if TVM is clear, trace `kvm_set_way_flush`, run
 *   `stage2_flush_vm`, set TVM; if TVM is set, nothing (a S/W op with caches
 *   off is deferred until the caches come on);
 * - trapped VM-register write (SCTLR or any other): if the cache state
 *   changed, `stage2_flush_vm`; if caches are now on, clear TVM; always trace
 *   `kvm_toggle_cache`;
 * - unmap: clean+invalidate the page by VA.
 *
 * Simplified: no FWB (this is the 2015 logic), and the flush is not preemptible.
 *
 * @example Usage
 * ```ts
 * import { kvm40 } from "@setway/setway";
 * console.log(kvm40.name, kvm40.source); // kvm-4.0 arch/arm/kvm/mmu.c: ...
 * ```
 */
export const kvm40: Policy<undefined> = Object.freeze<Policy<undefined>>({
  name: "kvm-4.0",
  description: "Linux 4.0 KVM/arm: S/W ops become a stage-2 flush by VA and re-arm TVM",
  source:
    "arch/arm/kvm/mmu.c: kvm_set_way_flush, kvm_toggle_cache (Linux 4.0); unmap_ptes: kvm_flush_dcache_pte",
  state: () => undefined,
  onReset(hyp) {
    const hcr = hyp.vcpu.hcr;
    hcr.tsw = true;
    hcr.tvm = true;
    hcr.swio = true;
  },
  onSetWay(hyp) {
    const hcr = hyp.vcpu.hcr;
    if (!hcr.tvm) {
      if (hyp.tracing) hyp.emit("kvm_set_way_flush", { cache: hyp.cacheEnabled() });
      hyp.flushVm();
      hcr.tvm = true;
    }
  },
  onVmRegWrite(hyp, write) {
    const now = hyp.cacheEnabled();
    if (now !== write.wasEnabled) hyp.flushVm();
    if (now) hyp.vcpu.hcr.tvm = false;
    if (hyp.tracing) hyp.emit("kvm_toggle_cache", { was: write.wasEnabled, now });
  },
  onUnmap(hyp, ipa) {
    hyp.flushPage(ipa, true);
  },
});

withSetWayShortcuts(kvm40, {
  // With TVM set, kvm_set_way_flush does nothing: the trap is just an exit.
  setWayIdle: (hyp) => hyp.vcpu.hcr.tvm,
});
