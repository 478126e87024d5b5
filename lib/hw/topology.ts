/**
 * The topology of a machine: which CPUs exist, which cluster each belongs
 * to, and which caches each CPU sees, from its own L1 down to DRAM.
 *
 * ```
 * cpu0.L1  cpu1.L1      cpu2.L1  cpu3.L1      level 1: one per CPU
 *    \       /             \       /
 *   cluster0.L2           cluster1.L2         level 2: one per cluster (optional)
 *           \               /
 *              system                         before the PoC, not in CLIDR
 *                 |
 *               DRAM                          the Point of Coherency
 * ```
 *
 * This is what the Arm ARM's cache identification registers describe to
 * software: CLIDR_EL1 gives the architected levels of a CPU (here 1, or 2
 * with a cluster L2) and its Level of Coherency (LoC: every architected
 * level; the system cache is invisible to it, like a memory-side cache) and
 * Levels of Unification (as the core fixes them: 1 on the Cortex-A cores
 * up to the A72, 0 from the A76 and Neoverse N1 on); CCSIDR_EL1 gives the geometry of
 * one level (clidr.ts encodes both). A set/way walk reads these to choose
 * its operands, so the levels and geometries here are the ones the set/way
 * instructions (maintenance.ts) address.
 *
 * The {@linkcode Topology} also holds the caches themselves, in
 * {@linkcode Hardware.caches} order (the L1s in CPU order, the L2s in cluster
 * order, then the system cache), and for each cache the level its dirty
 * victims go to (`next`). It trusts its arguments: the facade
 * (hardware.ts) checks them.
 *
 * @example Usage
 * ```ts
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] },
 *   64, newCaches, "lru", 1);
 * console.log(t.caches.map((c) => c.name).join(" "), t.next[0]); // cpu0.L1 cpu1.L1 cluster0.L2 2
 * ```
 *
 * @module
 */

import type { Cache } from "./cache.ts";
import type { CacheSpec } from "./cache_pool.ts";
import { CTYPE_SEPARATE, CTYPE_UNIFIED, encodeCcsidr, encodeClidr } from "./clidr.ts";
import type { CacheGeometry, Machine } from "./machine.ts";

/**
 * How the topology gets its caches, all at once: new, or from the pool
 * (cache_pool.ts).
 */
export type TakeCaches = (specs: readonly CacheSpec[]) => Cache[];

/**
 * The CPUs, clusters and caches of one machine (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * const l1d = { size: 4096, ways: 2 };
 * const t = new Topology({ name: "m", description: "", clusters: [{ cpus: 2, l1d }, { cpus: 2, l1d }] },
 *   64, newCaches, "lru", 1);
 * console.log(t.cpuCluster[3], t.levels(3)); // 1 1
 * ```
 */
export class Topology {
  /** Number of CPUs (the sum over clusters). */
  readonly cpuCount: number;
  /** The line size shared by every cache, in bytes. */
  readonly lineSize: number;
  /** 32-bit words per line. */
  readonly wordsPerLine: number;
  /** Every cache: the L1s in CPU order, the L2s in cluster order, then the system cache. */
  readonly caches: readonly Cache[];
  /** Each CPU's L1 (also `caches[cpu]`). */
  readonly l1: readonly Cache[];
  /** Each cluster's L2, or null. */
  readonly l2: readonly (Cache | null)[];
  /** Index in `caches` of each cluster's L2, or -1. */
  readonly l2Index: Int32Array;
  /** The system cache, or null. */
  readonly sys: Cache | null;
  /** Index of the system cache in `caches`, or -1. */
  readonly systemCacheIndex: number;
  /** Whether non-cacheable accesses look the system cache up. */
  readonly snoopsNonCacheable: boolean;
  /** The cluster of each CPU. */
  readonly cpuCluster: Int32Array;
  /** The first CPU of each cluster. */
  readonly clusterFirstCpu: Int32Array;
  /** The number of CPUs of each cluster. */
  readonly clusterCpuCount: Int32Array;
  /** Index in `caches` of the level below each cache, -1 for DRAM. */
  readonly next: Int32Array;
  /** CLIDR_EL1 of each cluster's CPUs. */
  readonly #clidr: Uint32Array;

