/**
 * UEFI firmware (EDK2 on AArch64) as a guest program: caches turned on with
 * a set/way walk at start-up, and turned off around set/way walks when it
 * hands over to the OS.
 *
 * It follows EDK2's ArmPkg as of 2015, running at EL1 as a KVM guest:
 *
 * 1. `ArmConfigureMmu` (ArmPkg/Library/ArmMmuLib/AArch64/ArmMmuLibCore.c,
 *    earlier ArmLib/AArch64/AArch64Mmu.c), MMU off: `ArmSetTCR`,
 *    `ArmSetTTBR0`; `ArmDisableMmu`, `ArmDisableDataCache`,
 *    `ArmDisableInstructionCache`; then "make sure nothing sneaked into the
 *    cache": `ArmCleanInvalidateDataCache` (ArmLib/AArch64/AArch64Lib.c),
 *    which runs `AArch64AllDataCachesOperation` over every set and way up to
 *    LoC with the set/way helper `ArmCleanInvalidateDataCacheEntryBySetWay`
 *    (`DC CISW`, ArmLib/AArch64/AArch64Support.S); `FillTranslationTable`
 *    with the MMU off; `ArmSetMAIR`; `ArmEnableInstructionCache`,
 *    `ArmEnableDataCache`, `ArmEnableMmu`.
 * 2. DXE and BDS with caches on: the OS image is loaded into RAM; the table
 *    walker reads the translation tables through the caches.
 * 3. The hand-over to a Linux kernel booted directly (ArmPkg/Library/BdsLib,
 *    BdsLinuxLoader.c `StartLinux` → `PreparePlatformHardware`, after
 *    `ExitBootServices`): `ArmCleanDataCache` (`DC CSW` on every set and way,
 *    caches still on: "clean before disable else the stack gets corrupted"),
 *    `ArmDisableDataCache`, `ArmInvalidateDataCache` (`DC ISW` on every set
 *    and way: "invalidate all the entries that might have snuck in"),
 *    `ArmDisableInstructionCache`, `ArmDisableMmu`.
 * 4. The kernel runs with the MMU off and reads its image non-cacheably.
 *
 * The clean with caches on is not architecturally guaranteed (lines can be
 * allocated again behind the walk) and, like every set/way walk, never
 * reaches a system cache; on such machines this firmware path fails
 * natively, and only a hypervisor that turns set/way into maintenance by VA
 * saves it. EDK2 later booted Linux through its EFI stub, which cleans by
 * VA, and dropped set/way maintenance from ArmLib in 2024.
 *
 * Simplified: SEC/PEI/DXE are one vCPU's straight-line program; the
 * `ZeroMem` of the root table, the I-cache and TLB maintenance are left out;
 * only the three descriptors on the path to the image's 2 MiB block are
 * written ({@linkcode mapBlock4k}), in three table pages right after the
 * image; 64-bit registers are written as their low 32 bits; the image is a
 * few words per page ({@linkcode imageLayout}); PCs are illustrative
 * ({@linkcode EDK2_PC}).
 *
 * @example Usage
 * ```ts
 * import { edk2 } from "@setway/setway/guest";
 * const walks = edk2().filter((s) => s.kind === "sw_walk");
 * console.log(walks.map((s) => s.kind === "sw_walk" && s.op)); // ["cisw", "csw", "isw"]
 * ```
 *
 * @module
 */

import { imageLayout, type ImageOptions } from "./image.ts";
import type { Step } from "./ops.ts";
import { presetOptions, presetVcpu } from "./options.ts";
import { mapBlock4k } from "./translation_tables.ts";

/** Options of {@linkcode edk2}. */
export interface Edk2Options extends ImageOptions {
  /** The vCPU that runs it. Default 0. */
  readonly vcpu?: number;
}

/** Where the loader places a 4.x arm64 Image: RAM base + TEXT_OFFSET (0x80000). */
export const EDK2_KERNEL_BASE = 0x4008_0000;

/**
 * Illustrative PCs of the instructions the preset attributes its steps to:
 * PrePi's copy of ArmLib in flash (QEMU `virt` maps the firmware at 0), and
 * the DXE/BDS copy in RAM.
 *
 * @example Usage
 * ```ts
 * import { EDK2_PC } from "./edk2.ts";
 * console.log(EDK2_PC.prePiCleanInvalidateBySetWay.toString(16)); // "9a10"
 * ```
 */
