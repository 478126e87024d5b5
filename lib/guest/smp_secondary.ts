/**
 * A secondary vCPU of a 32-bit ARM Linux guest booting while the primary
 * runs with its caches on: the handshake through memory, and the set/way
 * invalidate of the secondary's L1 at power-up.
 *
 * It follows the 32-bit kernel of Linux 4.x (mach-virt, PSCI), AArch32 code
 * at EL1 on both vCPUs (an `exec_state` step for each starts the program, so
 * their trapped `MCR`s to CP15 report the exception class 0x03, `CP15_32`):
 *
 * 1. The primary has booted (summarized by its MMU-on SCTLR write) and works
 *    with caches on: it writes its data (the image words).
 * 2. `__cpu_up` (arch/arm/kernel/smp.c) writes `secondary_data` (`pgdir`,
 *    `swapper_pg_dir`, `stack`) and cleans it to the PoC by VA with
 *    `sync_cache_w` (`__cpuc_flush_dcache_area`, the `DCCIMVAC` loop of
 *    `v7_flush_kern_dcache_area`), then starts the secondary (PSCI `CPU_ON`).
 * 3. The secondary enters `secondary_startup` (arch/arm/kernel/head.S) with
 *    its MMU off and reads `secondary_data.pgdir` and `.swapper_pg_dir`
 *    non-cacheably: it relies on the primary's clean.
 * 4. `__v7_setup` (arch/arm/mm/proc-v7.S) calls `v7_invalidate_l1`
 *    (arch/arm/mm/cache-v7.S): `DCISW` on every set and way of the L1 data
 *    cache, read from CCSIDR, with caches off. Under KVM each traps.
 * 5. Meanwhile the primary keeps writing with caches on (half of its words
 *    get new values).
 * 6. `v7_ttb_setup` writes TTBCR and TTBR1, `__v7_setup_cont` PRRR and NMRR
 *    (MAIR0/MAIR1), `__enable_mmu` DACR and TTBR0, `__turn_mmu_on` SCTLR
 *    with M, C and I: all trapped under HCR.TVM.
 * 7. `__secondary_switched` reads `secondary_data.stack`, and
 *    `secondary_start_kernel` reads the primary's data, caches on; the
 *    primary reads its data back.
 *
 * A set/way invalidate of the local L1 with caches off, at power-up, is the
 * use the architecture intends; under KVM 4.0 it is deferred (HCR.TVM is set
 * at the vCPU's reset), under KVM 3.18 it is performed on the physical CPU
 * (upgraded to clean+invalidate by HCR.SWIO).
 *
 * Simplified: the primary's own boot is one SCTLR write; the `stmia`/`ldmia`
 * of `__v7_setup_stack` and the I-cache and TLB maintenance are left out;
 * the secondary's L1 geometry is an option (the real code reads CCSIDR), and
 * each `DCISW` is one step at the loop's PC, so every trap is an event of
 * its own; the image is a few words per page ({@linkcode imageLayout}); PCs
 * are physical addresses at illustrative offsets inside the image's first
 * page ({@linkcode SMP_SECONDARY_PC}).
 *
 * @example Usage
 * ```ts
 * import { smpSecondary } from "@setway/setway/guest";
 * const steps = smpSecondary({ l1: { size: 32768, ways: 2 } });
 * console.log(steps.filter((s) => s.kind === "sw").length); // 512: 256 sets x 2 ways
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { imageLayout, type ImageOptions } from "./image.ts";
import type { Step } from "./ops.ts";
import { presetInteger, presetOptions, presetVcpu } from "./options.ts";

/** The L1 data cache `v7_invalidate_l1` walks, as CCSIDR describes it. */
export interface L1Geometry {
  /** Capacity in bytes; a power of two. */
  readonly size: number;
  /** Associativity; a power of two. */
  readonly ways: number;
  /** Line size in bytes; a power of two, at least 16. Default 64. */
  readonly lineSize?: number;
}

/** Options of {@linkcode smpSecondary}. */
export interface SmpSecondaryOptions extends ImageOptions {
  /** The primary vCPU. Default 0. */
  readonly vcpu?: number;
  /** The secondary vCPU. Default `vcpu + 1`. */
  readonly secondary?: number;
  /**
   * The secondary's L1 data cache, walked by `v7_invalidate_l1`; `false`
   * leaves the walk out. Default: through the builder
   * (`vm()...guest((g) => g.smpSecondary())`), the L1 of the physical CPU
   * the secondary starts on; called directly, 32 KiB, 4-way, 64-byte lines
   * (Cortex-A7, and the generic machine). It must match what the guest reads from
   * CCSIDR: the machine's L1 (a set or way the CPU does not have is refused
   * when the scenario is checked), or the virtual one of a hypervisor that
   * normalizes the cache ID registers (kvm-modern: `{ size: 64, ways: 1 }`,
   * one set of one way).
   */
  readonly l1?: L1Geometry | false;
}

