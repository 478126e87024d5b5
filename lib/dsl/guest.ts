/**
 * The guest program builder: `vm().guest((g) => g.mmuOn().write(a, v)...)`.
 *
 * Steps are recorded on the current vCPU (0 unless inside `on(vcpu, fn)`),
 * in call order, as a flat list: `on()` only changes the vCPU of the steps
 * its function records. Every call checks its arguments against the VM as
 * it is when `.guest()` runs (RAM, vCPU count, the machine's CPUs) and
 * throws a {@linkcode ScenarioError} naming the call and the value;
 * `toJSON()` checks them all again against the final VM.
 *
 * | call                                   | step(s) recorded                             |
 * | -------------------------------------- | -------------------------------------------- |
 * | `write(addr, value)` / `read(addr)`    | `write` / `read` of one 32-bit word          |
 * | `dc_cvac(addr, len = 64)` and friends  | `dc_va` over `[addr, addr + len)`            |
 * | `sw_clean()` / `sw_clean_invalidate()` | `sw_walk` `csw` / `cisw` (every level to LoC) |
 * | `dc_csw(level, set, way)` and friends  | one `sw` instruction                         |
 * | `mmuOn()` / `mmuOff()`                 | one SCTLR write: M, C, I set / M, C clear    |
 * | `cachesOn()` / `cachesOff()`           | one SCTLR write: C, I set / C, I clear       |
 * | `vmReg(name, value)`                   | a trapped VM-register write                  |
 * | `migrate(vcpu, pcpu)` / `pc(addr)`     | scheduler move / the PC shown by later steps |
 * | `aarch32()` / `aarch32(false)`         | `exec_state`: EL1 in AArch32 / AArch64       |
 * | `host(h => h.write(a, v))`             | host writes and unmaps                       |
 * | `zImage32()`, `linuxArm64()`, ...      | a whole preset program                       |
 *
 * A set/way operand is checked only to be encodable (level 1 to 7, set and
 * way integers from 0 to 2^32 - 1): one naming a slot the CPU's caches do not have
 * traps under HCR.TSW like any other, and the run flags it `archInvalid`
 * (CONSTRAINED UNPREDICTABLE on hardware, modelled as doing nothing).
 *
 * @example Usage
 * ```ts
 * import { GuestBuilder } from "@setway/setway";
 * const g = GuestBuilder.create().mmuOn().write(0x4000_0000, 1).sw_clean().mmuOff().read(0x4000_0000);
 * console.log(g.toSteps().map((s) => s.kind)); // ["sctlr", "write", "sw_walk", "sctlr", "read"]
 * ```
 *
 * @module
 */

import type { DcSwOp, DcVaOp, SctlrBits, Step, VmRegName } from "../guest/ops.ts";
import { VM_REG_NAMES } from "../guest/ops.ts";
import { edk2, type Edk2Options } from "../guest/edk2.ts";
import { linuxArm64, type LinuxArm64Options } from "../guest/linux_arm64.ts";
import { noMaintenance } from "../guest/no_maintenance.ts";
import type { SimpleGuestOptions } from "../guest/options.ts";
import { smpSecondary, type SmpSecondaryOptions } from "../guest/smp_secondary.ts";
import { uboot, type UbootOptions } from "../guest/uboot.ts";
import { vaCorrect } from "../guest/va_correct.ts";
import { zImage32, type ZImage32Options } from "../guest/zimage32.ts";
import {
  MAX_PHYS,
  MAX_SW_INDEX,
  MAX_SW_LEVEL,
  nameProblem,
  pcProblem,
} from "../engine/rules/values.ts";
import {
  checkInteger,
  checkPcpu,
  checkU32,
  checkVcpu,
  checkWordAddress,
  defaultContext,
  throwIf,
} from "./context.ts";
import { HostBuilder, type HostOptions } from "./host.ts";
import { callError, InvalidScenarioError } from "./issues.ts";
import { clusterOf, cpuCount } from "../machines/topology.ts";
import type { Machine } from "../hw/machine.ts";
import { appendSteps, concatSteps, type StepList, stepsOf } from "./step_list.ts";
import {
  aarch32OnlyMachine,
  aarch64Refusal,
  type StepContext,
  stepsIssues,
} from "../engine/rules/steps.ts";

/** Refuses a callback that is not a function, naming the call. */
function checkFunction(call: string, fn: unknown, arg = "fn"): void {
  if (typeof fn !== "function") {
    throw callError("invalid_value", call, fn, "a function", arg);
  }
}

