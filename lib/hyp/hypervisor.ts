/**
 * The hypervisor model: vCPUs, stage 2, traps, and the calls into a policy.
 *
 * The run engine drives guest instructions through a {@linkcode Hypervisor};
 * it decides what traps (HCR.TSW, HCR.TVM), handles stage-2 faults the way
 * KVM's `user_mem_abort` does (the host zeroes a new page through its
 * cacheable mapping, and cleans+invalidates the page to PoC as the policy's
 * `faultClean` says: by default when the guest's caches are off,
 * `coherent_cache_guest_page`), and calls the policy's hooks where the
 * kernel calls its own code. After every hook a change of HCR.TSW/TVM is
 * recorded as `hcr_write`. A guest's set/way walk iterates over the cache
 * geometry the policy lets it read (`guestCacheView`), and a vCPU whose
 * guest crashed (an injected undefined instruction) stops mid-walk.
 *
 * With a native policy (`native: true`) there is no hypervisor at all: no
 * stage 2, no traps, RAM reads as zero, and a host write is a loader honouring
 * the boot protocol (a cacheable write cleaned to PoC by VA).
 *
 * Each trap (`kvm_exit`) reports the exception class of the trapped
 * instruction, which depends on the vCPU's execution state
 * ({@linkcode Hypervisor.setExecState}): from AArch64, a `DC ISW/CSW/CISW`
 * or an `MSR` to a VM register is EC 0x18 (`ESR_ELx_EC_SYS64`); from
 * AArch32, a `DCISW/DCCSW/DCCISW` or a VM-register write is an `MCR` to CP15,
 * EC 0x03 (`ESR_ELx_EC_CP15_32`, HSR_EC_CP15_32 on a 32-bit host).
 *
 * With HCR.TID2 set, a set/way walk first reads the cache identification
 * registers as the kernel's walks do (`__flush_dcache_all`,
 * `v7_flush_dcache_all`): CLIDR, then for each level with a data cache a
 * CSSELR write and a CCSIDR read, each a trap (`kvm_exit` with reason
 * `cache_id`, EC 0x18 or 0x03) that KVM emulates without calling the
 * policy. Simplified: only a `sw_walk` step reads them; a program's own
 * reads (lib/binary) are answered without a trap, and the read of CTR_EL0
 * a loop by address makes for its line size, which TID2 traps too, is not
 * modelled (a `dc_va` step may be one DC instruction or a whole loop).
 *
 * Every exit (a trap, a stage-2 fault) first records the physical CPU that
 * took it as the vCPU's `lastPcpu`, as the run loop of Linux 3.18 does right
 * after the guest returns and before `handle_exit` (arch/arm/kvm/arm.c
 * `kvm_arch_vcpu_ioctl_run`). The scheduler may then preempt the vCPU and
 * move it to another CPU before the handler runs
 * ({@linkcode Hypervisor.preemptAtNextExit}): the handler then runs on the
 * new CPU, after `vcpu_load` there.
 *
 * A stage-2 fault is an exit too, taken through the same entry point as a
 * trap (`#exit`): `kvm_exit` with EC 0x24 (`DABT_LOW`) for a load, a store
 * or a DC by VA, 0x20 (`IABT_LOW`) for an instruction fetch, then
 * `kvm_guest_fault` with the syndrome and fault address KVM reads
 * (abort_syndrome.ts), as `handle_exit` → `kvm_handle_guest_abort` does
 * (arch/arm/kvm/handle_exit.c and mmu.c, Linux 4.0). Xen takes the same
 * exit (xen/arch/arm/traps.c `do_trap_guest_sync` →
 * `do_trap_stage2_abort_guest`); it is recorded under KVM's names.
 *
 * On a machine without AArch64 (`features.aarch64: false`, TC2) the host is
 * 32-bit arch/arm KVM: every exit carries `type: "HVC"`, the exception type
 * its `kvm_exit` prints (a guest's traps and stage-2 aborts all enter Hyp
 * mode through the Hyp Trap vector, whose exit code is `ARM_EXCEPTION_HVC`:
 * arch/arm/kvm/hyp/switch.c `__kvm_vcpu_run`, Linux 4.6 to 5.6, reads an
 * abort's fault information with `__populate_fault_info` for exactly that
 * code), and every vCPU starts, and stays, in AArch32.
 *
 * Simplified: IPA = PA; one VM; a vCPU is always loaded somewhere, and
 * `vcpu_put` is implied by the next `vcpu_load`; an AArch32 VM-register write
 * is always a 32-bit `MCR` (the `MCRR` of a 64-bit LPAE TTBR, EC 0x04, is not
 * modelled).
 *
 * @module
 */

import { watchPolicy } from "./watch.ts";
import type { Hardware } from "../hw/hardware.ts";
import type { DcSwOp, SctlrBits, VmRegName } from "../guest/ops.ts";
import { emitPairsOn, emitRepeatedOn, type EventSink } from "./event_sink.ts";
import type { FaultClean, GuestCacheView, Policy, SetWayOp, VmRegWrite } from "./policy.ts";
import { guardPolicy, isGuarded } from "./policies/guard.ts";
import { type SetWayShortcuts, setWayShortcutsOf } from "./set_way_shortcuts.ts";
import { PAGE_SIZE, Stage2 } from "./stage2.ts";
import { sctlrValue, Vcpu, vcpuHasCacheEnabled } from "./vcpu.ts";
import { type HypContext, HypHandle, swLocalFields } from "./handle.ts";
import { flushPageByVa, swioOp } from "./flush.ts";
import { type AbortAccess, abortClass, abortSyndrome } from "./abort_syndrome.ts";
import { walkSlot } from "../hw/walk_order.ts";

/**
 * The exception class of a trap taken from AArch64: MSR, MRS or SYS
 * (`ESR_ELx_EC_SYS64`).
 *
 * @example Usage
 * ```ts
 * import { ESR_EC_SYS64 } from "./hypervisor.ts";
 * console.log(ESR_EC_SYS64.toString(16)); // "18"
 * ```
 */
export const ESR_EC_SYS64 = 0x18;

/**
 * The exception class of a trap taken from AArch32: MCR or MRC to CP15
 * (`ESR_ELx_EC_CP15_32`; `HSR_EC_CP15_32` on a 32-bit host).
 *
 * @example Usage
 * ```ts
 * import { ESR_EC_CP15_32 } from "./hypervisor.ts";
 * console.log(ESR_EC_CP15_32); // 3
 * ```
 */
