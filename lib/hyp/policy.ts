/**
 * The narrow interface between the hypervisor model and a cache-maintenance
 * policy.
 *
 * A policy is a named set of hooks. The hypervisor calls them at the points
 * where the kernel calls its own code: at vCPU reset, on a trapped set/way
 * op (`access_dcsw`), on a trapped VM-register write (`access_vm_reg`), when
 * a vCPU is loaded on a physical CPU (`kvm_arch_vcpu_load`), on a stage-2
 * fault, on an unmap, and on guest entry. Hooks act only through the
 * {@linkcode Hyp} handle, which turns each action into hardware effects and
 * events.
 *
 * @module
 */

import type { DcSwOp, VmRegName } from "../guest/ops.ts";
import type { CostOverrides } from "./costs.ts";
import type { EventFieldValue } from "./events.ts";

/** The guest's SCTLR bits that matter to cache maintenance. */
export interface Sctlr {
  /** M: stage-1 MMU enable. */
  m: boolean;
  /** C: data and unified caches enable. */
  c: boolean;
  /** I: instruction cache enable. */
  i: boolean;
}

/** The HCR trap bits setway models. */
export interface Hcr {
  /** Trap set/way cache maintenance. */
  tsw: boolean;
  /** Trap writes to the virtual-memory control registers. */
  tvm: boolean;
  /** Set/way invalidate is performed as clean+invalidate. */
  swio: boolean;
  /**
   * Trap the cache identification registers: reads of CLIDR and CCSIDR and
   * writes of CSSELR (HCR_EL2.TID2, which traps CTR_EL0 too, or TID4, which
   * does not). A set/way walk reads CLIDR, then selects and reads each data
   * level's CCSIDR, before its first S/W instruction.
   */
  tid2: boolean;
}

/** A vCPU's state as policies see it; policies may change `hcr`. */
export interface VcpuState {
  /** The vCPU's index in the VM. */
  readonly index: number;
  /** The guest's SCTLR bits. */
  readonly sctlr: Readonly<Sctlr>;
  /** The trap bits; a policy may change them. */
  readonly hcr: Hcr;
  /** The guest PC of the instruction being handled. */
  readonly pc: number;
  /** The physical CPU the vCPU runs on now. */
  readonly pcpu: number;
  /**
   * The physical CPU the vCPU last exited on (KVM 3.18's `last_pcpu`), set as
   * each exit is taken: in a trap handler it differs from `pcpu` only when
   * the vCPU was preempted and moved between the exit and the handler.
   */
  readonly lastPcpu: number;
  /**
   * Set once the guest on this vCPU took an exception it cannot handle (an
   * undefined instruction the hypervisor injected): it runs no more steps.
   */
  readonly crashed?: { readonly reason: string; readonly pc: number } | null;
}

/** One set/way instruction; `level` is 1-based. */
export interface SetWayOp {
  /** The operation: clean, clean+invalidate or invalidate. */
  readonly op: DcSwOp;
  /** The cache level, 1-based. */
  readonly level: number;
  /** The set index. */
  readonly set: number;
  /** The way index. */
  readonly way: number;
}

/** What a flush did: hardware effects the simulator performed. */
export interface FlushResult {
  /** Dirty lines written back. */
  readonly cleaned: number;
  /** Valid lines dropped. */
  readonly invalidated: number;
}

/** A trapped VM-register write, already performed on the vCPU's registers. */
export interface VmRegWrite {
  /** The register written. */
  readonly reg: "SCTLR" | VmRegName;
  /** The value written. */
  readonly value: number;
  /** `vcpu_has_cache_enabled` before the write. */
  readonly wasEnabled: boolean;
}

/**
 * The CTR_EL0 bits `reset_clidr` looks at.
 *
 * @example Usage
 * ```ts
 * import type { CtrBits } from "@setway/setway/policies";
 * const neoverse: CtrBits = { idc: true, dic: true };
 * ```
 */
export interface CtrBits {
  /** IDC: data cache clean to PoU not required for instruction-to-data coherence. */
  readonly idc: boolean;
  /** DIC: instruction cache invalidation to PoU not required. */
  readonly dic: boolean;
}

