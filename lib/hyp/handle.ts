/**
 * The {@linkcode Hyp} handle a policy acts through.
 *
 * Each call performs its effect on the hardware model (flush.ts) and records
 * the event the kernel would trace, on the vCPU the hook runs for; a handle
 * built for the host (an unmap, say) records events with no vCPU and no PC,
 * on the host's physical CPU.
 *
 * @module
 */

import type { Hardware } from "../hw/hardware.ts";
import { ScenarioError, showValue } from "../errors.ts";
import type { EventFieldValue } from "./events.ts";
import type { EventSink } from "./event_sink.ts";
import type { CtrBits, FlushResult, Hyp, SetWayOp, VcpuState } from "./policy.ts";
import type { Stage2 } from "./stage2.ts";
import { type Vcpu, vcpuHasCacheEnabled } from "./vcpu.ts";
import { flushCacheAll, flushPageByVa, flushVmLines, stage2FlushVm, swioOp } from "./flush.ts";
import { p2mInvalidateRoot, p2mPreemptChecks } from "./p2m.ts";
import { sanitisedCtr } from "./normalized_cache.ts";

/**
 * The VM-wide state a handle needs.
 *
 * @example Usage
 * ```ts
 * import type { HypContext } from "./handle.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { NULL_SINK } from "./event_sink.ts";
 * import { Stage2 } from "./stage2.ts";
 * import { Vcpu } from "./vcpu.ts";
 * const ctx: HypContext = {
 *   hardware: new Hardware(generic), stage2: new Stage2(0x40000000, 1 << 20),
 *   vcpus: [new Vcpu(0, 0x40000000)], sink: NULL_SINK, fwb: false,
 * };
 * ```
 */
export interface HypContext {
  /** The hardware model. */
  readonly hardware: Hardware;
  /** The VM's stage-2 mappings. */
  readonly stage2: Stage2;
  /** Every vCPU of the VM. */
  readonly vcpus: readonly Vcpu[];
  /** Where events go. */
  readonly sink: EventSink;
  /** Whether the machine has stage-2 FWB. */
  readonly fwb: boolean;
}

const RESERVED = new Set(["seq", "name", "vcpu", "pcpu", "pc", "count"]);
/** What a set/way instruction naming no slot of the CPU does: nothing. */
const NOTHING: FlushResult = Object.freeze({ cleaned: 0, invalidated: 0 });

/**
 * The fields of a `sw_local` event, in the order the trace prints them: the
 * operation performed, the slot, and what it did there.
 *
 * @example Usage
 * ```ts
 * import { swLocalFields } from "./handle.ts";
 * console.log(swLocalFields("cisw", 1, 3, 0, 1, 1));
 * // { op: "cisw", level: 1, set: 3, way: 0, cleaned: 1, invalidated: 1 }
 * ```
 * @param op the operation performed (after SWIO)
 * @param level the cache level
 * @param set the set
 * @param way the way
 * @param cleaned lines written back
 * @param invalidated lines dropped
 * @returns the fields
 */
export function swLocalFields(
  op: string,
  level: number,
  set: number,
  way: number,
  cleaned: number,
  invalidated: number,
): { op: string; level: number; set: number; way: number; cleaned: number; invalidated: number } {
  return { op, level, set, way, cleaned, invalidated };
}

/**
 * The hypervisor as a policy sees it, bound to one vCPU (or to the host).
 *
 * @example Usage
 * ```ts
 * import { HypHandle } from "./handle.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { Stage2 } from "./stage2.ts";
 * import { Vcpu } from "./vcpu.ts";
 * const names: string[] = [];
 * const vcpus = [new Vcpu(0, 0x40000000)];
 * const hyp = new HypHandle({
 *   hardware: new Hardware(generic), stage2: new Stage2(0x40000000, 1 << 20), vcpus, fwb: false,
 *   sink: { enabled: true, emit: (name) => names.push(name) - 1 },
 * }, vcpus[0], null);
 * hyp.flushVm();
 * console.log(names); // ["stage2_flush_vm"]
 * ```
 */
export class HypHandle implements Hyp {
  readonly #ctx: HypContext;
  readonly #vcpu: Vcpu;
  readonly #hostCpu: number | null;

  /**
   * Binds a handle to a vCPU, or to the host on one physical CPU.
   * @param ctx the VM-wide state
   * @param vcpu the vCPU the hooks run for
   * @param hostCpu null for a vCPU handle; else the physical CPU of a host-side handle
   */
  constructor(ctx: HypContext, vcpu: Vcpu, hostCpu: number | null) {
    this.#ctx = ctx;
    this.#vcpu = vcpu;
    this.#hostCpu = hostCpu;
  }

