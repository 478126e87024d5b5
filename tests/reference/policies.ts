/**
 * Each built-in policy, re-written from the C sources it models, one small
 * state machine per hypervisor, independent of lib/hyp. Every handler cites
 * the file, the function and the version it follows; where a line of C
 * decides something, the comment says which.
 *
 * @example Usage
 * ```ts
 * import { REFERENCE_POLICIES } from "./policies.ts";
 * console.log(Object.keys(REFERENCE_POLICIES).includes("kvm-3.18")); // true
 * ```
 *
 * @module
 */

import {
  cacheEnabled,
  kvmSetWayFlushLine,
  kvmToggleCacheLine,
  type RefPolicy,
  type RefVcpu,
  type RefVm,
  type WalkLevel,
} from "./vm.ts";

const hex = (n: number) => `0x${n.toString(16)}`;

/** No-op handlers, for what a hypervisor does not implement. */
const NOTHING = {
  dcsw(): void {},
  vmReg(): void {},
  vcpuLoad(): void {},
  unmap(): void {},
  guestEntry(): void {},
  walkView: (_vm: RefVm, physical: readonly WalkLevel[]) => physical,
};

/**
 * Linux 4.0 arch/arm/kvm/mmu.c `kvm_set_way_flush`: only when HCR.TVM is
 * clear (first S/W op since the caches came on), trace it, `stage2_flush_vm`
 * the whole VM, and set TVM to watch for the caches going off. With TVM set
 * the op is dropped: a S/W op with the caches off is deferred until they
 * come on. Reached from `access_dcsw` (arch/arm/kvm/coproc.c,
 * arch/arm64/kvm/sys_regs.c, 4.0), which does nothing else for a write.
 */
function kvmSetWayFlush(vm: RefVm, v: RefVcpu): void {
  if (v.hcr.tvm) return;
  vm.record(kvmSetWayFlushLine(v, cacheEnabled(v)));
  vm.stage2FlushVm(v);
  v.hcr.tvm = true;
}

/**
 * Linux 4.0 arch/arm/kvm/mmu.c `kvm_toggle_cache`: flush the VM when the
 * cache state changed (clean+invalidate serves both directions); stop
 * trapping VM registers once the caches are on; trace the call always.
 * Reached from `access_vm_reg` (arch/arm/kvm/coproc.c and
 * arch/arm64/kvm/sys_regs.c, 4.0) for every register HCR.TVM traps,
 * SCTLR included, after the register is written.
 */
function kvmToggleCache(vm: RefVm, v: RefVcpu, was: boolean): void {
  const now = cacheEnabled(v);
  if (now !== was) vm.stage2FlushVm(v);
  if (now) v.hcr.tvm = false;
  vm.record(kvmToggleCacheLine(v, was, now));
}

/**
 * `kvm_reset_vcpu` -> HCR_GUEST_MASK (arch/arm/include/asm/kvm_arm.h, 3.15
 * to 4.x; arm64 `vcpu_reset_hcr` with HCR_GUEST_FLAGS in 4.0): TSW, SWIO and
 * TVM set, so the guest's first MMU/cache enable is seen.
 */
function resetTswTvmSwio(_vm: RefVm, v: RefVcpu): void {
  v.hcr.tsw = true;
  v.hcr.tvm = true;
  v.hcr.swio = true;
}

/**
 * `"kvm-4.0"`: Linux 4.0 KVM/arm as merged with the set/way series.
 *
 * - reset: HCR_GUEST_MASK (TSW, TVM, SWIO);
 * - `access_dcsw` -> `kvm_set_way_flush`; `access_vm_reg` -> `kvm_toggle_cache`;
 * - `user_mem_abort` -> `coherent_cache_guest_page` (arch/arm/include/asm/kvm_mmu.h,
 *   4.0): the new page is cleaned to PoC through the kernel mapping when
 *   `!vcpu_has_cache_enabled`;
 * - `unmap_ptes` -> `kvm_flush_dcache_pte` (arch/arm/kvm/mmu.c, 4.0) for every
 *   present entry it clears.
 *
 * @example Usage
 * ```ts
 * import { refKvm40 } from "./policies.ts";
 * console.log(refKvm40.name); // kvm-4.0
 * ```
 */
export const refKvm40: RefPolicy = {
  ...NOTHING,
  name: "kvm-4.0",
  hypervisor: true,
  usesFwb: false,
  reset: resetTswTvmSwio,
  dcsw: (vm, v) => kvmSetWayFlush(vm, v),
  vmReg: (vm, v, _reg, was) => kvmToggleCache(vm, v, was),
  faultClean: (
    v,
  ) => (cacheEnabled(v) ? null : { event: "coherent_cache_guest_page", via: "kernel" }),
  unmap: (vm, cpu, ipa) => vm.flushPage(cpu, ipa),
};

