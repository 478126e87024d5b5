/**
 * The hierarchy core: a model's coherent reads and writes (coherence.ts's
 * direct path), its castouts, and its by-VA and per-slot set/way
 * maintenance (maintenance.ts's single-lookup path; the order of a walk and
 * of a flush of the resident lines stays in maintenance.ts) in WebAssembly,
 * over the memory its caches' stores share (store_arena.ts). Built from
 * wasm/hierarchy.as (`deno task build:core`); its bytes are in
 * hierarchy_core_wasm.ts, compiled once per thread at first use,
 * instantiated once per arena (a pooled arena serves one model after
 * another).
 *
 * Why: the JavaScript paths run at their best only once V8 has compiled and
 * optimized them, which a short run never pays back (a fresh process runs
 * its first 10^5 accesses at about half the speed of later ones);
 * WebAssembly is compiled before it runs. The core changes exactly what the
 * JavaScript paths change, in the same order: every store's arrays, its
 * head (resident count, clock, most recent line and slot, image note), the
 * model's change log, and DRAM through the model's {@linkcode Memory}. So a
 * model may take any step in JavaScript (a walk's order, perturbations'
 * choices, images) and the next in the core; tests/hw/hierarchy_core_test.ts
 * compares models run each way in every array.
 *
 * A model gets a core only where the JavaScript paths are the reference it
 * must equal: LRU replacement (random replacement draws from a generator
 * in JavaScript), not staged (the staged paths are a different slow path),
 * and every store in one WebAssembly memory.
 *
 * The model region (store_arena.ts reserves it at the start of the arena),
 * 32-bit words: the cache count, CPU count, cluster count, line size, words
 * per line, the system cache's index, whether it snoops non-cacheable
 * accesses, and the byte offsets of the line buffer, the change log (and
 * its length), the descriptors, and the per-CPU, per-cluster and per-cache
 * index arrays, and of each cache's slot of the line a by-VA operation
 * works on; then those arrays. A descriptor (16 words per cache): the
 * byte offsets of the store's head, tags, keys, stamps, resident index,
 * positions, states and data; its ways, set mask, log2 of ways and of sets,
 * and clock limit.
 *
 * @example Usage
 * ```ts
 * import { Hardware } from "./hardware.ts";
 * import { xgene1 } from "../machines/xgene1.ts";
 * const hw = new Hardware(xgene1);
 * hw.write(0, 0x4000_0000, 7, true); // through the core
 * console.log(hw.read(5, 0x4000_0000, true)); // 7
 * ```
 *
 * @module
 */

import { cacheStore } from "./cache.ts";
import type { CacheStore } from "./cache_store.ts";
import { hierarchyCoreBytes } from "./hierarchy_core_wasm.ts";
import type { Memory } from "./memory.ts";
import { modelRegionBytes, type StoreArena } from "./store_arena.ts";
import type { Topology } from "./topology.ts";

/** The core's exports. */
interface CoreExports {
  init(model: number): void;
  read(cpu: number, addr: number, cacheable: boolean): number;
  write(cpu: number, addr: number, value: number, cacheable: boolean): void;
  writeLine(cpu: number, addr: number, value: number): void;
  fill(cpu: number, addr: number): void;
  dcByVa(op: number, addr: number): number;
  pocLine(op: number, line: number): number;
  swSlot(ci: number, slot: number, clean: boolean, invalidate: boolean): number;
  castout(ci: number, slot: number): number;
}

/** The compiled module, shared by every model of the thread. */
let compiled: WebAssembly.Module | null = null;

/**
 * An instance of the core over one arena, and what its imports reach: the
 * DRAM and the stores of the model the arena serves now. A pooled arena
 * serves one model after another (cache_pool.ts), all through one instance.
 */
interface Bound {
  readonly exports: CoreExports;
  /** The serving model's DRAM; null between a release and the next model. */
  memory: Memory | null;
  /** The serving model's stores; empty between a release and the next model. */
  stores: readonly CacheStore[];
  wordsPerLine: number;
  /** The core of the model it serves now, or null. */
  owner: HierarchyCore | null;
}

/** Each arena's instance. */
const instances = new WeakMap<StoreArena, Bound>();

/** Instantiates the core over an arena's memory. */
function instantiate(arena: StoreArena): Bound {
  const view = new Int32Array(arena.buffer);
  compiled ??= new WebAssembly.Module(hierarchyCoreBytes() as Uint8Array<ArrayBuffer>);
  const bound = {} as Bound;
  const instance = new WebAssembly.Instance(compiled, {
    env: {
      memory: arena.memory!,
      dramReadLine: (addr: number, dst: number) =>
        bound.memory!.readBlock(addr, view, dst >> 2, bound.wordsPerLine),
      dramWriteLine: (addr: number, src: number) =>
        bound.memory!.writeBlock(addr, view, src >> 2, bound.wordsPerLine),
      dramRead: (addr: number) => bound.memory!.read(addr),
      dramWrite: (addr: number, value: number) => bound.memory!.write(addr, value),
      renumber: (ci: number) => bound.stores[ci].renumber(),
    },
  });
  Object.assign(bound, { exports: instance.exports as unknown as CoreExports });
  instances.set(arena, bound);
  return bound;
}