export const ESR_EC_CP15_32 = 0x03;

/** The fields of one `kvm_exit`: the handler's name, the exception class, the host's type. */
type ExitFields = { readonly reason: string; readonly ec: number; readonly type?: string };

/** The exit fields of each kind of exit on one kind of host: shared, never allocated per exit. */
interface ExitTable {
  readonly dcsw: ExitFields;
  readonly vmReg: ExitFields;
  readonly dcsw32: ExitFields;
  readonly vmReg32: ExitFields;
  readonly cacheId: ExitFields;
  readonly cacheId32: ExitFields;
  readonly dabt: ExitFields;
  readonly iabt: ExitFields;
}

/** The exit fields on a host of one kind (`type` is set on a 32-bit host only). */
function exitTable(type: string | null): ExitTable {
  const f = (reason: string, ec: number): ExitFields =>
    Object.freeze(type === null ? { reason, ec } : { reason, ec, type });
  return Object.freeze({
    dcsw: f("dcsw", ESR_EC_SYS64),
    vmReg: f("vm_reg", ESR_EC_SYS64),
    dcsw32: f("dcsw", ESR_EC_CP15_32),
    vmReg32: f("vm_reg", ESR_EC_CP15_32),
    cacheId: f("cache_id", ESR_EC_SYS64),
    cacheId32: f("cache_id", ESR_EC_CP15_32),
    dabt: f("dabt", abortClass("read")),
    iabt: f("iabt", abortClass("fetch")),
  });
}

/** An arm64 host: every exit is an `ARM_EXCEPTION_TRAP`, printed by default. */
const EXITS_ARM64 = exitTable(null);
/** A 32-bit arch/arm host: every exit of a guest is an `ARM_EXCEPTION_HVC`. */
const EXITS_ARM = exitTable("HVC");

/** The fault-path maintenance of a policy that does not say (KVM 4.0's). */
const DEFAULT_FAULT_CLEAN: FaultClean = Object.freeze({ when: "caches-off", via: "kernel" });

/**
 * A copy of a VM's state between two steps: what {@linkcode Hypervisor.saveImage}
 * makes and {@linkcode Hypervisor.loadImage} puts back. Stage 2 is not
 * copied: an image is only made of a VM whose RAM is all mapped and
 * populated (prefaulted, or native), and loading it maps it all again.
 *
 * @example Usage
 * ```ts
 * import type { HypervisorImage } from "./hypervisor.ts";
 * const image: HypervisorImage | null = null;
 * console.log(image); // null
 * ```
 */
export interface HypervisorImage {
  /** Per vCPU, its fields (see {@linkcode Vcpu}) as numbers, {@linkcode VCPU_FIELDS} each. */
  readonly vcpus: Float64Array;
  /** Per vCPU, its crash (immutable) or null. */
  readonly crashed: ({ readonly reason: string; readonly pc: number } | null)[];
  /** The policy's state, copied (plain data). */
  readonly state: unknown;
  /** The pending preemptions. */
  readonly preemptTo: Int32Array;
}

/**
 * Numbers per vCPU in {@linkcode HypervisorImage.vcpus}: SCTLR and HCR bits,
 * execution state and ever cached as bits; PC; CPU; last CPU.
 *
 * @example Usage
 * ```ts
 * import { VCPU_FIELDS } from "./hypervisor.ts";
 * console.log(VCPU_FIELDS); // 4
 * ```
 */
export const VCPU_FIELDS = 4;

/**
 * The results of a trapped walk's slots, as `Hardware.setWayRunsDownFrom`
 * gives them: triples (slots, cleaned, invalidated), looked up by the
 * slot's place in the walk.
 */
class SlotRuns {
  readonly #runs: readonly number[];
  /** The triple of the slot last looked up, and the place of its first slot. */
  #at = 0;
  #start = 0;

  constructor(runs: readonly number[]) {
    this.#runs = runs;
  }

  /** The offset of the triple of the `i`th slot; in order, each lookup costs O(1). */
  runOf(i: number): number {
    const runs = this.#runs;
    if (i < this.#start) this.#at = this.#start = 0;
    while (i >= this.#start + runs[this.#at]) {
      this.#start += runs[this.#at];
      this.#at += 3;
    }
    return this.#at;
  }

  /** The sum of counter `k` (1: cleaned, 2: invalidated) over slots `from` to `to - 1`. */
  sum(k: 1 | 2, from: number, to: number): number {
    const runs = this.#runs;
    let total = 0;
    for (let r = 0, start = 0; r < runs.length && start < to; r += 3) {
      const end = start + runs[r];
      const n = Math.min(end, to) - Math.max(start, from);
      if (n > 0) total += n * runs[r + k];
      start = end;
    }
    return total;
  }
}

/**
 * Copies one VM's pending preemptions into another's array (as many
 * vCPUs): a loop, not `set`, since an exploration does it at every image it
 * saves or puts back, on an entry per vCPU, and the builtin's generic entry
 * costs more than the copy.
 */
function copyTargets(from: Int32Array, to: Int32Array): void {
  for (let i = 0; i < from.length; i++) to[i] = from[i];
}

/** What {@linkcode copyPlain} returns for a value that is not plain data. */
const NOT_PLAIN: unique symbol = Symbol("not plain data");

/**
 * A deep copy of plain data (primitives, arrays, typed arrays, objects whose
 * prototype is Object.prototype or null, without accessors), or
 * {@linkcode NOT_PLAIN}: such a copy behaves as the original under any code
 * that only reads and writes its properties.
 */
function copyPlain(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") {
    return typeof value === "function" || typeof value === "symbol" ? NOT_PLAIN : value;
  }
  if (depth > 16) return NOT_PLAIN;
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView) return NOT_PLAIN;
    return (value as unknown as { slice(): unknown }).slice();
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue; // a hole stays a hole
      const c = copyPlain(value[i], depth + 1);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out[i] = c;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  if (!Object.isExtensible(value) || Object.getOwnPropertySymbols(value).length > 0) {
    return NOT_PLAIN;
  }
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.getOwnPropertyNames(value)) {
    const d = Object.getOwnPropertyDescriptor(value, key)!;
    if (!("value" in d) || !d.writable || !d.enumerable) return NOT_PLAIN;
    const c = copyPlain(d.value, depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[key] = c;
  }
  return out;
}