/** The default L1 of `v7_invalidate_l1`: 32 KiB, 4-way, 64-byte lines. */
export const DEFAULT_L1: L1Geometry = Object.freeze({ size: 32 * 1024, ways: 4, lineSize: 64 });

/**
 * Offsets from the image base of the instructions the preset attributes its
 * steps to (illustrative, all in the image's first page).
 *
 * @example Usage
 * ```ts
 * import { SMP_SECONDARY_PC } from "./smp_secondary.ts";
 * console.log(SMP_SECONDARY_PC.v7InvalidateL1Dcisw.toString(16)); // "86c"
 * ```
 */
export const SMP_SECONDARY_PC: Readonly<{
  primaryTurnMmuOn: number;
  primaryWork: number;
  cpuUp: number;
  flushKernDcacheArea: number;
  secondaryStartup: number;
  v7InvalidateL1Dcisw: number;
  v7TtbSetup: number;
  v7SetupCont: number;
  enableMmu: number;
  turnMmuOn: number;
  secondarySwitched: number;
  secondaryStartKernel: number;
}> = Object.freeze({
  /** The primary's `__turn_mmu_on`: `mcr p15, 0, r0, c1, c0, 0`. */
  primaryTurnMmuOn: 0x100,
  /** The primary's work with caches on. */
  primaryWork: 0xe20,
  /** `__cpu_up`: the stores to `secondary_data`. */
  cpuUp: 0xf40,
  /** `v7_flush_kern_dcache_area`: the `DCCIMVAC` loop. */
  flushKernDcacheArea: 0xc10,
  /** `secondary_startup`: `ldrd r4, r5, [r3]` with the MMU off. */
  secondaryStartup: 0x1c0,
  /** `v7_invalidate_l1`: `mcr p15, 0, r5, c7, c6, 2` (DCISW). */
  v7InvalidateL1Dcisw: 0x86c,
  /** `v7_ttb_setup`: TTBCR and TTB1. */
  v7TtbSetup: 0xa20,
  /** `__v7_setup_cont`: PRRR and NMRR. */
  v7SetupCont: 0xa60,
  /** `__enable_mmu`: DACR and TTBR0. */
  enableMmu: 0x220,
  /** `__turn_mmu_on`: SCTLR. */
  turnMmuOn: 0x100,
  /** `__secondary_switched`: `secondary_data.stack`. */
  secondarySwitched: 0x280,
  /** `secondary_start_kernel`, caches on. */
  secondaryStartKernel: 0xd00,
});

/** PRRR and NMRR as proc-v7-2level.S programs them. */
const PRRR = 0xff0a_81a8, NMRR = 0x40e0_40e0;
/** DACR: kernel, table and user domains manager, I/O domain client. */
const DACR = 0x1f;
/** A physical address for the identity-map PGD the primary allocated. */
const IDMAP_PGD = 0x4ef1_c000;

function checkL1(value: unknown): { sets: number; ways: number } | null {
  if (value === false) return null;
  const g = (value === undefined ? DEFAULT_L1 : value) as Record<string, unknown>;
  const pow2 = (n: unknown) =>
    typeof n === "number" && Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
  const lineSize = typeof g === "object" && g !== null
    ? (g.lineSize === undefined ? 64 : g.lineSize)
    : undefined;
  const ok = typeof g === "object" && g !== null && pow2(g.size) && pow2(g.ways) &&
    pow2(lineSize) &&
    (lineSize as number) >= 16 && (g.size as number) >= (g.ways as number) * (lineSize as number);
  if (!ok) {
    throw new ScenarioError(
      "bad_geometry",
      "smpSecondary",
      value,
      `smpSecondary(l1 = ${showValue(value)}): expected { size, ways, lineSize? }, powers of ` +
        "two with at least one set, or false",
    );
  }
  const ways = g.ways as number;
  return { sets: (g.size as number) / (ways * (lineSize as number)), ways };
}

/**
 * A 32-bit ARM Linux secondary boot while the primary runs with caches on.
 *
 * @example Usage
 * ```ts
 * import { smpSecondary } from "@setway/setway/guest";
 * const steps = smpSecondary({ l1: false });
 * console.log(new Set(steps.map((s) => "vcpu" in s ? s.vcpu : -1))); // Set(2) { 0, 1 }
 * ```
 * @param options image placement and size, the two vCPUs, the L1 walked; every field has a default
 * @returns the program, in run order
 * @throws {ScenarioError} for bad options
 */
