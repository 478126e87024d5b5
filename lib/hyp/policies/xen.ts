/**
 * Xen on ARM: the same idea as KVM 4.0 (turn set/way operations into a
 * flush of the guest's memory by VA, and watch the guest turn its caches on
 * and off), but the traps only mark the vCPU, and the flush runs, preemptibly,
 * on the way back to the guest. With the IOMMU sharing the stage-2 (p2m)
 * tables, Xen refuses set/way operations altogether.
 *
 * @module
 */

import { withSetWayShortcuts } from "../set_way_shortcuts.ts";
import { checkOptionKeys } from "../../options.ts";
import { policyName } from "./policy_name.ts";
import { ScenarioError, showValue } from "../../errors.ts";
import { XEN_COSTS } from "../costs.ts";
import type { Policy } from "../policy.ts";

/**
 * Per-VM state: each vCPU's `need_flush_to_ram` (`v->arch.need_flush_to_ram`).
 *
 * @example Usage
 * ```ts
 * import { xen } from "@setway/setway";
 * console.log(xen.state().needFlushToRam.length); // 0: set on first use
 * ```
 */
export interface XenState {
  /** `needFlushToRam[vcpu]`: a `p2m_flush_vm` is due on the vCPU's next guest entry. */
  readonly needFlushToRam: boolean[];
}

/**
 * Options of {@linkcode xenWith}.
 *
 * @example Usage
 * ```ts
 * import type { XenOptions } from "@setway/setway/policies";
 * const options: XenOptions = { iommuSharesP2m: true };
 * ```
 */
export interface XenOptions {
  /**
   * The IOMMU uses the stage-2 tables (`iommu_use_hap_pt`): a set/way op
   * injects an undefined-instruction exception. Default false.
   */
  readonly iommuSharesP2m?: boolean;
  /** The policy's name. Default `"xen"`, or `"xen-iommu"` with `iommuSharesP2m`. */
  readonly name?: string;
}

/** Why Xen refuses the instruction, as the trace and the verdict say it. */
const UNDEF_REASON = "set/way op while the IOMMU shares the p2m: flush by VA instead";

/**
 * A Xen policy with the given options.
 *
 * It models xen/arch/arm/p2m.c `p2m_set_way_flush`, `p2m_toggle_cache`,
 * `p2m_flush_vm` and `p2m_cache_flush_range`, xen/arch/arm/traps.c
 * `get_default_hcr_flags` and `leave_hypervisor_to_guest` /
 * `check_for_vcpu_work` (where `need_flush_to_ram` is checked on the way
 * back to the guest), xen/common/page_alloc.c `alloc_heap_pages`
 * (`flush_page_to_ram` on every page allocated to a domain), and
 * tools/libs/ctrl `xc_domain_cacheflush` (the toolstack's flush after it
 * loads a guest image).
 *
 * Versions: the set/way tracking is Xen 4.12's ("xen/arm: Implement Set/Way
 * operations", 2018), the flush on the way back to the guest runs from
 * `leave_hypervisor_to_guest` since Xen 4.13, and the refusal while the
 * IOMMU shares the p2m is Xen 4.16's ("xen/arm: Do not invalidate the P2M
 * when the PT is shared with the IOMMU", 2021); `p2m_set_way_flush` and
 * `p2m_toggle_cache` read the same in Xen 4.22.
 *
 * - reset: HCR.TSW and SWIO set, TVM clear (Xen's default HCR has no TVM: a
 *   guest booting with its caches off is not watched until its first S/W op);
 * - trapped S/W op: with the IOMMU sharing the p2m, inject an undefined
 *   instruction (the guest crashes); else if TVM is clear, mark
 *   `need_flush_to_ram`, set TVM and trace `p2m_set_way_flush`; nothing is
 *   flushed inside the trap;
 * - trapped VM-register write: if the cache state changed, mark
 *   `need_flush_to_ram`; if caches are now on, clear TVM; trace
 *   `p2m_toggle_cache`;
 * - guest entry with `need_flush_to_ram`: `p2m_flush_vm` (the same walk and
 *   counts as `stage2_flush_vm`, plus the loop's preemption checks), then
 *   every p2m entry is made invalid, so the next flush visits only the pages
 *   the guest touched since;
 * - a page is cleaned+invalidated to PoC (`flush_page_to_ram`) the first
 *   time it is mapped for the guest, whatever the guest's caches: Xen cleans
 *   every page it allocates to a domain, and its toolstack flushes what it
 *   loads into one (`xc_domain_cacheflush`), which this stands for when the
 *   host wrote the page first.
 *
 * Simplified: the trap and fault events keep KVM's names (`kvm_exit`,
 * `kvm_guest_fault`); removing a page from the p2m does no cache
 * maintenance (no `onUnmap`); guest RAM is allocated on first touch where Xen
 * populates a domain when it builds it (use `.prefault()` for that);
 * preemption is counted, never taken; the trap round trip is Xen ARM's
 * measured 376 cycles (costs.ts `XEN_COSTS`).
 *
 * @example Usage
 * ```ts
 * import { xenWith } from "@setway/setway/policies";
 * console.log(xenWith({ iommuSharesP2m: true }).name); // xen-iommu
 * ```
 * @param options whether the IOMMU shares the p2m, and the name
 * @returns a frozen policy
 * @throws {ScenarioError} `invalid_value` for a malformed option, `unknown_name` for an unknown one
 */
