/**
 * A four-core slice of an Arm Neoverse V1 server: each core with a 64 KiB
 * 4-way L1 data cache and a private 1 MiB 8-way L2, behind a mesh with a
 * system-level cache. V1 implements ARMv8.4-A, which makes stage-2 forced
 * write-back (FEAT_S2FWB) available: with FWB the hypervisor forces guest
 * RAM cacheable, so modern KVM ignores trapped set/way operations.
 *
 * Sources: associativity and sizes from the Neoverse V1 TRM (64 KiB 4-way
 * L1D, 1 MiB 8-way L2 as configured in AWS Graviton3). Estimates: four
 * cores stand for a 64-core part to keep simulation cheap, and the SLC is
 * scaled down to 8 MiB 16-way (Graviton3 has 32 MiB shared by 64 cores).
 *
 * CLIDR_EL1 reads 0x82000023 (Neoverse V1 TRM, CLIDR_EL1): LoUIS = LoUU =
 * 0 (no level needs cleaning or invalidating to reach the Point of
 * Unification) and ICB = 0b010 (L2 is the highest inner level). CTR_EL0
 * reads 0xb444c004 (Neoverse V1 TRM, CTR_EL0; QEMU's neoverse-v1 model reads
 * the same): IDC and DIC set, so modern KVM's normalized CLIDR has one
 * level (arch/arm64/kvm/sys_regs.c `reset_clidr`).
 *
 * AArch32 runs at EL0 only (Neoverse V1 TRM, ID_AA64PFR0_EL1: EL1 = 0x1,
 * AArch64 only): a 32-bit guest kernel cannot run, and a scenario that
 * puts a vCPU in AArch32 here is flagged architecturally invalid.
 *
 * Clock: 2.6 GHz, AWS Graviton3's (a Neoverse V1 part).
 *
 * @example Usage
 * ```ts
 * import { neoverseV1 } from "./neoverse_v1.ts";
 * console.log(neoverseV1.features?.fwb); // true
 * ```
 *
 * @module
 */

import type { ClusterSpec, Machine } from "../hw/machine.ts";
import { freezeMachine } from "./freeze.ts";

const core: ClusterSpec = {
  core: "Neoverse V1",
  cpus: 1,
  l1d: { size: 64 * 1024, ways: 4 },
  l2: { size: 1024 * 1024, ways: 8 },
  clidr: { louis: 0, louu: 0, icb: 2 },
  ctr: { idc: true, dic: true },
};

/**
 * Neoverse V1 slice: 4 cores with private 1 MiB L2, 8 MiB SLC, FWB.
 *
 * @example Usage
 * ```ts
 * import { neoverseV1 } from "./neoverse_v1.ts";
 * console.log(neoverseV1.clusters.length); // 4
 * ```
 */
export const neoverseV1: Machine = freezeMachine({
  name: "neoverse-v1",
  description: "Arm Neoverse V1 (4-core slice): private 1 MiB L2, 8 MiB SLC, ARMv8.4 stage-2 FWB",
  clusters: [{ ...core }, { ...core }, { ...core }, { ...core }],
  systemCache: { size: 8 * 1024 * 1024, ways: 16, snoopsNonCacheable: false },
  features: { fwb: true, aarch32El1: false },
  clockHz: 2_600_000_000,
});
