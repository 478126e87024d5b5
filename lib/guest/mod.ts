/**
 * Guest programs: the step vocabulary ({@linkcode Step}) and presets that
 * produce whole programs as data.
 *
 * | preset          | follows                                              | verdict it shows                |
 * | --------------- | ---------------------------------------------------- | ------------------------------- |
 * | `zImage32`      | arch/arm/boot/compressed/head.S (2015, by-VA, 2021)  | set/way vs system caches        |
 * | `noMaintenance` | a guest that forgets to clean before caches off      | stale reads, blame on the guest |
 * | `vaCorrect`     | clean by VA to PoC, then caches off                  | correct everywhere              |
 *
 * Each preset is also a {@linkcode GuestBuilder} method in the DSL:
 * `vm().guest((g) => g.zImage32({ era: "by-va" }))`.
 *
 * @example Usage
 * ```ts
 * import { presets, zImage32 } from "./mod.ts";
 * console.log(presets.zImage32.steps({ era: "2015" }).length === zImage32().length); // true
 * ```
 *
 * @module
 */

import { noMaintenance } from "./no_maintenance.ts";
import type { Step } from "./ops.ts";
import type { SimpleGuestOptions } from "./options.ts";
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
export { presetVcpu, type SimpleGuestOptions } from "./options.ts";
export { noMaintenance } from "./no_maintenance.ts";
export { vaCorrect } from "./va_correct.ts";
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
 * import { presets } from "./mod.ts";
 * for (const p of Object.values(presets)) console.log(`${p.name}: ${p.description}`);
 * ```
 */
export const presets: Readonly<{
  zImage32: GuestPreset<ZImage32Options>;
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
