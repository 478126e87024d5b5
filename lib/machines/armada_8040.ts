/**
 * Marvell Armada 8040 (application processor AP806 quad), the class of
 * machine on which a 32-bit kernel could not boot on bare metal until its
 * decompressor cleaned by address (2020): four Cortex-A72 cores in two
 * clusters of two, each core with a 32 KiB L1 data cache, each cluster with
 * a 512 KiB L2, and a 1 MiB last-level cache (LLC) in the AP's cache
 * coherent interconnect, outside the CPUs' set/way reach.
 *
 * The LLC is modelled as a system cache: not in CLIDR, deaf to set/way,
 * cleaned by maintenance by address to the Point of Coherency (TF-A sets
 * the PoC to DRAM, beyond the LLC). The Socionext SynQuacer (24 Cortex-A53
 * with a 4 MiB system cache) is in the same class; this preset stands for
 * both.
 *
 * Sources: the L1D and L2 geometry from the Linux device tree
 * (arch/arm64/boot/dts/marvell/armada-ap806-quad.dtsi: 32 KiB L1D with 256
 * sets of 64-byte lines, so 2-way; 512 KiB L2 per cluster with 512 sets, so
 * 16-way; CPUs 0x000/0x001 and 0x100/0x101 sharing `l2_0` and `l2_1`); the
 * LLC from Trusted Firmware-A's Marvell driver (include/drivers/marvell/
 * cache_llc.h: "AP806/AP807 - 1MB 8-ways LLC"; drivers/marvell/cache_llc.c
 * sets the point of coherency to DDR when it enables the LLC); the boot
 * failure from the 2021 LKML thread "next/master bisection:
 * baseline.login on rk3288-rock2-square" (Ard Biesheuvel: without by-VA
 * maintenance the 32-bit kernel "cannot boot bare metal on platforms with a
 * system cache such as 8040 or SynQuacer").
 * Estimates: TF-A runs the LLC in exclusive mode, which the model does not
 * have (lines may sit in the L2 and the LLC at once); `snoopsNonCacheable:
 * false` (non-cacheable traffic goes to DRAM) was not found in a public
 * document.
 *
 * Clock: 2 GHz, Marvell's Armada 8040 figure for its Cortex-A72 (the
 * MACCHIATObin board runs at it).
 *
 * @example Usage
 * ```ts
 * import { armada8040 } from "@setway/setway/hw";
 * console.log(armada8040.clusters.length, armada8040.systemCache?.size); // 2 1048576
 * ```
 *
 * @module
 */

import type { ClusterSpec, Machine } from "../hw/machine.ts";
import { freezeMachine } from "./freeze.ts";

const a72: ClusterSpec = {
  core: "Cortex-A72",
  cpus: 2,
  l1d: { size: 32 * 1024, ways: 2 },
  l2: { size: 512 * 1024, ways: 16 },
};

/**
 * Marvell Armada 8040: 2 clusters × 2 Cortex-A72, 32 KiB L1D, 512 KiB L2
 * per cluster, 1 MiB LLC system cache that ignores set/way.
 *
 * @example Usage
 * ```ts
 * import { armada8040 } from "@setway/setway/hw";
 * console.log(armada8040.systemCache?.ways); // 8
 * ```
 */
export const armada8040: Machine = freezeMachine({
  name: "armada-8040",
  description:
    "Marvell Armada 8040: 4 Cortex-A72 in 2 pairs, 32 KiB L1D, 512 KiB L2 per pair, 1 MiB LLC deaf to set/way",
  clusters: [{ ...a72 }, { ...a72 }],
  systemCache: { size: 1024 * 1024, ways: 8, snoopsNonCacheable: false },
  features: { fwb: false },
  clockHz: 2_000_000_000,
});
