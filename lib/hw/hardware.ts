/**
 * The live hardware model of one machine, as one facade over the concepts
 * of this folder: every CPU's private L1 data cache, each cluster's optional
 * shared L2, an optional system cache shared by all, and DRAM, kept coherent
 * for cacheable traffic and deliberately not for anything else.
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
 * - machine_check.ts: the checks a machine description passes first;
 * - topology.ts: the CPUs, clusters and caches, which caches a CPU sees,
 *   and its CLIDR/CCSIDR;
 * - coherence.ts: cacheable reads and writes through the hierarchy (the
 *   newest copy), non-cacheable accesses around it, castouts;
 * - maintenance.ts: `DC` by address (broadcast, to the PoC or PoU) and by
 *   set/way (one CPU's own slots, to the next level only);
 * - perturb.ts: the speculative fills and castouts a chooser may pick at a
 *   choice point;
 * - cache.ts (with cache_store.ts, cache_geometry.ts, cache_pool.ts): one
 *   cache as slots, its storage, its shapes and the pool that reuses them;
 *   memory.ts: DRAM.
 *
 * {@linkcode Hardware} checks every argument (a bad one throws a typed
 * `ScenarioError`) and refuses any use once released; the concept modules
 * trust what passed it.
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
 * import { Hardware } from "@setway/setway/hw";
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
import { type Cache, cacheStore } from "./cache.ts";
import { type CacheStore, StoreImage } from "./cache_store.ts";
import { giveBackCaches, newCaches, takeCaches } from "./cache_pool.ts";
import { HierarchyCore } from "./hierarchy_core.ts";
import type { Chooser } from "./chooser.ts";
import { quietChooser } from "./chooser.ts";
import { Coherence } from "./coherence.ts";
import type { Machine } from "./machine.ts";
import { checkMachine } from "./machine_check.ts";
import { type FlushResult, Maintenance } from "./maintenance.ts";
import {
  checkByteAddress,
  checkWordAddress,
  checkWordValue,
  Memory,
  MemoryImage,
} from "./memory.ts";
import { NO_EXTRA, type Perturbation, Perturber } from "./perturb.ts";
import { Topology } from "./topology.ts";
import type { WorkMeter } from "./work_meter.ts";

export type { FlushResult } from "./maintenance.ts";
export type { Perturbation } from "./perturb.ts";

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
   * Take the caches from the per-thread pool (cache_pool.ts): new caches
   * over the emptied storage of released ones, instead of new storage. Default true; false is the slow path the pool must
   * be indistinguishable from (tests compare them).
   */
  pooled?: boolean;
  /**
   * Move every line between levels through a buffer and look each cache up
   * before filling it, as before the direct copies (coherence.ts), and look
   * a PoC by-VA operation's line up in every cache before each of its
   * phases (maintenance.ts), and put every cache back from a hardware image
   * line by line, also one that has not changed since it saved or put back
   * that image (cache_store.ts): the slow path the default must be
   * indistinguishable from (tests compare them).
   * Default false.
   */
  staged?: boolean;
  /**
   * Run the coherent reads and writes in the WebAssembly hierarchy core
   * (hierarchy_core.ts) when the model allows it (LRU, not staged). Default
   * true; false is the JavaScript path the core must be indistinguishable
   * from (tests compare them).
   */
  core?: boolean;
}

/** Set/way and by-VA operation names, checked at the API boundary. */
const SW_OPS = ["csw", "cisw", "isw"] as const;
const VA_OPS = ["cvac", "civac", "ivac", "cvau"] as const;

/** The parts of an image, for {@linkcode Hardware.saveImage} and {@linkcode Hardware.loadImage} only. */
interface ImageParts {
  readonly caches: StoreImage[];
  readonly memory: MemoryImage;
  /** Which save filled it: each save of any image takes the next number. */
  version: number;
}

/** The last {@linkcode ImageParts.version} given. */
let lastImageVersion = 0;

/** The parts of an image. */
let partsOf: (image: HardwareImage) => ImageParts;

