/**
 * A virtual CPU: the registers the cache-maintenance model needs.
 *
 * Simplified: a vCPU holds only SCTLR (M, C, I), the HCR trap bits (TSW, TVM,
 * SWIO), its PC, the execution state of its EL1 (AArch32 or AArch64), and
 * where it runs (`pcpu`, `lastPcpu`). SCTLR resets with the MMU and caches
 * off; HCR starts clear and is set by the policy's `onReset` (the kernel's
 * `vcpu_reset_hcr`); the execution state starts as AArch64 and is set by an
 * `exec_state` step.
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { Hcr, Sctlr, VcpuState } from "./policy.ts";

/**
 * `vcpu_has_cache_enabled`: SCTLR.M and SCTLR.C both set.
 *
 * @example Usage
 * ```ts
 * import { vcpuHasCacheEnabled } from "./vcpu.ts";
 * vcpuHasCacheEnabled({ m: true, c: true, i: false }); // true
 * vcpuHasCacheEnabled({ m: true, c: false, i: true }); // false
 * ```
 * @param sctlr the guest's SCTLR bits
 * @returns whether the guest's data accesses are cacheable
 */
export function vcpuHasCacheEnabled(sctlr: Readonly<Sctlr>): boolean {
  return sctlr.m && sctlr.c;
}

/**
 * The architectural encoding of the modelled SCTLR bits (M bit 0, C bit 2,
 * I bit 12), the value a trapped SCTLR write reports.
 *
 * @example Usage
 * ```ts
 * import { sctlrValue } from "./vcpu.ts";
 * sctlrValue({ m: true, c: true, i: false }); // 5
 * ```
 * @param sctlr the SCTLR bits
 * @returns the register value holding them
 */
export function sctlrValue(sctlr: Readonly<Sctlr>): number {
  return (sctlr.m ? 0x1 : 0) | (sctlr.c ? 0x4 : 0) | (sctlr.i ? 0x1000 : 0);
}

/** Refuses a trap bit that is not a boolean, at the write. */
function checkedBit(name: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  throw new ScenarioError(
    "invalid_value",
    `hcr.${name}`,
    value,
    `wrote hcr.${name} = ${showValue(value)}; an HCR bit is true or false`,
  );
}

/**
 * The HCR trap bits of one vCPU, refusing anything but a boolean at the
 * write: a policy that stores `1` or `"yes"` would otherwise make every later
 * trap decision depend on JavaScript truthiness, and the `hcr_write` event
 * print a value no register holds. Sealed, so a misspelt bit (`hcr.tws`)
 * throws too. Spread or `JSON.stringify` give the four bits.
 *
 * @example Usage
 * ```ts
 * import { HcrBits } from "./vcpu.ts";
 * const hcr = new HcrBits();
 * hcr.tsw = true;
 * console.log({ ...hcr }); // { tsw: true, tvm: false, swio: false, tid2: false }
 * ```
 */
export class HcrBits implements Hcr {
  #tsw = false;
  #tvm = false;
  #swio = false;
  #tid2 = false;

