/**
 * Guest programs: the step vocabulary ({@linkcode Step}) and presets that
 * produce whole programs as data.
 *
 * | preset          | follows                                                | verdict it shows                |
 * | --------------- | ------------------------------------------------------ | ------------------------------- |
 * | `zImage32`      | arch/arm/boot/compressed/head.S (2015, by-VA, 2021)    | set/way vs system caches        |
 * | `linuxArm64`    | arch/arm64/kernel/head.S, primary and secondaries      | correct everywhere, no set/way  |
 * | `edk2`          | ArmPkg ArmConfigureMmu, BdsLib PreparePlatformHardware | S/W clean before caches off     |
 * | `uboot`         | arch/arm/cpu/armv8 cleanup_before_linux                | S/W flush after caches off      |
 * | `smpSecondary`  | arch/arm head.S secondary_startup, v7_invalidate_l1    | S/W at a secondary's power-up   |
 * | `noMaintenance` | a guest that forgets to clean before caches off        | stale reads, blame on the guest |
 * | `vaCorrect`     | clean by VA to PoC, then caches off                    | correct everywhere              |
 *
 * `zImage32` and `smpSecondary` are 32-bit ARM code: they start with an
 * `exec_state` step (AArch32) for each vCPU they run on, so their traps
 * report the AArch32 exception class (0x03, `CP15_32`). `linuxArm64`,
 * `edk2` (AArch64 UEFI) and `uboot` (arm64 U-Boot) are AArch64 code: they
 * start with an `exec_state` step (AArch64) for each vCPU they run on
 * (traps: 0x18, `SYS64`), which a machine without AArch64 (TC2) refuses.
 * `noMaintenance` and `vaCorrect` run in the state the vCPU starts in:
 * AArch64 on an ARMv8 machine, AArch32 on an ARMv7 one.
 *
 * Each preset is also a {@linkcode GuestBuilder} method in the DSL:
 * `vm().guest((g) => g.zImage32({ era: "by-va" }))`.
 *
 * @example Usage
 * ```ts
 * import { presets } from "@setway/setway";
 * import { zImage32 } from "@setway/setway/guest";
 * console.log(presets.zImage32.steps({ era: "2015" }).length === zImage32().length); // true
 * ```
 *
 * @module
 */

import { edk2, type Edk2Options } from "./edk2.ts";
import { linuxArm64, type LinuxArm64Options } from "./linux_arm64.ts";
import { noMaintenance } from "./no_maintenance.ts";
import type { Step } from "./ops.ts";
import type { SimpleGuestOptions } from "./options.ts";
import { smpSecondary, type SmpSecondaryOptions } from "./smp_secondary.ts";
import { uboot, type UbootOptions } from "./uboot.ts";
import { vaCorrect } from "./va_correct.ts";
import { zImage32, type ZImage32Options } from "./zimage32.ts";

export * from "./ops.ts";
export {
  DEFAULT_IMAGE_BASE,
  type ImageLayout,
  imageLayout,
  type ImageOptions,
  imageValue,
  type ImageWord,
} from "./image.ts";
export {
  presetAddress,
  presetChoice,
  presetInteger,
  presetVcpu,
  type SimpleGuestOptions,
} from "./options.ts";
export { noMaintenance } from "./no_maintenance.ts";
export { vaCorrect } from "./va_correct.ts";
export {
  LINUX_ARM64_BASE,
  LINUX_ARM64_PC,
  linuxArm64,
  type LinuxArm64Loader,
  type LinuxArm64Options,
} from "./linux_arm64.ts";
export { edk2, EDK2_KERNEL_BASE, EDK2_PC, type Edk2Options } from "./edk2.ts";
export { uboot, UBOOT_KERNEL_BASE, UBOOT_PC, type UbootOptions } from "./uboot.ts";
export {
  DEFAULT_L1,
  type L1Geometry,
  SMP_SECONDARY_PC,
  smpSecondary,
  type SmpSecondaryOptions,
} from "./smp_secondary.ts";
export { type DescriptorWrite, mapBlock4k, TABLE_SIZE } from "./translation_tables.ts";
export {
  zImage32,
  ZIMAGE32_PC,
  type ZImage32Options,
  ZIMAGE_ERAS,
  type ZImageEra,
} from "./zimage32.ts";

/** A guest preset as the registry lists it. */
export interface GuestPreset<O> {
  /** The name, also the DSL method's name. */
  readonly name: string;
  /** One line for `list` commands. */
  readonly description: string;
  /** The real code path it follows. */
  readonly source: string;
  /** Produces the program. */
  steps(options?: O): Step[];
}

/**
 * Every guest preset by name.
 *
 * @example Usage
 * ```ts
 * import { presets } from "@setway/setway";
 * for (const p of Object.values(presets)) console.log(`${p.name}: ${p.description}`);
 * ```
 */
export const presets: Readonly<{
  zImage32: GuestPreset<ZImage32Options>;
  linuxArm64: GuestPreset<LinuxArm64Options>;
  edk2: GuestPreset<Edk2Options>;
  uboot: GuestPreset<UbootOptions>;
  smpSecondary: GuestPreset<SmpSecondaryOptions>;
  noMaintenance: GuestPreset<SimpleGuestOptions>;
  vaCorrect: GuestPreset<SimpleGuestOptions>;
}> = Object.freeze({
  zImage32: {
    name: "zImage32",
    description: "32-bit ARM zImage decompressor: caches on, inflate, clean (by era), caches off",
    source:
      "arch/arm/boot/compressed/head.S: cache_on, decompress_kernel, cache_clean_flush, cache_off",
    steps: zImage32,
  },
  linuxArm64: {
    name: "linuxArm64",
    description:
      "arm64 Linux entry: MMU off, invalidate by VA what it wrote, MMU on; secondaries alike",
    source:
      "arch/arm64/kernel/head.S: preserve_boot_args, __create_page_tables, __inval_dcache_area, " +
      "__enable_mmu, secondary_startup",
    steps: linuxArm64,
  },
  edk2: {
    name: "edk2",
    description:
      "UEFI firmware: S/W walk with caches off, caches on; S/W clean, caches off, S/W invalidate",
    source:
      "ArmPkg ArmConfigureMmu, ArmCleanInvalidateDataCache (AArch64AllDataCachesOperation), " +
      "BdsLinuxLoader.c PreparePlatformHardware",
    steps: edk2,
  },
  uboot: {
    name: "uboot",
    description: "U-Boot: caches on, load the kernel, caches off, then a full S/W flush, jump",
    source: "arch/arm/cpu/armv8/cache_v8.c dcache_disable, cache.S __asm_flush_dcache_all, " +
      "cpu.c cleanup_before_linux",
    steps: uboot,
  },
  smpSecondary: {
    name: "smpSecondary",
    description:
      "32-bit Linux secondary boot beside a caches-on primary: MMU-off handshake, S/W L1 invalidate",
    source: "arch/arm/kernel/smp.c __cpu_up, head.S secondary_startup, mm/proc-v7.S __v7_setup, " +
      "mm/cache-v7.S v7_invalidate_l1",
    steps: smpSecondary,
  },
  noMaintenance: {
    name: "noMaintenance",
    description: "writes with caches on, caches off, reads back: no maintenance (buggy guest)",
    source: "none: the missing clean is the bug",
    steps: noMaintenance,
  },
  vaCorrect: {
    name: "vaCorrect",
    description:
      "writes, cleans what it wrote by VA to PoC, caches off, reads back (correct guest)",
    source: "arch/arm64/mm/cache.S: dcache_clean_poc pattern",
    steps: vaCorrect,
  },
});
