/**
 * U-Boot on arm64 as a guest program: caches on at start-up, load the
 * kernel, then the full-cache flush by set/way with caches already off,
 * and the jump to the kernel with the MMU off.
 *
 * It follows arch/arm/cpu/armv8/cache_v8.c, cache.S and cpu.c (U-Boot
 * 2014–2016, the non-`CONFIG_SYS_FULL_VA` page tables), running at EL1 as a
 * KVM guest:
 *
 * 1. `enable_caches`: `icache_enable` sets SCTLR.I; `dcache_enable` finds the
 *    MMU off, so `invalidate_dcache_all` (`__asm_invalidate_dcache_all` →
 *    `__asm_dcache_all`, `DC ISW` on every set and way up to LoC) runs with
 *    caches off, then `mmu_setup` writes the section table with the MMU off,
 *    `set_ttbr_tcr_mair` writes `TTBR0_EL1`, `TCR_EL1` and `MAIR_EL1`,
 *    `set_sctlr` sets M, and `dcache_enable` finally sets C.
 * 2. The boot command loads the kernel Image (`booti`), caches on; the table
 *    walker has read the section table through the caches.
 * 3. `boot_jump_linux` → `cleanup_before_linux` (cpu.c): `icache_disable`
 *    clears SCTLR.I; `dcache_disable` clears C and M **first**, then
 *    `flush_dcache_all`: `__asm_flush_dcache_all` (`DC CISW` on every set and
 *    way) and `__asm_flush_l3_cache` (a weak no-op unless the SoC provides
 *    one); then `invalidate_dcache_all` (`DC ISW` again).
 * 4. The kernel runs with the MMU off and reads its Image non-cacheably.
 *
 * Under KVM 4.0 the caches-off SCTLR write of step 3 is not trapped (TVM was
 * cleared when caches came on), so the only flush before the kernel reads is
 * the one at the first trapped set/way op: the case for flushing at the S/W
 * op, not only at caches-off. On a machine with a system cache and no
 * `__asm_flush_l3_cache` hook the guest fails natively.
 *
 * Simplified: no relocation, no I-cache or TLB effects; the section table
 * (512 MiB sections with a 64 KiB granule) is modelled by four entries, the
 * first two and the two around the image, the low 32 bits of each, placed
 * right after the image (U-Boot puts it at the top of RAM); 64-bit registers are written as their low 32
 * bits; the image is a few words per page ({@linkcode imageLayout}); PCs
 * are illustrative addresses in relocated U-Boot ({@linkcode UBOOT_PC}).
 *
 * @example Usage
 * ```ts
 * import { uboot } from "@setway/setway/guest";
 * const walks = uboot().filter((s) => s.kind === "sw_walk");
 * console.log(walks.map((s) => s.kind === "sw_walk" && s.op)); // ["isw", "cisw", "isw"]
 * ```
 *
 * @module
 */

import { imageLayout, type ImageOptions } from "./image.ts";
import type { Step } from "./ops.ts";
import { presetOptions, presetVcpu } from "./options.ts";

/** Options of {@linkcode uboot}. */
export interface UbootOptions extends ImageOptions {
  /** The vCPU that runs it. Default 0. */
  readonly vcpu?: number;
}

/** Where `booti` places a 4.x arm64 Image: RAM base + TEXT_OFFSET (0x80000). */
export const UBOOT_KERNEL_BASE = 0x4008_0000;

/**
 * Illustrative PCs in relocated U-Boot (near the top of 1 GiB of RAM at
 * 0x4000_0000), by the function that holds the instruction.
 *
 * @example Usage
 * ```ts
 * import { UBOOT_PC } from "./uboot.ts";
 * console.log(UBOOT_PC.dcacheLevel.toString(16)); // "7ff81c2c"
 * ```
 */
export const UBOOT_PC: Readonly<{
  icacheEnable: number;
  dcacheLevel: number;
  mmuSetup: number;
  mmuSetupTtbr0: number;
  mmuSetupSctlr: number;
  dcacheEnableSctlr: number;
  doBooti: number;
  icacheDisable: number;
  dcacheDisable: number;
}> = Object.freeze({
  /** `icache_enable`: `set_sctlr(get_sctlr() | CR_I)`. */
  icacheEnable: 0x7ff8_2a10,
  /** `__asm_dcache_level` (cache.S): the `dc isw` / `dc cisw` of the walk. */
  dcacheLevel: 0x7ff8_1c2c,
  /** `mmu_setup`: `set_pgtable_section` stores. */
  mmuSetup: 0x7ff8_2b40,
  /** `mmu_setup` → `set_ttbr_tcr_mair` (inline): `msr ttbr0_el1`, then TCR and MAIR. */
  mmuSetupTtbr0: 0x7ff8_2c00,
  /** `mmu_setup` → `set_sctlr` (inline): `msr sctlr_el1` setting M. */
  mmuSetupSctlr: 0x7ff8_2c1c,
  /** `dcache_enable` → `set_sctlr` (inline): `msr sctlr_el1` setting C. */
  dcacheEnableSctlr: 0x7ff8_2c84,
  /** `do_booti`: the Image is loaded to `kernel_addr_r`. */
  doBooti: 0x7ff9_4e00,
  /** `icache_disable`: `set_sctlr(get_sctlr() & ~CR_I)`. */
  icacheDisable: 0x7ff8_2a40,
  /** `dcache_disable`: `set_sctlr(sctlr & ~(CR_C|CR_M))`. */
  dcacheDisable: 0x7ff8_2a80,
});

