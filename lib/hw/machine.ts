/**
 * The plain-data description of a machine: clusters of CPUs, their caches,
 * an optional system cache, and architectural features.
 *
 * A machine is data so that it can be printed, diffed and stored in a JSON
 * scenario; {@linkcode Hardware} (lib/hw/hardware.ts) builds the live model
 * from it.
 *
 * @module
 */

/** The shape of one cache. */
export interface CacheGeometry {
  /** Total capacity in bytes; a power of two. */
  readonly size: number;
  /** Associativity; a power of two dividing `size / lineSize`. */
  readonly ways: number;
  /** Line size in bytes; a power of two, at least 16. Default 64. */
  readonly lineSize?: number;
}

/**
 * A cache that sits before the Point of Coherency but outside the CPUs'
 * architected hierarchy: it does not appear in CLIDR and ignores set/way
 * operations; only maintenance by address to the PoC reaches it.
 */
export interface SystemCacheSpec extends CacheGeometry {
  /**
   * Whether non-cacheable accesses look up the system cache (a memory-side
   * cache) instead of going straight to DRAM. Default false.
   */
  readonly snoopsNonCacheable?: boolean;
}

/** CPUs that share a level-2 cache. A cluster of one CPU models a private L2. */
export interface ClusterSpec {
  /** Core name for reports, e.g. "Cortex-A57". */
  readonly core?: string;
  /** Number of CPUs in the cluster, at least 1. */
  readonly cpus: number;
  /** Each CPU's private level-1 data cache. */
  readonly l1d: CacheGeometry;
  /** The cluster's shared level-2 cache; absent for a one-level hierarchy. */
  readonly l2?: CacheGeometry;
  /**
   * The fields of CLIDR_EL1 that the core fixes rather than the cache sizes,
   * as its Technical Reference Manual gives them. Default: LoUIS = LoUU = 1
   * and ICB not disclosed, the Cortex-A15, A7, A53, A57 and A72 values.
   */
  readonly clidr?: CoreClidr;
  /**
   * The bits of CTR_EL0 that the core fixes rather than the cache sizes, as
   * its Technical Reference Manual gives them. Default: IDC and DIC clear,
   * as the Cortex-A57, A72 and Neoverse N1 read them (CTR_EL0 0x8444c004)
   * and as ARMv8.0 cores, where both bits are RES0, do.
   */
  readonly ctr?: CoreCtr;
}

/**
 * A core's CTR_EL0.IDC and DIC. The Neoverse V1 sets both (CTR_EL0
 * 0xb444c004): neither a clean to the Point of Unification nor an
 * instruction cache invalidation is needed for instructions to see data
 * written. A core whose CLIDR says no level needs cleaning to the PoU
 * (LoUIS = LoUU = 0, as the Neoverse N1's) may still read IDC clear: Linux
 * counts such a core as IDC set (`read_cpuid_effective_cachetype`).
 *
 * @example Usage
 * ```ts
 * import type { CoreCtr } from "@setway/setway/hw";
 * const neoverseV1: CoreCtr = { idc: true, dic: true };
 * ```
 */
export interface CoreCtr {
  /** IDC: no data cache clean to the PoU is needed for instruction-to-data coherence. Default false. */
  readonly idc?: boolean;
  /** DIC: no instruction cache invalidation to the PoU is needed for it. Default false. */
  readonly dic?: boolean;
}

/**
 * A core's Levels of Unification and Inner Cache Boundary, each from 0 to
 * the cluster's number of levels. The Cortex-A76 and the Neoverse N1 and V1
 * report LoUIS = LoUU = 0 (their TRMs: no level needs cleaning or
 * invalidating to reach the Point of Unification) and ICB = 2.
 *
 * @example Usage
 * ```ts
 * import type { CoreClidr } from "@setway/setway/hw";
 * const neoverseN1: CoreClidr = { louis: 0, louu: 0, icb: 2 };
 * ```
 */