/** The hypervisor as a policy sees it. */
export interface Hyp {
  /** The vCPU the hook runs for. */
  readonly vcpu: VcpuState;
  /** Every vCPU of the VM. */
  readonly vcpus: readonly VcpuState[];
  /** Number of physical CPUs. */
  readonly pcpus: number;
  /** Whether the machine has stage-2 FWB. */
  readonly fwb: boolean;
  /**
   * IDC and DIC of the host's sanitised CTR_EL0, the same on every CPU
   * (normalized_cache.ts `sanitisedCtr`).
   */
  readonly ctr: CtrBits;
  /** `vcpu_has_cache_enabled`: SCTLR.M and SCTLR.C both set. */
  cacheEnabled(vcpu?: VcpuState): boolean;
  /** `stage2_flush_vm`: clean+invalidate by VA of every mapped page; emits the event. */
  flushVm(): FlushResult;
  /** `flush_cache_all` on the current physical CPU (local set/way, up to LoC); emits the event. */
  flushAll(): FlushResult;
  /** Performs the S/W op on the current physical CPU's cache; emits `sw_local`. */
  executeSetWayLocally(op: SetWayOp): FlushResult;
  /** Cleans (and with `invalidate`, invalidates) one guest page by VA to PoC. */
  flushPage(ipa: number, invalidate: boolean): FlushResult;
  /**
   * Xen's `p2m_flush_vm`: `stage2_flush_vm`'s clean+invalidate by VA of every
   * valid page, with the loop's preemption checks counted, then
   * `p2m_invalidate_root` (every page becomes invalid; the guest's next
   * access to it takes a stage-2 fault). Emits `p2m_flush_vm`.
   */
  p2mFlushVm(): FlushResult;
  /**
   * Injects an undefined-instruction exception at the vCPU's PC; the guest
   * cannot handle it and runs no more steps on this vCPU. Emits `undef_injected`.
   */
  injectUndef(reason: string): void;
  /**
   * Whether the run keeps events. False when every event is dropped (an
   * exploration's runs): a hook may then skip an {@linkcode Hyp.emit} and
   * the fields it would build, as the kernel's `trace_<event>_enabled()`
   * lets a caller skip a tracepoint's arguments.
   */
  readonly tracing: boolean;
  /** Emits an event on the current vCPU. */
  emit(name: string, fields?: Record<string, EventFieldValue>): void;
}

/**
 * One level of the cache geometry a guest reads from CCSIDR_EL1.
 *
 * @example Usage
 * ```ts
 * import type { GuestCacheLevel } from "@setway/setway/policies";
 * const fabricated: GuestCacheLevel = { sets: 1, ways: 1, lineSize: 64 };
 * ```
 */
export interface GuestCacheLevel {
  /** Number of sets. */
  readonly sets: number;
  /** Associativity. */
  readonly ways: number;
  /** Line size in bytes. */
  readonly lineSize: number;
}

/**
 * What CLIDR_EL1 and CCSIDR_EL1 tell a guest about its data caches: what a
 * set/way walk (`v7_flush_dcache_all`, `__flush_dcache_all`) iterates over.
 *
 * @example Usage
 * ```ts
 * import type { GuestCacheView } from "@setway/setway/policies";
 * // LoC 2, an instruction cache only at level 1, a 1-set 1-way unified level 2.
 * const view: GuestCacheView = { clidr: 0x02000021, levels: [null, { sets: 1, ways: 1, lineSize: 64 }] };
 * ```
 */
export interface GuestCacheView {
  /** CLIDR_EL1 as the guest reads it. */
  readonly clidr: number;
  /**
   * Levels 1 to LoC: the data or unified cache of the level, or null where
   * CLIDR shows none (an instruction cache only): the walk skips it.
   */
  readonly levels: readonly (GuestCacheLevel | null)[];
}

/**
 * How the stage-2 fault path makes a page coherent before the guest maps it:
 * a clean+invalidate to PoC of the page by VA.
 *
 * - `when`: `"caches-off"` on every stage-2 fault while the guest's caches
 *   are off (KVM 3.x/4.0 `coherent_cache_guest_page`); `"always"` on every
 *   stage-2 fault (modern KVM's `clean_dcache_guest_page`); `"populate"` the
 *   first time a page is mapped for the guest, whoever allocated and filled
 *   it (standing for Xen's `flush_page_to_ram` on every page it allocates to
 *   a domain, and for its toolstack's cache flush of what it loads into one,
 *   `xc_domain_cacheflush`); `"never"`.
 * - `via`: the mapping the kernel cleans through, the host kernel's own
 *   (`"kernel"`) or the VMM's user mapping of guest RAM (`"hva"`). The caches
 *   are physically tagged, so the data effect is the same; the event says
 *   which.
 * - `event`: the event name recorded. Default `"coherent_cache_guest_page"`.
 *
 * Without stage-2 FWB in force; with it, the fault path cleans nothing.
 *
 * @example Usage
 * ```ts
 * import type { FaultClean } from "@setway/setway/policies";
 * const kvm318: FaultClean = { when: "caches-off", via: "hva" };
 * ```
 */
