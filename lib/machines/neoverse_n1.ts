/**
 * Arm Neoverse N1 as on the N1 System Development Platform (N1SDP): four N1
 * cores, each with a 64 KiB 4-way L1 data cache and a private 1 MiB 8-way
 * L2, behind a CMN-600 mesh whose 8 MiB system-level cache (SLC) sits
 * before the Point of Coherency. N1 is ARMv8.2: no stage-2 forced
 * write-back (FWB), so the set/way trapping of KVM 4.0 still applies.
 *
 * Each core is a cluster of one CPU, since its L2 is private. The SLC is
 * modelled as a system cache (not in CLIDR, deaf to set/way).
 *
 * Sources: core count, L2 and SLC sizes from Arm's N1SDP announcement (a
 * 4-core N1 with 1 MiB L2 connected to a CMN-600 with an 8 MiB SLC);
 * associativity from the Neoverse N1 TRM (64 KiB 4-way L1D, 8-way L2).
 * Estimate: the SLC's associativity (16-way). Simplified: N1SDP pairs its
 * cores in two dual-core groups; that grouping is not modelled.
 *
 * CLIDR_EL1 reads 0x82000023 (Neoverse N1 TRM, CLIDR_EL1; the same fields
 * as the Cortex-A76 TRM's B2.19, the core N1 is built from): LoUIS = LoUU =
 * 0 (no level needs cleaning or invalidating to reach the Point of
 * Unification) and ICB = 0b010 (L2 is the highest inner level). CTR_EL0
 * reads 0x8444c004 (Neoverse N1 TRM, CTR_EL0; QEMU's neoverse-n1 model reads
 * the same): IDC and DIC clear, the cluster's default. Linux still counts
 * the core as IDC set, from its CLIDR (`read_cpuid_effective_cachetype`).
 *
 * AArch32 runs at EL0 only (Neoverse N1 TRM, ID_AA64PFR0_EL1: EL1 = 0x1,
 * AArch64 only): a 32-bit guest kernel cannot run, and a scenario that
 * puts a vCPU in AArch32 here is flagged architecturally invalid.
 *
 * Clock: 2.6 GHz, the N1SDP cores' clock in Arm's announcement.
 *
 * @example Usage
 * ```ts
 * import { neoverseN1 } from "./neoverse_n1.ts";
 * console.log(neoverseN1.features?.fwb); // false
 * ```
 *
 * @module
 */

import type { ClusterSpec, Machine } from "../hw/machine.ts";
import { freezeMachine } from "./freeze.ts";

const core: ClusterSpec = {
  core: "Neoverse N1",
  cpus: 1,
  l1d: { size: 64 * 1024, ways: 4 },
  l2: { size: 1024 * 1024, ways: 8 },
  clidr: { louis: 0, louu: 0, icb: 2 },
};

/**
 * Neoverse N1 (N1SDP): 4 cores with private 1 MiB L2, 8 MiB CMN-600 SLC, no FWB.
 *
 * @example Usage
 * ```ts
 * import { neoverseN1 } from "./neoverse_n1.ts";
 * console.log(neoverseN1.clusters.length); // 4
 * ```
 */
export const neoverseN1: Machine = freezeMachine({
  name: "neoverse-n1",
  description: "Arm Neoverse N1 (N1SDP): 4 cores, private 1 MiB L2, 8 MiB CMN-600 SLC, no FWB",
  clusters: [{ ...core }, { ...core }, { ...core }, { ...core }],
  systemCache: { size: 8 * 1024 * 1024, ways: 16, snoopsNonCacheable: false },
  features: { fwb: false, aarch32El1: false },
  clockHz: 2_600_000_000,
});
