/**
 * The 32-bit ARM kernel decompressor (zImage) as a guest program: the guest
 * that motivated KVM's set/way trapping.
 *
 * It follows arch/arm/boot/compressed/head.S on an ARMv7 core:
 *
 * 0. The decompressor is AArch32 code at EL1: the program starts with an
 *    `exec_state` step (AArch32), so its trapped `MCR`s to CP15 report the
 *    exception class 0x03 (`CP15_32`).
 * 1. `start`, then `cache_on` → `__armv7_mmu_cache_on`: load the page-table
 *    pointer (TTBR0, `mcrne p15, 0, r3, c2, c0, 0`), the domain access
 *    control register (DACR = 0xfffffffd, domain 0 client), the translation
 *    table base control register (TTBCR, `mcrne p15, 0, r6, c2, c0, 2`: the
 *    value read back with EAE and N cleared, 0 from a vCPU's reset value),
 *    then one SCTLR write setting M, C and I (MMU, data and instruction
 *    caches on), in that order (arch/arm/boot/compressed/head.S, Linux 4.0
 *    and every era modelled here). Under KVM with HCR.TVM set (as at vCPU
 *    reset) all four writes trap: the first three are `kvm_toggle_cache
 *    (cache was off, now off)`.
 * 2. `decompress_kernel`: the decompressed image is written word by word,
 *    with caches on, at the image base (0x4000_8000 by default).
 * 3. The clean, which depends on the era:
 *    - `"2015"` (Linux up to 5.6): `cache_clean_flush` →
 *      `__armv7_mmu_cache_flush`, a clean+invalidate of every set and way of
 *      every level up to LoC (the `v7_flush_dcache_all` loop, `DCCISW`) with
 *      caches still on; then `cache_off` → `__armv7_mmu_cache_off` clears M
 *      and C and calls `__armv7_mmu_cache_flush` again, now with caches off.
 *    - `"by-va"` (commit 401b368caaec, Linux 5.7, 2020, "switch to by-VA cache
 *      maintenance for v7 cores"): `cache_clean_flush` cleans and invalidates
 *      the inflated image by address to the PoC (`DCCIMVAC` per line), then
 *      `__armv7_mmu_cache_off` clears M and C without any further flush.
 *    - `"2021"` (commit 5a29552af92d, Linux 5.12, "cover BSS in cache clean
 *      and reorder with MMU disable on v7"): caches off first, then the same
 *      by-VA clean+invalidate of the image (and the BSS after it) with caches
 *      off, so no line can be allocated while the clean runs.
 * 4. `__enter_kernel`: the kernel's own head code runs with the MMU off and
 *    reads its image non-cacheably (a subset of the words written: every
 *    page, every other word).
 *
 * Simplified: the page tables `__setup_mmu` writes with caches off, the
 * instruction-cache and TLB maintenance, the decompressor's self-relocation
 * are left out; the image is a few words per page (see
 * {@linkcode imageLayout}); the BSS of the `"2021"` era is modelled as one
 * extra page after the image. PC values are the real function names at
 * illustrative offsets from the load address ({@linkcode ZIMAGE32_PC}), not
 * those of a particular build.
 *
 * @example Usage
 * ```ts
 * import { zImage32 } from "@setway/setway/guest";
 * const steps = zImage32({ era: "2015" });
 * console.log(steps.filter((s) => s.kind === "sw_walk").length); // 2
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { PAGE_SIZE } from "../hw/memory.ts";
import { imageLayout, type ImageOptions } from "./image.ts";
import type { Step } from "./ops.ts";
import { presetOptions, presetVcpu } from "./options.ts";
import { didYouMean } from "../options.ts";

/** Which version of the decompressor's cache clean to model. */
export type ZImageEra = "2015" | "by-va" | "2021";

/** Every era, oldest first. */
export const ZIMAGE_ERAS: readonly ZImageEra[] = Object.freeze(["2015", "by-va", "2021"]);

