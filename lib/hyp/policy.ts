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
import type { EventFieldValue } from "./events.ts";

/** The guest's SCTLR bits that matter to cache maintenance. */
export interface Sctlr {
  m: boolean;
  c: boolean;
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
}

/** A vCPU's state as policies see it; policies may change `hcr`. */
export interface VcpuState {
  readonly index: number;
  readonly sctlr: Readonly<Sctlr>;
  readonly hcr: Hcr;
  /** The guest PC of the instruction being handled. */
  readonly pc: number;
  /** The physical CPU the vCPU runs on now. */
  readonly pcpu: number;
  /** The physical CPU the vCPU last exited on (KVM 3.18's `last_pcpu`). */
  readonly lastPcpu: number;
}

/** One set/way instruction; `level` is 1-based. */
export interface SetWayOp {
  readonly op: DcSwOp;
  readonly level: number;
  readonly set: number;
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
  readonly reg: "SCTLR" | VmRegName;
  readonly value: number;
  /** `vcpu_has_cache_enabled` before the write. */
  readonly wasEnabled: boolean;
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
  /** Emits an event on the current vCPU. */
  emit(name: string, fields?: Record<string, EventFieldValue>): void;
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
}

/**
 * A cache-maintenance policy.
 *
 * @example Usage
 * ```ts
 * import type { Policy } from "./policy.ts";
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
  /** Creates the per-VM state. */
  state(): S;
}