export function smpSecondary(given: SmpSecondaryOptions = {}): Step[] {
  const call = "smpSecondary";
  const options = presetOptions(call, given, ["secondary", "l1"]) as SmpSecondaryOptions;
  const primary = presetVcpu(call, options.vcpu);
  const secondary = presetInteger(call, "secondary", options.secondary, primary + 1, 0, 63);
  if (secondary === primary) {
    throw new ScenarioError(
      "invalid_value",
      call,
      secondary,
      `${call}(secondary = ${secondary}): expected a vCPU other than the primary (${primary})`,
    );
  }
  const l1 = checkL1(options.l1);
  const image = imageLayout(options, call);
  const at = (vcpu: number, offset: number): Step => ({
    kind: "pc",
    vcpu,
    addr: image.base + offset,
  });
  const P = SMP_SECONDARY_PC;
  const data = image.end; // secondary_data, in the kernel's .data after the image
  const swapper = (image.base - 0x4000) >>> 0;
  const stack = (0xee84_0000 + 0x2000 * secondary) >>> 0;

  const steps: Step[] = [
    { kind: "exec_state", vcpu: primary, aarch32: true },
    { kind: "exec_state", vcpu: secondary, aarch32: true },
    at(primary, P.primaryTurnMmuOn),
    { kind: "sctlr", vcpu: primary, bits: { m: true, c: true, i: true } },
    at(primary, P.primaryWork),
  ];
  for (const w of image.words) {
    steps.push({ kind: "write", vcpu: primary, addr: w.addr, value: w.value });
  }
  steps.push(
    at(primary, P.cpuUp),
    { kind: "write", vcpu: primary, addr: data, value: IDMAP_PGD },
    { kind: "write", vcpu: primary, addr: data + 4, value: 0 },
    { kind: "write", vcpu: primary, addr: data + 8, value: swapper },
    { kind: "write", vcpu: primary, addr: data + 12, value: stack },
    at(primary, P.flushKernDcacheArea),
    { kind: "dc_va", vcpu: primary, op: "civac", addr: data, len: 16 },
    // The secondary, MMU off.
    at(secondary, P.secondaryStartup),
    { kind: "read", vcpu: secondary, addr: data },
    { kind: "read", vcpu: secondary, addr: data + 4 },
    { kind: "read", vcpu: secondary, addr: data + 8 },
  );
  if (l1 !== null) {
    // v7_invalidate_l1: sets from the last down, ways from the last down.
    for (let set = l1.sets - 1; set >= 0; set--) {
      for (let way = l1.ways - 1; way >= 0; way--) {
        steps.push(
          at(secondary, P.v7InvalidateL1Dcisw),
          { kind: "sw", vcpu: secondary, op: "isw", level: 1, set, way },
        );
      }
    }
  }
  // The primary runs on: new values for half of its words.
  steps.push(at(primary, P.primaryWork));
  for (const w of image.words) {
    if (w.slot % 2 === 1) {
      steps.push({
        kind: "write",
        vcpu: primary,
        addr: w.addr,
        value: (w.value ^ 0xffff_ffff) >>> 0,
      });
    }
  }
  steps.push(
    at(secondary, P.v7TtbSetup),
    { kind: "vm_reg", vcpu: secondary, reg: "TCR", value: 0 },
    { kind: "vm_reg", vcpu: secondary, reg: "TTBR1", value: swapper },
    at(secondary, P.v7SetupCont),
    { kind: "vm_reg", vcpu: secondary, reg: "MAIR0", value: PRRR },
    { kind: "vm_reg", vcpu: secondary, reg: "MAIR1", value: NMRR },
    at(secondary, P.enableMmu),
    { kind: "vm_reg", vcpu: secondary, reg: "DACR", value: DACR },
    { kind: "vm_reg", vcpu: secondary, reg: "TTBR0", value: IDMAP_PGD },
    at(secondary, P.turnMmuOn),
    { kind: "sctlr", vcpu: secondary, bits: { m: true, c: true, i: true } },
    at(secondary, P.secondarySwitched),
    { kind: "read", vcpu: secondary, addr: data + 12 },
    at(secondary, P.secondaryStartKernel),
  );
  for (const w of image.words) steps.push({ kind: "read", vcpu: secondary, addr: w.addr });
  steps.push(at(primary, P.primaryWork));
  for (const w of image.words) steps.push({ kind: "read", vcpu: primary, addr: w.addr });
  return steps;
}