  /**
   * Builds the caches of a machine, all empty.
   *
   * @param machine a machine that passed machine_check.ts
   * @param lineSize the line size of every cache
   * @param takeCaches where the caches come from
   * @param replacement the replacement policy of every cache
   * @param seed the seed of cache 0's random replacement; cache `i` uses `seed + i`
   */
  constructor(
    machine: Machine,
    lineSize: number,
    takeCaches: TakeCaches,
    replacement: "lru" | "random",
    seed: number,
  ) {
    const clusters = machine.clusters;
    const cpuCount = clusters.reduce((n, c) => n + c.cpus, 0);
    this.cpuCount = cpuCount;
    this.lineSize = lineSize;
    this.wordsPerLine = lineSize / 4;
    this.cpuCluster = new Int32Array(cpuCount);
    this.clusterFirstCpu = new Int32Array(clusters.length);
    this.clusterCpuCount = new Int32Array(clusters.length);
    // Every cache is asked for at once, so that a model's caches share one
    // memory (cache_pool.ts): the L1s in CPU order, the L2s in cluster
    // order, then the system cache.
    const specs: CacheSpec[] = [];
    const spec = (geometry: CacheGeometry, name: string) =>
      specs.push({ geometry, options: { name, replacement, seed: seed + specs.length } }) - 1;
    const l1Index: number[] = [];
    let cpu = 0;
    clusters.forEach((c, k) => {
      this.clusterFirstCpu[k] = cpu;
      this.clusterCpuCount[k] = c.cpus;
      for (let i = 0; i < c.cpus; i++, cpu++) {
        this.cpuCluster[cpu] = k;
        l1Index.push(spec(c.l1d, `cpu${cpu}.L1`));
      }
    });
    this.l2Index = new Int32Array(clusters.length).fill(-1);
    clusters.forEach((c, k) => {
      if (c.l2) this.l2Index[k] = spec(c.l2, `cluster${k}.L2`);
    });
    const sysSpec = machine.systemCache ?? null;
    this.systemCacheIndex = sysSpec ? spec(sysSpec, "system") : -1;
    const caches = takeCaches(specs);
    this.l1 = l1Index.map((i) => caches[i]);
    this.l2 = Array.from(this.l2Index, (i) => (i >= 0 ? caches[i] : null));
    this.sys = this.systemCacheIndex >= 0 ? caches[this.systemCacheIndex] : null;
    this.snoopsNonCacheable = sysSpec?.snoopsNonCacheable === true;
    this.caches = caches;
    this.next = new Int32Array(caches.length).fill(-1);
    for (let c = 0; c < cpuCount; c++) {
      const below = this.l2Index[this.cpuCluster[c]];
      this.next[c] = below >= 0 ? below : this.systemCacheIndex;
    }
    for (const i of this.l2Index) if (i >= 0) this.next[i] = this.systemCacheIndex;
    this.#clidr = Uint32Array.from(clusters, (c) => {
      const levels = c.l2 ? 2 : 1;
      return encodeClidr({
        ctypes: levels === 2 ? [CTYPE_SEPARATE, CTYPE_UNIFIED] : [CTYPE_SEPARATE],
        louis: c.clidr?.louis ?? 1,
        loc: levels,
        louu: c.clidr?.louu ?? 1,
        icb: c.clidr?.icb ?? 0,
      });
    });
  }

  /**
   * Architected data-cache levels of a CPU up to the LoC: 2 with a cluster
   * L2, else 1.
   *
   * @example Usage
   * ```ts
   * import { Topology } from "./topology.ts";
   * import { newCaches } from "./cache_pool.ts";
   * const t = new Topology({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
   * console.log(t.levels(0)); // 1
   * ```
   * @param cpu a CPU number
   * @returns 1 or 2
   */
  levels(cpu: number): number {
    return this.l2[this.cpuCluster[cpu]] ? 2 : 1;
  }

  /**
   * Index in `caches` of a CPU's cache at a level.
   *
   * @example Usage
   * ```ts
   * import { Topology } from "./topology.ts";
   * import { newCaches } from "./cache_pool.ts";
   * const t = new Topology({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] },
   *   64, newCaches, "lru", 1);
   * console.log(t.cacheIndex(1, 2)); // 2
   * ```
   * @param cpu a CPU number
   * @param level 1, or 2 when the CPU has an L2
   * @returns the cache index
   */
  cacheIndex(cpu: number, level: number): number {
    return level === 1 ? cpu : this.l2Index[this.cpuCluster[cpu]];
  }

  /**
   * The CLIDR_EL1 value a guest on this CPU reads: Ctype1 = separate I+D,
   * Ctype2 = unified when the cluster has an L2, LoC = levels; LoUIS, LoUU
   * and ICB from the cluster's `clidr` (default 1, 1 and 0).
   *
   * @example Usage
   * ```ts
   * import { Topology } from "./topology.ts";
   * import { newCaches } from "./cache_pool.ts";
   * import { decodeClidr } from "./clidr.ts";
   * const t = new Topology({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
   * console.log(decodeClidr(t.clidr(0)).loc); // 1
   * ```
   * @param cpu a CPU number
   * @returns the register value, unsigned
   */
  clidr(cpu: number): number {
    return this.#clidr[this.cpuCluster[cpu]];
  }

  /**
   * The CCSIDR_EL1 value (ARMv8.0 32-bit format) of a CPU's data or unified
   * cache at a level.
   *
   * @example Usage
   * ```ts
   * import { Topology } from "./topology.ts";
   * import { newCaches } from "./cache_pool.ts";
   * import { decodeCcsidr } from "./clidr.ts";
   * const t = new Topology({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 2 } }] }, 64, newCaches, "lru", 1);
   * console.log(decodeCcsidr(t.ccsidr(0, 1)).sets); // 256
   * ```
   * @param cpu a CPU number
   * @param level 1-based level, up to {@linkcode Topology.levels}
   * @returns the register value, unsigned
   */
  ccsidr(cpu: number, level: number): number {
    const c = this.caches[this.cacheIndex(cpu, level)];
    return encodeCcsidr({ sets: c.sets, ways: c.ways, lineSize: c.lineSize });
  }

  /**
   * Number of valid lines in all caches (a line in three caches counts three times).
   *
   * @example Usage
   * ```ts
   * import { Topology } from "./topology.ts";
   * import { newCaches } from "./cache_pool.ts";
   * const t = new Topology({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
   * console.log(t.residentLines()); // 0
   * ```
   * @returns the total resident count
   */
  residentLines(): number {
    let n = 0;
    for (const cache of this.caches) n += cache.residentCount;
    return n;
  }
}