/** Options of {@linkcode zImage32}. */
export interface ZImage32Options extends ImageOptions {
  /** The decompressor version. Default `"2015"`. */
  readonly era?: ZImageEra;
  /**
   * Where the zImage runs: the base of every PC shown, 4-byte aligned, its
   * PCs below 4 GiB (AArch32 code). Default 0x4000_8000.
   */
  readonly load?: number;
  /** The vCPU that runs it. Default 0. */
  readonly vcpu?: number;
}

/**
 * Offsets from the load address of the instructions the preset attributes
 * its steps to (illustrative: real offsets depend on the build).
 *
 * @example Usage
 * ```ts
 * import { ZIMAGE32_PC } from "./zimage32.ts";
 * console.log(ZIMAGE32_PC.armv7MmuCacheOnSctlr.toString(16)); // "4f0"
 * ```
 */
export const ZIMAGE32_PC: Readonly<{
  start: number;
  armv7MmuCacheOnTtbr0: number;
  armv7MmuCacheOnDacr: number;
  armv7MmuCacheOnTtbcr: number;
  armv7MmuCacheOnSctlr: number;
  armv7MmuCacheOffSctlr: number;
  armv7MmuCacheFlushByVa: number;
  armv7MmuCacheFlushBySw: number;
  decompressKernel: number;
}> = Object.freeze({
  /** `start`: the zImage entry point. */
  start: 0x000,
  /** `__armv7_mmu_cache_on`: `mcr p15, 0, r3, c2, c0, 0` (TTBR0). */
  armv7MmuCacheOnTtbr0: 0x4e4,
  /** `__armv7_mmu_cache_on`: `mcr p15, 0, r1, c3, c0, 0` (DACR). */
  armv7MmuCacheOnDacr: 0x4e8,
  /** `__armv7_mmu_cache_on`: `mcr p15, 0, r6, c2, c0, 2` (TTBCR). */
  armv7MmuCacheOnTtbcr: 0x4ec,
  /** `__armv7_mmu_cache_on`: `mcr p15, 0, r0, c1, c0, 0` (SCTLR: MMU and caches on). */
  armv7MmuCacheOnSctlr: 0x4f0,
  /** `__armv7_mmu_cache_off`: `mcr p15, 0, r0, c1, c0` (SCTLR: MMU and caches off). */
  armv7MmuCacheOffSctlr: 0x5f4,
  /** `__armv7_mmu_cache_flush` by address: the `DCCIMVAC` loop. */
  armv7MmuCacheFlushByVa: 0x640,
  /** `__armv7_mmu_cache_flush` by set/way: the `DCCISW` loop of `v7_flush_dcache_all`. */
  armv7MmuCacheFlushBySw: 0x660,
  /** `decompress_kernel`: the inflate loop's stores. */
  decompressKernel: 0x1c40,
});

/** The offset of the last instruction the preset attributes a step to. */
const LAST_PC_OFFSET = Math.max(...Object.values(ZIMAGE32_PC));

/** What `__armv7_mmu_cache_on` writes to DACR: domain 0 client, the other domains manager. */
const DACR_DOMAIN0_CLIENT = 0xffff_fffd;

/** Offset, from the image base, of the kernel head code that reads the image (`stext`). */
const KERNEL_READ_PC = 0x40;

/**
 * The 32-bit zImage decompressor's steps, for one era of its cache clean.
 *
 * @example Usage
 * ```ts
 * import { zImage32 } from "@setway/setway/guest";
 * const byVa = zImage32({ era: "by-va", words: 16 });
 * console.log(byVa.some((s) => s.kind === "sw_walk")); // false
 * ```
 * @param options era, image placement and size, vCPU; every field has a default
 * @returns the program, in run order
 * @throws {ScenarioError} for an unknown era or bad image options
 */