export interface CoreClidr {
  /** Level of Unification Inner Shareable. Default 1. */
  readonly louis?: number;
  /** Level of Unification Uniprocessor. Default 1. */
  readonly louu?: number;
  /** Inner Cache Boundary: the highest inner level, 0 when not disclosed. Default 0. */
  readonly icb?: number;
}

/** Architectural features that change what a hypervisor may do. */
export interface MachineFeatures {
  /** ARMv8.4 stage-2 forced write-back (FEAT_S2FWB). Default false. */
  readonly fwb?: boolean;
  /**
   * The CPUs implement AArch64 (ARMv8-A). False for an ARMv7-A machine (the
   * Cortex-A15/A7 of TC2): its hypervisor is 32-bit arch/arm KVM, whose
   * `kvm_exit` reports the exception type `HVC`, and its guests run in
   * AArch32 only. Default true.
   */
  readonly aarch64?: boolean;
  /**
   * The CPUs run AArch32 at EL1 (ID_AA64PFR0_EL1.EL1 = 0b0010), so a 32-bit
   * guest kernel can run on them. False for cores that run AArch32 at EL0
   * only (ID_AA64PFR0_EL1.EL1 = 0b0001: the Cortex-A76 and its successors,
   * Neoverse N1 and V1), where KVM refuses a vCPU with
   * KVM_ARM_VCPU_EL1_32BIT (`kvm_vcpu_init_check_features`); a run that
   * puts a vCPU in AArch32 there is flagged architecturally invalid
   * (engine/arch_check.ts). Default true.
   */
  readonly aarch32El1?: boolean;
}

/**
 * A machine: the unit `vm().machine(...)` takes.
 *
 * @example Usage
 * ```ts
 * import type { Machine } from "@setway/setway";
 * const twoByTwo: Machine = {
 *   name: "two-by-two",
 *   description: "two clusters of two CPUs, 32 KiB L1D, 512 KiB L2 per cluster",
 *   clusters: [
 *     { cpus: 2, l1d: { size: 32768, ways: 4 }, l2: { size: 524288, ways: 16 } },
 *     { cpus: 2, l1d: { size: 32768, ways: 4 }, l2: { size: 524288, ways: 16 } },
 *   ],
 * };
 * ```
 */
export interface Machine {
  /** Short name, e.g. "xgene1". */
  readonly name: string;
  /** One line for `list` and reports. */
  readonly description: string;
  /** CPU clusters in CPU-number order: cluster 0 holds CPUs 0..n-1, and so on. */
  readonly clusters: readonly ClusterSpec[];
  /** The system cache, if the machine has one. */
  readonly systemCache?: SystemCacheSpec | null;
  /** Architectural features. */
  readonly features?: MachineFeatures;
  /**
   * The CPUs' clock in Hz, the one that turns modelled cycles into the
   * seconds of a trace's TIMESTAMP column and of a Chrome trace. Each preset
   * states its source. Simplified: one clock for the whole machine (a
   * big.LITTLE preset gives its big cluster's). Default
   * {@linkcode DEFAULT_CLOCK_HZ}.
   */
  readonly clockHz?: number;
}

/**
 * The clock of a machine that states none: 1 GHz, a round figure (no
 * product runs at exactly this; it makes one cycle one nanosecond).
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_CLOCK_HZ } from "./machine.ts";
 * console.log(DEFAULT_CLOCK_HZ); // 1000000000
 * ```
 */
export const DEFAULT_CLOCK_HZ = 1_000_000_000;

/**
 * The clock of a machine: its `clockHz`, else {@linkcode DEFAULT_CLOCK_HZ}.
 *
 * @example Usage
 * ```ts
 * import { machineClockHz } from "./machine.ts";
 * machineClockHz({ clockHz: 2_400_000_000 }); // 2400000000
 * machineClockHz({}); // 1000000000
 * ```
 * @param machine the machine
 * @returns its clock in Hz
 */
export function machineClockHz(machine: Pick<Machine, "clockHz">): number {
  return machine.clockHz ?? DEFAULT_CLOCK_HZ;
}
