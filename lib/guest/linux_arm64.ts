/**
 * The arm64 Linux kernel's early boot as a guest program: entry with the MMU
 * off, invalidation by VA of what it wrote with the MMU off and will read
 * with it on, MMU on; secondary CPUs brought up the same way. It never uses
 * set/way operations, so it is the guest KVM's set/way trapping never
 * notices: only its VM-register writes trap (HCR.TVM is set at reset).
 *
 * It follows arch/arm64/kernel/head.S of Linux 4.x to 5.14 (before
 * `__inval_dcache_area` became `dcache_inval_poc`):
 *
 * 1. Before the vCPU runs, the VMM loads the Image into guest RAM through its
 *    own cacheable mapping (QEMU's `-kernel`), unless `loadedBy: "firmware"`.
 *    The first instruction (`_head: b stext`, `primary_entry` since 5.8) is
 *    fetched with the MMU off: a non-cacheable read of the image's first word.
 * 2. `preserve_boot_args`: x0..x3 (x0 = the FDT address, the rest 0) are
 *    stored to `boot_args` with the MMU off, then `__inval_dcache_area`
 *    invalidates those lines by VA (`DC IVAC`, performed as clean+invalidate
 *    under stage 2), so no stale line shadows them once the MMU is on.
 * 3. `__create_page_tables`: invalidate `idmap_pg_dir` .. `init_pg_end` by VA,
 *    write the descriptors that map the image (identity map and kernel map)
 *    with the MMU off, invalidate the same range again "to remove any
 *    speculatively loaded cache lines".
 * 4. `__cpu_setup` (arch/arm64/mm/proc.S): `MAIR_EL1`, `TCR_EL1`.
 * 5. `__enable_mmu`: `TTBR0_EL1` (idmap), `TTBR1_EL1` (swapper), then
 *    `SCTLR_EL1` with M, C and I set.
 * 6. `__primary_switched` and `setup_arch`, caches on: the table walker reads
 *    the descriptors, `setup_arch` reads `boot_args`, the kernel reads its
 *    image.
 * 7. For each secondary (`cpus - 1` of them): the primary's `__cpu_up`
 *    (arch/arm64/kernel/smp.c) writes `secondary_data` (task, stack) with
 *    caches on and cleans it by VA (`__flush_dcache_area`, `DC CIVAC`); the
 *    secondary enters `secondary_entry` → `secondary_startup` with its MMU
 *    off, runs `__cpu_setup` and `__enable_mmu` like the primary, and
 *    `__secondary_switched` reads `secondary_data` with caches on.
 *
 * Simplified: PSCI `CPU_ON`, `el2_setup`, the I-cache, TLB maintenance,
 * KASLR and the clearing of the table pages are left out; only the
 * descriptors on the path to the image's 2 MiB block are written, and only
 * their low 32 bits (see {@linkcode mapBlock4k}); 64-bit registers are
 * written as their low 32 bits (MAIR0 holds MAIR_EL1[31:0]); the image is a
 * few words per page ({@linkcode imageLayout}). PCs are physical (idmap)
 * addresses at illustrative offsets inside the image's first page
 * ({@linkcode LINUX_ARM64_PC}), even after the MMU is on.
 *
 * @example Usage
 * ```ts
 * import { linuxArm64 } from "@setway/setway/guest";
 * const steps = linuxArm64({ cpus: 2 });
 * console.log(steps.some((s) => s.kind === "sw_walk" || s.kind === "sw")); // false
 * ```
 *
 * @module
 */

import { imageLayout, type ImageOptions } from "./image.ts";
import type { Step } from "./ops.ts";
import {
  presetAddress,
  presetChoice,
  presetInteger,
  presetOptions,
  presetVcpu,
} from "./options.ts";
import { mapBlock4k, TABLE_SIZE } from "./translation_tables.ts";

/** Who put the kernel Image in RAM before the guest runs. */
export type LinuxArm64Loader = "vmm" | "firmware";

