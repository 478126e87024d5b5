/**
 * APM X-Gene 1 ("Storm"), the machine of the 2015 thread: eight ARMv8 cores
 * in four processor modules (PMDs) of two, each core with a 32 KiB L1 data
 * cache, each PMD with a 256 KiB L2 shared by its pair, and an 8 MiB L3 on
 * the central switch that every PMD reaches.
 *
 * The L3 is modelled as a system cache: it is not reported by CLIDR, it
 * ignores set/way operations, and only maintenance by address to the Point
 * of Coherency cleans it. That is why a set/way clean by the 32-bit zImage
 * left the decompressed kernel dirty in L3 on this machine.
 *
 * Sources: sizes and the pairing from the Linux device tree
 * (arch/arm64/boot/dts/apm/apm-storm.dtsi, "arm64: dts: Add L2 cache topology
 * for APM X-Gene SoC": each pair of processors shares one L2) and from APM's
 * published X-Gene 1 figures (32 KiB L1D, 256 KiB L2 per PMD, 8 MiB L3).
 * Estimates: the associativities (8-way L1D, 32-way L2, 16-way L3) were not
 * found in a public document and are chosen as plausible powers of two;
 * `snoopsNonCacheable: false` (non-cacheable traffic goes straight to DRAM)
 * follows the behaviour the thread describes.
 *
 * Clock: 2.4 GHz, APM's published X-Gene 1 core clock (the Mustang board
 * runs its eight cores at it).
 *
 * @example Usage
 * ```ts
 * import { xgene1 } from "./xgene1.ts";
 * console.log(xgene1.clusters.length, xgene1.systemCache?.size); // 4 8388608
 * ```
 *
 * @module
 */

import type { ClusterSpec, Machine } from "../hw/machine.ts";
import { freezeMachine } from "./freeze.ts";

const pmd: ClusterSpec = {
  core: "X-Gene Storm",
  cpus: 2,
  l1d: { size: 32 * 1024, ways: 8 },
  l2: { size: 256 * 1024, ways: 32 },
};

/**
 * APM X-Gene 1: 4 PMDs × 2 cores, 32 KiB L1D, 256 KiB L2 per PMD, 8 MiB L3
 * system cache that ignores set/way.
 *
 * @example Usage
 * ```ts
 * import { xgene1 } from "./xgene1.ts";
 * console.log(xgene1.systemCache?.snoopsNonCacheable); // false
 * ```
 */
export const xgene1: Machine = freezeMachine({
  name: "xgene1",
  description:
    "APM X-Gene 1: 8 cores in 4 pairs, 32 KiB L1D, 256 KiB L2 per pair, 8 MiB L3 system cache deaf to set/way",
  clusters: [{ ...pmd }, { ...pmd }, { ...pmd }, { ...pmd }],
  systemCache: { size: 8 * 1024 * 1024, ways: 16, snoopsNonCacheable: false },
  features: { fwb: false },
  clockHz: 2_400_000_000,
});