export function zImage32(given: ZImage32Options = {}): Step[] {
  const options = presetOptions("zImage32", given, ["era", "load"]) as ZImage32Options;
  const era = options.era === undefined ? "2015" : options.era;
  if (!ZIMAGE_ERAS.includes(era)) {
    throw new ScenarioError(
      "unknown_name",
      "zImage32",
      era,
      `zImage32(era = ${showValue(era)}): unknown era${didYouMean(era, ZIMAGE_ERAS)}; valid eras: ${
        ZIMAGE_ERAS.join(", ")
      }`,
    );
  }
  const vcpu = presetVcpu("zImage32", options.vcpu);
  const image = imageLayout(options, "zImage32");
  // AArch32 code: its PC is 32 bits, the last instruction modelled included.
  const load = options.load === undefined ? 0x4000_8000 : options.load;
  if (
    typeof load !== "number" || !Number.isSafeInteger(load) || load < 0 || load % 4 !== 0 ||
    load + LAST_PC_OFFSET > 0xffff_fffc
  ) {
    throw new ScenarioError(
      "bad_address",
      "zImage32",
      load,
      `zImage32(load = ${showValue(load)}): expected a 4-byte aligned address at most ${
        showValue(0x1_0000_0000 - 4 - LAST_PC_OFFSET)
      } (32-bit code: its last instruction, at load + 0x${
        LAST_PC_OFFSET.toString(16)
      }, must be below 4 GiB)`,
    );
  }
  const pc = (offset: number): Step => ({ kind: "pc", vcpu, addr: load + offset });
  // __setup_mmu puts the 16 KiB first-level table just below the kernel.
  const pgdir = ((image.base & ~0x3fff) - 0x4000) >>> 0;
  const steps: Step[] = [
    { kind: "exec_state", vcpu, aarch32: true },
    pc(ZIMAGE32_PC.start),
    pc(ZIMAGE32_PC.armv7MmuCacheOnTtbr0),
    { kind: "vm_reg", vcpu, reg: "TTBR0", value: pgdir },
    pc(ZIMAGE32_PC.armv7MmuCacheOnDacr),
    { kind: "vm_reg", vcpu, reg: "DACR", value: DACR_DOMAIN0_CLIENT },
    pc(ZIMAGE32_PC.armv7MmuCacheOnTtbcr),
    // TTBCR (the model's TCR): 32-bit translation system, TTBR0 only.
    { kind: "vm_reg", vcpu, reg: "TCR", value: 0 },
    pc(ZIMAGE32_PC.armv7MmuCacheOnSctlr),
    { kind: "sctlr", vcpu, bits: { m: true, c: true, i: true } },
    pc(ZIMAGE32_PC.decompressKernel),
  ];
  for (const word of image.words) {
    steps.push({ kind: "write", vcpu, addr: word.addr, value: word.value });
  }
  const cacheOff: Step[] = [
    pc(ZIMAGE32_PC.armv7MmuCacheOffSctlr),
    { kind: "sctlr", vcpu, bits: { m: false, c: false } },
  ];
  const imageLen = image.end - image.base;
  switch (era) {
    case "2015":
      steps.push(
        pc(ZIMAGE32_PC.armv7MmuCacheFlushBySw),
        { kind: "sw_walk", vcpu, op: "cisw" },
        ...cacheOff,
        pc(ZIMAGE32_PC.armv7MmuCacheFlushBySw),
        { kind: "sw_walk", vcpu, op: "cisw" },
      );
      break;
    case "by-va":
      steps.push(
        pc(ZIMAGE32_PC.armv7MmuCacheFlushByVa),
        { kind: "dc_va", vcpu, op: "civac", addr: image.base, len: imageLen },
        ...cacheOff,
      );
      break;
    case "2021":
      steps.push(
        ...cacheOff,
        pc(ZIMAGE32_PC.armv7MmuCacheFlushByVa),
        // The image and its BSS, modelled as one more page.
        { kind: "dc_va", vcpu, op: "civac", addr: image.base, len: imageLen + PAGE_SIZE },
      );
      break;
  }
  steps.push({ kind: "pc", vcpu, addr: image.base + KERNEL_READ_PC });
  for (const word of image.words) {
    if (word.slot % 2 === 0) steps.push({ kind: "read", vcpu, addr: word.addr });
  }
  return steps;
}