  /** Creates the bits, all clear. */
  constructor() {
    // Own enumerable accessors, so that a spread copies the bits.
    Object.defineProperties(this, {
      tsw: {
        get: () => this.#tsw,
        set: (v) => (this.#tsw = checkedBit("tsw", v)),
        enumerable: true,
      },
      tvm: {
        get: () => this.#tvm,
        set: (v) => (this.#tvm = checkedBit("tvm", v)),
        enumerable: true,
      },
      swio: {
        get: () => this.#swio,
        set: (v) => (this.#swio = checkedBit("swio", v)),
        enumerable: true,
      },
      tid2: {
        get: () => this.#tid2,
        set: (v) => (this.#tid2 = checkedBit("tid2", v)),
        enumerable: true,
      },
    });
    Object.seal(this);
  }

  /** Trap set/way cache maintenance. */
  declare tsw: boolean;
  /** Trap writes to the virtual-memory control registers. */
  declare tvm: boolean;
  /** Set/way invalidate is performed as clean+invalidate. */
  declare swio: boolean;
  /** Trap the cache identification registers (CLIDR, CCSIDR, CSSELR). */
  declare tid2: boolean;
}

/**
 * One vCPU's state. vCPU `i` starts on physical CPU `i`.
 *
 * `lastPcpu` is the physical CPU of the vCPU's last exit (KVM 3.18's
 * `last_pcpu`): the hypervisor sets it as each exit is taken, before the
 * handler runs, as the 3.18 run loop does (arch/arm/kvm/arm.c
 * `kvm_arch_vcpu_ioctl_run`), and a migration between instructions leaves it
 * alone. A handler therefore sees `pcpu !== lastPcpu` only when the vCPU was
 * preempted and moved between the exit and the handler.
 *
 * @example Usage
 * ```ts
 * import { Vcpu } from "./vcpu.ts";
 * const v = new Vcpu(1, 0x40000000);
 * console.log(v.pcpu, v.sctlr.m, v.hcr.tvm, v.aarch32); // 1 false false false
 * ```
 */
export class Vcpu implements VcpuState {
  /** The vCPU's index in the VM. */
  readonly index: number;
  /** SCTLR, reset with the MMU and caches off. */
  readonly sctlr: Sctlr = { m: false, c: false, i: false };
  /**
   * HCR trap bits; the policy's `onReset` sets them. Checked at each write
   * ({@linkcode HcrBits}) when the vCPU runs a user policy; plain data
   * otherwise, as the trap decisions read them on every guest instruction.
   */
  readonly hcr: Hcr;
  /**
   * Whether EL1 runs in AArch32 (the kernel's `vcpu_mode_is_32bit`): its
   * traps then report the AArch32 exception classes. False at creation.
   */
  aarch32 = false;
  /** The guest PC of the instruction being run. */
  pc: number;
  /** The physical CPU the vCPU runs on. */
  pcpu: number;
  /** The physical CPU of the vCPU's last exit. */
  lastPcpu: number;
  /** Whether the vCPU has ever run with its caches on. */
  everCached = false;
  /** Set when the guest took an exception it cannot handle; it then runs no more steps. */
  crashed: { readonly reason: string; readonly pc: number } | null = null;

  /**
   * Creates a vCPU in its reset state.
   * @param index the vCPU index; it starts on physical CPU `index`
   * @param pc the initial guest PC
   * @param checkedHcr whether HCR refuses non-boolean writes; default false
   */
  constructor(index: number, pc: number, checkedHcr = false) {
    this.hcr = checkedHcr ? new HcrBits() : { tsw: false, tvm: false, swio: false, tid2: false };
    this.index = index;
    this.pc = pc;
    this.pcpu = index;
    this.lastPcpu = index;
  }

  /**
   * Puts the vCPU back in the state its constructor left it in: caches and
   * MMU off, no trap bits, at `pc` on its own CPU, never cached, not crashed
   * (a VM reused for another run, `Hypervisor.restart`).
   *
   * @example Usage
   * ```ts
   * import { Vcpu } from "./vcpu.ts";
   * const v = new Vcpu(1, 0x40000000);
   * v.sctlr.m = true;
   * v.pcpu = 3;
   * v.reset(0x40000000, false);
   * console.log(v.sctlr.m, v.pcpu); // false 1
   * ```
   * @param pc the entry point
   * @param aarch32 whether the vCPU runs AArch32
   */
  reset(pc: number, aarch32: boolean): void {
    this.sctlr.m = false;
    this.sctlr.c = false;
    this.sctlr.i = false;
    this.hcr.tsw = false;
    this.hcr.tvm = false;
    this.hcr.swio = false;
    this.hcr.tid2 = false;
    this.aarch32 = aarch32;
    this.pc = pc;
    this.pcpu = this.index;
    this.lastPcpu = this.index;
    this.everCached = false;
    this.crashed = null;
  }
}