/** The header's words and the descriptor's, as wasm/hierarchy.as reads them. */
const HEADER_WORDS = 32, DESC_WORDS = 16;

/**
 * The coherent accesses of one model, in WebAssembly (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { HierarchyCore } from "./hierarchy_core.ts";
 * import { newCaches } from "./cache_pool.ts";
 * import { Memory } from "./memory.ts";
 * import { Topology } from "./topology.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
 * const core = HierarchyCore.over(t, new Memory(), null);
 * core?.write(0, 0x1000, 7, true);
 * console.log(core?.read(1, 0x1000, true)); // 7
 * ```
 */
export class HierarchyCore {
  /** Coherence.read: the word, unsigned. */
  read: (cpu: number, addr: number, cacheable: boolean) => number;
  /** Coherence.write. */
  write: (cpu: number, addr: number, value: number, cacheable: boolean) => void;
  /** Coherence.writeLine. */
  writeLine: (cpu: number, addr: number, value: number) => void;
  /** Coherence.speculativeFill. */
  speculativeFill: (cpu: number, addr: number) => void;
  /**
   * Maintenance.dcByVa, `op` 0 CVAC, 1 CIVAC, 2 IVAC, 3 CVAU: cleaned +
   * 65536 * invalidated ({@linkcode cleanedOf}, {@linkcode invalidatedOf}).
   */
  dcByVa: (op: number, addr: number) => number;
  /** {@linkcode HierarchyCore.dcByVa} of a line number. */
  pocLine: (op: number, line: number) => number;
  /** One set/way operation on a slot of cache `ci`: cleaned + 65536 * invalidated. */
  swSlot: (ci: number, slot: number, clean: boolean, invalidate: boolean) => number;
  /** Coherence.castoutSlot: 1 when the line was dirty, else 0. */
  castout: (ci: number, slot: number) => number;

  /** The instance this core runs on. */
  readonly #bound: Bound;

  private constructor(bound: Bound) {
    this.#bound = bound;
    const exports = bound.exports;
    this.read = exports.read;
    this.write = exports.write;
    this.writeLine = exports.writeLine;
    this.speculativeFill = exports.fill;
    this.dcByVa = exports.dcByVa;
    this.pocLine = exports.pocLine;
    this.swSlot = exports.swSlot;
    this.castout = exports.castout;
  }

  /**
   * Cuts the core off its model, for `Hardware.release`: every later call
   * throws. The model's memory goes back to the pool with its caches, and a
   * core kept past its model's release (a `trustedAccess` a caller should
   * not have kept) must not write into the model that takes it next.
   *
   * @example Usage
   * ```ts
   * import { HierarchyCore } from "./hierarchy_core.ts";
   * import { newCaches } from "./cache_pool.ts";
   * import { Memory } from "./memory.ts";
   * import { Topology } from "./topology.ts";
   * const t = new Topology({ name: "m", description: "",
   *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
   * const core = HierarchyCore.over(t, new Memory(), null)!;
   * core.retire();
   * try {
   *   core.read(0, 0x1000, true);
   * } catch (e) {
   *   console.log((e as Error).message.includes("released")); // true
   * }
   * ```
   */
  retire(): void {
    const refuse = (): never => {
      throw new Error(
        "HierarchyCore: this model was released (Hardware.release gave its caches back to " +
          "the pool); use the accesses of a live model",
      );
    };
    this.read =
      this.write =
      this.writeLine =
      this.speculativeFill =
        refuse;
    this.dcByVa =
      this.pocLine =
      this.swSlot =
      this.castout =
        refuse;
    // The instance waits in the pool with its arena: it must not keep the
    // released model's DRAM alive until the next model takes it.
    const bound = this.#bound;
    if (bound.owner !== this) return;
    bound.memory = null;
    bound.stores = [];
    bound.owner = null;
  }