/** The state of a {@linkcode GuestBuilder}. */
export interface GuestBuilderProps {
  /** The VM the steps are checked against. */
  readonly ctx: StepContext;
  /** The vCPU new steps are recorded on. */
  readonly vcpu: number;
  /** The steps recorded so far. */
  readonly steps: StepList | null;
  /**
   * The machine as the VM has it when the guest is built, for presets whose
   * defaults follow the machine (`smpSecondary`'s L1). Steps are still
   * checked against the final machine by `toJSON()`. Default: none.
   */
  readonly machine?: Machine;
}

/** A guest preset: options in, steps out (see lib/guest). */
export type GuestPresetFn<O> = (options: O & { readonly vcpu?: number }) => Step[];

/**
 * Records a guest program. Every method returns a new builder.
 *
 * @example Usage
 * ```ts
 * import { GuestBuilder } from "@setway/setway";
 * const base = GuestBuilder.create().cachesOn();
 * const a = base.write(0x4000_0000, 1);
 * const b = base.write(0x4000_0000, 2);
 * console.log(base.toSteps().length, a.toSteps().length, b.toSteps().length); // 1 2 2
 * ```
 */
export class GuestBuilder {
  readonly #props: GuestBuilderProps;

  /**
   * A builder holding `props`; use {@linkcode GuestBuilder.create} to start one.
   *
   * @param props the builder's state (frozen)
   */
  constructor(props: GuestBuilderProps) {
    this.#props = Object.freeze({ ...props });
  }

  /**
   * A builder with no steps, recording on vCPU 0.
   *
   * @param ctx the VM to check against; default: one vCPU, 4 CPUs, 1 GiB at 0x4000_0000
   * @param machine the VM's machine, for presets whose defaults follow it; default none
   * @returns an empty builder
   */
  static create(ctx: StepContext = defaultContext(), machine?: Machine): GuestBuilder {
    const props = { ctx: Object.freeze({ ...ctx }), vcpu: 0, steps: null };
    return new GuestBuilder(machine === undefined ? props : { ...props, machine });
  }

  /** The vCPU new steps are recorded on. */
  get vcpu(): number {
    return this.#props.vcpu;
  }

  #add(...steps: Step[]): GuestBuilder {
    return new GuestBuilder({ ...this.#props, steps: appendSteps(this.#props.steps, steps) });
  }

  #dcVa(call: string, op: DcVaOp, addr: number, len: number): GuestBuilder {
    const l = checkInteger(call, "len", len, 1, MAX_PHYS);
    const a = checkWordAddress(this.#props.ctx, call, "addr", addr, l);
    return this.#add({ kind: "dc_va", vcpu: this.#props.vcpu, op, addr: a, len: l });
  }

  #sw(call: string, op: DcSwOp, level: number, set: number, way: number): GuestBuilder {
    const lv = checkInteger(call, "level", level, 1, MAX_SW_LEVEL);
    const s = checkInteger(call, "set", set, 0, MAX_SW_INDEX);
    const w = checkInteger(call, "way", way, 0, MAX_SW_INDEX);
    return this.#add({ kind: "sw", vcpu: this.#props.vcpu, op, level: lv, set: s, way: w });
  }

