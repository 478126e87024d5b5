/**
 * Arm Juno r0 development board: a big.LITTLE system with a cluster of two
 * Cortex-A57 (2 MiB L2) and a cluster of four Cortex-A53 (1 MiB L2), joined
 * by a CCI-400 interconnect with no system cache.
 *
 * Sources: cluster layout from the Linux device tree
 * (arch/arm64/boot/dts/arm/juno.dts: cluster0 holds the two A57s, cluster1
 * the four A53s); L2 sizes from Arm's Juno r0 documentation; associativity
 * from the Cortex-A57 and Cortex-A53 Technical Reference Manuals (A57: 32 KiB
 * 2-way L1D, 16-way L2; A53: 4-way L1D, 16-way L2). The A53 L1D size (32 KiB)
 * is the Juno configuration as commonly reported.
 *
 * Clock: 1.1 GHz, the Cortex-A57 clock of Arm's Juno r0 documentation
 * (the Cortex-A53 run at 850 MHz; one clock per machine, so the big
 * cluster's).
 *
 * @example Usage
 * ```ts
 * import { junoR0 } from "./juno_r0.ts";
 * console.log(junoR0.clusters.map((c) => c.cpus)); // [2, 4]
 * ```
 *
 * @module
 */

import type { Machine } from "../hw/machine.ts";
import { freezeMachine } from "./freeze.ts";

/**
 * Arm Juno r0: 2 × Cortex-A57 (2 MiB 16-way L2) + 4 × Cortex-A53 (1 MiB 16-way L2).
 *
 * @example Usage
 * ```ts
 * import { junoR0 } from "./juno_r0.ts";
 * console.log(junoR0.clusters[0].core); // "Cortex-A57"
 * ```
 */
export const junoR0: Machine = freezeMachine({
  name: "juno-r0",
  description: "Arm Juno r0: 2 x Cortex-A57 with 2 MiB L2, 4 x Cortex-A53 with 1 MiB L2",
  clusters: [
    {
      core: "Cortex-A57",
      cpus: 2,
      l1d: { size: 32 * 1024, ways: 2 },
      l2: { size: 2 * 1024 * 1024, ways: 16 },
    },
    {
      core: "Cortex-A53",
      cpus: 4,
      l1d: { size: 32 * 1024, ways: 4 },
      l2: { size: 1024 * 1024, ways: 16 },
    },
  ],
  systemCache: null,
  features: { fwb: false },
  clockHz: 1_100_000_000,
});