/**
 * `"kvm-4.0-sw-only"`: the 4.0 set/way patch without the series' two
 * others: no `kvm_flush_dcache_pte` in `unmap_ptes`, and
 * `coherent_cache_guest_page` still cleaning through the VMM's mapping
 * (`hva`), as arch/arm/kvm/mmu.c `user_mem_abort` did in 3.18.
 *
 * @example Usage
 * ```ts
 * import { refKvm40SwOnly } from "./policies.ts";
 * console.log(refKvm40SwOnly.name); // kvm-4.0-sw-only
 * ```
 */
export const refKvm40SwOnly: RefPolicy = {
  ...refKvm40,
  name: "kvm-4.0-sw-only",
  faultClean: (v) => (cacheEnabled(v) ? null : { event: "coherent_cache_guest_page", via: "hva" }),
  unmap: () => {},
};

/** `vcpu->arch.require_dcache_flush`, one CPU mask per vCPU (Linux 3.18). */
const requireDcacheFlush = new WeakMap<RefVm, boolean[][]>();

function maskOf(vm: RefVm, v: RefVcpu): boolean[] {
  let masks = requireDcacheFlush.get(vm);
  if (masks === undefined) requireDcacheFlush.set(vm, masks = []);
  return (masks[v.index] ??= new Array(vm.pcpus).fill(false));
}

/**
 * `"kvm-3.18"`: Linux 3.18 KVM/arm, before the set/way series.
 *
 * - reset: HCR_GUEST_MASK, TVM included since 3.15 ("trap VM system
 *   registers until MMU and caches are ON");
 * - arch/arm/kvm/coproc.c `access_dcsw` (3.18): mark every CPU but this one
 *   in `require_dcache_flush`; if this CPU is not `last_pcpu` (the vCPU was
 *   preempted and moved between its exit and this handler: "the long way
 *   around"), `flush_cache_all`; else perform the op here, DCISW as DCCISW
 *   (HCR.SWIO);
 * - arch/arm/kvm/coproc.c `access_sctlr` (3.18): after the write, once the
 *   caches are on, clear TVM and `stage2_flush_vm`; the other VM registers
 *   go to `access_vm_reg`, which only writes them;
 * - arch/arm/kvm/arm.c `kvm_arch_vcpu_load` (3.18): a CPU marked for this
 *   vCPU is cleared and gets `flush_cache_all`;
 * - arch/arm/kvm/mmu.c `user_mem_abort` -> `coherent_cache_guest_page` (3.18):
 *   clean the new page through the VMM's mapping (hva) when the guest's
 *   caches are off; no maintenance on unmap.
 *
 * `last_pcpu` is the run loop's (vm.ts): set at every exit on the CPU that
 * took it, so with no preemption inside an exit this handler always finds
 * itself on `last_pcpu`.
 *
 * @example Usage
 * ```ts
 * import { refKvm318 } from "./policies.ts";
 * console.log(refKvm318.name); // kvm-3.18
 * ```
 */
export const refKvm318: RefPolicy = {
  ...NOTHING,
  name: "kvm-3.18",
  hypervisor: true,
  usesFwb: false,
  reset: resetTswTvmSwio,
  dcsw(vm, v, op, level, set, way) {
    const mask = maskOf(vm, v);
    mask.fill(true);
    mask[v.pcpu] = false;
    if (v.pcpu !== v.lastPcpu) {
      vm.flushCacheAll(v);
      return;
    }
    // CRm 6 (DCISW) is performed as DCCISW, as per HCR.SWIO; 14 DCCISW; 10 DCCSW.
    vm.swLocal(v, op === "csw" ? "csw" : "cisw", level, set, way);
  },
  vmReg(vm, v, reg) {
    if (reg !== "SCTLR" || !cacheEnabled(v)) return;
    v.hcr.tvm = false;
    vm.stage2FlushVm(v);
  },
  vcpuLoad(vm, v) {
    const mask = maskOf(vm, v);
    if (!mask[v.pcpu]) return;
    mask[v.pcpu] = false;
    vm.flushCacheAll(v);
  },
  faultClean: (v) => (cacheEnabled(v) ? null : { event: "coherent_cache_guest_page", via: "hva" }),
};

