/**
 * The live hardware model: every CPU's private L1 data cache, each cluster's
 * optional shared L2, an optional system cache shared by all, and DRAM,
 * kept coherent for cacheable traffic and deliberately not for anything
 * else.
 *
 * ```
 * cpu0.L1  cpu1.L1      cpu2.L1  cpu3.L1
 *    \       /             \       /
 *   cluster0.L2           cluster1.L2      <- architected levels (CLIDR, LoC)
 *           \               /
 *              system                      <- before the PoC, deaf to set/way
 *                 |
 *               DRAM  (Memory)             <- the Point of Coherency
 * ```
 *
 * Coherence (cacheable accesses): a read that misses its own L1 takes the
 * newest copy — a dirty copy in a sibling L1 (pushed into the cluster's L2),
 * else the cluster's L2, else another cluster's dirty copy (that cluster is
 * snooped: its newest data goes to the common level below, the system cache
 * or DRAM, and its copies become clean), else the system cache, else DRAM —
 * and fills every level on the way. A write reads for ownership, then drops
 * every copy in other L1s and other clusters and dirties its own L1; an older
 * copy may stay in its own cluster's L2 (the hierarchy is not inclusive).
 * Dirty victims are cast out to the next level, allocating there.
 *
 * Not coherent, on purpose: non-cacheable accesses go to DRAM (or to the
 * system cache's copy when it snoops non-cacheable traffic), and set/way
 * operations act on one CPU's slots only and write back to the next level
 * only, so a clean line can differ from memory and a dirty line can be lost:
 * the stale data the scenarios are about.
 *
 * Cost model: the simulator pays only for resident lines, but the numbers it
 * returns are the real machine's (`setWayAll().slots` is the instruction
 * count of a full walk up to the LoC).
 *
 * Simplified: all caches of a machine share one line size; clean victims are
 * dropped, not cast out; a snoop returns only dirty data (a clean copy outside
 * the requester's own path never supplies data); there is no instruction
 * cache, TLB, prefetcher, exclusive monitor or timing.
 *
 * @example Usage
 * ```ts
 * import { Hardware } from "./hardware.ts";
 * const hw = new Hardware({
 *   name: "tiny", description: "one cluster of two CPUs",
 *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }],
 *   systemCache: { size: 1 << 20, ways: 16 },
 * });
 * hw.write(0, 0x4000_0000, 42, true);
 * console.log(hw.read(1, 0x4000_0000, true)); // 42: coherent
 * console.log(hw.read(1, 0x4000_0000, false).toString(16)); // "deadbeef": DRAM never saw it
 * hw.dcByVa("cvac", 0, 0x4000_0000);
 * console.log(hw.read(1, 0x4000_0000, false)); // 42
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { MAX_CPUS, MAX_TOTAL_CACHE } from "../limits.ts";
import { Cache, type CacheOptions, CLEAN, DIRTY, INVALID } from "./cache.ts";
import { checkArchitected, checkGeometry } from "./cache_geometry.ts";
import { giveBackCache, takeCache as takePooledCache } from "./cache_pool.ts";
import type { Chooser } from "./chooser.ts";
import { quietChooser } from "./chooser.ts";
import { CTYPE_SEPARATE, CTYPE_UNIFIED, encodeCcsidr, encodeClidr } from "./clidr.ts";
import type { CacheGeometry, Machine } from "./machine.ts";
import { ADDRESS_LIMIT, checkWordAddress, checkWordValue, Memory } from "./memory.ts";
import type { WorkMeter } from "./work_meter.ts";
import { copyWords } from "./words.ts";

/** What a maintenance operation did. */
export interface FlushResult {
  /** Dirty lines written back. */
  readonly cleaned: number;
  /** Valid lines dropped. */
  readonly invalidated: number;
}

/**
/**
 * One thing the adversarial hardware did at a choice point, or (`"extra"`)
 * which of the options the caller added after the hardware's own was
 * picked: `label` is the caller's label of that option. A fill's `present`
 * says the L1 already held the line: the fill only refreshed its
 * replacement age.
 */
export type Perturbation =
  | { kind: "speculative_fill"; cpu: number; addr: number; cache: string; present: boolean }
  | { kind: "castout"; cache: string; addr: number; dirty: boolean }
  | { kind: "extra"; index: number; label: number };

const NO_EXTRA: readonly number[] = Object.freeze([]);

/** Options of {@linkcode Hardware}. */
export interface HardwareOptions {
  /** The run's chooser, kept as {@linkcode Hardware.chooser}. Default: quiet. */
  chooser?: Chooser;
  /** Replacement policy of every cache. Default `"lru"`. */
  replacement?: "lru" | "random";
  /** Seed of random replacement; cache `i` uses `seed + i`. Default 1. */
  seed?: number;
  /** All memory reads 0 (not POISON) until written. Default false. */
  zeroFill?: boolean;
  /**
   * Take the caches from the per-thread pool (cache_pool.ts), reset, instead
   * of building new ones. Default true; false is the slow path the pool must
   * be indistinguishable from (tests compare them).
   */
  pooled?: boolean;
}

/** A new cache, never pooled: what a pooled one must be indistinguishable from. */
function newCache(geometry: CacheGeometry, options: CacheOptions): Cache {
  return new Cache(geometry, options);
}

/** Set/way and by-VA operation names, checked at the API boundary. */
const SW_OPS = ["csw", "cisw", "isw"] as const;
const VA_OPS = ["cvac", "civac", "ivac", "cvau"] as const;
/**
 * A level with at least one resident line in this many slots is walked by
 * scanning every slot, not by sorting its resident lines.
 */
const DENSE_WALK = 16;

/**
 * The hardware of one machine (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Hardware } from "./hardware.ts";
 * const hw = new Hardware({
 *   name: "one", description: "one CPU, one level",
 *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }],
 * });
 * hw.write(0, 0x1000, 7, true);
 * console.log(hw.dcBySetWay(0, "isw", 1, 0, 0)); // { cleaned: 0, invalidated: 1 }
 * console.log(hw.holds(0x1000, 7)); // false: the write is lost
 * ```
 */