/** A 512 MiB section: type block, AF, AttrIndx as given, not shared. */
function section(index: number, attrIndx: number): number {
  return ((index * 0x2000_0000) | 0x401 | (attrIndx << 2)) >>> 0;
}

/** U-Boot's MAIR_EL1[31:0]: MT_DEVICE_NGNRNE .. MT_NORMAL_NC, MT_NORMAL at index 4 (high word). */
const MAIR_EL1_LOW = 0x440c_0400;
/** TCR_EL1[31:0] of `mmu_setup`: EPD1, 64 KiB TG0, outer shareable WBWA walks, T0SZ = 22. */
const TCR_EL1_LOW = 0x0080_6516;
/** MAIR index of normal write-back memory and of device memory. */
const MT_NORMAL = 4, MT_DEVICE_NGNRNE = 0;

/**
 * U-Boot's boot to the kernel: caches on, load the Image, S/W flush with
 * caches off, jump.
 *
 * @example Usage
 * ```ts
 * import { uboot } from "@setway/setway/guest";
 * const steps = uboot({ words: 8 });
 * console.log(steps.filter((s) => s.kind === "read").length); // 12: 4 table entries, 8 image words
 * ```
 * @param options image placement and size, vCPU; every field has a default
 * @returns the program, in run order
 * @throws {ScenarioError} for bad options
 */
export function uboot(given: UbootOptions = {}): Step[] {
  const options = presetOptions("uboot", given) as UbootOptions;
  const vcpu = presetVcpu("uboot", options.vcpu);
  const image = imageLayout({
    ...options,
    base: options.base === undefined ? UBOOT_KERNEL_BASE : options.base,
  }, "uboot");
  const pc = (addr: number): Step => ({ kind: "pc", vcpu, addr });
  const P = UBOOT_PC;
  // gd->arch.tlb_addr, 64 KiB aligned, after the image.
  const tlb = Math.ceil(image.end / 0x1_0000) * 0x1_0000;
  const ramIndex = Math.floor(image.base / 0x2000_0000);
  const indices = [...new Set([0, 1, ramIndex, ramIndex + 1])].sort((a, b) => a - b);
  const entries = indices.map((i) => ({
    addr: tlb + 8 * i,
    value: section(i, i === ramIndex ? MT_NORMAL : MT_DEVICE_NGNRNE),
  }));

  const steps: Step[] = [
    // arm64 U-Boot: the vCPU runs in AArch64.
    { kind: "exec_state", vcpu, aarch32: false },
    // enable_caches → icache_enable, dcache_enable.
    pc(P.icacheEnable),
    { kind: "sctlr", vcpu, bits: { i: true } },
    pc(P.dcacheLevel),
    { kind: "sw_walk", vcpu, op: "isw" },
    pc(P.mmuSetup),
  ];
  for (const e of entries) steps.push({ kind: "write", vcpu, addr: e.addr, value: e.value });
  steps.push(
    pc(P.mmuSetupTtbr0),
    { kind: "vm_reg", vcpu, reg: "TTBR0", value: tlb },
    { kind: "vm_reg", vcpu, reg: "TCR", value: TCR_EL1_LOW },
    { kind: "vm_reg", vcpu, reg: "MAIR0", value: MAIR_EL1_LOW },
    pc(P.mmuSetupSctlr),
    { kind: "sctlr", vcpu, bits: { m: true } },
    pc(P.dcacheEnableSctlr),
    { kind: "sctlr", vcpu, bits: { c: true } },
  );
  // The walker reads the section table through the caches; booti loads the Image.
  for (const e of entries) steps.push({ kind: "read", vcpu, addr: e.addr });
  steps.push(pc(P.doBooti));
  for (const w of image.words) steps.push({ kind: "write", vcpu, addr: w.addr, value: w.value });

  // cleanup_before_linux.
  steps.push(
    pc(P.icacheDisable),
    { kind: "sctlr", vcpu, bits: { i: false } },
    pc(P.dcacheDisable),
    { kind: "sctlr", vcpu, bits: { c: false, m: false } },
    pc(P.dcacheLevel),
    { kind: "sw_walk", vcpu, op: "cisw" },
    pc(P.dcacheLevel),
    { kind: "sw_walk", vcpu, op: "isw" },
    pc(image.base),
  );
  for (const w of image.words) steps.push({ kind: "read", vcpu, addr: w.addr });
  return steps;
}