/**
 * `"kvm-modern"`: arm64 KVM today (Linux 6.x).
 *
 * - arch/arm64/include/asm/kvm_emulate.h `vcpu_reset_hcr`: HCR_GUEST_FLAGS
 *   (TSW and SWIO among them, and TID2 since Linux 6.3, so that a guest's
 *   reads of CLIDR, CCSIDR and CSSELR trap: a walk reads CLIDR, then CSSELR
 *   and CCSIDR for each data level), plus HCR_FWB on a CPU with stage-2 FWB, else
 *   HCR_TVM (since Linux 5.5: with FWB a stage-2 flush at the caches'
 *   toggle achieves nothing, so TVM is no longer set);
 * - arch/arm64/kvm/sys_regs.c `access_dcsw`: `kvm_set_way_flush` only
 *   without `ARM64_HAS_STAGE2_FWB`, else the op is just an exit;
 * - arch/arm64/kvm/sys_regs.c `access_vm_reg` -> arch/arm64/kvm/mmu.c
 *   `kvm_toggle_cache` (the 4.0 logic);
 * - arch/arm64/kvm/hyp/pgtable.c `stage2_map_walker_try_leaf`: every new
 *   cacheable mapping is cleaned+invalidated to PoC
 *   (`clean_dcache_guest_page`) unless FWB; `stage2_unmap_walker` likewise
 *   on unmap;
 * - arch/arm64/kvm/sys_regs.c `reset_clidr` / `get_ccsidr` (6.3+): the guest
 *   reads a normalized CLIDR (from CTR_EL0: IDC, which the kernel sets with
 *   FWB, gives LoC 2 with only an instruction cache at level 1, or LoC 1
 *   with a unified cache when DIC is set too; without IDC, LoC 1 with a data
 *   cache) and a 1-set, 1-way CCSIDR at each data level; the sanitised
 *   CTR_EL0 has IDC when the machine has FWB or when every CPU sets IDC or
 *   has a CLIDR that needs no clean to the PoU (arch/arm64/kernel/cpuinfo.c
 *   takes `read_cpuid_effective_cachetype`), and DIC when every CPU sets it.
 *
 * @example Usage
 * ```ts
 * import { refKvmModern } from "./policies.ts";
 * console.log(refKvmModern.usesFwb); // true
 * ```
 */
export const refKvmModern: RefPolicy = {
  name: "kvm-modern",
  hypervisor: true,
  usesFwb: true,
  reset(vm, v) {
    v.hcr.tsw = true;
    v.hcr.swio = true;
    v.hcr.tid2 = true;
    if (!vm.fwb) v.hcr.tvm = true;
  },
  dcsw(vm, v) {
    if (!vm.fwb) kvmSetWayFlush(vm, v);
  },
  vmReg: (vm, v, _reg, was) => kvmToggleCache(vm, v, was),
  vcpuLoad() {},
  faultClean: () => ({ event: "clean_dcache_guest_page", via: "kernel" }),
  unmap(vm, cpu, ipa) {
    if (!vm.fwb) vm.flushPage(cpu, ipa);
  },
  guestEntry() {},
  // With IDC the unified cache is the LoC: level 2, or level 1 when DIC leaves no instruction
  // cache to put there.
  walkView: (vm) =>
    (vm.fwb || vm.effectiveIdc) && !vm.dic ? [null, { sets: 1, ways: 1 }] : [{ sets: 1, ways: 1 }],
};

/** Xen's `v->arch.need_flush_to_ram`, per vCPU. */
const needFlushToRam = new WeakMap<RefVm, boolean[]>();

function flags(vm: RefVm): boolean[] {
  let f = needFlushToRam.get(vm);
  if (f === undefined) needFlushToRam.set(vm, f = []);
  return f;
}