export class Hardware {
  /** The machine description this model was built from. */
  readonly machine: Machine;
  /** Number of CPUs (the sum over clusters). */
  readonly cpuCount: number;
  /** DRAM. */
  readonly memory: Memory;
  /**
   * Every cache: the CPUs' L1s in CPU order (`"cpu0.L1"`...), then the
   * clusters' L2s in cluster order (`"cluster0.L2"`...), then `"system"`.
   */
  readonly #caches: readonly Cache[];
  /** The line size shared by every cache, in bytes. */
  readonly lineSize: number;
  /** The chooser given in the options (quiet by default). */
  readonly chooser: Chooser;
  /** Index of the system cache in {@linkcode Hardware.caches}, or -1. */
  readonly systemCacheIndex: number;

  readonly #l1: Cache[];
  readonly #l2: (Cache | null)[];
  readonly #l2Index: Int32Array;
  readonly #sys: Cache | null;
  #extra: readonly number[] = NO_EXTRA;
  readonly #snoopsNc: boolean;
  readonly #cpuCluster: Int32Array;
  readonly #clusterFirstCpu: Int32Array;
  readonly #clusterCpuCount: Int32Array;
  /** Cache index of the level below each cache, -1 for DRAM. */
  readonly #next: Int32Array;
  readonly #wpl: number;
  readonly #buf: Int32Array;
  readonly #victimBufs: Int32Array;
  /** Copies turned dirty by a cascade inside one by-VA clean (not counted as cleaned). */
  #cascaded = 0;
  #swCleaned = 0;
  #swInvalidated = 0;
  /** Set by {@linkcode Hardware.release}: every later use throws. */
  #released = false;
  /** Scratch for the resident slots of a level, sorted into walk order. */
  #walkOrder = new Int32Array(64);
  #walkSlotsVisited = 0;

  /**
   * Builds the caches and DRAM of a machine, all empty.
   *
   * @param machine the machine description
   * @param options chooser, replacement policy, seed, zero-filled memory
   * @throws {ScenarioError} `bad_geometry` for a cache the machine cannot have, `out_of_range`
   *   for a bad CPU count or more cache in all than lib/limits.ts allows
   */
  constructor(machine: Machine, options: HardwareOptions = {}) {
    this.machine = machine;
    this.chooser = options.chooser ?? quietChooser();
    const clusters = machine?.clusters;
    if (!Array.isArray(clusters) || clusters.length === 0) {
      throw new ScenarioError(
        "invalid_value",
        "machine.clusters",
        clusters,
        `machine.clusters(${showValue(clusters)}): expected at least one cluster`,
      );
    }
    const replacement = options.replacement ?? "lru";
    const seed = options.seed ?? 1;
    let cpuCount = 0;
    let lineSize = 0;
    const sameLine = (size: number, call: string) => {
      if (lineSize === 0) lineSize = size;
      if (size !== lineSize) {
        throw new ScenarioError(
          "bad_geometry",
          call,
          size,
          `${call}: line size ${size} differs from ${lineSize}; every cache of a machine must use one line size`,
        );
      }
    };
    clusters.forEach((c, k) => {
      if (!(Number.isInteger(c?.cpus) && c.cpus >= 1)) {
        throw new ScenarioError(
          "out_of_range",
          `clusters[${k}].cpus`,
          c?.cpus,
          `clusters[${k}].cpus(${showValue(c?.cpus)}): expected an integer of at least 1`,
        );
      }
      const l1 = checkGeometry(c.l1d, `clusters[${k}].l1d`);
      checkArchitected(l1, `clusters[${k}].l1d`, c.l1d);
      sameLine(l1.lineSize, `clusters[${k}].l1d`);
      if (c.l2) {
        const l2 = checkGeometry(c.l2, `clusters[${k}].l2`);
        checkArchitected(l2, `clusters[${k}].l2`, c.l2);
        sameLine(l2.lineSize, `clusters[${k}].l2`);
      }
      cpuCount += c.cpus;
    });
    if (cpuCount > MAX_CPUS) {
      throw new ScenarioError(
        "out_of_range",
        "machine.clusters",
        cpuCount,
        `machine.clusters: ${cpuCount} CPUs in all, at most ${MAX_CPUS} are modelled`,
      );
    }
    const sysSpec = machine.systemCache ?? null;
    if (sysSpec) sameLine(checkGeometry(sysSpec, "systemCache").lineSize, "systemCache");
    const bytes = clusters.reduce((n, c) => n + c.l1d.size * c.cpus + (c.l2?.size ?? 0), 0) +
      (sysSpec?.size ?? 0);
    if (bytes > MAX_TOTAL_CACHE) {
      throw new ScenarioError(
        "out_of_range",
        "machine",
        bytes,
        `machine: ${bytes} bytes of cache in all, at most ${MAX_TOTAL_CACHE} (512 MiB) are modelled`,
      );
    }

    this.cpuCount = cpuCount;
    this.lineSize = lineSize;
    this.#wpl = lineSize / 4;
    this.#cpuCluster = new Int32Array(cpuCount);
    this.#clusterFirstCpu = new Int32Array(clusters.length);
    this.#clusterCpuCount = new Int32Array(clusters.length);
    const caches: Cache[] = [];
    const opts = (name: string) => ({ name, replacement, seed: seed + caches.length });
    const takeCache = options.pooled === false ? newCache : takePooledCache;
    this.#l1 = [];
    let cpu = 0;
    clusters.forEach((c, k) => {
      this.#clusterFirstCpu[k] = cpu;
      this.#clusterCpuCount[k] = c.cpus;
      for (let i = 0; i < c.cpus; i++, cpu++) {
        this.#cpuCluster[cpu] = k;
        const l1 = takeCache(c.l1d, opts(`cpu${cpu}.L1`));
        this.#l1.push(l1);
        caches.push(l1);
      }
    });
    this.#l2 = [];
    this.#l2Index = new Int32Array(clusters.length).fill(-1);
    clusters.forEach((c, k) => {
      if (c.l2) {
        const l2 = takeCache(c.l2, opts(`cluster${k}.L2`));
        this.#l2Index[k] = caches.length;
        this.#l2.push(l2);
        caches.push(l2);
      } else {
        this.#l2.push(null);
      }
    });
    this.#sys = sysSpec ? takeCache(sysSpec, opts("system")) : null;
    this.#snoopsNc = sysSpec?.snoopsNonCacheable === true;
    this.systemCacheIndex = this.#sys ? caches.length : -1;
    if (this.#sys) caches.push(this.#sys);
    this.#caches = caches;
    this.#next = new Int32Array(caches.length).fill(-1);
    for (let c = 0; c < cpuCount; c++) {
      const l2 = this.#l2Index[this.#cpuCluster[c]];
      this.#next[c] = l2 >= 0 ? l2 : this.systemCacheIndex;
    }
    for (const i of this.#l2Index) if (i >= 0) this.#next[i] = this.systemCacheIndex;
    this.memory = new Memory({ zeroFill: options.zeroFill === true });
    this.#buf = new Int32Array(this.#wpl);
    this.#victimBufs = new Int32Array(caches.length * this.#wpl);
  }

  /**
   * Who hears of the work done on this model (a run's budget): each page of
   * DRAM first written, and the units of work its users count (the lines of
   * a DC range, the slots of a set/way walk). Default nobody.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * import { generic } from "../machines/generic.ts";
   * import { NO_METER } from "./work_meter.ts";
   * const hw = new Hardware(generic);
   * console.log(hw.meter === NO_METER); // true
   * ```
   */
  get meter(): WorkMeter {
    return this.memory.meter;
  }

  /** Sets who hears of the work done on this model. */
  set meter(meter: WorkMeter) {
    this.memory.meter = meter;
  }

  /**
   * Every cache: the CPUs' L1s in CPU order (`"cpu0.L1"`...), then the
   * clusters' L2s in cluster order (`"cluster0.L2"`...), then `"system"`.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * import { generic } from "../machines/generic.ts";
   * console.log(new Hardware(generic).caches.map((c) => c.name).join(" "));
   * ```
   * @throws {Error} once the model is released
   */
  get caches(): readonly Cache[] {
    this.#checkLive("caches");
    return this.#caches;
  }

  /**
   * Gives this model's caches back to the pool (cache_pool.ts) for the next
   * model of the same machine. Any later use of the model throws; a second
   * release does nothing.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * import { generic } from "../machines/generic.ts";
   * const hw = new Hardware(generic);
   * hw.write(0, 0x40001000, 1, true);
   * hw.release();
   * console.log(new Hardware(generic).read(0, 0x40001000, true).toString(16)); // "deadbeef"
   * ```
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const cache of this.#caches) giveBackCache(cache);
  }

  /**
   * Refuses any use of a released model: its caches may already belong to
   * another model, which the call would silently corrupt.
   */
  #checkLive(call: string): void {
    if (this.#released) {
      throw new Error(
        `Hardware.${call}: this model was released (Hardware.release gave its caches back ` +
          "to the pool); build a new Hardware",
      );
    }
  }

  // ---------------------------------------------------------------- checks

  #checkCpu(cpu: number, call: string): void {
    this.#checkLive(call);
    if (!(Number.isInteger(cpu) && cpu >= 0 && cpu < this.cpuCount)) {
      throw new ScenarioError(
        "out_of_range",
        call,
        cpu,
        `${call}: cpu ${showValue(cpu)} must be an integer from 0 to ${this.cpuCount - 1}`,
      );
    }
  }