export function xenWith(options: XenOptions = {}): Policy<XenState> {
  checkOptionKeys("xenWith", options, ["iommuSharesP2m", "name"]);
  const iommu = options.iommuSharesP2m ?? false;
  if (typeof iommu !== "boolean") {
    throw new ScenarioError(
      "invalid_value",
      "xenWith.iommuSharesP2m",
      iommu,
      `xenWith({ iommuSharesP2m: ${showValue(iommu)} }): expected a boolean`,
    );
  }
  const name = policyName("xenWith", options.name ?? (iommu ? "xen-iommu" : "xen"));
  const policy = Object.freeze<Policy<XenState>>({
    name,
    description: iommu
      ? "Xen on ARM, IOMMU sharing the p2m: a S/W op injects an undefined instruction"
      : "Xen on ARM: S/W and VM-register traps mark need_flush_to_ram; p2m_flush_vm on guest entry",
    source: "xen/arch/arm/p2m.c: p2m_set_way_flush, p2m_toggle_cache, p2m_flush_vm, " +
      "p2m_cache_flush_range; xen/arch/arm/traps.c: get_default_hcr_flags, " +
      "leave_hypervisor_to_guest, check_for_vcpu_work (Xen 4.16 to 4.22)",
    faultClean: Object.freeze({ when: "populate", via: "kernel", event: "flush_page_to_ram" }),
    costs: XEN_COSTS,
    state: (): XenState => ({ needFlushToRam: [] }),
    onReset(hyp) {
      const hcr = hyp.vcpu.hcr;
      hcr.tsw = true;
      hcr.swio = true;
      hcr.tvm = false;
    },
    onSetWay(hyp, _op, state) {
      if (iommu) {
        hyp.injectUndef(UNDEF_REASON);
        return;
      }
      const v = hyp.vcpu;
      if (!v.hcr.tvm) {
        state.needFlushToRam[v.index] = true;
        v.hcr.tvm = true;
        if (hyp.tracing) hyp.emit("p2m_set_way_flush", { cache: hyp.cacheEnabled() });
      }
    },
    onVmRegWrite(hyp, write, state) {
      const v = hyp.vcpu;
      const now = hyp.cacheEnabled();
      const flush = now !== write.wasEnabled;
      if (flush) state.needFlushToRam[v.index] = true;
      if (now) v.hcr.tvm = false;
      if (hyp.tracing) hyp.emit("p2m_toggle_cache", { was: write.wasEnabled, now, flush });
    },
    onGuestEntry(hyp, state) {
      const i = hyp.vcpu.index;
      if (state.needFlushToRam[i] !== true) return;
      hyp.p2mFlushVm();
      state.needFlushToRam[i] = false;
    },
  });
  if (iommu) return policy;
  return withSetWayShortcuts(policy, {
    // With TVM set and no flush pending, a S/W trap and the entry after it do nothing.
    setWayIdle: (hyp, state) => hyp.vcpu.hcr.tvm && state.needFlushToRam[hyp.vcpu.index] !== true,
  });
}

/**
 * `"xen"`: Xen on ARM without an IOMMU sharing the p2m ({@linkcode xenWith}).
 *
 * @example Usage
 * ```ts
 * import { xen } from "@setway/setway";
 * console.log(xen.name); // xen
 * ```
 */
export const xen: Policy<XenState> = xenWith();

/**
 * `"xen-iommu"`: Xen on ARM with the IOMMU sharing the p2m: a guest's
 * set/way op is an undefined instruction (what made Zephyr drop set/way).
 *
 * @example Usage
 * ```ts
 * import { xenIommu } from "@setway/setway";
 * console.log(xenIommu.name); // xen-iommu
 * ```
 */
export const xenIommu: Policy<XenState> = xenWith({ iommuSharesP2m: true });