/**
 * `"xen"` (and `"xen-iommu"` with `iommu`): Xen on ARM as it is today (the
 * `need_flush_to_ram` handling of set/way came with Xen 4.12; the IOMMU
 * check in `p2m_set_way_flush` is a later addition).
 *
 * - xen/arch/arm/traps.c `get_default_hcr_flags`: TSW and SWIO, no TVM;
 * - xen/arch/arm/p2m.c `p2m_set_way_flush` (from `do_sysreg` / `do_cp15_32`'s
 *   set/way cases, xen/arch/arm/vcpreg.c): if the IOMMU shares the p2m
 *   (`iommu_use_hap_pt`), `inject_undef_exception`; else, when TVM is clear,
 *   mark `need_flush_to_ram` and set TVM; no flush here;
 * - xen/arch/arm/p2m.c `p2m_toggle_cache` (the TVM_REG handlers of
 *   vcpreg.c): mark `need_flush_to_ram` when the cache state changed; clear
 *   TVM once the caches are on;
 * - xen/arch/arm/traps.c `check_for_vcpu_work` on the way back to the guest:
 *   with `need_flush_to_ram`, `p2m_flush_vm` (clean+invalidate every valid
 *   page, then `p2m_invalidate_root`: the guest's next access to any page
 *   takes a stage-2 fault that only re-validates it), then clear the flag;
 * - xen/common/page_alloc.c `alloc_heap_pages`: a page given to a domain is
 *   cleaned to RAM (`flush_page_to_ram`) once. Simplified as the model is:
 *   guest RAM is given on first touch (Xen gives it when it builds the
 *   domain), so the clean is due the first time a page is mapped for the
 *   guest, and a page re-validated after `p2m_invalidate_root` or mapped
 *   again after an unmap is not cleaned again.
 *
 * The events keep setway's names for Xen's calls (`p2m_set_way_flush`,
 * `p2m_toggle_cache`; Xen itself traces neither): the decision they carry is
 * whether `need_flush_to_ram` was marked.
 *
 * @example Usage
 * ```ts
 * import { refXen } from "./policies.ts";
 * console.log(refXen(true).name); // xen-iommu
 * ```
 * @param iommu the IOMMU shares the p2m
 * @returns the policy
 */
export function refXen(iommu: boolean): RefPolicy {
  return {
    name: iommu ? "xen-iommu" : "xen",
    hypervisor: true,
    usesFwb: false,
    reset(_vm, v) {
      v.hcr.tsw = true;
      v.hcr.swio = true;
    },
    dcsw(vm, v) {
      if (iommu) {
        vm.injectUndef(v);
        return;
      }
      if (v.hcr.tvm) return;
      flags(vm)[v.index] = true;
      v.hcr.tvm = true;
      vm.record(
        `p2m_set_way_flush v${v.index} p${v.pcpu} pc=${hex(v.pc)} cache=${cacheEnabled(v)}`,
      );
    },
    vmReg(vm, v, _reg, was) {
      const now = cacheEnabled(v);
      if (now !== was) flags(vm)[v.index] = true;
      if (now) v.hcr.tvm = false;
      vm.record(
        `p2m_toggle_cache v${v.index} p${v.pcpu} pc=${hex(v.pc)} was=${was} now=${now} ` +
          `flush=${now !== was}`,
      );
    },
    vcpuLoad() {},
    faultClean: (_v, first) => (first ? { event: "flush_page_to_ram", via: "kernel" } : null),
    unmap() {},
    guestEntry(vm, v) {
      const f = flags(vm);
      if (f[v.index] !== true) return;
      vm.p2mFlushVm(v);
      f[v.index] = false;
    },
    walkView: (_vm, physical) => physical,
  };
}

/**
 * `"trap-nothing"`: no real hypervisor; TSW and TVM clear, SWIO set, and
 * the fault path of Linux 4.0 (`coherent_cache_guest_page` when the guest's
 * caches are off).
 *
 * @example Usage
 * ```ts
 * import { refTrapNothing } from "./policies.ts";
 * console.log(refTrapNothing.hypervisor); // true
 * ```
 */
export const refTrapNothing: RefPolicy = {
  ...NOTHING,
  name: "trap-nothing",
  hypervisor: true,
  usesFwb: false,
  reset(_vm, v) {
    v.hcr.swio = true;
  },
  faultClean: (
    v,
  ) => (cacheEnabled(v) ? null : { event: "coherent_cache_guest_page", via: "kernel" }),
};

/**
 * `"native"`: bare metal; no stage 2, no traps, nothing decided.
 *
 * @example Usage
 * ```ts
 * import { refNative } from "./policies.ts";
 * console.log(refNative.hypervisor); // false
 * ```
 */
export const refNative: RefPolicy = {
  ...NOTHING,
  name: "native",
  hypervisor: false,
  usesFwb: false,
  reset() {},
  faultClean: () => null,
};

/**
 * Every built-in policy's reference, by the built-in's name.
 *
 * @example Usage
 * ```ts
 * import { REFERENCE_POLICIES } from "./policies.ts";
 * console.log(REFERENCE_POLICIES["xen"].name); // xen
 * ```
 */
export const REFERENCE_POLICIES: Readonly<Record<string, RefPolicy>> = Object.freeze({
  "kvm-4.0": refKvm40,
  "kvm-3.18": refKvm318,
  "native": refNative,
  "kvm-modern": refKvmModern,
  "xen": refXen(false),
  "xen-iommu": refXen(true),
  "trap-nothing": refTrapNothing,
  "kvm-4.0-sw-only": refKvm40SwOnly,
});