/** Options of {@linkcode linuxArm64}. */
export interface LinuxArm64Options extends ImageOptions {
  /** The primary vCPU. Default 0. */
  readonly vcpu?: number;
  /**
   * How many CPUs boot: the primary, then `cpus - 1` secondaries (the other
   * vCPUs, in index order). Default 1. The DSL method defaults it to the
   * VM's vCPU count.
   */
  readonly cpus?: number;
  /**
   * `"vmm"`: the host writes the Image through its cacheable mapping before
   * the vCPU starts (QEMU `-kernel`); `"firmware"`: a boot loader already
   * wrote it (compose after `uboot()` or `edk2()` with the same `base`).
   * Default `"vmm"`.
   */
  readonly loadedBy?: LinuxArm64Loader;
  /** The FDT address passed in x0. Default 0x4000_0000 (QEMU `virt` puts it at the base of RAM). */
  readonly fdt?: number;
}

/** Where a 4.x arm64 Image is loaded: RAM base + TEXT_OFFSET (0x80000). */
export const LINUX_ARM64_BASE = 0x4008_0000;

/**
 * Offsets from the image base of the instructions the preset attributes its
 * steps to (illustrative: real offsets depend on the build; all fall in the
 * image's first page, so no PC lands on the data the preset writes).
 *
 * @example Usage
 * ```ts
 * import { LINUX_ARM64_PC } from "./linux_arm64.ts";
 * console.log(LINUX_ARM64_PC.enableMmuSctlr.toString(16)); // "220"
 * ```
 */
export const LINUX_ARM64_PC: Readonly<{
  head: number;
  preserveBootArgs: number;
  createPageTables: number;
  invalDcacheArea: number;
  cpuSetupMair: number;
  cpuSetupTcr: number;
  enableMmuTtbr0: number;
  enableMmuTtbr1: number;
  enableMmuSctlr: number;
  primarySwitched: number;
  setupArch: number;
  cpuUp: number;
  flushDcacheArea: number;
  secondaryEntry: number;
  secondarySwitched: number;
}> = Object.freeze({
  /** `_head`: `b stext`, the first instruction. */
  head: 0x0,
  /** `preserve_boot_args`: `stp x21, x1, [x0]` with the MMU off. */
  preserveBootArgs: 0x40,
  /** `__create_page_tables`: the descriptor stores. */
  createPageTables: 0xc0,
  /** `__inval_dcache_area` (arch/arm64/mm/cache.S): the `dc ivac` loop. */
  invalDcacheArea: 0x4a0,
  /** `__cpu_setup`: `msr mair_el1, x5`. */
  cpuSetupMair: 0x640,
  /** `__cpu_setup`: `msr tcr_el1, x10`. */
  cpuSetupTcr: 0x680,
  /** `__enable_mmu`: `msr ttbr0_el1, x25`. */
  enableMmuTtbr0: 0x210,
  /** `__enable_mmu`: `msr ttbr1_el1, x26`. */
  enableMmuTtbr1: 0x214,
  /** `__enable_mmu`: `msr sctlr_el1, x0`. */
  enableMmuSctlr: 0x220,
  /** `__primary_switched`: the first code that runs with the MMU on. */
  primarySwitched: 0x300,
  /** `setup_arch`: reads `boot_args`. */
  setupArch: 0xa00,
  /** `__cpu_up`: stores to `secondary_data`. */
  cpuUp: 0xc00,
  /** `__flush_dcache_area` (arch/arm64/mm/cache.S): the `dc civac` loop. */
  flushDcacheArea: 0x440,
  /** `secondary_entry` → `secondary_startup`. */
  secondaryEntry: 0x380,
  /** `__secondary_switched`: reads `secondary_data` with the MMU on. */
  secondarySwitched: 0x3c0,
});