export const EDK2_PC: Readonly<{
  prePiSetTcr: number;
  prePiSetTtbr0: number;
  prePiDisableMmu: number;
  prePiDisableDataCache: number;
  prePiDisableInstructionCache: number;
  prePiCleanInvalidateBySetWay: number;
  prePiFillTranslationTable: number;
  prePiSetMair: number;
  prePiEnableInstructionCache: number;
  prePiEnableDataCache: number;
  prePiEnableMmu: number;
  dxeLoadImage: number;
  bdsCleanBySetWay: number;
  bdsDisableDataCache: number;
  bdsInvalidateBySetWay: number;
  bdsDisableInstructionCache: number;
  bdsDisableMmu: number;
}> = Object.freeze({
  /** `ArmSetTCR`: `msr tcr_el1, x0`. */
  prePiSetTcr: 0x9a30,
  /** `ArmSetTTBR0`: `msr ttbr0_el1, x0`. */
  prePiSetTtbr0: 0x9a40,
  /** `ArmDisableMmu`: `msr sctlr_el1, x0`. */
  prePiDisableMmu: 0x9b00,
  /** `ArmDisableDataCache`: `msr sctlr_el1, x0`. */
  prePiDisableDataCache: 0x9b60,
  /** `ArmDisableInstructionCache`: `msr sctlr_el1, x0`. */
  prePiDisableInstructionCache: 0x9b90,
  /** `ArmCleanInvalidateDataCacheEntryBySetWay`: `dc cisw, x0`. */
  prePiCleanInvalidateBySetWay: 0x9a10,
  /** `FillTranslationTable`: the descriptor stores. */
  prePiFillTranslationTable: 0xa200,
  /** `ArmSetMAIR`: `msr mair_el1, x0`. */
  prePiSetMair: 0x9a50,
  /** `ArmEnableInstructionCache`: `msr sctlr_el1, x0`. */
  prePiEnableInstructionCache: 0x9bc0,
  /** `ArmEnableDataCache`: `msr sctlr_el1, x0`. */
  prePiEnableDataCache: 0x9b30,
  /** `ArmEnableMmu`: `msr sctlr_el1, x0`. */
  prePiEnableMmu: 0x9ac0,
  /** BdsLib: the copy of the kernel image into RAM. */
  dxeLoadImage: 0x7f84_2e10,
  /** `ArmCleanDataCacheEntryBySetWay`: `dc csw, x0`. */
  bdsCleanBySetWay: 0x7f81_3a08,
  /** `ArmDisableDataCache`. */
  bdsDisableDataCache: 0x7f81_3b60,
  /** `ArmInvalidateDataCacheEntryBySetWay`: `dc isw, x0`. */
  bdsInvalidateBySetWay: 0x7f81_3a00,
  /** `ArmDisableInstructionCache`. */
  bdsDisableInstructionCache: 0x7f81_3b90,
  /** `ArmDisableMmu`. */
  bdsDisableMmu: 0x7f81_3b00,
});

/** TCR_EL1[31:0]: T0SZ = 24, 4 KiB granules, EPD1, inner shareable write-back walks. */
const TCR_EL1_LOW = 0x8080_3518;
/** MAIR_EL1[31:0]: device, normal non-cacheable, write-through, write-back (index 3). */
const MAIR_EL1_LOW = 0xffbb_4400;
/** A level-2 block of write-back memory: type, AF, inner shareable, AttrIndx 3. */
const BLOCK_WRITE_BACK = 0x70d;

/**
 * EDK2's MMU set-up, OS image load and hand-over to a Linux kernel.
 *
 * @example Usage
 * ```ts
 * import { edk2 } from "@setway/setway/guest";
 * const steps = edk2({ words: 8 });
 * console.log(steps.filter((s) => s.kind === "sctlr").length); // 9
 * ```
 * @param options image placement and size, vCPU; every field has a default
 * @returns the program, in run order
 * @throws {ScenarioError} for bad options
 */
export function edk2(given: Edk2Options = {}): Step[] {
  const options = presetOptions("edk2", given) as Edk2Options;
  const vcpu = presetVcpu("edk2", options.vcpu);
  const image = imageLayout({
    ...options,
    base: options.base === undefined ? EDK2_KERNEL_BASE : options.base,
  }, "edk2");
  const pc = (addr: number): Step => ({ kind: "pc", vcpu, addr });
  const sctlr = (bits: { m?: boolean; c?: boolean; i?: boolean }): Step => ({
    kind: "sctlr",
    vcpu,
    bits,
  });
  const P = EDK2_PC;
  const root = image.end;
  const descriptors = mapBlock4k(root, BigInt(image.base), image.base, BLOCK_WRITE_BACK);

  // ArmConfigureMmu.
  const steps: Step[] = [
    // AArch64 UEFI: the vCPU runs in AArch64.
    { kind: "exec_state", vcpu, aarch32: false },
    pc(P.prePiSetTcr),
    { kind: "vm_reg", vcpu, reg: "TCR", value: TCR_EL1_LOW },
    pc(P.prePiSetTtbr0),
    { kind: "vm_reg", vcpu, reg: "TTBR0", value: root },
    pc(P.prePiDisableMmu),
    sctlr({ m: false }),
    pc(P.prePiDisableDataCache),
    sctlr({ c: false }),
    pc(P.prePiDisableInstructionCache),
    sctlr({ i: false }),
    pc(P.prePiCleanInvalidateBySetWay),
    { kind: "sw_walk", vcpu, op: "cisw" },
    pc(P.prePiFillTranslationTable),
  ];
  for (const d of descriptors) steps.push({ kind: "write", vcpu, addr: d.addr, value: d.value });
  steps.push(
    pc(P.prePiSetMair),
    { kind: "vm_reg", vcpu, reg: "MAIR0", value: MAIR_EL1_LOW },
    pc(P.prePiEnableInstructionCache),
    sctlr({ i: true }),
    pc(P.prePiEnableDataCache),
    sctlr({ c: true }),
    pc(P.prePiEnableMmu),
    sctlr({ m: true }),
  );
  for (const d of descriptors) steps.push({ kind: "read", vcpu, addr: d.addr });

  // DXE/BDS: load the OS image, caches on.
  steps.push(pc(P.dxeLoadImage));
  for (const w of image.words) steps.push({ kind: "write", vcpu, addr: w.addr, value: w.value });

  // PreparePlatformHardware.
  steps.push(
    pc(P.bdsCleanBySetWay),
    { kind: "sw_walk", vcpu, op: "csw" },
    pc(P.bdsDisableDataCache),
    sctlr({ c: false }),
    pc(P.bdsInvalidateBySetWay),
    { kind: "sw_walk", vcpu, op: "isw" },
    pc(P.bdsDisableInstructionCache),
    sctlr({ i: false }),
    pc(P.bdsDisableMmu),
    sctlr({ m: false }),
    pc(image.base),
  );
  for (const w of image.words) steps.push({ kind: "read", vcpu, addr: w.addr });
  return steps;
}