/**
 * How to build a {@linkcode Hypervisor}.
 *
 * @example Usage
 * ```ts
 * import { Hypervisor } from "./hypervisor.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { kvm40 } from "@setway/setway";
 * import { NULL_SINK } from "./event_sink.ts";
 * const hyp = new Hypervisor({
 *   hardware: new Hardware(generic), policy: kvm40, vcpus: 1,
 *   ramBase: 0x40000000, ram: 1 << 20, prefault: false, sink: NULL_SINK,
 * });
 * hyp.reset();
 * hyp.sctlrWrite(hyp.vcpus[0], { m: true, c: true });
 * console.log(hyp.vcpus[0].hcr.tvm); // false: caches on, VM registers no longer trapped
 * ```
 */
export interface HypervisorOptions {
  /** The hardware model. */
  readonly hardware: Hardware;
  /** The cache-maintenance policy. */
  readonly policy: Policy;
  /** Number of vCPUs; vCPU i starts on physical CPU i. */
  readonly vcpus: number;
  /** First guest physical address of RAM. */
  readonly ramBase: number;
  /** RAM size in bytes. */
  readonly ram: number;
  /**
   * Map and populate all RAM before the guest starts. Models a VMM whose
   * preallocated memory was cleaned long ago: RAM reads as zero in DRAM and
   * nothing is resident in any cache.
   */
  readonly prefault: boolean;
  /** Where events go. */
  readonly sink: EventSink;
  /** The guest PC every vCPU starts at. Default `ramBase`. */
  readonly entry?: number;
}

/**
 * One VM on the hardware model, under one policy.
 *
 * @example Usage
 * ```ts
 * import { Hypervisor } from "./hypervisor.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { kvm40 } from "@setway/setway";
 * import { NULL_SINK } from "./event_sink.ts";
 * const hyp = new Hypervisor({
 *   hardware: new Hardware(generic), policy: kvm40, vcpus: 1,
 *   ramBase: 0x40000000, ram: 1 << 20, prefault: false, sink: NULL_SINK,
 * });
 * hyp.reset();
 * hyp.sctlrWrite(hyp.vcpus[0], { m: true, c: true });
 * console.log(hyp.vcpus[0].hcr.tvm); // false: caches on, VM registers no longer trapped
 * ```
 */
export class Hypervisor {
  /** The hardware model. */
  readonly hardware: Hardware;
  /** The policy. */
  readonly policy: Policy;
  /** The VM's vCPUs. */
  readonly vcpus: readonly Vcpu[];
  /** Stage-2 mappings and host allocations. */
  readonly stage2: Stage2;
  /** False for a native policy: no stage 2, no traps. */
  readonly stage2Enabled: boolean;
  /** Stage-2 FWB in force: guest accesses to RAM are always cacheable. */
  readonly forcesWriteBack: boolean;
  /** The host is 32-bit arch/arm KVM (a machine without AArch64): guests run in AArch32. */
  readonly hostAarch32: boolean;
  readonly #sink: EventSink;
  /** The built-in policy's set/way shortcuts (set_way_shortcuts.ts); none for a user policy. */
  readonly #shortcuts: SetWayShortcuts | undefined;
  #state: unknown;
  readonly #handles: HypHandle[];
  readonly #hostHandles: HypHandle[] = [];
  readonly #ctx: HypContext;
  readonly #faultClean: FaultClean;
  readonly #exitFields: ExitTable;
  /** With `faultClean.when === "populate"`: a bit per RAM page ever mapped for the guest. */
  readonly #everMapped: Uint32Array | null;
  /** Per vCPU: the CPU the scheduler moves it to at its next exit, before the handler; -1: none. */
  readonly #preemptTo: Int32Array;
  /** What the constructor was given that {@linkcode Hypervisor.restart} needs again. */
  readonly #built: { readonly entry: number; readonly prefault: boolean; readonly sink: EventSink };

  /**
   * Builds the VM: vCPUs in their reset state, stage 2 empty (or all
   * mapped when prefaulted), the policy's state created.
   * @param options the VM to build
   */
  constructor(options: HypervisorOptions) {
    const { hardware, sink } = options;
    const policy = guardPolicy(options.policy);
    this.hardware = hardware;
    // In a watched worker, each hook publishes its name while it runs (watch.ts).
    this.policy = watchPolicy(policy);
    this.#shortcuts = setWayShortcutsOf(policy);
    this.#sink = sink;
    this.stage2Enabled = policy.native !== true;
    const fwb = hardware.machine.features?.fwb === true;
    this.forcesWriteBack = this.stage2Enabled && fwb && policy.usesFwb === true;
    this.#faultClean = policy.faultClean ?? DEFAULT_FAULT_CLEAN;
    this.hostAarch32 = hardware.machine.features?.aarch64 === false;
    this.#exitFields = this.hostAarch32 ? EXITS_ARM : EXITS_ARM64;
    const entry = options.entry ?? options.ramBase;
    this.#built = { entry, prefault: options.prefault, sink };
    const vcpus: Vcpu[] = [];
    // A user policy's HCR writes are checked; the built-in ones are known to write booleans.
    const checked = isGuarded(policy);
    for (let i = 0; i < options.vcpus; i++) {
      const v = new Vcpu(i, entry, checked);
      v.aarch32 = this.hostAarch32;
      vcpus.push(v);
    }
    this.vcpus = vcpus;
    this.stage2 = new Stage2(options.ramBase, options.ram);
    this.#ctx = { hardware, stage2: this.stage2, vcpus, sink, fwb };
    this.#handles = vcpus.map((v) => new HypHandle(this.#ctx, v, null));
    this.#state = this.policy.state();
    this.#preemptTo = new Int32Array(options.vcpus).fill(-1);
    this.#everMapped = this.#faultClean.when === "populate"
      ? new Uint32Array(Math.ceil(this.stage2.pages / 32))
      : null;
    this.#prefault();
  }

