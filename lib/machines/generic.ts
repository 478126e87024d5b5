/**
 * The default machine: one cluster of four CPUs with a private 32 KiB
 * 4-way L1 data cache each and a shared 1 MiB 16-way L2, and no system
 * cache. Its caches are the ones a set/way walk fully covers, so it is the
 * machine on which set/way maintenance "works".
 *
 * Source: not a product; the figures are typical of ARMv8 application
 * clusters (Cortex-A53 class: 4-way L1D, 16-way L2).
 *
 * Clock: 1 GHz, a round figure (not a product), one cycle a nanosecond.
 *
 * @example Usage
 * ```ts
 * import { generic } from "./generic.ts";
 * console.log(generic.clusters[0].cpus); // 4
 * ```
 *
 * @module
 */

import type { Machine } from "../hw/machine.ts";
import { freezeMachine } from "./freeze.ts";

/**
 * The generic two-level machine (4 CPUs, 32 KiB 4-way L1D, 1 MiB 16-way L2).
 *
 * @example Usage
 * ```ts
 * import { generic } from "@setway/setway/hw";
 * console.log(generic.systemCache ?? "none"); // "none"
 * ```
 */
export const generic: Machine = freezeMachine({
  name: "generic",
  description: "one cluster of 4 CPUs, 32 KiB 4-way L1D, 1 MiB 16-way L2, no system cache",
  clusters: [
    {
      core: "generic",
      cpus: 4,
      l1d: { size: 32 * 1024, ways: 4 },
      l2: { size: 1024 * 1024, ways: 16 },
    },
  ],
  systemCache: null,
  features: { fwb: false },
  clockHz: 1_000_000_000,
});