  #checkLevel(cpu: number, level: number, call: string): void {
    const levels = this.levels(cpu);
    if (!(Number.isInteger(level) && level >= 1 && level <= levels)) {
      throw new ScenarioError(
        "out_of_range",
        call,
        level,
        `${call}: level ${showValue(level)} must be from 1 to ${levels} (the LoC of cpu ${cpu})`,
      );
    }
  }

  #checkByteAddress(addr: number, call: string): void {
    if (
      !(typeof addr === "number" && Number.isInteger(addr) && addr >= 0 && addr < ADDRESS_LIMIT)
    ) {
      throw new ScenarioError(
        "bad_address",
        call,
        addr,
        `${call}(${showValue(addr)}): expected a physical address below 2^52`,
      );
    }
  }

  #checkOp<T extends string>(op: T, ops: readonly string[], call: string): void {
    this.#checkLive(call);
    if (!ops.includes(op)) {
      throw new ScenarioError(
        "invalid_value",
        call,
        op,
        `${call}(${showValue(op)}): expected one of ${ops.join(", ")}`,
      );
    }
  }

  // -------------------------------------------------------------- topology

  /**
   * The cluster a CPU belongs to.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const l1d = { size: 4096, ways: 2 };
   * const hw = new Hardware({ name: "m", description: "", clusters: [{ cpus: 2, l1d }, { cpus: 2, l1d }] });
   * console.log(hw.clusterOf(3)); // 1
   * ```
   * @param cpu a CPU number
   * @returns its cluster index
   */
  clusterOf(cpu: number): number {
    this.#checkCpu(cpu, "clusterOf");
    return this.#cpuCluster[cpu];
  }

  /**
   * Architected data-cache levels of a CPU up to the LoC: 2 with a cluster
   * L2, else 1. The system cache is not counted.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] });
   * console.log(hw.levels(0)); // 2
   * ```
   * @param cpu a CPU number
   * @returns 1 or 2
   */
  levels(cpu: number): number {
    this.#checkCpu(cpu, "levels");
    return this.#l2[this.#cpuCluster[cpu]] ? 2 : 1;
  }

  /**
   * Index in {@linkcode Hardware.caches} of a CPU's cache at a level.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] });
   * console.log(hw.caches[hw.cacheIndexOf(1, 2)].name); // "cluster0.L2"
   * ```
   * @param cpu a CPU number
   * @param level 1 or 2 (at most {@linkcode Hardware.levels})
   * @returns the cache index
   */
  cacheIndexOf(cpu: number, level: number): number {
    this.#checkCpu(cpu, "cacheIndexOf");
    this.#checkLevel(cpu, level, "cacheIndexOf");
    return level === 1 ? cpu : this.#l2Index[this.#cpuCluster[cpu]];
  }

  /**
   * Geometry of a CPU's data or unified cache at a level.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 2 } }] });
   * console.log(hw.geometry(0, 1)); // { sets: 256, ways: 2, lineSize: 64 }
   * ```
   * @param cpu a CPU number
   * @param level 1-based level, up to {@linkcode Hardware.levels}
   * @returns sets, ways and line size
   */
  geometry(cpu: number, level: number): { sets: number; ways: number; lineSize: number } {
    const c = this.#caches[this.cacheIndexOf(cpu, level)];
    return { sets: c.sets, ways: c.ways, lineSize: c.lineSize };
  }

  /**
   * The CLIDR_EL1 value a guest on this CPU reads: Ctype1 = separate I+D,
   * Ctype2 = unified when the cluster has an L2, LoC = levels, LoUU = LoUIS = 1.
   * The system cache does not appear.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * import { decodeClidr } from "./clidr.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] });
   * console.log(decodeClidr(hw.clidr(0)).loc); // 2
   * ```
   * @param cpu a CPU number
   * @returns the register value, unsigned
   */
  clidr(cpu: number): number {
    const levels = this.levels(cpu);
    const ctypes = levels === 2 ? [CTYPE_SEPARATE, CTYPE_UNIFIED] : [CTYPE_SEPARATE];
    return encodeClidr({ ctypes, louis: 1, loc: levels, louu: 1 });
  }

  /**
   * The CCSIDR_EL1 value (ARMv8.0 32-bit format) for the data or unified
   * cache at a level, as selected by CSSELR_EL1.{Level, InD=0}.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * import { decodeCcsidr } from "./clidr.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 2 } }] });
   * console.log(decodeCcsidr(hw.ccsidr(0, 1)).sets); // 256
   * ```
   * @param cpu a CPU number
   * @param level 1-based level
   * @returns the register value, unsigned
   */
  ccsidr(cpu: number, level: number): number {
    return encodeCcsidr(this.geometry(cpu, level));
  }

  // ------------------------------------------------------- data movement

  /** Writes a line into the level below cache `ci`, allocating there dirty (or DRAM). */
  #writeBelow(ci: number, line: number, src: Int32Array, off: number): void {
    const n = this.#next[ci];
    if (n < 0) this.memory.writeBlock(line * this.lineSize, src, off, this.#wpl);
    else this.#allocate(n, line, src, off, DIRTY);
  }

  /**
   * Puts a line into cache `ci` with data: overwrites a present copy (made
   * dirty when `state` is dirty), else evicts the victim (casting it out if
   * dirty) and installs.
   */
  #allocate(ci: number, line: number, src: Int32Array, off: number, state: number): number {
    const cache = this.#caches[ci];
    let slot = cache.lookup(line);
    if (slot >= 0) {
      copyWords(src, off, cache.data, cache.dataOffset(slot), this.#wpl);
      if (state === DIRTY) cache.states[slot] = DIRTY;
      cache.touch(slot);
      return slot;
    }
    slot = cache.victim(line);
    if (cache.states[slot] !== INVALID) this.#castoutSlot(ci, slot);
    cache.install(slot, line, state, src, off);
    return slot;
  }

  /** Evicts a valid slot; a dirty line goes to the next level, a clean one is dropped. */
  #castoutSlot(ci: number, slot: number): boolean {
    const cache = this.#caches[ci];
    const line = cache.tags[slot];
    const wpl = this.#wpl;
    const vb = this.#victimBufs;
    const dirty = cache.states[slot] === DIRTY;
    if (dirty) {
      const o = cache.dataOffset(slot);
      copyWords(cache.data, o, vb, ci * wpl, wpl);
    }
    cache.evict(slot);
    if (dirty) this.#writeBelow(ci, line, vb, ci * wpl);
    return dirty;
  }

  /**
   * Makes CPU `cpu`'s L1 hold the newest copy of `line` reachable by a
   * coherent read; returns its slot.
   */
  #fillL1(cpu: number, line: number): number {
    const l1 = this.#l1[cpu];
    const hit = l1.lookup(line);
    if (hit >= 0) {
      l1.touch(hit);
      return hit;
    }
    const wpl = this.#wpl;
    const buf = this.#buf;
    const k = this.#cpuCluster[cpu];
    const first = this.#clusterFirstCpu[k];
    const end = first + this.#clusterCpuCount[k];
    // (a) a dirty copy in a sibling L1: it moves to the cluster's level below.
    for (let c = first; c < end; c++) {
      if (c === cpu) continue;
      const sib = this.#l1[c];
      const s = sib.lookup(line);
      if (s >= 0 && sib.states[s] === DIRTY) {
        const o = sib.dataOffset(s);
        copyWords(sib.data, o, buf, 0, wpl);
        sib.states[s] = CLEAN;
        this.#writeBelow(c, line, buf, 0);
        return this.#allocate(cpu, line, buf, 0, CLEAN);
      }
    }
    // (b) the cluster's L2.
    const l2 = this.#l2[k];
    if (l2 !== null) {
      const s = l2.lookup(line);
      if (s >= 0) {
        const o = l2.dataOffset(s);
        copyWords(l2.data, o, buf, 0, wpl);
        l2.touch(s);
        return this.#allocate(cpu, line, buf, 0, CLEAN);
      }
    }
    // (c) another cluster holding it dirty is snooped; (d) system cache; (e) DRAM.
    const sys = this.#sys;
    if (!this.#snoopOtherClusters(k, line, buf)) {
      const s = sys === null ? -1 : sys.lookup(line);
      if (s >= 0) {
        const o = sys!.dataOffset(s);
        copyWords(sys!.data, o, buf, 0, wpl);
        sys!.touch(s);
      } else {
        this.memory.readBlock(line * this.lineSize, buf, 0, wpl);
        if (sys !== null) this.#allocate(this.systemCacheIndex, line, buf, 0, CLEAN);
      }
    }
    if (l2 !== null) this.#allocate(this.#l2Index[k], line, buf, 0, CLEAN);
    return this.#allocate(cpu, line, buf, 0, CLEAN);
  }

  /**
   * Finds a cluster other than `k` holding `line` dirty; copies its newest
   * data (L1 before L2) into `buf`, makes all its copies clean and equal to
   * it, and writes it to the common level below (allocating dirty in the
   * system cache, or DRAM). Returns whether one was found.
   */
  #snoopOtherClusters(k: number, line: number, buf: Int32Array): boolean {
    const wpl = this.#wpl;
    for (let j = 0; j < this.#l2.length; j++) {
      if (j === k) continue;
      const first = this.#clusterFirstCpu[j];
      const end = first + this.#clusterCpuCount[j];
      let found = false;
      for (let c = first; c < end && !found; c++) {
        const l1 = this.#l1[c];
        const s = l1.lookup(line);
        if (s >= 0 && l1.states[s] === DIRTY) {
          const o = l1.dataOffset(s);
          copyWords(l1.data, o, buf, 0, wpl);
          found = true;
        }
      }
      const l2 = this.#l2[j];
      const s2 = l2 === null ? -1 : l2.lookup(line);
      if (!found && s2 >= 0 && l2!.states[s2] === DIRTY) {
        const o = l2!.dataOffset(s2);
        copyWords(l2!.data, o, buf, 0, wpl);
        found = true;
      }
      if (!found) continue;
      for (let c = first; c < end; c++) {
        const l1 = this.#l1[c];
        const s = l1.lookup(line);
        if (s >= 0) {
          l1.data.set(buf, l1.dataOffset(s));
          l1.states[s] = CLEAN;
        }
      }
      if (s2 >= 0) {
        l2!.data.set(buf, l2!.dataOffset(s2));
        l2!.states[s2] = CLEAN;
      }
      if (this.#sys !== null) this.#allocate(this.systemCacheIndex, line, buf, 0, DIRTY);
      else this.memory.writeBlock(line * this.lineSize, buf, 0, wpl);
      return true;
    }
    return false;
  }

  // ------------------------------------------------------ guest accesses

  /**
   * Reads one 32-bit word as CPU `cpu`. Cacheable: through the coherent
   * hierarchy. Non-cacheable: DRAM, or the system cache's copy when the
   * system cache snoops non-cacheable traffic and holds the line.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, { zeroFill: true });
   * console.log(hw.read(0, 0x100, true)); // 0
   * ```
   * @param cpu a CPU number
   * @param addr a 4-byte aligned physical address
   * @param cacheable whether the access goes through the caches
   * @returns the word, unsigned
   * @throws {ScenarioError} `out_of_range` for a bad CPU, `bad_address` for a bad address
   */
  read(cpu: number, addr: number, cacheable: boolean): number {
    this.#checkCpu(cpu, "read");
    checkWordAddress(addr, "read");
    const lineSize = this.lineSize;
    const line = Math.floor(addr / lineSize);
    const word = (addr - line * lineSize) >>> 2;
    if (!cacheable) {
      const s = this.#nonCacheableSlot(line);
      return s >= 0 ? this.#sys!.readWord(s, word) : this.memory.read(addr);
    }
    const slot = this.#fillL1(cpu, line);
    return this.#l1[cpu].readWord(slot, word);
  }

  /**
   * Where a non-cacheable access to `line` is served from the system cache:
   * its slot when the system cache snoops non-cacheable traffic and holds
   * the line, else -1 (DRAM).
   */
  #nonCacheableSlot(line: number): number {
    const sys = this.#sys;
    return sys !== null && this.#snoopsNc ? sys.lookup(line) : -1;
  }

  /**
   * Writes one 32-bit word as CPU `cpu`. Cacheable: read for ownership,
   * drop the copies of other L1s and other clusters, dirty the own L1.
   * Non-cacheable: DRAM, or the system cache's copy when it snoops
   * non-cacheable traffic and holds the line (the copy becomes dirty).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.write(0, 0x100, 5, false);
   * console.log(hw.memory.read(0x100)); // 5
   * ```
   * @param cpu a CPU number
   * @param addr a 4-byte aligned physical address
   * @param value a 32-bit value, signed or unsigned
   * @param cacheable whether the access goes through the caches
   * @throws {ScenarioError} `out_of_range`, `bad_address` or `invalid_value`
   */
  write(cpu: number, addr: number, value: number, cacheable: boolean): void {
    this.#checkCpu(cpu, "write");
    checkWordAddress(addr, "write");
    checkWordValue(value, "write");
    const lineSize = this.lineSize;
    const line = Math.floor(addr / lineSize);
    const word = (addr - line * lineSize) >>> 2;
    if (!cacheable) {
      const s = this.#nonCacheableSlot(line);
      if (s < 0) {
        this.memory.write(addr, value);
      } else {
        this.#sys!.writeWord(s, word, value);
        this.#sys!.states[s] = DIRTY;
      }
      return;
    }
    const l1 = this.#l1[cpu];
    let slot = l1.lookup(line);
    if (slot >= 0 && l1.states[slot] === DIRTY) {
      // A dirty L1 line is the only copy outside its own path: no snoop needed.
      l1.touch(slot);
      l1.writeWord(slot, word, value);
      return;
    }
    slot = this.#fillL1(cpu, line);
    const k = this.#cpuCluster[cpu];
    for (let c = 0; c < this.cpuCount; c++) {
      if (c === cpu) continue;
      const other = this.#l1[c];
      const s = other.lookup(line);
      if (s >= 0) other.evict(s);
    }
    for (let j = 0; j < this.#l2.length; j++) {
      const l2 = this.#l2[j];
      if (j === k || l2 === null) continue;
      const s = l2.lookup(line);
      if (s >= 0) l2.evict(s);
    }
    l1.writeWord(slot, word, value);
    l1.states[slot] = DIRTY;
  }

  /**
   * Writes `value` to every word of the line holding `addr`, cacheably, as
   * CPU `cpu`: exactly what `write` of each word in address order does (one
   * read for ownership, then the rest hit the now dirty L1 line), in one
   * call. The host's `clear_page` is 64 of these instead of 1024 writes.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] });
   * hw.writeLine(1, 0x1010, 0);
   * console.log(hw.read(0, 0x1000, true), hw.read(0, 0x103c, true)); // 0 0
   * ```
   * @param cpu a CPU number
   * @param addr any address in the line
   * @param value a 32-bit value, signed or unsigned
   * @throws {ScenarioError} `out_of_range`, `bad_address` or `invalid_value`
   */
  writeLine(cpu: number, addr: number, value: number): void {
    this.#checkCpu(cpu, "writeLine");
    this.#checkByteAddress(addr, "writeLine");
    checkWordValue(value, "writeLine");
    const lineSize = this.lineSize;
    const line = Math.floor(addr / lineSize);
    this.write(cpu, line * lineSize, value, true);
    const l1 = this.#l1[cpu];
    const slot = l1.lookup(line);
    const data = l1.data;
    const base = l1.dataOffset(slot);
    for (let w = 1; w < this.#wpl; w++) data[base + w] = value;
  }

  /**
   * A speculative fill: the line holding `addr` is read cacheably into CPU
   * `cpu`'s L1 (and every level on the way); the data is discarded.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.speculativeFill(0, 0x1000);
   * console.log(hw.residentLines()); // 1
   * ```
   * @param cpu a CPU number
   * @param addr any physical address in the line
   */
  speculativeFill(cpu: number, addr: number): void {
    this.#checkCpu(cpu, "speculativeFill");
    this.#checkByteAddress(addr, "speculativeFill");
    this.#fillL1(cpu, Math.floor(addr / this.lineSize));
  }

  /**
   * Evicts the line holding `addr` from `caches[cacheIndex]` to the next
   * level: a dirty line is written there (allocating, dirty; DRAM below the
   * last cache), a clean line is dropped.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.write(0, 0x1000, 9, true);
   * console.log(hw.castout(0, 0x1000), hw.memory.read(0x1000)); // true 9
   * ```
   * @param cacheIndex index in {@linkcode Hardware.caches}
   * @param addr any physical address in the line
   * @returns false when the line is not in that cache
   */
  castout(cacheIndex: number, addr: number): boolean {
    this.#checkLive("castout");
    if (!(Number.isInteger(cacheIndex) && cacheIndex >= 0 && cacheIndex < this.#caches.length)) {
      throw new ScenarioError(
        "out_of_range",
        "castout",
        cacheIndex,
        `castout: cache index ${showValue(cacheIndex)} must be from 0 to ${
          this.#caches.length - 1
        }`,
      );
    }
    this.#checkByteAddress(addr, "castout");
    const cache = this.#caches[cacheIndex];
    const slot = cache.lookup(Math.floor(addr / this.lineSize));
    if (slot < 0) return false;
    this.#castoutSlot(cacheIndex, slot);
    return true;
  }

  // ------------------------------------------------- maintenance by VA

  /**
   * `DC CVAC/CIVAC/IVAC/CVAU` on the line holding `addr`. The PoC ops are
   * broadcast: every dirty copy (L1s, L2s, system cache) is written back,
   * newest last, until DRAM holds the newest data; CIVAC and IVAC then drop
   * every copy (IVAC without writing anything: dirty data is discarded).
   * CVAU cleans every L1's dirty copy to the point of unification (the
   * cluster's L2, allocating there; or the next level when there is none).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.write(0, 0x1000, 9, true);
   * console.log(hw.dcByVa("civac", 0, 0x1000)); // { cleaned: 1, invalidated: 1 }
   * ```
   * @param op the operation
   * @param cpu the CPU issuing it (the op is broadcast; the CPU is only checked)
   * @param addr any physical address in the line
   * @returns dirty lines written back and valid lines dropped
   */
  dcByVa(op: "cvac" | "civac" | "ivac" | "cvau", cpu: number, addr: number): FlushResult {
    this.#checkOp(op, VA_OPS, "dcByVa");
    this.#checkCpu(cpu, "dcByVa");
    this.#checkByteAddress(addr, "dcByVa");
    const line = Math.floor(addr / this.lineSize);
    let cleaned = 0;
    let invalidated = 0;
    if (op === "cvau") {
      cleaned = this.#cleanToPou(line);
    } else {
      if (op !== "ivac") cleaned = this.#cleanToPoc(line);
      if (op !== "cvac") invalidated = this.#invalidateEverywhere(line);
    }
    return { cleaned, invalidated };
  }

  /** Cleans every dirty copy of `line` down to DRAM; returns how many copies were dirty. */
  #cleanToPoc(line: number): number {
    this.#cascaded = 0;
    let written = 0;
    const caches = this.#caches;
    // Top-down, so a newer copy overwrites an older one on its way to DRAM.
    for (let ci = 0; ci < caches.length; ci++) {
      const cache = caches[ci];
      const s = cache.lookup(line);
      if (s < 0 || cache.states[s] !== DIRTY) continue;
      this.#pushIntoExisting(ci, line, cache.data, cache.dataOffset(s));
      cache.states[s] = CLEAN;
      written++;
    }
    return written - this.#cascaded;
  }

  /** Writes a line into the first level below `ci` that holds it (dirtying it), else DRAM. */
  #pushIntoExisting(ci: number, line: number, src: Int32Array, off: number): void {
    for (let n = this.#next[ci]; n >= 0; n = this.#next[n]) {
      const below = this.#caches[n];
      const s = below.lookup(line);
      if (s >= 0) {
        copyWords(src, off, below.data, below.dataOffset(s), this.#wpl);
        if (below.states[s] !== DIRTY) {
          below.states[s] = DIRTY;
          this.#cascaded++;
        }
        return;
      }
    }
    this.memory.writeBlock(line * this.lineSize, src, off, this.#wpl);
  }

  #cleanToPou(line: number): number {
    let cleaned = 0;
    for (let c = 0; c < this.cpuCount; c++) {
      const l1 = this.#l1[c];
      const s = l1.lookup(line);
      if (s < 0 || l1.states[s] !== DIRTY) continue;
      l1.states[s] = CLEAN;
      this.#writeBelow(c, line, l1.data, l1.dataOffset(s));
      cleaned++;
    }
    return cleaned;
  }

  #invalidateEverywhere(line: number): number {
    let dropped = 0;
    for (const cache of this.#caches) {
      const s = cache.lookup(line);
      if (s >= 0) {
        cache.evict(s);
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Applies a by-VA operation to every line resident in any cache whose
   * line address passes `keep` (e.g. "is mapped at stage 2"), in ascending
   * address order: what `stage2_flush_vm` achieves, at O(resident) cost
   * instead of one DC op per line of every mapped page. It leaves exactly
   * what that loop of {@linkcode Hardware.dcByVa} leaves (a property test
   * compares them).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.write(0, 0x1000, 1, true);
   * hw.write(0, 0x2000, 2, true);
   * console.log(hw.vaFlushResident("civac", (a) => a < 0x2000)); // { cleaned: 1, invalidated: 1 }
   * ```
   * @param op cvac, civac or ivac
   * @param keep predicate on a line's first byte address
   * @returns dirty lines written back and valid lines dropped, in total
   */
  vaFlushResident(op: "cvac" | "civac" | "ivac", keep: (lineAddr: number) => boolean): FlushResult {
    this.#checkOp(op, ["cvac", "civac", "ivac"], "vaFlushResident");
    let cleaned = 0;
    let invalidated = 0;
    const lineSize = this.lineSize;
    // Ascending addresses, as the kernel's loop issues them: an invalidate
    // moves the last resident line into the freed position, so the order
    // decides the resident order later castouts are picked in.
    const lines = new Float64Array(this.residentLines());
    let n = 0;
    for (const cache of this.#caches) {
      for (let i = 0; i < cache.residentCount; i++) lines[n++] = cache.tags[cache.residentSlot(i)];
    }
    lines.sort();
    for (let i = 0; i < n; i++) {
      const line = lines[i];
      if ((i > 0 && line === lines[i - 1]) || !keep(line * lineSize)) continue;
      if (op !== "ivac") cleaned += this.#cleanToPoc(line);
      if (op !== "cvac") invalidated += this.#invalidateEverywhere(line);
    }
    return { cleaned, invalidated };
  }

  // ------------------------------------------------ maintenance by set/way

  /**
   * One `DC CSW/CISW/ISW` on CPU `cpu`'s own cache at `level` (L1: its own;
   * L2: its cluster's), slot (set, way). A clean writes a dirty line to the
   * next level only (L1 to L2; the last architected level to the system
   * cache, allocating there dirty, or to DRAM); an invalidate drops the line,
   * dirty data included. Other CPUs' caches and the system cache are never
   * touched.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.write(0, 0, 1, true); // line 0: set 0, way 0
   * console.log(hw.dcBySetWay(0, "cisw", 1, 0, 0)); // { cleaned: 1, invalidated: 1 }
   * ```
   * @param cpu the CPU executing it
   * @param op the operation
   * @param level 1-based level, up to {@linkcode Hardware.levels}
   * @param set set index
   * @param way way index
   * @returns what it did to that one slot
   * @throws {ScenarioError} `out_of_range` for a level, set or way the CPU does not have
   */
  dcBySetWay(
    cpu: number,
    op: "csw" | "cisw" | "isw",
    level: number,
    set: number,
    way: number,
  ): FlushResult {
    this.#checkOp(op, SW_OPS, "dcBySetWay");
    const ci = this.cacheIndexOf(cpu, level);
    const cache = this.#caches[ci];
    if (!(Number.isInteger(set) && set >= 0 && set < cache.sets)) {
      throw new ScenarioError(
        "out_of_range",
        "dcBySetWay",
        set,
        `dcBySetWay: set ${showValue(set)} must be from 0 to ${cache.sets - 1} at level ${level}`,
      );
    }
    if (!(Number.isInteger(way) && way >= 0 && way < cache.ways)) {
      throw new ScenarioError(
        "out_of_range",
        "dcBySetWay",
        way,
        `dcBySetWay: way ${showValue(way)} must be from 0 to ${cache.ways - 1} at level ${level}`,
      );
    }
    this.#swCleaned = 0;
    this.#swInvalidated = 0;
    this.#swSlot(ci, cache.slotOf(set, way), op !== "isw", op !== "csw");
    return { cleaned: this.#swCleaned, invalidated: this.#swInvalidated };
  }

  /**
   * How many slots of `cpu`'s cache at `level`, from slot `slot` (`set * ways
   * + way`) down, hold no line before one that does (the hypervisor records
   * that many trapped set/way slots at once; hyp/set_way_shortcuts.ts).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * console.log(hw.emptySlotsDownFrom(0, 1, 63)); // 64
   * ```
   * @param cpu a CPU number
   * @param level a cache level of that CPU
   * @param slot the first slot looked at
   * @returns the number of empty slots from `slot` down, 0 when `slot` holds a line
   * @throws {ScenarioError} `out_of_range` for a bad CPU or level
   */
  emptySlotsDownFrom(cpu: number, level: number, slot: number): number {
    this.#checkLive("emptySlotsDownFrom");
    this.#checkLevel(cpu, level, "emptySlotsDownFrom");
    const states = this.#caches[this.cacheIndexOf(cpu, level)].states;
    let end = slot;
    while (end >= 0 && states[end] === INVALID) end--;
    return slot - end;
  }

  /**
   * Whether CPU `cpu` has the set/way slot (level, set, way): a data or
   * unified cache at that level up to its LoC, with that set and way.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * console.log(hw.hasSlot(0, 1, 31, 1), hw.hasSlot(0, 1, 32, 0), hw.hasSlot(0, 2, 0, 0)); // true false false
   * ```
   * @param cpu a CPU number
   * @param level 1-based level
   * @param set set index
   * @param way way index
   * @returns true when {@linkcode Hardware.dcBySetWay} accepts the operands
   */
  hasSlot(cpu: number, level: number, set: number, way: number): boolean {
    this.#checkLive("hasSlot");
    if (!(Number.isInteger(level) && level >= 1 && level <= this.levels(cpu))) return false;
    const cache = this.#caches[this.cacheIndexOf(cpu, level)];
    return Number.isInteger(set) && set >= 0 && set < cache.sets && Number.isInteger(way) &&
      way >= 0 && way < cache.ways;
  }

  #swSlot(ci: number, slot: number, clean: boolean, invalidate: boolean): void {
    const cache = this.#caches[ci];
    const state = cache.states[slot];
    if (state === INVALID) return;
    if (clean && state === DIRTY) {
      cache.states[slot] = CLEAN;
      this.#writeBelow(ci, cache.tags[slot], cache.data, cache.dataOffset(slot));
      this.#swCleaned++;
    }
    if (invalidate) {
      cache.evict(slot);
      this.#swInvalidated++;
    }
  }

  /**
   * A whole set/way walk on CPU `cpu`, level 1 then level 2 up to its LoC,
   * as `v7_flush_dcache_all` / `__flush_dcache_all` do: every slot of every
   * level, in their order (walk_order.ts: within a level, from the last slot
   * to the first). Only resident lines cost anything here; `slots` is the
   * number of S/W instructions the real walk executes (sum of sets * ways).
   * It leaves exactly what `setWayAllSlotBySlot` (walk_order.ts), one
   * {@linkcode Hardware.dcBySetWay} per slot, leaves: every cache line, its
   * data, LRU and resident order, and DRAM.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 4 }, l2: { size: 1 << 20, ways: 16 } }] });
   * hw.write(0, 0x1000, 1, true);
   * console.log(hw.setWayAll(0, "csw")); // { cleaned: 2, invalidated: 0, slots: 16896 }
   * ```
   * @param cpu the CPU executing the walk
   * @param op the operation applied to every slot
   * @returns dirty lines written back, valid lines dropped, and S/W instructions executed
   */
  setWayAll(cpu: number, op: "csw" | "cisw" | "isw"): FlushResult & { slots: number } {
    this.#checkOp(op, SW_OPS, "setWayAll");
    const levels = this.levels(cpu);
    const clean = op !== "isw";
    const invalidate = op !== "csw";
    this.#swCleaned = 0;
    this.#swInvalidated = 0;
    let slots = 0;
    for (let level = 1; level <= levels; level++) {
      const ci = level === 1 ? cpu : this.#l2Index[this.#cpuCluster[cpu]];
      const cache = this.#caches[ci];
      slots += cache.slots;
      // The kernel's order, skipping empty slots: a clean allocates in the
      // level below, so the order decides its LRU order and its victims. No
      // slot of this cache fills meanwhile (nothing writes upwards).
      const n = cache.residentCount;
      if (n * DENSE_WALK >= cache.slots) {
        this.#walkSlotsVisited += cache.slots;
        const states = cache.states;
        for (let s = cache.slots - 1; s >= 0; s--) {
          if (states[s] !== INVALID) this.#swSlot(ci, s, clean, invalidate);
        }
        continue;
      }
      this.#walkSlotsVisited += n;
      if (this.#walkOrder.length < n) this.#walkOrder = new Int32Array(n);
      const order = this.#walkOrder.subarray(0, n);
      for (let i = 0; i < n; i++) order[i] = cache.residentSlot(i);
      order.sort();
      for (let i = n - 1; i >= 0; i--) this.#swSlot(ci, order[i], clean, invalidate);
    }
    return { cleaned: this.#swCleaned, invalidated: this.#swInvalidated, slots };
  }

  /**
   * How many slots {@linkcode Hardware.setWayAll} has looked at so far, over
   * all its walks: a level is scanned slot by slot only when at least one
   * slot in `DENSE_WALK` (16) holds a line, else just its resident lines are,
   * so this stays within 16 times the lines resident at each walk, however
   * many slots the walks model.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 4 }, l2: { size: 1 << 20, ways: 16 } }] });
   * hw.write(0, 0x1000, 1, true);
   * hw.setWayAll(0, "csw");
   * console.log(hw.walkSlotsVisited); // 2
   * ```
   */
  get walkSlotsVisited(): number {
    return this.#walkSlotsVisited;
  }

  // ------------------------------------------------------- perturbation

  /**
   * One hardware choice point. With a quiet chooser nothing happens and
   * nothing is computed. Otherwise `chooser.pick(2)` decides whether
   * anything happens (0: no); then one option is picked among: a
   * speculative fill of one of `candidates` into one CPU's L1 (candidates x
   * CPUs, candidate-major), or a castout of one resident line of one cache
   * (caches in {@linkcode Hardware.caches} order, lines in resident-index
   * order), or one of the `extra` options the caller adds after those (the
   * engine's scheduler choices; the hardware only counts and labels them,
   * and {@linkcode Hardware.extraOptions} shows them to a chooser that
   * plans by meaning).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * import { quietChooser, seededChooser } from "./chooser.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] });
   * console.log(hw.perturb(quietChooser(), [0x1000])); // null
   * const p = hw.perturb(seededChooser(3), [0x1000]);
   * console.log(p === null || p.kind === "speculative_fill"); // true: nothing resident yet
   * ```
   * @param chooser the source of the choices
   * @param candidates line addresses the scenario touches
   * @param extra labels of the caller's options, offered after the hardware's own
   * @returns what happened, or null
   */
  perturb(
    chooser: Chooser,
    candidates: ArrayLike<number>,
    extra: readonly number[] = NO_EXTRA,
  ): Perturbation | null {
    this.#checkLive("perturb");
    if (chooser.mode === "quiet") return null;
    this.#extra = extra;
    if (chooser.pick(2) === 0) return null;
    const cpus = this.cpuCount;
    const fills = candidates.length * cpus;
    const own = fills + this.residentLines();
    const total = own + extra.length;
    if (total === 0) return null;
    let pick = chooser.pick(total);
    if (pick >= own) return { kind: "extra", index: pick - own, label: extra[pick - own] };
    if (pick < fills) {
      const cpu = pick % cpus;
      const addr = Math.floor(candidates[Math.floor(pick / cpus)] / this.lineSize) * this.lineSize;
      const present = this.#l1[cpu].lookup(addr / this.lineSize) >= 0;
      this.speculativeFill(cpu, addr);
      return { kind: "speculative_fill", cpu, addr, cache: this.#l1[cpu].name, present };
    }
    pick -= fills;
    for (let ci = 0; ci < this.#caches.length; ci++) {
      const cache = this.#caches[ci];
      if (pick < cache.residentCount) {
        const slot = cache.residentSlot(pick);
        const addr = cache.lineAddress(slot);
        const dirty = this.#castoutSlot(ci, slot);
        return { kind: "castout", cache: cache.name, addr, dirty };
      }
      pick -= cache.residentCount;
    }
    return null;
  }

  /**
   * The labels of the options the caller added at the current (or last)
   * choice point of {@linkcode Hardware.perturb}; empty when none.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * import { seededChooser } from "./chooser.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] });
   * hw.perturb(seededChooser(3), [], [1]);
   * console.log(hw.extraOptions); // [1]
   * ```
   */
  get extraOptions(): readonly number[] {
    return this.#extra;
  }

  // ------------------------------------------------------------ queries

  /**
   * Whether any cache copy or DRAM holds `value` at `addr`: the oracle's
   * way to tell a lost write (the value is nowhere) from a stale read.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.write(0, 0x1000, 3, true);
   * console.log(hw.holds(0x1000, 3), hw.holds(0x1000, 4)); // true false
   * ```
   * @param addr a 4-byte aligned address
   * @param value a 32-bit value, signed or unsigned
   * @returns true when some copy holds it
   */
  holds(addr: number, value: number): boolean {
    this.#checkLive("holds");
    checkWordAddress(addr, "holds");
    const want = value >>> 0;
    const lineSize = this.lineSize;
    const line = Math.floor(addr / lineSize);
    const word = (addr - line * lineSize) >>> 2;
    for (const cache of this.#caches) {
      const s = cache.lookup(line);
      if (s >= 0 && cache.readWord(s, word) === want) return true;
    }
    return this.memory.read(addr) === want;
  }

  /**
   * Number of valid lines in all caches (a line in three caches counts three times).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "./hardware.ts";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * console.log(hw.residentLines()); // 0
   * ```
   * @returns the total resident count
   */
  residentLines(): number {
    this.#checkLive("residentLines");
    let n = 0;
    for (const cache of this.#caches) n += cache.residentCount;
    return n;
  }
}