/**
 * A copy of a {@linkcode Hardware}'s state: every cache's lines (slots,
 * resident order, LRU stamps and clock, data) and the memory's contents.
 * What {@linkcode Hardware.saveImage} fills and {@linkcode Hardware.loadImage}
 * puts back; its buffers are reused from one save to the next.
 *
 * @example Usage
 * ```ts
 * import { generic, Hardware, HardwareImage } from "@setway/setway/hw";
 * const hw = new Hardware(generic);
 * const image = new HardwareImage();
 * hw.write(0, 0x40000000, 5, true);
 * hw.saveImage(image);
 * hw.write(0, 0x40000000, 6, true);
 * hw.loadImage(image);
 * console.log(hw.read(0, 0x40000000, true)); // 5
 * ```
 */
export class HardwareImage {
  /** One image per cache, in {@linkcode Hardware.caches} order, the memory's contents, the save. */
  readonly #parts: ImageParts = { caches: [], memory: new MemoryImage(), version: 0 };

  static {
    partsOf = (image) => image.#parts;
  }
}

/**
 * A model's guest data accesses without the argument checks of
 * {@linkcode Hardware.read} and {@linkcode Hardware.write}: what
 * {@linkcode trustedAccess} returns.
 *
 * @example Usage
 * ```ts
 * import type { TrustedAccess } from "./hardware.ts";
 * const reads = (a: TrustedAccess) => a.read(0, 0x4000_0000, true);
 * ```
 */
export interface TrustedAccess {
  /**
   * {@linkcode Hardware.read} of arguments known to be valid.
   * @param cpu a CPU of the machine
   * @param addr a 4-byte aligned address below 2^52
   * @param cacheable whether the access goes through the caches
   * @returns the word, unsigned
   */
  read(cpu: number, addr: number, cacheable: boolean): number;
  /**
   * {@linkcode Hardware.write} of arguments known to be valid.
   * @param cpu a CPU of the machine
   * @param addr a 4-byte aligned address below 2^52
   * @param value a 32-bit value, signed or unsigned
   * @param cacheable whether the access goes through the caches
   */
  write(cpu: number, addr: number, value: number, cacheable: boolean): void;
}

/** The coherent accesses of a live model, for {@linkcode trustedAccess}. */
let accessOf: (hw: Hardware) => TrustedAccess;

/**
 * The data accesses of a live model without the checks of each call: for
 * the engine, whose steps were validated before they run (a vCPU's
 * physical CPU is one of the machine's, an address is aligned and in RAM,
 * a value is 32-bit), so that each guest read and write is not checked a
 * second time. The accesses are the model's own (`Hardware.read` is the
 * checks, then the same call). Valid while the model is live: a caller
 * must not keep it past `release()`. Internal: not part of the public API.
 *
 * @example Usage
 * ```ts
 * import { Hardware, trustedAccess } from "./hardware.ts";
 * import { generic } from "../machines/mod.ts";
 * const hw = new Hardware(generic);
 * trustedAccess(hw).write(0, 0x4000_0000, 5, true);
 * console.log(hw.read(1, 0x4000_0000, true)); // 5
 * ```
 * @param hw a live model
 * @returns its accesses
 * @throws {Error} once the model is released
 */
export function trustedAccess(hw: Hardware): TrustedAccess {
  return accessOf(hw);
}

/** Whether a model runs in the core, for {@linkcode runsInCore}. */
let inCore: (hw: Hardware) => boolean;

/**
 * Whether a model's coherent reads and writes run in the WebAssembly
 * hierarchy core (hierarchy_core.ts) rather than in JavaScript: true unless
 * it was built with `core: false` or `staged: true`, or a cache replaces at
 * random. Internal: not part of the public API.
 *
 * @example Usage
 * ```ts
 * import { Hardware, runsInCore } from "./hardware.ts";
 * import { generic } from "../machines/mod.ts";
 * console.log(runsInCore(new Hardware(generic)), runsInCore(new Hardware(generic, { core: false }))); // true false
 * ```
 * @param hw a model
 * @returns whether its accesses run in the core
 */
