/**
 * The KVM/arm policy before Linux 4.0 (as in 3.18): a trapped set/way
 * operation is executed on the current physical CPU, and every other CPU the
 * vCPU may run on is marked for a full local flush when the vCPU is next
 * loaded there.
 *
 * @module
 */

import { withSetWayShortcuts } from "../set_way_shortcuts.ts";
import type { Policy } from "../policy.ts";

/**
 * Per-VM state: each vCPU's `require_dcache_flush` CPU mask.
 *
 * @example Usage
 * ```ts
 * import { kvm318 } from "@setway/setway";
 * const state = kvm318.state();
 * console.log(state.requireDcacheFlush.length); // 0: masks are created on first use
 * ```
 */
export interface Kvm318State {
  /** `requireDcacheFlush[vcpu][pcpu]` is 1 when that CPU must be flushed on load. */
  readonly requireDcacheFlush: Uint8Array[];
}

/**
 * `"kvm-3.18"`: models `access_dcsw` and `access_sctlr` in
 * arch/arm/kvm/coproc.c and the `require_dcache_flush` check in
 * `kvm_arch_vcpu_load` (arch/arm/kvm/arm.c), as the 4.0 change removed them.
 *
 * - reset: HCR.TSW, TVM and SWIO set;
 * - trapped S/W op (`access_dcsw`): mark every physical CPU but the current
 *   one in `require_dcache_flush`; if the handler runs on another CPU than
 *   the one that took the exit (`last_pcpu`, which the run loop in
 *   arch/arm/kvm/arm.c `kvm_arch_vcpu_ioctl_run` sets right after every
 *   exit, before `handle_exit`), that is, the vCPU was preempted and moved
 *   between exit and handler, `flush_cache_all` ("the long way around");
 *   else execute the op locally (DCISW as DCCISW, as per HCR.SWIO). A
 *   migration between two instructions does not take the long way: the next
 *   exit is taken on the new CPU;
 * - `vcpu_load` on a marked CPU: clear the mark, `flush_cache_all`;
 * - trapped SCTLR write (`access_sctlr`): once caches are on, clear TVM and
 *   `stage2_flush_vm`; other VM registers are only written;
 * - stage-2 fault with the guest's caches off: `coherent_cache_guest_page`
 *   through the VMM's user mapping of the page (arch/arm/kvm/mmu.c
 *   `user_mem_abort`); no invalidation on unmap (both came with the 4.0
 *   series: kvm_switches.ts).
 *
 * It never reaches a system cache, nor another CPU's cache until that CPU
 * runs the vCPU again.
 *
 * @example Usage
 * ```ts
 * import { kvm318 } from "@setway/setway";
 * console.log(kvm318.name); // kvm-3.18
 * ```
 */
export const kvm318: Policy<Kvm318State> = Object.freeze<Policy<Kvm318State>>({
  name: "kvm-3.18",
  description: "Linux 3.18 KVM/arm: S/W ops run locally, other CPUs flushed on vcpu_load",
  source:
    "arch/arm/kvm/coproc.c: access_dcsw, access_sctlr; arch/arm/kvm/arm.c: kvm_arch_vcpu_load, " +
    "kvm_arch_vcpu_ioctl_run (last_pcpu) (Linux 3.18)",
  // coherent_cache_guest_page cleaned through the VMM's user mapping (hva) until 4.0.
  faultClean: Object.freeze({ when: "caches-off", via: "hva" }),
  state: (): Kvm318State => ({ requireDcacheFlush: [] }),
  onReset(hyp) {
    const hcr = hyp.vcpu.hcr;
    hcr.tsw = true;
    hcr.tvm = true;
    hcr.swio = true;
  },
  onSetWay(hyp, op, state) {
    const v = hyp.vcpu;
    const mask = maskOf(state, v.index, hyp.pcpus);
    mask.fill(1);
    mask[v.pcpu] = 0;
    // Preempted and moved since the exit: the long way around.
    if (v.pcpu !== v.lastPcpu) hyp.flushAll();
    else hyp.executeSetWayLocally(op);
  },
  onVcpuLoad(hyp, state) {
    const v = hyp.vcpu;
    const mask = maskOf(state, v.index, hyp.pcpus);
    if (mask[v.pcpu] === 1) {
      mask[v.pcpu] = 0;
      hyp.flushAll();
    }
  },
  onVmRegWrite(hyp, write) {
    if (write.reg !== "SCTLR") return;
    if (hyp.cacheEnabled()) {
      hyp.vcpu.hcr.tvm = false;
      hyp.flushVm();
    }
  },
});

withSetWayShortcuts(kvm318, {
  // Once every other CPU is already marked, a trap the scheduler does not
  // preempt (the only kind this is asked about: its handler sees
  // last_pcpu === pcpu) is just the local set/way operation.
  setWayLocal(hyp, state) {
    const v = hyp.vcpu;
    const mask = state.requireDcacheFlush[v.index];
    if (mask === undefined) return false;
    for (let cpu = 0; cpu < mask.length; cpu++) {
      if (mask[cpu] !== (cpu === v.pcpu ? 0 : 1)) return false;
    }
    return true;
  },
});

function maskOf(state: Kvm318State, vcpu: number, pcpus: number): Uint8Array {
  return (state.requireDcacheFlush[vcpu] ??= new Uint8Array(pcpus));
}