  /** The vCPU the hook runs for. */
  get vcpu(): VcpuState {
    return this.#vcpu;
  }

  /** Every vCPU of the VM. */
  get vcpus(): readonly VcpuState[] {
    return this.#ctx.vcpus;
  }

  /** Number of physical CPUs. */
  get pcpus(): number {
    return this.#ctx.hardware.cpuCount;
  }

  /** Whether the machine has stage-2 FWB. */
  get fwb(): boolean {
    return this.#ctx.fwb;
  }

  /**
   * Whether the sink keeps events: when it drops them, the fields of the
   * handle's own records are not built (an object per flush for nothing),
   * and a policy may skip its own.
   */
  get tracing(): boolean {
    return this.#ctx.sink.enabled;
  }

  /** IDC and DIC of the host's sanitised CTR_EL0. */
  get ctr(): CtrBits {
    return sanitisedCtr(this.#ctx.hardware);
  }

  /**
   * `vcpu_has_cache_enabled`.
   * @param vcpu the vCPU to ask about; default the handle's
   * @returns whether SCTLR.M and SCTLR.C are both set
   */
  cacheEnabled(vcpu?: VcpuState): boolean {
    return vcpuHasCacheEnabled((vcpu ?? this.#vcpu).sctlr);
  }

  /**
   * `stage2_flush_vm`; records `stage2_flush_vm`, even when nothing is mapped.
   * @returns what the hardware cleaned and invalidated
   */
  flushVm(): FlushResult {
    return this.#flushMapped("stage2_flush_vm");
  }

  /**
   * The walk of `stage2_flush_vm` and of Xen's `p2m_flush_vm`, recorded as
   * `name` with the pages mapped when it starts (a flush maps or unmaps
   * none), its DC CIVAC instructions and what the hardware did; Xen's
   * record adds the loop's `preemptChecks`.
   */
  #flushMapped(name: "stage2_flush_vm" | "p2m_flush_vm"): FlushResult {
    const { hardware, stage2 } = this.#ctx;
    const pages = stage2.mappedPages;
    const r = stage2FlushVm(hardware, stage2);
    if (this.tracing) {
      const counts = {
        pages,
        lines: flushVmLines(pages, this.#lineSize()),
        cleaned: r.cleaned,
        invalidated: r.invalidated,
      };
      this.#record(
        name,
        name === "p2m_flush_vm" ? { ...counts, preemptChecks: p2mPreemptChecks(pages) } : counts,
      );
    }
    return r;
  }

  /**
   * `flush_cache_all` on the current physical CPU; records `flush_cache_all`.
   * @returns what the hardware cleaned and invalidated
   */
  flushAll(): FlushResult {
    const r = flushCacheAll(this.#ctx.hardware, this.#cpu());
    if (this.tracing) {
      this.#record("flush_cache_all", {
        slots: r.slots,
        cleaned: r.cleaned,
        invalidated: r.invalidated,
      });
    }
    return { cleaned: r.cleaned, invalidated: r.invalidated };
  }

  /**
   * Performs the S/W op on the current physical CPU (DCISW performed as DCCISW
   * when HCR.SWIO is set); records `sw_local` with the operation performed.
   * The kernel passes the guest's operand to the instruction undecoded
   * (`access_dcsw`, arch/arm/kvm/coproc.c, Linux 3.18); a slot the CPU does
   * not have is CONSTRAINED UNPREDICTABLE, modelled as doing nothing.
   * @param op the trapped instruction
   * @returns what the hardware cleaned and invalidated
   */
  executeSetWayLocally(op: SetWayOp): FlushResult {
    const r = this.executeSlotLocally(op.op, op.level, op.set, op.way);
    return { cleaned: r.cleaned, invalidated: r.invalidated };
  }

  /**
   * {@linkcode HypHandle.executeSetWayLocally} of the instruction `op` at
   * `level`, `set`, `way`, without an operation object: what a trapped walk
   * of a policy whose `setWayLocal` shortcut holds does slot by slot
   * (set_way_shortcuts.ts). Internal: not part of {@linkcode Hyp}.
   * @param op the trapped instruction's operation
   * @param level the cache level, from 1
   * @param set the set
   * @param way the way
   * @returns what the hardware cleaned and invalidated
   */
  executeSlotLocally(op: SetWayOp["op"], level: number, set: number, way: number): FlushResult {
    const performed = swioOp(op, this.#vcpu.hcr.swio);
    const hw = this.#ctx.hardware;
    const cpu = this.#cpu();
    const r = hw.hasSlot(cpu, level, set, way)
      ? hw.dcBySetWay(cpu, performed, level, set, way)
      : NOTHING;
    if (this.tracing) {
      this.#record(
        "sw_local",
        swLocalFields(performed, level, set, way, r.cleaned, r.invalidated),
      );
    }
    return r;
  }

  /**
   * Cleans (and with `invalidate`, invalidates) the page holding `ipa` to PoC
   * by VA; records `flush_page`.
   * @param ipa any guest physical address in the page
   * @param invalidate whether to invalidate as well
   * @returns what the hardware cleaned and invalidated
   */
  flushPage(ipa: number, invalidate: boolean): FlushResult {
    const base = this.#ctx.stage2.pageBase(ipa);
    const r = flushPageByVa(
      this.#ctx.hardware,
      this.#cpu(),
      base,
      this.#lineSize(),
      invalidate ? "civac" : "cvac",
    );
    if (this.tracing) {
      this.#record("flush_page", {
        ipa: base,
        invalidate,
        lines: r.lines,
        cleaned: r.cleaned,
        invalidated: r.invalidated,
      });
    }
    return { cleaned: r.cleaned, invalidated: r.invalidated };
  }

  /**
   * Xen's `p2m_flush_vm`: clean+invalidate by VA of every valid page
   * (recorded as `p2m_flush_vm` with `stage2_flush_vm`'s counts and the
   * loop's `preemptChecks`), then `p2m_invalidate_root`.
   * @returns what the hardware cleaned and invalidated
   */
  p2mFlushVm(): FlushResult {
    const r = this.#flushMapped("p2m_flush_vm");
    p2mInvalidateRoot(this.#ctx.stage2);
    return r;
  }

  /**
   * Injects an undefined-instruction exception at the vCPU's PC; the guest
   * cannot handle it, so the vCPU runs no more steps. Records `undef_injected`.
   * @param reason why, for the trace and the verdict
   * @throws {ScenarioError} `invalid_value` from a host-side hook (no vCPU to inject into)
   */
  injectUndef(reason: string): void {
    if (this.#hostCpu !== null || typeof reason !== "string") {
      throw new ScenarioError(
        "invalid_value",
        "policy.injectUndef",
        reason,
        `policy.injectUndef(${showValue(reason)}): needs a reason string, and a vCPU ` +
          "(it cannot be called from a host-side hook such as onUnmap)",
      );
    }
    const v = this.#vcpu;
    if (v.crashed === null) v.crashed = Object.freeze({ reason, pc: v.pc });
    this.#record("undef_injected", { reason });
  }

  /**
   * Records an event on the handle's vCPU.
   * @param name the event name
   * @param fields flat fields: numbers, strings, booleans or null
   */
  emit(name: string, fields?: Record<string, EventFieldValue>): void {
    if (typeof name !== "string" || !/^[a-z][a-z0-9_]*$/.test(name)) {
      throw new ScenarioError(
        "invalid_value",
        "policy.emit",
        name,
        `policy.emit(${showValue(name)}): an event name is lower_snake_case`,
      );
    }
    if (fields !== undefined) {
      // Own keys, as Object.keys gives them, without the array it would build per event.
      for (const key in fields) {
        if (!Object.hasOwn(fields, key)) continue;
        const v = fields[key];
        const okValue = v === null || typeof v === "string" || typeof v === "boolean" ||
          (typeof v === "number" && Number.isFinite(v));
        if (RESERVED.has(key) || !okValue) {
          throw new ScenarioError(
            "invalid_value",
            `policy.emit.${key}`,
            v,
            `policy.emit(${showValue(name)}): field ${showValue(key)} = ${showValue(v)} ` +
              "is not allowed; fields are finite numbers, strings, booleans or null, " +
              "and seq, name, vcpu, pcpu, pc, count are reserved",
          );
        }
      }
    }
    this.#record(name, fields);
  }

  #cpu(): number {
    return this.#hostCpu ?? this.#vcpu.pcpu;
  }

  #lineSize(): number {
    return this.#ctx.hardware.lineSize;
  }

  #record(name: string, fields?: Record<string, EventFieldValue>): void {
    const v = this.#vcpu;
    if (this.#hostCpu === null) this.#ctx.sink.emit(name, v.index, v.pcpu, v.pc, fields);
    else this.#ctx.sink.emit(name, null, this.#hostCpu, null, fields);
  }
}