  /**
   * Puts the VM back in the state the constructor left it in, on the same
   * hardware (whose caches the caller empties): every vCPU in its reset
   * state, stage 2 empty (or all mapped, and RAM zeroed in DRAM, when
   * prefaulted), the policy's state made anew, no preemption pending. A run
   * on a restarted VM is the run on a new one, without building the vCPUs,
   * their handles and stage 2 again (exploration runs millions of short
   * programs; tests/explore/reused_hardware_test.ts compares the two).
   *
   * @example Usage
   * ```ts
   * import { Hypervisor } from "./hypervisor.ts";
   * import { Hardware } from "../hw/hardware.ts";
   * import { generic } from "../machines/mod.ts";
   * import { NULL_SINK } from "./event_sink.ts";
   * import { policies } from "./policies/mod.ts";
   * const hyp = new Hypervisor({
   *   hardware: new Hardware(generic), policy: policies["kvm-4.0"], vcpus: 1,
   *   ramBase: 0x40000000, ram: 0x100000, prefault: false, sink: NULL_SINK,
   * });
   * hyp.guestAccess(hyp.vcpus[0], 0x40000000);
   * hyp.restart();
   * console.log(hyp.stage2.mappedPages); // 0
   * ```
   * @param sink the sink the next run's events go to: the one the VM was built with
   * @returns this VM
   * @throws {Error} when `sink` is not the VM's own
   */
  restart(sink: EventSink = this.#built.sink): this {
    if (sink !== this.#built.sink) throw new Error("Hypervisor.restart: a VM keeps its sink");
    for (const v of this.vcpus) v.reset(this.#built.entry, this.hostAarch32);
    this.stage2.clear();
    this.#everMapped?.fill(0);
    this.#state = this.policy.state();
    const preemptTo = this.#preemptTo;
    for (let i = 0; i < preemptTo.length; i++) preemptTo[i] = -1;
    this.#prefault();
    return this;
  }

  /**
   * A copy of the VM's state between two steps (vCPUs, the policy's state,
   * pending preemptions), or null when it cannot be put back exactly: stage
   * 2 not all mapped and populated, RAM not prefaulted (stage 2 and the
   * pages ever mapped would then need copying too), or a policy state that
   * is not plain data (a copy of anything else may not behave as the
   * original). The hardware's state is the caller's (`Hardware.saveImage`).
   *
   * @example Usage
   * ```ts
   * import { Hypervisor } from "./hypervisor.ts";
   * import { Hardware } from "../hw/hardware.ts";
   * import { generic } from "../machines/mod.ts";
   * import { NULL_SINK } from "./event_sink.ts";
   * import { policies } from "./policies/mod.ts";
   * const hyp = new Hypervisor({
   *   hardware: new Hardware(generic), policy: policies["xen"], vcpus: 1,
   *   ramBase: 0x40000000, ram: 0x100000, prefault: true, sink: NULL_SINK,
   * });
   * hyp.reset();
   * const image = hyp.saveImage()!;
   * hyp.sctlrWrite(hyp.vcpus[0], { m: true, c: true });
   * hyp.loadImage(image);
   * console.log(hyp.vcpus[0].sctlr.m); // false
   * ```
   * @param into an image of a VM with as many vCPUs to write over (an
   *   exploration saves one per parent), instead of a new one; left as it
   *   was when the result is null
   * @returns the image (`into` when given), or null
   */
  saveImage(into?: HypervisorImage): HypervisorImage | null {
    if (this.stage2Enabled && !this.#built.prefault) return null;
    const s2 = this.stage2;
    if (s2.mappedPages !== s2.pages || s2.populatedPages !== s2.pages) return null;
    const state = copyPlain(this.#state);
    if (state === NOT_PLAIN) return null;
    const n = this.vcpus.length;
    const image: { -readonly [K in keyof HypervisorImage]: HypervisorImage[K] } =
      into !== undefined && into.vcpus.length === n * VCPU_FIELDS && into.preemptTo.length === n
        ? into
        : {
          vcpus: new Float64Array(n * VCPU_FIELDS),
          crashed: [],
          state,
          preemptTo: new Int32Array(n),
        };
    const { vcpus, crashed } = image;
    for (const v of this.vcpus) {
      const o = v.index * VCPU_FIELDS;
      vcpus[o] = (v.sctlr.m ? 1 : 0) | (v.sctlr.c ? 2 : 0) | (v.sctlr.i ? 4 : 0) |
        (v.hcr.tsw ? 8 : 0) | (v.hcr.tvm ? 16 : 0) | (v.hcr.swio ? 32 : 0) |
        (v.aarch32 ? 64 : 0) | (v.everCached ? 128 : 0) | (v.hcr.tid2 ? 256 : 0);
      vcpus[o + 1] = v.pc;
      vcpus[o + 2] = v.pcpu;
      vcpus[o + 3] = v.lastPcpu;
      crashed[v.index] = v.crashed;
    }
    crashed.length = n;
    image.state = state;
    copyTargets(this.#preemptTo, image.preemptTo);
    return image;
  }

  /**
   * Puts the VM back in the state {@linkcode Hypervisor.saveImage} saw:
   * vCPUs, a fresh copy of the policy's state, pending preemptions, and
   * stage 2 all mapped. The next step then does what it did then (on
   * hardware put back with `Hardware.loadImage`).
   *
   * @param image an image of this VM
   */
  loadImage(image: HypervisorImage): void {
    for (const v of this.vcpus) {
      const o = v.index * VCPU_FIELDS;
      const bits = image.vcpus[o];
      v.sctlr.m = (bits & 1) !== 0;
      v.sctlr.c = (bits & 2) !== 0;
      v.sctlr.i = (bits & 4) !== 0;
      v.hcr.tsw = (bits & 8) !== 0;
      v.hcr.tvm = (bits & 16) !== 0;
      v.hcr.swio = (bits & 32) !== 0;
      v.aarch32 = (bits & 64) !== 0;
      v.everCached = (bits & 128) !== 0;
      v.hcr.tid2 = (bits & 256) !== 0;
      v.pc = image.vcpus[o + 1];
      v.pcpu = image.vcpus[o + 2];
      v.lastPcpu = image.vcpus[o + 3];
      v.crashed = image.crashed[v.index];
    }
    this.#state = copyPlain(image.state);
    copyTargets(image.preemptTo, this.#preemptTo);
    const s2 = this.stage2;
    if (s2.mappedPages !== s2.pages || s2.populatedPages !== s2.pages) s2.mapAll();
  }

  /** Natively or when prefaulted: RAM zeroed in DRAM and all of it mapped at stage 2. */
  #prefault(): void {
    if (this.stage2Enabled && !this.#built.prefault) return;
    this.hardware.memory.zeroFill(this.stage2.ramBase, this.stage2.ram);
    this.stage2.mapAll();
    this.#everMapped?.fill(0xffffffff);
  }

  /**
   * The policy's per-VM state, as its `state()` made it and its hooks have
   * changed it since: what an exploration hashes to tell VMs apart.
   *
   * @example Usage
   * ```ts
   * import { Hypervisor } from "./hypervisor.ts";
   * import { Hardware } from "../hw/hardware.ts";
   * import { generic } from "../machines/mod.ts";
   * import { NULL_SINK } from "./event_sink.ts";
   * import { policies } from "./policies/mod.ts";
   * const hyp = new Hypervisor({
   *   hardware: new Hardware(generic), policy: policies["xen"], vcpus: 1,
   *   ramBase: 0x40000000, ram: 0x100000, prefault: true, sink: NULL_SINK,
   * });
   * console.log(typeof hyp.policyState); // object
   * ```
   * @returns the state object (not a copy)
   */
  get policyState(): unknown {
    return this.#state;
  }

  /** Resets every vCPU (`onReset`) and loads it on its first physical CPU. */
  reset(): void {
    if (!this.stage2Enabled) return;
    for (const v of this.vcpus) {
      const { tsw, tvm } = v.hcr;
      this.policy.onReset?.(this.#handles[v.index], this.#state);
      this.#hcrChanged(v, tsw, tvm);
    }
    for (const v of this.vcpus) this.#load(v);
  }

  /**
   * Whether a guest data access of `vcpu` goes through the caches now.
   * @param vcpu the vCPU
   * @returns SCTLR.M && SCTLR.C, or true under stage-2 FWB
   */
  cacheable(vcpu: Vcpu): boolean {
    return this.forcesWriteBack || vcpuHasCacheEnabled(vcpu.sctlr);
  }

  /**
   * Makes sure the page holding `addr` is mapped for a guest access (read,
   * write, DC by VA, instruction fetch), taking the stage-2 fault path if it
   * is not: an exit (`kvm_exit`, DABT_LOW or IABT_LOW), `kvm_guest_fault`
   * with the syndrome of `access`, the page made ready, and back to the guest.
   * @param vcpu the accessing vCPU
   * @param addr the guest physical address (for a fetch, the PC)
   * @param access what the guest does there; default `"read"`
   */
  guestAccess(vcpu: Vcpu, addr: number, access: AbortAccess = "read"): void {
    if (this.stage2.isMapped(addr)) return;
    this.#fault(vcpu, addr, access);
  }

  /**
   * The VMM writes one word of guest RAM on physical CPU `cpu`.
   * @param cpu the host's physical CPU
   * @param addr the guest physical address
   * @param value the 32-bit value
   */
  hostWrite(cpu: number, addr: number, value: number): void {
    const hw = this.hardware;
    if (!this.stage2Enabled) {
      hw.write(cpu, addr, value, true);
      hw.dcByVa("cvac", cpu, addr);
    } else {
      this.#populate(null, cpu, this.stage2.pageBase(addr));
      hw.write(cpu, addr, value, true);
    }
    this.#sink.emit("host_write", null, cpu, null, { addr, value });
  }

  /**
   * The host unmaps the page holding `addr` from stage 2 (records
   * `kvm_unmap_hva`; the policy's `onUnmap` runs if the page was mapped).
   * No effect without stage 2.
   * @param cpu the host's physical CPU
   * @param addr any address in the page
   */
  hostUnmap(cpu: number, addr: number): void {
    if (!this.stage2Enabled) return;
    const ipa = this.stage2.pageBase(addr);
    const wasMapped = this.stage2.unmap(ipa);
    this.#sink.emit("kvm_unmap_hva", null, cpu, null, { ipa, mapped: wasMapped });
    const hook = this.policy.onUnmap;
    if (wasMapped && hook) {
      const v = this.vcpus[0];
      const { tsw, tvm } = v.hcr;
      hook.call(this.policy, this.#hostHandle(cpu), ipa, this.#state);
      this.#hcrChanged(v, tsw, tvm);
    }
  }

  /**
   * How DC IVAC from the guest is performed: as clean+invalidate under stage 2.
   * @returns the operation the hardware performs
   */
  ivacPerformedAs(): "ivac" | "civac" {
    return this.stage2Enabled ? "civac" : "ivac";
  }

  /**
   * One set/way instruction from the guest: trapped when HCR.TSW is set,
   * whatever its operand (KVM's `access_dcsw` never decodes it), otherwise
   * performed on the vCPU's physical CPU (invalidate upgraded by SWIO). A
   * slot the CPU does not have is CONSTRAINED UNPREDICTABLE on hardware,
   * modelled as doing nothing.
   * @param vcpu the vCPU
   * @param op the instruction
   */
  setWay(vcpu: Vcpu, op: SetWayOp): void {
    if (this.#trapsSetWay(vcpu)) {
      this.#trapSetWay(vcpu, op);
    } else if (this.#hasSlot(vcpu.pcpu, op)) {
      const performed = swioOp(op.op, vcpu.hcr.swio);
      this.hardware.dcBySetWay(vcpu.pcpu, performed, op.level, op.set, op.way);
    }
  }

  /**
   * Whether a set/way instruction of `vcpu` traps now (stage 2 and HCR.TSW).
   * @param vcpu the vCPU
   * @returns true when it traps to the hypervisor
   */
  trapsSetWay(vcpu: Vcpu): boolean {
    return this.#trapsSetWay(vcpu);
  }

  /**
   * The cache geometry a set/way walk of `vcpu` reads from CLIDR/CCSIDR: what
   * its physical CPU reports, or what the policy's `guestCacheView` makes of
   * it (modern KVM's normalized view).
   * @param vcpu the vCPU
   * @returns CLIDR and the data-cache geometry of each level up to LoC
   */
  guestCacheView(vcpu: Vcpu): GuestCacheView {
    const physical = this.#physicalView(vcpu.pcpu);
    const hook = this.policy.guestCacheView;
    if (!this.stage2Enabled || hook === undefined) return physical;
    return hook.call(this.policy, this.#handles[vcpu.index], physical, this.#state);
  }

  /**
   * A whole set/way walk: every set and way of every level up to LoC as the
   * vCPU reads them ({@linkcode Hypervisor.guestCacheView}), one instruction
   * each in the order of the kernel's loops (hw/walk_order.ts: sets and ways
   * counted down), trapped one by one when HCR.TSW is set; otherwise performed on the
   * vCPU's physical CPU (in one go, O(resident), when the guest sees the
   * physical geometry; slot by slot otherwise, skipping slots the CPU does not
   * have). A trapped walk stops when the guest crashes. With HCR.TID2 the
   * walk's reads of CLIDR, CSSELR and CCSIDR trap first.
   * @param vcpu the vCPU
   * @param op the S/W operation
   */
  setWayWalk(vcpu: Vcpu, op: DcSwOp): void {
    if (this.stage2Enabled && vcpu.hcr.tid2) this.#readCacheIds(vcpu);
    if (vcpu.crashed !== null) return;
    const hw = this.hardware;
    const trapped = this.#trapsSetWay(vcpu);
    const hook = this.stage2Enabled ? this.policy.guestCacheView : undefined;
    if (!trapped && hook === undefined) {
      hw.setWayAll(vcpu.pcpu, swioOp(op, vcpu.hcr.swio));
      return;
    }
    const levels = this.guestCacheView(vcpu).levels;
    const meter = hw.meter; // a policy's view may make a walk of any length
    let left = 0;
    for (const g of levels) if (g !== null) left += g.sets * g.ways;
    this.#sink.foldWalk?.(true);
    try {
      for (let level = 1; level <= levels.length; level++) {
        const g = levels[level - 1];
        if (g === null) continue;
        const slots = g.sets * g.ways;
        for (let i = 0; i < slots;) {
          if (vcpu.crashed !== null) return;
          const slot = walkSlot(i, slots);
          // A shortcut stands for exits the scheduler leaves alone: not while
          // a preemption between the next exit and its handler is pending.
          if (this.#trapsSetWay(vcpu) && this.#preemptTo[vcpu.index] < 0) {
            if (this.#policyAsks(this.#shortcuts?.setWayIdle, vcpu)) {
              // Every slot left would only exit: record them at once.
              this.#exits(vcpu, this.#dcswExit(vcpu), left);
              return;
            }
            if (hook === undefined && this.#policyAsks(this.#shortcuts?.setWayLocal, vcpu)) {
              // Every slot left would be its exit, then what the shortcut's contract
              // says the hook does: executeSetWayLocally (kvm-3.18's access_dcsw,
              // arch/arm/kvm/coproc.c). The rest of the level at once.
              this.#localSlots(vcpu, op, level, g.ways, slot);
              meter.work(slot + 1);
              i += slot + 1;
              left -= slot + 1;
              continue;
            }
          }
          this.setWay(vcpu, { op, level, set: Math.floor(slot / g.ways), way: slot % g.ways });
          meter.work(1);
          i++;
          left--;
        }
      }
    } finally {
      this.#sink.foldWalk?.(false);
    }
  }

  /**
   * The walk's reads of the cache identification registers under HCR.TID2:
   * CLIDR, then CSSELR and CCSIDR for each level with a data cache, each
   * trapped and emulated (arch/arm64/kvm/sys_regs.c `access_clidr`,
   * `access_csselr`, `access_ccsidr`, Linux 6.3 on).
   */
  #readCacheIds(vcpu: Vcpu): void {
    let reads = 1;
    for (const g of this.guestCacheView(vcpu).levels) if (g !== null) reads += 2;
    for (let i = 0; i < reads; i++) {
      this.#exit(vcpu, vcpu.aarch32 ? this.#exitFields.cacheId32 : this.#exitFields.cacheId);
      this.#enter(vcpu);
      if (vcpu.crashed !== null) return;
    }
  }

  /** Calls one of the built-in policy's set/way shortcuts; false when it has none. */
  #policyAsks(
    predicate: ((hyp: HypHandle, state: unknown) => boolean) | undefined,
    vcpu: Vcpu,
  ): boolean {
    return predicate !== undefined &&
      predicate.call(this.#shortcuts, this.#handles[vcpu.index], this.#state);
  }

  /**
   * The trapped slots from slot `from` down to the level's first, in walk
   * order, under a policy that performs each locally: the hardware performs
   * them (`Hardware.setWayRunsDownFrom`, as one `dcBySetWay` each), and each
   * slot is an exit and a `sw_local` with its own result, as
   * `executeSetWayLocally` records it, all given to the sink at once.
   * Simplified: the level's cache work comes before its events, so a run
   * that would exceed its event budget with those events (only possible
   * with `collapse: false`, or at the level's first slot) and its page
   * budget with that work is stopped by the page budget, where slot by
   * slot it may have been the event budget.
   */
  #localSlots(vcpu: Vcpu, op: DcSwOp, level: number, ways: number, from: number): void {
    const exit = { name: "kvm_exit", fields: this.#dcswExit(vcpu) };
    const performed = swioOp(op, vcpu.hcr.swio);
    const runs = this.hardware.setWayRunsDownFrom(vcpu.pcpu, level, performed, from);
    const results = new SlotRuns(runs);
    const fieldsAt = (i: number) => {
      const slot = from - i;
      const r = results.runOf(i);
      return swLocalFields(
        performed,
        level,
        Math.floor(slot / ways),
        slot % ways,
        runs[r + 1],
        runs[r + 2],
      );
    };
    const sumOf = (key: string, start: number, end: number) =>
      results.sum(key === "cleaned" ? 1 : 2, start, end);
    const second = { name: "sw_local", fieldsAt, sumOf };
    emitPairsOn(this.#sink, vcpu.index, vcpu.pcpu, vcpu.pc, exit, second, from + 1);
    this.#exited(vcpu);
  }

  #dcswExit(vcpu: Vcpu): ExitFields {
    return vcpu.aarch32 ? this.#exitFields.dcsw32 : this.#exitFields.dcsw;
  }

  #vmRegExit(vcpu: Vcpu): ExitFields {
    return vcpu.aarch32 ? this.#exitFields.vmReg32 : this.#exitFields.vmReg;
  }

  /**
   * A guest write to SCTLR: the given bits replace the old ones. Trapped
   * (`kvm_exit`, then the policy's `onVmRegWrite`) when HCR.TVM is set.
   * @param vcpu the vCPU
   * @param bits the bits written
   */
  sctlrWrite(vcpu: Vcpu, bits: SctlrBits): void {
    const wasEnabled = vcpuHasCacheEnabled(vcpu.sctlr);
    const trapped = this.#trapsVm(vcpu);
    if (trapped) this.#exit(vcpu, this.#vmRegExit(vcpu));
    const s = vcpu.sctlr;
    if (bits.m !== undefined) s.m = bits.m;
    if (bits.c !== undefined) s.c = bits.c;
    if (bits.i !== undefined) s.i = bits.i;
    if (vcpuHasCacheEnabled(s)) vcpu.everCached = true;
    if (this.#sink.enabled) {
      this.#sink.emit("sctlr_write", vcpu.index, vcpu.pcpu, vcpu.pc, { m: s.m, c: s.c, i: s.i });
    }
    if (trapped) {
      this.#onVmRegWrite(vcpu, { reg: "SCTLR", value: sctlrValue(s), wasEnabled });
      this.#enter(vcpu);
    }
  }

  /**
   * A guest write to another VM register, trapped when HCR.TVM is set.
   * @param vcpu the vCPU
   * @param reg the register
   * @param value the 32-bit value
   */
  vmRegWrite(vcpu: Vcpu, reg: VmRegName, value: number): void {
    const wasEnabled = vcpuHasCacheEnabled(vcpu.sctlr);
    const trapped = this.#trapsVm(vcpu);
    if (trapped) this.#exit(vcpu, this.#vmRegExit(vcpu));
    if (this.#sink.enabled) {
      this.#sink.emit("vm_reg_write", vcpu.index, vcpu.pcpu, vcpu.pc, { reg, value });
    }
    if (trapped) {
      this.#onVmRegWrite(vcpu, { reg, value, wasEnabled });
      this.#enter(vcpu);
    }
  }

  /** The policy's `onVmRegWrite` for a trapped write, and the HCR change it makes. */
  #onVmRegWrite(vcpu: Vcpu, write: VmRegWrite): void {
    const hook = this.policy.onVmRegWrite;
    if (hook === undefined) return;
    const { tsw, tvm } = vcpu.hcr;
    hook.call(this.policy, this.#handles[vcpu.index], write, this.#state);
    this.#hcrChanged(vcpu, tsw, tvm);
  }

  /**
   * Sets the execution state of `vcpu`'s EL1, as the VMM does when it
   * initialises the vCPU (`KVM_ARM_VCPU_EL1_32BIT`): it decides the
   * exception class of the vCPU's later traps. Nothing else changes and no
   * event is recorded.
   * @param vcpu the vCPU
   * @param aarch32 true for AArch32, false for AArch64
   */
  setExecState(vcpu: Vcpu, aarch32: boolean): void {
    vcpu.aarch32 = aarch32;
  }

  /**
   * The host scheduler moves `vcpu` to physical CPU `pcpu` between two of
   * its instructions, and `vcpu_load` runs on the new one. `lastPcpu` stays
   * the CPU of the vCPU's last exit: the kernel sets `last_pcpu` only when
   * an exit is taken (arch/arm/kvm/arm.c `kvm_arch_vcpu_ioctl_run`, Linux
   * 3.18), so the next exit, on the new CPU, is the one that updates it.
   * Without a hypervisor the instruction stream simply continues on the
   * other CPU (the OS moved the thread): no `vcpu_load`, no policy.
   * @param vcpu the vCPU
   * @param pcpu the new physical CPU
   */
  migrate(vcpu: Vcpu, pcpu: number): void {
    const from = vcpu.pcpu;
    this.#sink.emit("migrate", vcpu.index, from, vcpu.pc, { from, to: pcpu });
    vcpu.pcpu = pcpu;
    if (this.stage2Enabled) this.#load(vcpu);
  }

  /**
   * The scheduler's choice to preempt `vcpu` at its next exit, between the
   * exit and its handler, and move it to physical CPU `pcpu`: the exit is
   * taken (and `lastPcpu` set) on the current CPU, then `migrate` is
   * recorded with `reason: "preempt"`, `vcpu_load` runs on `pcpu`
   * (`kvm_arch_vcpu_put` is implied), and the handler runs there. This is
   * the window Linux 3.18's `access_dcsw` (arch/arm/kvm/coproc.c) guards
   * against with its "long way around", `flush_cache_all`, when the CPU it
   * runs on is not `last_pcpu`. The choice holds until that exit, or until
   * {@linkcode Hypervisor.cancelPreemption}. No effect without a hypervisor.
   * @param vcpu the vCPU
   * @param pcpu the physical CPU the handler runs on
   */
  preemptAtNextExit(vcpu: Vcpu, pcpu: number): void {
    if (this.stage2Enabled) this.#preemptTo[vcpu.index] = pcpu;
  }

  /**
   * Drops a preemption chosen with {@linkcode Hypervisor.preemptAtNextExit}
   * that no exit has taken yet.
   * @param vcpu the vCPU
   */
  cancelPreemption(vcpu: Vcpu): void {
    this.#preemptTo[vcpu.index] = -1;
  }

  #trapsSetWay(vcpu: Vcpu): boolean {
    return this.stage2Enabled && vcpu.hcr.tsw;
  }

  #hasSlot(cpu: number, op: SetWayOp): boolean {
    return this.hardware.hasSlot(cpu, op.level, op.set, op.way);
  }

  /** What CLIDR/CCSIDR of physical CPU `cpu` report: every level has a data or unified cache. */
  #physicalView(cpu: number): GuestCacheView {
    const hw = this.hardware;
    const levels = [];
    for (let level = 1, n = hw.levels(cpu); level <= n; level++) {
      levels.push(hw.geometry(cpu, level));
    }
    return { clidr: hw.clidr(cpu), levels };
  }

  #trapsVm(vcpu: Vcpu): boolean {
    return this.stage2Enabled && vcpu.hcr.tvm;
  }

  #trapSetWay(vcpu: Vcpu, op: SetWayOp): void {
    this.#exit(vcpu, this.#dcswExit(vcpu));
    const hook = this.policy.onSetWay;
    if (hook) {
      // The hot path of a trapped walk: #hook's work without its closure.
      const { tsw, tvm } = vcpu.hcr;
      hook.call(this.policy, this.#handles[vcpu.index], op, this.#state);
      this.#hcrChanged(vcpu, tsw, tvm);
    }
    this.#enter(vcpu);
  }

  /** Every exit to the hypervisor, trap or stage-2 abort, is recorded here. */
  #exit(vcpu: Vcpu, fields: ExitFields): void {
    this.#sink.emit("kvm_exit", vcpu.index, vcpu.pcpu, vcpu.pc, fields);
    this.#exited(vcpu);
  }

  /** `n` identical exits in a row, none of them preempted. */
  #exits(vcpu: Vcpu, fields: ExitFields, n: number): void {
    emitRepeatedOn(this.#sink, "kvm_exit", vcpu.index, vcpu.pcpu, vcpu.pc, fields, n);
    this.#exited(vcpu);
  }

  /**
   * What the run loop does between an exit and its handler
   * (arch/arm/kvm/arm.c `kvm_arch_vcpu_ioctl_run`, Linux 3.18): `last_pcpu`
   * becomes the CPU that took the exit; then, if the scheduler chose to
   * preempt the vCPU here, it moves to the chosen CPU and is loaded there
   * before the handler runs. Every exit path calls this, the fault path
   * included.
   */
  #exited(vcpu: Vcpu): void {
    vcpu.lastPcpu = vcpu.pcpu;
    const to = this.#preemptTo[vcpu.index];
    if (to < 0) return;
    this.#preemptTo[vcpu.index] = -1;
    const from = vcpu.pcpu;
    this.#sink.emit("migrate", vcpu.index, from, vcpu.pc, { from, to, reason: "preempt" });
    vcpu.pcpu = to;
    this.#load(vcpu);
  }

  /** Back to the guest after an exit: `onGuestEntry` runs. */
  #enter(vcpu: Vcpu): void {
    const hook = this.policy.onGuestEntry;
    if (hook) {
      const { tsw, tvm } = vcpu.hcr;
      hook.call(this.policy, this.#handles[vcpu.index], this.#state);
      this.#hcrChanged(vcpu, tsw, tvm);
    }
  }

  #load(vcpu: Vcpu): void {
    if (this.#sink.enabled) {
      this.#sink.emit("vcpu_load", vcpu.index, vcpu.pcpu, vcpu.pc, { pcpu: vcpu.pcpu });
    }
    const hook = this.policy.onVcpuLoad;
    if (hook) {
      const { tsw, tvm } = vcpu.hcr;
      hook.call(this.policy, this.#handles[vcpu.index], this.#state);
      this.#hcrChanged(vcpu, tsw, tvm);
    }
  }

  /**
   * Records `hcr_write` when HCR.TSW or TVM differ from the values a policy
   * hook started with: every hook call is bracketed by reading them before
   * and this after (a closure per call would be an object per trap).
   */
  #hcrChanged(vcpu: Vcpu, tsw: boolean, tvm: boolean): void {
    const h = vcpu.hcr;
    if (h.tsw !== tsw || h.tvm !== tvm) {
      this.#sink.emit("hcr_write", vcpu.index, vcpu.pcpu, vcpu.pc, { tsw: h.tsw, tvm: h.tvm });
    }
  }

