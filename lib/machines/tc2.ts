/**
 * Arm Versatile Express CoreTile TC2 (V2P-CA15_CA7): a 32-bit big.LITTLE
 * test chip with a cluster of two Cortex-A15 (1 MiB L2) and a cluster of
 * three Cortex-A7 (512 KiB L2), joined by a CCI-400; no system cache. It was
 * one of the first boards KVM/arm ran on. Both cores are ARMv7-A
 * (`features.aarch64: false`): the host runs 32-bit arch/arm KVM, and a guest
 * can only run in AArch32.
 *
 * Sources: CPU counts and L2 sizes from Arm's CoreTile Express A15x2 A7x3
 * Technical Reference Manual and the Linux device tree
 * (arch/arm/boot/dts/vexpress-v2p-ca15_a7.dts); associativity from the
 * Cortex-A15 TRM (32 KiB 2-way L1D, 16-way L2) and the Cortex-A7 MPCore TRM
 * (4-way L1D, 8-way L2). The A7 L1D size (32 KiB) is the TC2 configuration
 * as commonly reported.
 *
 * Clock: 1 GHz, an estimate: the Cortex-A15 cluster of TC2 is clocked
 * between 500 MHz and 1.2 GHz by the Linux vexpress-spc cpufreq driver
 * (the Cortex-A7 lower); one clock per machine, so a big-cluster figure.
 *
 * @example Usage
 * ```ts
 * import { tc2 } from "./tc2.ts";
 * console.log(tc2.clusters.map((c) => c.cpus)); // [2, 3]
 * ```
 *
 * @module
 */

import type { Machine } from "../hw/machine.ts";
import { freezeMachine } from "./freeze.ts";

/**
 * Versatile Express TC2: 2 × Cortex-A15 (1 MiB 16-way L2) + 3 × Cortex-A7 (512 KiB 8-way L2).
 *
 * @example Usage
 * ```ts
 * import { tc2 } from "./tc2.ts";
 * console.log(tc2.clusters[1].l2?.ways); // 8
 * ```
 */
export const tc2: Machine = freezeMachine({
  name: "tc2",
  description:
    "Versatile Express TC2 (ARMv7-A, AArch32 guests only): 2 x Cortex-A15 with 1 MiB L2, 3 x Cortex-A7 with 512 KiB L2",
  clusters: [
    {
      core: "Cortex-A15",
      cpus: 2,
      l1d: { size: 32 * 1024, ways: 2 },
      l2: { size: 1024 * 1024, ways: 16 },
    },
    {
      core: "Cortex-A7",
      cpus: 3,
      l1d: { size: 32 * 1024, ways: 4 },
      l2: { size: 512 * 1024, ways: 8 },
    },
  ],
  systemCache: null,
  features: { fwb: false, aarch64: false },
  clockHz: 1_000_000_000,
});