/** Where the kernel's linear map put the image in 4.x: KIMAGE_VADDR + TEXT_OFFSET. */
const KIMAGE_VADDR = 0xffff_0000_0800_0000n;
/** A level-2 block of normal memory: type, AF, inner shareable, AttrIndx 4 (MT_NORMAL). */
const PROT_SECT_NORMAL_EXEC = 0x711;
/** MAIR_EL1[31:0] as `__cpu_setup` writes it (MT_DEVICE_nGnRnE .. MT_NORMAL_NC). */
const MAIR_EL1_LOW = 0x440c_0400;
/** TCR_EL1[31:0]: T0SZ = T1SZ = 16, WBWA walks, inner shareable, 4 KiB TG1. */
const TCR_EL1_LOW = 0xb510_3510;
/** SCTLR.M, C and I. */
const MMU_ON = Object.freeze({ m: true, c: true, i: true });

/** The layout the preset derives from its options. */
interface Layout {
  readonly boot: number;
  readonly secondaryData: number;
  readonly idmap: number;
  readonly swapper: number;
  readonly tablesEnd: number;
}

/**
 * The arm64 Linux early boot, primary then secondaries.
 *
 * @example Usage
 * ```ts
 * import { linuxArm64 } from "@setway/setway/guest";
 * const steps = linuxArm64({ cpus: 4, words: 16 });
 * const mmuOn = steps.flatMap((s) => s.kind === "sctlr" && s.bits.m === true ? [s.vcpu] : []);
 * console.log(mmuOn); // [0, 1, 2, 3]
 * ```
 * @param options image placement and size, CPUs, loader, FDT; every field has a default
 * @returns the program, in run order
 * @throws {ScenarioError} for bad options
 */