  #sctlr(bits: SctlrBits): GuestBuilder {
    return this.#add({ kind: "sctlr", vcpu: this.#props.vcpu, bits });
  }

  /**
   * Stores a 32-bit word.
   *
   * @param addr a 4-byte aligned guest physical address inside RAM
   * @param value a 32-bit value (negative 32-bit integers are taken as unsigned)
   * @returns a new builder
   * @throws {ScenarioError} `bad_address` or `invalid_value`
   */
  write(addr: number, value: number): GuestBuilder {
    const a = checkWordAddress(this.#props.ctx, "write", "addr", addr);
    const v = checkU32("write", "value", value);
    return this.#add({ kind: "write", vcpu: this.#props.vcpu, addr: a, value: v });
  }

  /**
   * Loads a 32-bit word; the oracle checks it returns the last value written.
   *
   * @param addr a 4-byte aligned guest physical address inside RAM
   * @returns a new builder
   * @throws {ScenarioError} `bad_address`
   */
  read(addr: number): GuestBuilder {
    const a = checkWordAddress(this.#props.ctx, "read", undefined, addr);
    return this.#add({ kind: "read", vcpu: this.#props.vcpu, addr: a });
  }

  /**
   * `DC CVAC`: clean by VA to the Point of Coherency, one instruction per line.
   *
   * @param addr first byte, 4-byte aligned, inside RAM
   * @param len bytes covered; default 64
   * @returns a new builder
   * @throws {ScenarioError} `bad_address`, `invalid_value` or `out_of_range`
   */
  dc_cvac(addr: number, len = 64): GuestBuilder {
    return this.#dcVa("dc_cvac", "cvac", addr, len);
  }

  /**
   * `DC CIVAC`: clean and invalidate by VA to the Point of Coherency.
   *
   * @param addr first byte, 4-byte aligned, inside RAM
   * @param len bytes covered; default 64
   * @returns a new builder
   * @throws {ScenarioError} `bad_address`, `invalid_value` or `out_of_range`
   */
  dc_civac(addr: number, len = 64): GuestBuilder {
    return this.#dcVa("dc_civac", "civac", addr, len);
  }

  /**
   * `DC IVAC`: invalidate by VA to the PoC (performed as clean+invalidate under stage 2).
   *
   * @param addr first byte, 4-byte aligned, inside RAM
   * @param len bytes covered; default 64
   * @returns a new builder
   * @throws {ScenarioError} `bad_address`, `invalid_value` or `out_of_range`
   */
  dc_ivac(addr: number, len = 64): GuestBuilder {
    return this.#dcVa("dc_ivac", "ivac", addr, len);
  }

  /**
   * `DC CVAU`: clean by VA to the Point of Unification.
   *
   * @param addr first byte, 4-byte aligned, inside RAM
   * @param len bytes covered; default 64
   * @returns a new builder
   * @throws {ScenarioError} `bad_address`, `invalid_value` or `out_of_range`
   */
  dc_cvau(addr: number, len = 64): GuestBuilder {
    return this.#dcVa("dc_cvau", "cvau", addr, len);
  }

  /**
   * A set/way clean walk (`DC CSW` on every set and way of every level up to LoC).
   *
   * @returns a new builder
   */
  sw_clean(): GuestBuilder {
    return this.#add({ kind: "sw_walk", vcpu: this.#props.vcpu, op: "csw" });
  }

  /**
   * A set/way clean+invalidate walk (`DC CISW`), as `v7_flush_dcache_all` does.
   *
   * @returns a new builder
   */
  sw_clean_invalidate(): GuestBuilder {
    return this.#add({ kind: "sw_walk", vcpu: this.#props.vcpu, op: "cisw" });
  }

  /**
   * A set/way invalidate walk (`DC ISW`).
   *
   * @returns a new builder
   */
  sw_invalidate(): GuestBuilder {
    return this.#add({ kind: "sw_walk", vcpu: this.#props.vcpu, op: "isw" });
  }

  /**
   * One `DC CSW` instruction.
   *
   * @param level 1-based cache level (1 to 7)
   * @param set set index, a non-negative integer
   * @param way way index, a non-negative integer
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` or `out_of_range`
   */
  dc_csw(level: number, set: number, way: number): GuestBuilder {
    return this.#sw("dc_csw", "csw", level, set, way);
  }

  /**
   * One `DC CISW` instruction.
   *
   * @param level 1-based cache level (1 to 7)
   * @param set set index, a non-negative integer
   * @param way way index, a non-negative integer
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` or `out_of_range`
   */
  dc_cisw(level: number, set: number, way: number): GuestBuilder {
    return this.#sw("dc_cisw", "cisw", level, set, way);
  }

  /**
   * One `DC ISW` instruction.
   *
   * @param level 1-based cache level (1 to 7)
   * @param set set index, a non-negative integer
   * @param way way index, a non-negative integer
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` or `out_of_range`
   */
  dc_isw(level: number, set: number, way: number): GuestBuilder {
    return this.#sw("dc_isw", "isw", level, set, way);
  }

  /**
   * One SCTLR write setting M, C and I: MMU and caches on.
   *
   * @returns a new builder
   */
  mmuOn(): GuestBuilder {
    return this.#sctlr({ m: true, c: true, i: true });
  }

  /**
   * One SCTLR write clearing M and C: MMU and data cache off (I is kept), as
   * `__armv7_mmu_cache_off` does.
   *
   * @returns a new builder
   */
  mmuOff(): GuestBuilder {
    return this.#sctlr({ m: false, c: false });
  }

  /**
   * One SCTLR write setting C and I (M unchanged).
   *
   * @returns a new builder
   */
  cachesOn(): GuestBuilder {
    return this.#sctlr({ c: true, i: true });
  }

  /**
   * One SCTLR write clearing C and I (M unchanged).
   *
   * @returns a new builder
   */
  cachesOff(): GuestBuilder {
    return this.#sctlr({ c: false, i: false });
  }

  /**
   * One SCTLR write of the bits given (the others keep their value).
   *
   * @param bits at least one of `m`, `c`, `i`, as booleans
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` for an empty object, another key or a non-boolean
   */
  sctlr(bits: SctlrBits): GuestBuilder {
    const ok = typeof bits === "object" && bits !== null && Object.keys(bits).length > 0 &&
      Object.entries(bits).every(([k, v]) =>
        (k === "m" || k === "c" || k === "i") && typeof v === "boolean"
      );
    if (!ok) {
      throw callError(
        "invalid_value",
        "sctlr",
        bits,
        "an object of booleans with keys among m, c, i",
      );
    }
    const copy: { m?: boolean; c?: boolean; i?: boolean } = {};
    if (bits.m !== undefined) copy.m = bits.m;
    if (bits.c !== undefined) copy.c = bits.c;
    if (bits.i !== undefined) copy.i = bits.i;
    return this.#sctlr(copy);
  }

  /**
   * One write to a VM register that HCR.TVM traps (TTBR0, TTBR1, TCR, MAIR0, ...).
   *
   * @param name the register
   * @param value a 32-bit value
   * @returns a new builder
   * @throws {ScenarioError} `unknown_name` (listing the registers) or `invalid_value`
   */
  vmReg(name: VmRegName, value: number): GuestBuilder {
    throwIf(nameProblem(name, VM_REG_NAMES), "vmReg", "name", name);
    const v = checkU32("vmReg", "value", value);
    return this.#add({ kind: "vm_reg", vcpu: this.#props.vcpu, reg: name, value: v });
  }

  /**
   * Runs the current vCPU's EL1 in AArch32 (or, with `false`, AArch64, the
   * state every vCPU starts in on an ARMv8 machine): its trapped set/way and VM-register writes
   * then report EC 0x03 (`CP15_32`, an MCR) instead of 0x18 (`SYS64`). The
   * VMM chooses it at vCPU initialisation, so it belongs before the vCPU's
   * first instruction; it is not an instruction itself (no event, no
   * hardware choice point).
   *
   * @example Usage
   * ```ts
   * import { GuestBuilder } from "@setway/setway";
   * const g = GuestBuilder.create().aarch32().mmuOn();
   * console.log(g.toSteps()[0]); // { kind: "exec_state", vcpu: 0, aarch32: true }
   * ```
   * On a machine without AArch64 (TC2) every vCPU runs in AArch32 and
   * `aarch32(false)` is refused.
   *
   * @param enabled true for AArch32 (default), false for AArch64
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` when `enabled` is not a boolean, or
   *   is false on a machine without AArch64
   */
  aarch32(enabled = true): GuestBuilder {
    if (typeof enabled !== "boolean") {
      throw callError("invalid_value", "aarch32", enabled, "a boolean", "enabled");
    }
    const armv7 = aarch32OnlyMachine(this.#props.ctx);
    if (!enabled && armv7 !== null) {
      throw callError("invalid_value", "aarch32", enabled, aarch64Refusal(armv7), "enabled");
    }
    return this.#add({ kind: "exec_state", vcpu: this.#props.vcpu, aarch32: enabled });
  }

  /**
   * Records the steps of `fn` on another vCPU (a flat list: nothing nests).
   *
   * @param vcpu the vCPU, below the VM's vCPU count
   * @param fn records steps on the builder it is given and returns it
   * @returns a new builder with those steps appended
   * @throws {ScenarioError} `out_of_range` / `invalid_value` for the vCPU,
   *   `invalid_value` when `fn` is not a function
   */
  on(vcpu: number, fn: (g: GuestBuilder) => GuestBuilder): GuestBuilder {
    const v = checkVcpu(this.#props.ctx, "on", vcpu, "vcpu");
    checkFunction("on", fn);
    const inner = fn(new GuestBuilder({ ...this.#props, vcpu: v, steps: null }));
    if (!(inner instanceof GuestBuilder)) {
      throw callError("invalid_value", "on", inner, "fn to return the GuestBuilder it was given");
    }
    return new GuestBuilder({
      ...this.#props,
      steps: concatSteps(this.#props.steps, inner.#props.steps),
    });
  }

  /**
   * The host scheduler moves a vCPU to another physical CPU.
   *
   * @param vcpu the vCPU
   * @param pcpu the physical CPU, below the machine's CPU count
   * @returns a new builder
   * @throws {ScenarioError} `out_of_range` / `invalid_value`
   */
  migrate(vcpu: number, pcpu: number): GuestBuilder {
    const v = checkVcpu(this.#props.ctx, "migrate", vcpu, "vcpu");
    const p = checkPcpu(this.#props.ctx, "migrate", pcpu, "pcpu");
    return this.#add({ kind: "migrate", vcpu: v, pcpu: p });
  }

  /**
   * Host actions on guest RAM: `host((h) => h.write(addr, value))`.
   *
   * @param fn records host steps on the builder it is given and returns it
   * @param options the physical CPU the host runs on
   * @returns a new builder with those steps appended
   * @throws {ScenarioError} for a bad `cpu` or `fn`, or what the host calls throw
   */
  host(fn: (h: HostBuilder) => HostBuilder, options: HostOptions = {}): GuestBuilder {
    checkFunction("host", fn);
    const h = fn(HostBuilder.create(this.#props.ctx, options));
    if (!(h instanceof HostBuilder)) {
      throw callError("invalid_value", "host", h, "fn to return the HostBuilder it was given");
    }
    return new GuestBuilder({
      ...this.#props,
      steps: concatSteps(this.#props.steps, h.stepList()),
    });
  }

  /**
   * Sets the guest PC shown by the following events of the current vCPU.
   *
   * @param addr a non-negative, 4-byte aligned address
   * @returns a new builder
   * @throws {ScenarioError} `bad_address`
   */
  pc(addr: number): GuestBuilder {
    throwIf(pcProblem(addr), "pc", undefined, addr);
    const a = addr;
    return this.#add({ kind: "pc", vcpu: this.#props.vcpu, addr: a });
  }

  /**
   * Appends steps given as data, checked like a JSON scenario's.
   *
   * @param steps the steps; their `vcpu` fields are kept
   * @returns a new builder
   * @throws {InvalidScenarioError} listing every bad step field
   */
  append(steps: readonly Step[]): GuestBuilder {
    const issues = stepsIssues(steps, this.#props.ctx, "append()");
    if (issues.length > 0) throw new InvalidScenarioError(issues);
    return this.#add(...steps);
  }

  /**
   * Appends a preset's program, run on the current vCPU.
   *
   * @param name the preset's name, for errors
   * @param preset the preset function
   * @param options its options (`vcpu` is set to the current vCPU)
   * @returns a new builder
   * @throws {ScenarioError} for a preset that is not a function, bad options or steps outside the VM
   */
  preset<O>(name: string, preset: GuestPresetFn<O>, options: O): GuestBuilder {
    checkFunction(name, preset, "preset");
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw callError("invalid_value", name, options, "an options object, or none");
    }
    const steps = preset({ ...options, vcpu: this.#props.vcpu });
    const issues = stepsIssues(steps, this.#props.ctx, `${name}()`);
    if (issues.length > 0) throw new InvalidScenarioError(issues);
    return this.#add(...steps);
  }

  /**
   * The 32-bit ARM zImage decompressor (see lib/guest/zimage32.ts).
   *
   * @param options era (`"2015"` set/way, `"by-va"`, `"2021"`), image base and size
   * @returns a new builder
   * @throws {ScenarioError} for bad options, or an image outside RAM
   */
  zImage32(options: Omit<ZImage32Options, "vcpu"> = {}): GuestBuilder {
    return this.preset("zImage32", zImage32, options);
  }

  /**
   * The arm64 Linux early boot: MMU off, invalidation by VA of what it wrote,
   * MMU on; then its secondaries the same way (see lib/guest/linux_arm64.ts).
   *
   * @param options image base and size, `cpus` (default: every vCPU of the
   *   VM boots; secondaries are the other vCPUs in index order), `loadedBy`, `fdt`
   * @returns a new builder
   * @throws {ScenarioError} for bad options, or steps outside the VM
   */
  linuxArm64(options: Omit<LinuxArm64Options, "vcpu"> = {}): GuestBuilder {
    if (options === null || typeof options !== "object" || options.cpus !== undefined) {
      return this.preset("linuxArm64", linuxArm64, options);
    }
    const vmCpus = this.#props.ctx.cpus;
    const cpus = Number.isSafeInteger(vmCpus) ? vmCpus : 1;
    return this.preset("linuxArm64", linuxArm64, { ...options, cpus });
  }

  /**
   * EDK2 UEFI firmware: MMU set-up around a set/way walk, OS image load, and
   * the hand-over with set/way clean and invalidate around caches off (see
   * lib/guest/edk2.ts).
   *
   * @param options the OS image's base and size
   * @returns a new builder
   * @throws {ScenarioError} for bad options, or steps outside the VM
   */
  edk2(options: Omit<Edk2Options, "vcpu"> = {}): GuestBuilder {
    return this.preset("edk2", edk2, options);
  }

  /**
   * U-Boot: caches on, kernel load, caches off, then a full flush by set/way
   * and the jump to the kernel (see lib/guest/uboot.ts).
   *
   * @param options the kernel image's base and size
   * @returns a new builder
   * @throws {ScenarioError} for bad options, or steps outside the VM
   */
  uboot(options: Omit<UbootOptions, "vcpu"> = {}): GuestBuilder {
    return this.preset("uboot", uboot, options);
  }

  /**
   * A 32-bit ARM Linux secondary boot while the current vCPU (the primary)
   * runs with caches on (see lib/guest/smp_secondary.ts).
   *
   * The L1 that `v7_invalidate_l1` walks is by default the one of the
   * physical CPU the secondary starts on (its CCSIDR, as the kernel reads
   * it in `v7_invalidate_l1`, arch/arm/mm/cache-v7.S), so the preset works
   * on every machine, big.LITTLE ones included.
   *
   * @param options the secondary vCPU (default: the next one), its L1 geometry
   *   for `v7_invalidate_l1` (default: the machine's), the primary's data
   * @returns a new builder
   * @throws {ScenarioError} `out_of_range` on a VM with one vCPU; for bad
   *   options, or steps outside the VM
   */
  smpSecondary(options: Omit<SmpSecondaryOptions, "vcpu"> = {}): GuestBuilder {
    const ctx = this.#props.ctx;
    if (ctx.cpus < 2) {
      throw callError(
        "out_of_range",
        "smpSecondary",
        ctx.cpus,
        "a VM with a second vCPU for the secondary to boot on (vm().cpus(2))",
        "cpus",
      );
    }
    if (options !== null && typeof options === "object" && !Array.isArray(options)) {
      const given = options as SmpSecondaryOptions;
      const secondary = given.secondary ?? this.#props.vcpu + 1;
      const machine = this.#props.machine;
      if (
        given.l1 === undefined && machine && Number.isSafeInteger(secondary) && secondary >= 0 &&
        secondary < cpuCount(machine)
      ) {
        const l1 = clusterOf(machine, secondary).cluster.l1d;
        return this.preset("smpSecondary", smpSecondary, { ...given, l1 });
      }
    }
    return this.preset("smpSecondary", smpSecondary, options);
  }

  /**
   * Writes, caches off, reads back, with no maintenance: the buggy guest.
   *
   * @param options image base and size
   * @returns a new builder
   * @throws {ScenarioError} for bad options, or an image outside RAM
   */
  noMaintenance(options: Omit<SimpleGuestOptions, "vcpu"> = {}): GuestBuilder {
    return this.preset("noMaintenance", noMaintenance, options);
  }

  /**
   * Writes, cleans by VA to PoC, caches off, reads back: the correct guest.
   *
   * @param options image base and size
   * @returns a new builder
   * @throws {ScenarioError} for bad options, or an image outside RAM
   */
  vaCorrect(options: Omit<SimpleGuestOptions, "vcpu"> = {}): GuestBuilder {
    return this.preset("vaCorrect", vaCorrect, options);
  }

  /**
   * The steps recorded, in order.
   *
   * @returns a new array of frozen steps
   */
  toSteps(): Step[] {
    return stepsOf(this.#props.steps);
  }

  /**
   * The recorded steps as a persistent list (for the VM builder).
   *
   * @returns the list, or null when empty
   */
  stepList(): StepList | null {
    return this.#props.steps;
  }
}