export interface FaultClean {
  /** Which stage-2 faults clean the page. */
  readonly when: "caches-off" | "always" | "populate" | "never";
  /** The mapping the clean goes through. */
  readonly via: "kernel" | "hva";
  /** The event recorded. Default `"coherent_cache_guest_page"`. */
  readonly event?: string;
}

/** The hooks a policy may implement; `state` is the policy's per-VM state. */
export interface PolicyHooks<S> {
  /** Sets the vCPU's HCR at reset (`kvm_reset_vcpu` / `vcpu_reset_hcr`). */
  onReset?(hyp: Hyp, state: S): void;
  /** A set/way instruction trapped (HCR.TSW). */
  onSetWay?(hyp: Hyp, op: SetWayOp, state: S): void;
  /** A VM-register write trapped (HCR.TVM); the register is already written. */
  onVmRegWrite?(hyp: Hyp, write: VmRegWrite, state: S): void;
  /** The vCPU is loaded on physical CPU `hyp.vcpu.pcpu`. */
  onVcpuLoad?(hyp: Hyp, state: S): void;
  /** A stage-2 fault mapped page `ipa` (already zeroed by the host if new). */
  onStage2Fault?(hyp: Hyp, ipa: number, state: S): void;
  /** The host unmapped page `ipa` from stage 2. */
  onUnmap?(hyp: Hyp, ipa: number, state: S): void;
  /** The vCPU is about to re-enter the guest after an exit. */
  onGuestEntry?(hyp: Hyp, state: S): void;
  /**
   * The cache geometry the guest's set/way walk reads (its CLIDR/CCSIDR),
   * given what the physical CPU it runs on reports. Absent: the physical
   * view. Modern KVM presents a normalized, virtual one.
   */
  guestCacheView?(hyp: Hyp, physical: GuestCacheView, state: S): GuestCacheView;
}

/**
 * A cache-maintenance policy.
 *
 * @example Usage
 * ```ts
 * import type { Policy } from "@setway/setway";
 * const trapNothing: Policy<undefined> = {
 *   name: "trap-nothing-example",
 *   description: "TSW and TVM clear",
 *   source: "none",
 *   state: () => undefined,
 *   onReset(hyp) {
 *     hyp.vcpu.hcr.tsw = false;
 *     hyp.vcpu.hcr.tvm = false;
 *   },
 * };
 * ```
 */
export interface Policy<S = unknown> extends PolicyHooks<S> {
  /** Unique name, e.g. "kvm-4.0". */
  readonly name: string;
  /** One line for `list` and reports. */
  readonly description: string;
  /** The real code this policy models (file and function). */
  readonly source: string;
  /** Whether there is a hypervisor at all ("native" has none: no stage 2, no traps). */
  readonly native?: boolean;
  /**
   * Whether the hypervisor turns on stage-2 forced write-back when the
   * machine has it (`features.fwb`): guest accesses to RAM are then always
   * cacheable, whatever SCTLR says. Default false.
   */
  readonly usesFwb?: boolean;
  /**
   * The stage-2 fault path's cache maintenance. Default
   * `{ when: "caches-off", via: "kernel" }` (KVM 4.0).
   */
  readonly faultClean?: FaultClean;
  /**
   * The policy's cost profile: overrides of the default cost table (see
   * costs.ts), e.g. Xen's cheaper trap. A run's `costs` option beats it.
   * Default none.
   */
  readonly costs?: CostOverrides;
  /** Creates the per-VM state. */
  state(): S;
}

/**
 * The names of the hooks of {@linkcode PolicyHooks} (and `guestCacheView`), in
 * the order the hypervisor may call them: what a policy object may carry as
 * functions.
 *
 * @example Usage
 * ```ts
 * import { POLICY_HOOKS } from "./policy.ts";
 * console.log(POLICY_HOOKS.includes("onSetWay")); // true
 * ```
 */
export const POLICY_HOOKS: readonly string[] = Object.freeze([
  "onReset",
  "onSetWay",
  "onVmRegWrite",
  "onVcpuLoad",
  "onStage2Fault",
  "onUnmap",
  "onGuestEntry",
  "guestCacheView",
]);