export function linuxArm64(given: LinuxArm64Options = {}): Step[] {
  const options = presetOptions("linuxArm64", given, [
    "cpus",
    "loadedBy",
    "fdt",
  ]) as LinuxArm64Options;
  const call = "linuxArm64";
  const vcpu = presetVcpu(call, options.vcpu);
  const cpus = presetInteger(call, "cpus", options.cpus, 1, 1, 64);
  const loadedBy = presetChoice<LinuxArm64Loader>(call, "loadedBy", options.loadedBy, [
    "vmm",
    "firmware",
  ]);
  const fdt = presetAddress(call, "fdt", options.fdt, 0x4000_0000);
  const image = imageLayout({
    ...options,
    base: options.base === undefined ? LINUX_ARM64_BASE : options.base,
  }, call);
  // boot_args and secondary_data in the page after the image, then the
  // idmap and swapper tables, three pages each.
  const idmap = image.end + TABLE_SIZE;
  const layout: Layout = {
    boot: image.end,
    secondaryData: image.end + 0x100,
    idmap,
    swapper: idmap + 3 * TABLE_SIZE,
    tablesEnd: idmap + 6 * TABLE_SIZE,
  };
  const pc = (v: number, offset: number): Step => ({
    kind: "pc",
    vcpu: v,
    addr: image.base + offset,
  });
  const P = LINUX_ARM64_PC;
  const descriptors = [
    ...mapBlock4k(layout.idmap, BigInt(image.base), image.base, PROT_SECT_NORMAL_EXEC),
    ...mapBlock4k(
      layout.swapper,
      KIMAGE_VADDR + BigInt(image.base % 0x20_0000),
      image.base,
      PROT_SECT_NORMAL_EXEC,
    ),
  ];

  const secondaries: number[] = [];
  for (let n = 1, next = 0; n < cpus; n++) {
    if (next === vcpu) next++;
    secondaries.push(next++);
  }
  // AArch64 code: the VMM initialises every vCPU it boots in AArch64.
  const steps: Step[] = [vcpu, ...secondaries].map((v) => ({
    kind: "exec_state",
    vcpu: v,
    aarch32: false,
  }));
  if (loadedBy === "vmm") {
    for (const w of image.words) steps.push({ kind: "host_write", addr: w.addr, value: w.value });
  }
  steps.push(pc(vcpu, P.head), { kind: "read", vcpu, addr: image.base });

  // preserve_boot_args: x0 = FDT, x1..x3 = 0, stored as u64s with the MMU off.
  steps.push(pc(vcpu, P.preserveBootArgs));
  for (let i = 0; i < 8; i++) {
    steps.push({ kind: "write", vcpu, addr: layout.boot + 4 * i, value: i === 0 ? fdt : 0 });
  }
  steps.push(
    pc(vcpu, P.invalDcacheArea),
    { kind: "dc_va", vcpu, op: "ivac", addr: layout.boot, len: 32 },
  );

  // __create_page_tables: invalidate, fill with the MMU off, invalidate again.
  const tablesLen = layout.tablesEnd - layout.idmap;
  steps.push(
    pc(vcpu, P.invalDcacheArea),
    { kind: "dc_va", vcpu, op: "ivac", addr: layout.idmap, len: tablesLen },
    pc(vcpu, P.createPageTables),
  );
  for (const d of descriptors) steps.push({ kind: "write", vcpu, addr: d.addr, value: d.value });
  steps.push(
    pc(vcpu, P.invalDcacheArea),
    { kind: "dc_va", vcpu, op: "ivac", addr: layout.idmap, len: tablesLen },
  );

  steps.push(...enableMmu(vcpu, layout, pc));

  // With the MMU on: the walker reads the tables, setup_arch reads boot_args,
  // the kernel reads its image.
  steps.push(pc(vcpu, P.primarySwitched));
  for (const d of descriptors) steps.push({ kind: "read", vcpu, addr: d.addr });
  steps.push(pc(vcpu, P.setupArch));
  for (let i = 0; i < 8; i += 2) steps.push({ kind: "read", vcpu, addr: layout.boot + 4 * i });
  for (const w of image.words) steps.push({ kind: "read", vcpu, addr: w.addr });

  for (const secondary of secondaries) {
    // __cpu_up: secondary_data.task and .stack (u64 each), then __flush_dcache_area.
    const task = (0xffc0_8000 + 0x2000 * secondary) >>> 0;
    const stack = (0xffd0_4000 + 0x4000 * secondary) >>> 0;
    steps.push(
      pc(vcpu, P.cpuUp),
      { kind: "write", vcpu, addr: layout.secondaryData, value: task },
      { kind: "write", vcpu, addr: layout.secondaryData + 4, value: 0xffff_0000 },
      { kind: "write", vcpu, addr: layout.secondaryData + 8, value: stack },
      { kind: "write", vcpu, addr: layout.secondaryData + 12, value: 0xffff_0000 },
      pc(vcpu, P.flushDcacheArea),
      { kind: "dc_va", vcpu, op: "civac", addr: layout.secondaryData, len: 16 },
      pc(secondary, P.secondaryEntry),
      ...enableMmu(secondary, layout, pc),
      pc(secondary, P.secondarySwitched),
      { kind: "read", vcpu: secondary, addr: layout.secondaryData },
      { kind: "read", vcpu: secondary, addr: layout.secondaryData + 8 },
    );
  }
  return steps;
}

/** `__cpu_setup` then `__enable_mmu`: MAIR, TCR, TTBR0, TTBR1, SCTLR. */
function enableMmu(
  vcpu: number,
  layout: Layout,
  pc: (v: number, offset: number) => Step,
): Step[] {
  const P = LINUX_ARM64_PC;
  return [
    pc(vcpu, P.cpuSetupMair),
    { kind: "vm_reg", vcpu, reg: "MAIR0", value: MAIR_EL1_LOW },
    pc(vcpu, P.cpuSetupTcr),
    { kind: "vm_reg", vcpu, reg: "TCR", value: TCR_EL1_LOW },
    pc(vcpu, P.enableMmuTtbr0),
    { kind: "vm_reg", vcpu, reg: "TTBR0", value: layout.idmap },
    pc(vcpu, P.enableMmuTtbr1),
    { kind: "vm_reg", vcpu, reg: "TTBR1", value: layout.swapper },
    pc(vcpu, P.enableMmuSctlr),
    { kind: "sctlr", vcpu, bits: MMU_ON },
  ];
}