  #hostHandle(cpu: number): HypHandle {
    return (this.#hostHandles[cpu] ??= new HypHandle(this.#ctx, this.vcpus[0], cpu));
  }

  /**
   * The stage-2 fault path: the exit (`handle_exit`), then
   * `kvm_handle_guest_abort` / `user_mem_abort`: the page is allocated and
   * zeroed if new, then cleaned+invalidated to PoC by VA as the policy's
   * `faultClean` says (never under FWB), then mapped; then back to the guest.
   */
  #fault(vcpu: Vcpu, addr: number, access: AbortAccess): void {
    const sink = this.#sink;
    const ipa = this.stage2.pageBase(addr);
    this.#exit(vcpu, access === "fetch" ? this.#exitFields.iabt : this.#exitFields.dabt);
    sink.emit("kvm_guest_fault", vcpu.index, vcpu.pcpu, vcpu.pc, {
      ipa,
      hsr: abortSyndrome(access),
      hxfar: addr,
    });
    this.#populate(vcpu, vcpu.pcpu, ipa);
    const fc = this.#faultClean;
    const clean = fc.when === "always" || (fc.when === "populate" && this.#firstMapping(ipa)) ||
      (fc.when === "caches-off" && !vcpuHasCacheEnabled(vcpu.sctlr));
    if (clean && !this.forcesWriteBack) {
      const lineSize = this.hardware.lineSize;
      const r = flushPageByVa(this.hardware, vcpu.pcpu, ipa, lineSize, "civac");
      sink.emit(fc.event ?? "coherent_cache_guest_page", vcpu.index, vcpu.pcpu, vcpu.pc, {
        ipa,
        lines: r.lines,
        cleaned: r.cleaned,
        invalidated: r.invalidated,
        via: fc.via,
      });
    }
    this.stage2.map(ipa);
    const hook = this.policy.onStage2Fault;
    if (hook) {
      const { tsw, tvm } = vcpu.hcr;
      hook.call(this.policy, this.#handles[vcpu.index], ipa, this.#state);
      this.#hcrChanged(vcpu, tsw, tvm);
    }
    this.#enter(vcpu);
  }

  /** Whether this is the first time the page is mapped for the guest (then records it). */
  #firstMapping(ipa: number): boolean {
    const bits = this.#everMapped!;
    const p = this.stage2.pageIndex(ipa);
    const w = p >>> 5, bit = 1 << (p & 31);
    if ((bits[w] & bit) !== 0) return false;
    bits[w] |= bit;
    return true;
  }

  /**
   * Allocates the host page if new: the host zeroes it with cacheable stores
   * (`clear_page`). Returns whether the page was new.
   */
  #populate(vcpu: Vcpu | null, cpu: number, ipa: number): boolean {
    if (!this.stage2.populate(ipa)) return false;
    const hw = this.hardware;
    // Word by word in address order, one call per line (Hardware.writeLine).
    for (let a = ipa; a < ipa + PAGE_SIZE; a += hw.lineSize) hw.writeLine(cpu, a, 0);
    if (vcpu === null) this.#sink.emit("clear_page", null, cpu, null, { ipa });
    else this.#sink.emit("clear_page", vcpu.index, cpu, vcpu.pc, { ipa });
    return true;
  }
}