  /**
   * A core over a topology's caches and DRAM, or null when the model must
   * run in JavaScript: its caches are not all in one WebAssembly memory
   * with room for the model region, or one replaces at random.
   *
   * @param topology the CPUs and caches
   * @param memory DRAM
   * @param log the model's change log (`CacheStore.attachChangeLog`): a
   *   view on the model region ({@linkcode HierarchyCore.changeLog}), or
   *   null when no store logs its changes
   * @returns the core, or null
   */
  static over(topology: Topology, memory: Memory, log: Int32Array | null): HierarchyCore | null {
    const stores = topology.caches.map(cacheStore);
    const arena = stores[0]?.arena ?? null;
    if (arena === null || arena.memory === null || arena.caches < stores.length) return null;
    if (stores.some((s) => s.arena !== arena || s.random !== null)) return null;
    if (log !== null && log.buffer !== arena.buffer) return null;
    const words = new Int32Array(arena.buffer, arena.model, modelRegionBytes(arena.caches) / 4);
    const at = (word: number) => arena.model + 4 * word;
    const n = stores.length;
    const clusters = topology.l2.length;
    const descs = HEADER_WORDS;
    const cpuCluster = descs + DESC_WORDS * n;
    const firstCpu = cpuCluster + topology.cpuCount;
    const cpuCounts = firstCpu + clusters;
    const l2Index = cpuCounts + clusters;
    const next = l2Index + clusters;
    const { log: logAt, slots, buf } = regionLayout(arena.caches);
    if (next + n > logAt) return null;
    words.set([
      n,
      topology.cpuCount,
      clusters,
      topology.lineSize,
      topology.wordsPerLine,
      topology.systemCacheIndex,
      topology.snoopsNonCacheable ? 1 : 0,
      at(buf),
      log === null ? 0 : log.byteOffset,
      log === null ? 0 : log.length,
      at(descs),
      at(cpuCluster),
      at(firstCpu),
      at(cpuCounts),
      at(l2Index),
      at(next),
      at(slots),
    ]);
    stores.forEach((s, i) => words.set(descriptor(s), descs + DESC_WORDS * i));
    words.set(topology.cpuCluster, cpuCluster);
    words.set(topology.clusterFirstCpu, firstCpu);
    words.set(topology.clusterCpuCount, cpuCounts);
    words.set(topology.l2Index, l2Index);
    words.set(topology.next, next);
    const bound = instances.get(arena) ?? instantiate(arena);
    bound.memory = memory;
    bound.stores = stores;
    bound.wordsPerLine = topology.wordsPerLine;
    bound.exports.init(arena.model);
    const core = new HierarchyCore(bound);
    bound.owner = core;
    return core;
  }

  /**
   * The change log of a model whose caches share `arena`: `caches + 1`
   * words of its model region, emptied, where a core can write too; or null
   * when the arena has no model region for that many caches.
   *
   * @example Usage
   * ```ts
   * import { HierarchyCore } from "./hierarchy_core.ts";
   * import { StoreArena } from "./store_arena.ts";
   * console.log(HierarchyCore.changeLog(new StoreArena(0, 3), 3)?.length); // 4
   * ```
   * @param arena the arena of the model's stores
   * @param caches the number of caches
   * @returns the log, or null
   */
  static changeLog(arena: StoreArena | null, caches: number): Int32Array | null {
    if (arena === null || arena.caches < caches || caches === 0) return null;
    const at = arena.model + 4 * regionLayout(arena.caches).log;
    const log = new Int32Array(arena.buffer, at, caches + 1);
    log.fill(0);
    return log;
  }
}

/**
 * Where the change log, the located slots and the line buffer are in the
 * model region of an arena for `caches` caches, in words: after the header,
 * the descriptors and the index arrays of at most `caches` CPUs, clusters
 * and caches each; then the log, one slot per cache, and the buffer on a
 * 64-byte boundary. It fits the region store_arena.ts reserves
 * (`modelRegionBytes`).
 */
function regionLayout(caches: number): { log: number; slots: number; buf: number } {
  const log = HEADER_WORDS + DESC_WORDS * caches + 5 * caches;
  const slots = log + caches + 1;
  return { log, slots, buf: Math.ceil((slots + caches) / 16) * 16 };
}

/**
 * The lines a maintenance operation of the core cleaned.
 *
 * @example Usage
 * ```ts
 * import { cleanedOf } from "./hierarchy_core.ts";
 * console.log(cleanedOf(3 + 65536 * 2)); // 3
 * ```
 * @param result what {@linkcode HierarchyCore.dcByVa} or `swSlot` returned
 * @returns the lines cleaned
 */
export function cleanedOf(result: number): number {
  return result & 0xffff;
}

/**
 * The lines a maintenance operation of the core invalidated.
 *
 * @example Usage
 * ```ts
 * import { invalidatedOf } from "./hierarchy_core.ts";
 * console.log(invalidatedOf(3 + 65536 * 2)); // 2
 * ```
 * @param result what {@linkcode HierarchyCore.dcByVa} or `swSlot` returned
 * @returns the lines invalidated
 */
export function invalidatedOf(result: number): number {
  return result >>> 16;
}

/** A store's descriptor: the byte offsets of its arrays, and its shape. */
function descriptor(s: CacheStore): number[] {
  return [
    s.head.byteOffset,
    s.tags.byteOffset,
    s.keys.byteOffset,
    s.stamps.byteOffset,
    s.resident.byteOffset,
    s.position.byteOffset,
    s.states.byteOffset,
    s.data.byteOffset,
    s.ways,
    s.setMask,
    s.wayBits,
    s.setBits,
    s.clockLimit,
    0,
    0,
    0,
  ];
}