export function runsInCore(hw: Hardware): boolean {
  return inCore(hw);
}

/**
 * The hardware of one machine (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Hardware } from "@setway/setway/hw";
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
  /** The line size shared by every cache, in bytes. */
  readonly lineSize: number;
  /** The chooser given in the options (quiet by default). */
  readonly chooser: Chooser;
  /** Index of the system cache in {@linkcode Hardware.caches}, or -1. */
  readonly systemCacheIndex: number;

  /**
   * Every cache: the CPUs' L1s in CPU order (`"cpu0.L1"`...), then the
   * clusters' L2s in cluster order (`"cluster0.L2"`...), then `"system"`.
   */
  readonly #caches: readonly Cache[];
  /** Each cache's store, in the same order: images are saved and put back store by store. */
  readonly #stores: readonly CacheStore[];
  /** Built `staged`: the slow paths, images put back in full among them (see {@linkcode HardwareOptions.staged}). */
  readonly #staged: boolean;
  /**
   * The stores that changed since the last image put back, by index: entry
   * 0 counts them (each store lists itself, `CacheStore.attachChangeLog`).
   */
  readonly #changed: Int32Array;
  /**
   * The image every store not in {@linkcode Hardware.#changed} equals, as
   * its last put back left them, and that image's version then; null after
   * a save (the stores then still hold their most-recently-used hints,
   * which a put back forgets).
   */
  #loaded: HardwareImage | null = null;
  #loadedVersion = 0;
  readonly #topology: Topology;
  readonly #coherence: Coherence;
  readonly #maintenance: Maintenance;
  readonly #perturber: Perturber;
  /** Set by {@linkcode Hardware.release}: every later use throws. */
  #released = false;

  /** Where the model's reads and writes go: its core, or its coherence in JavaScript. */
  readonly #access: TrustedAccess;
  /** The model's WebAssembly core, or null (retired by {@linkcode Hardware.release}). */
  readonly #core: HierarchyCore | null;

  static {
    accessOf = (hw) => {
      hw.#checkLive("trustedAccess");
      return hw.#access;
    };
    inCore = (hw) => hw.#core !== null;
  }

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
    const { cpuCount, lineSize } = checkMachine(machine);
    this.cpuCount = cpuCount;
    this.lineSize = lineSize;
    const take = options.pooled === false ? newCaches : takeCaches;
    const topology = new Topology(
      machine,
      lineSize,
      take,
      options.replacement ?? "lru",
      options.seed ?? 1,
    );
    this.#topology = topology;
    this.#caches = topology.caches;
    this.#stores = topology.caches.map(cacheStore);
    this.#staged = options.staged === true;
    const n = this.#stores.length;
    this.#changed = HierarchyCore.changeLog(this.#stores[0]?.arena ?? null, n) ??
      new Int32Array(n + 1);
    this.#stores.forEach((s, i) => s.attachChangeLog(this.#changed, i));
    this.systemCacheIndex = topology.systemCacheIndex;
    this.memory = new Memory({ zeroFill: options.zeroFill === true });
    const core = options.core === false || this.#staged
      ? null
      : HierarchyCore.over(topology, this.memory, this.#changed);
    this.#core = core;
    this.#coherence = new Coherence(topology, this.memory, this.#staged, core);
    this.#access = core ?? this.#coherence;
    this.#maintenance = new Maintenance(
      topology,
      this.#coherence,
      this.memory,
      this.#staged,
      core,
    );
    this.#perturber = new Perturber(topology, this.#coherence);
  }

  /**
   * Who hears of the work done on this model (a run's budget): each page of
   * DRAM first written, and the units of work its users count (the lines of
   * a DC range, the slots of a set/way walk). Default nobody.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * import { generic } from "@setway/setway/hw";
   * import { NO_METER } from "@setway/setway/hw";
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
   * import { Hardware } from "@setway/setway/hw";
   * import { generic } from "@setway/setway/hw";
   * console.log(new Hardware(generic).caches.map((c) => c.name).join(" "));
   * ```
   * @throws {Error} once the model is released
   */
  get caches(): readonly Cache[] {
    this.#checkLive("caches");
    return this.#caches;
  }

  /**
   * Whether {@linkcode Hardware.loadImage} restores this model exactly: every
   * cache replaces by LRU (a random replacement's generator is not saved).
   *
   * @example Usage
   * ```ts
   * import { generic, Hardware } from "@setway/setway/hw";
   * console.log(new Hardware(generic).imageable); // true
   * ```
   */
  get imageable(): boolean {
    return this.caches.every((c) => c.replacement === "lru");
  }

  /**
   * Copies the state of the caches and memory into `image` (see
   * {@linkcode HardwareImage}).
   *
   * @example Usage
   * ```ts
   * import { generic, Hardware, HardwareImage } from "@setway/setway/hw";
   * const hw = new Hardware(generic);
   * const image = new HardwareImage();
   * hw.speculativeFill(0, 0x40000000);
   * hw.saveImage(image);
   * hw.loadImage(image);
   * console.log(hw.residentLines()); // 1
   * ```
   * @param image where to copy it
   * @throws {Error} when a cache replaces at random (see {@linkcode Hardware.imageable})
   */
  saveImage(image: HardwareImage): void {
    this.#checkLive("saveImage");
    if (!this.imageable) throw new Error("Hardware.saveImage: a cache replaces at random");
    const stores = this.#stores;
    const parts = partsOf(image);
    while (parts.caches.length < stores.length) parts.caches.push(new StoreImage());
    for (let i = 0; i < stores.length; i++) stores[i].saveImage(parts.caches[i]);
    this.memory.saveImage(parts.memory);
    parts.version = ++lastImageVersion;
    this.#changed[0] = 0;
    this.#loaded = null;
  }

  /**
   * Puts the caches and memory back in the state {@linkcode Hardware.saveImage}
   * saw on this model: every access, maintenance operation and perturbation
   * that follows does what it did then. A cache that has not changed since
   * it saved or put back this image is left as it is: changes are seen
   * through the model's and the caches' methods, so a caller must not write
   * a cache's arrays (`Cache.tags`, `states`, `data`) itself.
   *
   * @example Usage
   * ```ts
   * import { generic, Hardware, HardwareImage } from "@setway/setway/hw";
   * const hw = new Hardware(generic);
   * const image = new HardwareImage();
   * hw.saveImage(image);
   * hw.speculativeFill(0, 0x40000000);
   * hw.loadImage(image);
   * console.log(hw.residentLines()); // 0
   * ```
   * @param image a copy of this model's state
   */
  loadImage(image: HardwareImage): void {
    this.#checkLive("loadImage");
    const stores = this.#stores;
    const parts = partsOf(image);
    const changed = this.#changed;
    if (
      image === this.#loaded && parts.version === this.#loadedVersion && changed[0] < changed.length
    ) {
      // Put back since, and not saved again: only the stores listed changed.
      for (let k = 1; k <= changed[0]; k++) stores[changed[k]].loadImage(parts.caches[changed[k]]);
    } else {
      const always = this.#staged;
      for (let i = 0; i < stores.length; i++) stores[i].loadImage(parts.caches[i], always);
      this.#loaded = always ? null : image;
      this.#loadedVersion = parts.version;
    }
    changed[0] = 0;
    this.memory.loadImage(parts.memory);
  }

  /**
   * Gives this model's caches back to the pool (cache_pool.ts) for the next
   * model of the same machine. Any later use of the model throws, and so
   * does any call on a cache taken from {@linkcode Hardware.caches} before
   * (cache_pool.ts retires it); a second release does nothing.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * import { generic } from "@setway/setway/hw";
   * const hw = new Hardware(generic);
   * hw.write(0, 0x40001000, 1, true);
   * hw.release();
   * console.log(new Hardware(generic).read(0, 0x40001000, true).toString(16)); // "deadbeef"
   * ```
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#core?.retire();
    giveBackCaches(this.#caches);
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

  /** Checks a CPU and one of its cache levels, in the name of `call` (the method the caller called). */
  #checkLevel(cpu: number, level: number, call: string): void {
    this.#checkCpu(cpu, call);
    const levels = this.#topology.levels(cpu);
    if (!(Number.isInteger(level) && level >= 1 && level <= levels)) {
      throw new ScenarioError(
        "out_of_range",
        call,
        level,
        `${call}: level ${showValue(level)} must be from 1 to ${levels} (the LoC of cpu ${cpu})`,
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

  /**
   * The cluster a CPU belongs to.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * const l1d = { size: 4096, ways: 2 };
   * const hw = new Hardware({ name: "m", description: "", clusters: [{ cpus: 2, l1d }, { cpus: 2, l1d }] });
   * console.log(hw.clusterOf(3)); // 1
   * ```
   * @param cpu a CPU number
   * @returns its cluster index
   */
  clusterOf(cpu: number): number {
    this.#checkCpu(cpu, "clusterOf");
    return this.#topology.cpuCluster[cpu];
  }

  /**
   * Architected data-cache levels of a CPU up to the LoC: 2 with a cluster
   * L2, else 1. The system cache is not counted.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] });
   * console.log(hw.levels(0)); // 2
   * ```
   * @param cpu a CPU number
   * @returns 1 or 2
   */
  levels(cpu: number): number {
    this.#checkCpu(cpu, "levels");
    return this.#topology.levels(cpu);
  }

  /**
   * Index in {@linkcode Hardware.caches} of a CPU's cache at a level.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] });
   * console.log(hw.caches[hw.cacheIndexOf(1, 2)].name); // "cluster0.L2"
   * ```
   * @param cpu a CPU number
   * @param level 1 or 2 (at most {@linkcode Hardware.levels})
   * @returns the cache index
   */
  cacheIndexOf(cpu: number, level: number): number {
    return this.#cacheAt(cpu, level, "cacheIndexOf");
  }

  /** {@linkcode Hardware.cacheIndexOf}, its operands checked in the name of `call`. */
  #cacheAt(cpu: number, level: number, call: string): number {
    this.#checkLevel(cpu, level, call);
    return this.#topology.cacheIndex(cpu, level);
  }

  /**
   * Geometry of a CPU's data or unified cache at a level.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 2 } }] });
   * console.log(hw.geometry(0, 1)); // { sets: 256, ways: 2, lineSize: 64 }
   * ```
   * @param cpu a CPU number
   * @param level 1-based level, up to {@linkcode Hardware.levels}
   * @returns sets, ways and line size
   */
  geometry(cpu: number, level: number): { sets: number; ways: number; lineSize: number } {
    const c = this.#caches[this.#cacheAt(cpu, level, "geometry")];
    return { sets: c.sets, ways: c.ways, lineSize: c.lineSize };
  }

  /**
   * The CLIDR_EL1 value a guest on this CPU reads: Ctype1 = separate I+D,
   * Ctype2 = unified when the cluster has an L2, LoC = levels, LoUU = LoUIS = 1.
   * The system cache does not appear.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * import { decodeClidr } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 }, l2: { size: 65536, ways: 8 } }] });
   * console.log(decodeClidr(hw.clidr(0)).loc); // 2
   * ```
   * @param cpu a CPU number
   * @returns the register value, unsigned
   */
  clidr(cpu: number): number {
    this.#checkCpu(cpu, "clidr");
    return this.#topology.clidr(cpu);
  }

  /**
   * The CCSIDR_EL1 value (ARMv8.0 32-bit format) for the data or unified
   * cache at a level, as selected by CSSELR_EL1.{Level, InD=0}.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * import { decodeCcsidr } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 2 } }] });
   * console.log(decodeCcsidr(hw.ccsidr(0, 1)).sets); // 256
   * ```
   * @param cpu a CPU number
   * @param level 1-based level
   * @returns the register value, unsigned
   */
  ccsidr(cpu: number, level: number): number {
    this.#checkLevel(cpu, level, "ccsidr");
    return this.#topology.ccsidr(cpu, level);
  }

  /**
   * Reads one 32-bit word as CPU `cpu`. Cacheable: through the coherent
   * hierarchy. Non-cacheable: DRAM, or the system cache's copy when the
   * system cache snoops non-cacheable traffic and holds the line.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
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
    return this.#access.read(cpu, addr, cacheable);
  }

  /**
   * Writes one 32-bit word as CPU `cpu`. Cacheable: read for ownership,
   * drop the copies of other L1s and other clusters, dirty the own L1.
   * Non-cacheable: DRAM, or the system cache's copy when it snoops
   * non-cacheable traffic and holds the line (the copy becomes dirty).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
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
    this.#access.write(cpu, addr, value, cacheable);
  }

  /**
   * Writes `value` to every word of the line holding `addr`, cacheably, as
   * CPU `cpu`: exactly what `write` of each word in address order does (one
   * read for ownership, then the rest hit the now dirty L1 line), in one
   * call. The host's `clear_page` is 64 of these instead of 1024 writes.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
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
    checkByteAddress(addr, "writeLine");
    checkWordValue(value, "writeLine");
    this.#coherence.writeLine(cpu, addr, value);
  }

  /**
   * A speculative fill: the line holding `addr` is read cacheably into CPU
   * `cpu`'s L1 (and every level on the way); the data is discarded.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
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
    checkByteAddress(addr, "speculativeFill");
    this.#coherence.speculativeFill(cpu, addr);
  }

  /**
   * Evicts the line holding `addr` from `caches[cacheIndex]` to the next
   * level: a dirty line is written there (allocating, dirty; DRAM below the
   * last cache), a clean line is dropped.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
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
    checkByteAddress(addr, "castout");
    return this.#coherence.castout(cacheIndex, addr);
  }

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
   * import { Hardware } from "@setway/setway/hw";
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
    checkByteAddress(addr, "dcByVa");
    return this.#maintenance.dcByVa(op, addr);
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
   * import { Hardware } from "@setway/setway/hw";
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
    return this.#maintenance.vaFlushResident(op, keep);
  }

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
   * import { Hardware } from "@setway/setway/hw";
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
    const ci = this.#cacheAt(cpu, level, "dcBySetWay");
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
    return this.#maintenance.dcBySetWay(ci, cache.slotOf(set, way), op);
  }

  /**
   * The set/way operation `op` on CPU `cpu`'s cache at `level`, on every
   * slot from `from` (`set * ways + way`) down to slot 0, in walk order: what
   * that many {@linkcode Hardware.dcBySetWay} calls leave (caches, LRU,
   * DRAM), with their results run-length encoded: one triple (slots,
   * cleaned, invalidated) per run of consecutive slots with the same result.
   * The hypervisor performs the rest of a trapped walk's level at once with
   * it when each slot would only be executed locally
   * (hyp/set_way_shortcuts.ts); only the resident lines cost anything.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * hw.write(0, 0x1000, 1, true); // set 0, way 0: slot 0
   * console.log(hw.setWayRunsDownFrom(0, 1, "cisw", 63)); // [63, 0, 0, 1, 1, 1]
   * ```
   * @param cpu the CPU executing the operations
   * @param level 1-based level, up to {@linkcode Hardware.levels}
   * @param op the operation applied to every slot
   * @param from the first slot, in walk order (from the last slot down)
   * @returns the runs, as a flat list of triples, in walk order
   * @throws {ScenarioError} `out_of_range` for a bad CPU, level or slot
   */
  setWayRunsDownFrom(
    cpu: number,
    level: number,
    op: "csw" | "cisw" | "isw",
    from: number,
  ): number[] {
    this.#checkOp(op, SW_OPS, "setWayRunsDownFrom");
    const ci = this.#cacheAt(cpu, level, "setWayRunsDownFrom");
    const slots = this.#caches[ci].slots;
    if (!(Number.isInteger(from) && from >= 0 && from < slots)) {
      throw new ScenarioError(
        "out_of_range",
        "setWayRunsDownFrom",
        from,
        `setWayRunsDownFrom: slot ${showValue(from)} must be from 0 to ${
          slots - 1
        } at level ${level}`,
      );
    }
    const runs: number[] = [];
    this.#maintenance.setWayRunsDownFrom(ci, from, op, runs);
    return runs;
  }

  /**
   * Whether CPU `cpu` has the set/way slot (level, set, way): a data or
   * unified cache at that level up to its LoC, with that set and way.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
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
    this.#checkCpu(cpu, "hasSlot");
    const levels = this.#topology.levels(cpu);
    if (!(Number.isInteger(level) && level >= 1 && level <= levels)) return false;
    const cache = this.#caches[this.#topology.cacheIndex(cpu, level)];
    return Number.isInteger(set) && set >= 0 && set < cache.sets && Number.isInteger(way) &&
      way >= 0 && way < cache.ways;
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
   * import { Hardware } from "@setway/setway/hw";
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
    this.#checkCpu(cpu, "setWayAll");
    return this.#maintenance.setWayAll(cpu, op);
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
   * import { Hardware } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 4 }, l2: { size: 1 << 20, ways: 16 } }] });
   * hw.write(0, 0x1000, 1, true);
   * hw.setWayAll(0, "csw");
   * console.log(hw.walkSlotsVisited); // 2
   * ```
   */
  get walkSlotsVisited(): number {
    return this.#maintenance.walkSlotsVisited;
  }

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
   * import { Hardware } from "@setway/setway/hw";
   * import { quietChooser, seededChooser } from "@setway/setway/hw";
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
    return this.#perturber.perturb(chooser, candidates, extra);
  }

  /**
   * {@linkcode Hardware.perturb} for a caller that is done with what happened
   * before the next choice point (the engine's step loop, which makes one
   * before every step): the object returned is the hardware's own, and the
   * next call rewrites it. Same choices, same effects, no object per choice
   * point.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * import { seededChooser } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] });
   * const chooser = seededChooser(3);
   * let p = hw.perturbTransient(chooser, [], [7]);
   * while (p === null) p = hw.perturbTransient(chooser, [], [7]);
   * console.log(p); // { kind: "extra", index: 0, label: 7 }
   * ```
   * @param chooser the source of the choices
   * @param candidates line addresses the scenario touches
   * @param extra labels of the caller's options, offered after the hardware's own
   * @returns what happened, valid until the next call, or null
   */
  perturbTransient(
    chooser: Chooser,
    candidates: ArrayLike<number>,
    extra: readonly number[] = NO_EXTRA,
  ): Perturbation | null {
    this.#checkLive("perturbTransient");
    return this.#perturber.perturbTransient(chooser, candidates, extra);
  }

  /**
   * The labels of the options the caller added at the current (or last)
   * choice point of {@linkcode Hardware.perturb}; empty when none.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * import { seededChooser } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] });
   * hw.perturb(seededChooser(3), [], [1]);
   * console.log(hw.extraOptions); // [1]
   * ```
   */
  get extraOptions(): readonly number[] {
    return this.#perturber.extraOptions;
  }

  /**
   * Whether any cache copy or DRAM holds `value` at `addr`: the oracle's
   * way to tell a lost write (the value is nowhere) from a stale read.
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
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
    return this.#coherence.holds(addr, value);
  }

  /**
   * Number of valid lines in all caches (a line in three caches counts three times).
   *
   * @example Usage
   * ```ts
   * import { Hardware } from "@setway/setway/hw";
   * const hw = new Hardware({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
   * console.log(hw.residentLines()); // 0
   * ```
   * @returns the total resident count
   */
  residentLines(): number {
    this.#checkLive("residentLines");
    return this.#topology.residentLines();
  }
}
