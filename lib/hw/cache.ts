/**
 * The slot model of one set-associative, write-back, write-allocate cache:
 * what {@linkcode Hardware} (hardware.ts) uses as each level of its
 * hierarchy, and what the hypervisor's set/way operations address.
 *
 * A slot is `set * ways + way` (the (set, way) pair a `DC CSW/CISW/ISW`
 * operand names: the Arm ARM's data cache maintenance instructions by set/way). The
 * model looks a line up ({@linkcode Cache.lookup}), chooses the slot a fill
 * takes ({@linkcode Cache.victim}), fills it ({@linkcode Cache.install}),
 * evicts it ({@linkcode Cache.evict}), changes its state (clean, dirty) and
 * reads and writes its data words; enumerating the resident lines costs
 * O(resident) ({@linkcode Cache.residentSlot}). It moves no data between
 * levels: that, and coherence, are the hierarchy's job (coherence.ts).
 *
 * The typed arrays live in a {@linkcode CacheStore} (cache_store.ts), which
 * the trace-driven simulator (lib/sim/replay.ts: cachegrind's access and
 * replay, for benches and tests only) drives through {@linkcode cacheStore}.
 * Geometries are checked by cache_geometry.ts.
 *
 * Simplified: there is no tag/index split (the tag is the whole line number),
 * no MESI sharing state (coherence is the hierarchy's job), and no sectors.
 *
 * @example Usage
 * ```ts
 * import { Cache, DIRTY } from "@setway/setway/hw";
 * const l1 = new Cache({ size: 32768, ways: 4 }, { name: "cpu0.L1" });
 * const line = l1.lineOf(0x1000);
 * l1.install(l1.victim(line), line, DIRTY);
 * console.log(l1.lookup(line) >= 0, l1.residentCount); // true 1
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { checkGeometry } from "./cache_geometry.ts";
import { CacheStore, DIRTY, INVALID } from "./cache_store.ts";
import type { StoreArena } from "./store_arena.ts";
import type { CacheGeometry } from "./machine.ts";
import { Random } from "./random.ts";
import { copyWords } from "./words.ts";

export { CLEAN, DIRTY, INVALID } from "./cache_store.ts";

/** How a full set chooses the line to evict. */
export type Replacement = "lru" | "random";

/** Options of {@linkcode Cache}. */
export interface CacheOptions {
  /** Name for reports and events, e.g. `"cpu0.L1"`. Default `"cache"`. */
  readonly name?: string;
  /** Victim choice in a full set. Default `"lru"` (true LRU, as cachegrind). */
  readonly replacement?: Replacement;
  /** Seed of the `"random"` replacement generator. Default 1; ignored for LRU. */
  readonly seed?: number;
  /**
   * LRU clock value at which stamps are renumbered (1, 2, ... in LRU
   * order). Default and maximum 2^31 - 1; tests lower it to exercise the
   * renumbering.
   */
  readonly clockLimit?: number;
}

const TWO_POW_31 = 0x8000_0000;
/** Default LRU clock value at which stamps are renumbered. */
const CLOCK_LIMIT = 0x7fff_ffff;

/** The store of each cache, for {@linkcode cacheStore}. */
let storeOf: (cache: Cache) => CacheStore;
/** Whether a cache was retired, for {@linkcode retireCache}. */
let isRetired: (cache: Cache) => boolean;
/** Retires a cache, for {@linkcode retireCache}. */
let retire: (cache: Cache) => void;
/** The store the constructor builds the next cache over, set only by {@linkcode renewCache}. */
let adopted: CacheStore | null = null;
/** The arena the constructor places the next new store in, set only by {@linkcode cacheIn}. */
let placing: StoreArena | null = null;

/**
 * A set-associative write-back, write-allocate cache as slots (see the
 * module doc).
 *
 * @example Usage
 * ```ts
 * import { Cache, CLEAN } from "@setway/setway/hw";
 * const c = new Cache({ size: 4096, ways: 2, lineSize: 64 });
 * for (let line = 0; line < 3; line++) {
 *   const slot = c.victim(line);
 *   if (c.states[slot] !== 0) c.evict(slot);
 *   c.install(slot, line, CLEAN);
 * }
 * console.log(c.residentCount, c.setOf(2)); // 3 2
 * ```
 */
export class Cache {
  /** Name for reports, e.g. `"cluster0.L2"`. */
  readonly name: string;
  /** Capacity in bytes. */
  readonly size: number;
  /** Associativity. */
  readonly ways: number;
  /** Line size in bytes. */
  readonly lineSize: number;
  /** Number of sets: `size / (ways * lineSize)`. */
  readonly sets: number;
  /** Number of slots: `sets * ways`. */
  readonly slots: number;
  /** 32-bit data words per line: `lineSize / 4`. */
  readonly wordsPerLine: number;
  /** The replacement policy. */
  readonly replacement: Replacement;
  /** Line number held by each valid slot (meaningless for an invalid slot). Read-only for callers. */
  readonly tags: Float64Array;
  /** State of each slot: {@linkcode INVALID}, {@linkcode CLEAN} or {@linkcode DIRTY}. Read-only for callers. */
  readonly states: Uint8Array;
  /**
   * Data words: slot `s` owns `wordsPerLine` words from {@linkcode Cache.dataOffset}(s).
   * Read-only for callers: a line's words change through
   * {@linkcode Cache.writeWord}, {@linkcode Cache.copyIn} or
   * {@linkcode Cache.install}, which a hardware image (`Hardware.loadImage`) notices.
   */
  readonly data: Int32Array;

  /**
   * The store every method goes through: the cache's own while it is live,
   * a {@linkcode retiredStore} once it is retired, so a call on a retired
   * cache throws at its first use of the store without any check on the
   * path of a live one.
   */
  #s: CacheStore;
  /** The cache's own store, also after retirement (for renewCache). */
  readonly #own: CacheStore;

  static {
    storeOf = (cache) => cache.#own;
    isRetired = (cache) => cache.#s !== cache.#own;
    retire = (cache) => {
      cache.#own.inlineLimit = -1;
      cache.#s = retiredStore(cache.name);
    };
  }

  /**
   * Builds an empty cache (every slot invalid).
   *
   * @param geometry size, ways and line size (default 64 bytes)
   * @param options name, replacement policy and seed
   * @throws {ScenarioError} `bad_geometry` for an impossible geometry (see {@linkcode checkGeometry}),
   *   `invalid_value` for options that are not an object or an unknown replacement
   */
  constructor(geometry: CacheGeometry, options: CacheOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new ScenarioError(
        "invalid_value",
        "Cache.options",
        options,
        `Cache(options: ${showValue(options)}): expected an object { name?, replacement?, seed? }`,
      );
    }
    const name = options.name ?? "cache";
    const g = checkGeometry(geometry, name);
    const replacement = options.replacement ?? "lru";
    if (replacement !== "lru" && replacement !== "random") {
      throw new ScenarioError(
        "invalid_value",
        "replacement",
        replacement,
        `replacement(${showValue(replacement)}): expected "lru" or "random"`,
      );
    }
    this.name = name;
    this.size = g.size;
    this.ways = g.ways;
    this.lineSize = g.lineSize;
    this.sets = g.sets;
    this.slots = g.sets * g.ways;
    this.wordsPerLine = g.lineSize / 4;
    this.replacement = replacement;
    const limit = options.clockLimit ?? CLOCK_LIMIT;
    if (!(Number.isInteger(limit) && limit >= 2 * g.ways + 2 && limit <= CLOCK_LIMIT)) {
      throw new ScenarioError(
        "out_of_range",
        "clockLimit",
        limit,
        `clockLimit(${showValue(limit)}): expected an integer from ${
          2 * g.ways + 2
        } to ${CLOCK_LIMIT}`,
      );
    }
    // A pooled cache's successor is made over its predecessor's store
    // (renewCache): only the constructor can give it its private fields.
    const s = adopted ?? new CacheStore(
      g,
      replacement === "random" ? new Random(options.seed ?? 1) : null,
      limit,
      placing,
    );
    // The trace-driven simulator marks the stores it drives, and a model
    // gives its caches' stores its change log: a pooled store is this
    // cache's now.
    s.traceDriven = false;
    s.attachChangeLog(null, 0);
    this.#s = s;
    this.#own = s;
    this.tags = s.tags;
    this.states = s.states;
    this.data = s.data;
  }

  /** Number of slots holding a line (clean or dirty). */
  get residentCount(): number {
    return this.#s.residentCount;
  }

  /**
   * The slot at position `i` of the resident index, `0 <= i < residentCount`.
   * The order is deterministic (it depends only on the history of fills and
   * evictions) but not sorted. Evicting the slot at position `i` moves the
   * last one into `i`, so walk from the end when evicting while enumerating.
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.install(c.victim(1), 1, CLEAN);
   * console.log(c.lineAddress(c.residentSlot(0))); // 64
   * ```
   * @param i a position in the resident index
   * @returns the slot number
   */
  residentSlot(i: number): number {
    return this.#s.resident[i];
  }

  /**
   * A copy of the resident index (slot numbers), for callers that change the
   * cache while walking it.
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.install(c.victim(0), 0, CLEAN);
   * c.install(c.victim(1), 1, CLEAN);
   * console.log(c.residentSlots().length); // 2
   * ```
   * @returns the occupied slots, in resident-index order
   */
  residentSlots(): Int32Array {
    const s = this.#s;
    return s.resident.slice(0, s.residentCount);
  }

  /**
   * Line number of an address: `floor(addr / lineSize)`.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "@setway/setway/hw";
   * console.log(new Cache({ size: 1024, ways: 2 }).lineOf(0x1_0000_0040)); // 67108865
   * ```
   * @param addr a byte address
   * @returns the line number
   */
  lineOf(addr: number): number {
    return Math.floor(addr * this.#s.inverseLine);
  }

  /**
   * Set index of a line number.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "@setway/setway/hw";
   * console.log(new Cache({ size: 1024, ways: 2 }).setOf(9)); // 1
   * ```
   * @param line a line number
   * @returns its set, `0 <= set < sets`
   */
  setOf(line: number): number {
    const s = this.#s;
    return line < TWO_POW_31 ? line & s.setMask : line % s.sets;
  }

  /**
   * Slot number of (set, way).
   *
   * @example Usage
   * ```ts
   * import { Cache } from "@setway/setway/hw";
   * console.log(new Cache({ size: 1024, ways: 2 }).slotOf(3, 1)); // 7
   * ```
   * @param set a set index
   * @param way a way index
   * @returns `set * ways + way`
   */
  slotOf(set: number, way: number): number {
    return set * this.#s.ways + way;
  }

  /**
   * Byte address of the line held by a valid slot.
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * const line = c.lineOf(0x2000_0000_40);
   * c.install(c.victim(line), line, CLEAN);
   * console.log(c.lineAddress(c.lookup(line))); // 137438953536
   * ```
   * @param slot a valid slot
   * @returns the line's first byte address
   */
  lineAddress(slot: number): number {
    return this.#s.tags[slot] * this.lineSize;
  }

  /**
   * Index of a slot's first data word in {@linkcode Cache.data}: way by
   * way, then set by set (see cache_store.ts's `dataOffset`).
   *
   * @example Usage
   * ```ts
   * import { Cache } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 }); // 8 sets of 16 words a line
   * console.log(c.dataOffset(2), c.dataOffset(3)); // 16 144
   * ```
   * @param slot a slot, `set * ways + way`
   * @returns `(way * sets + set) * wordsPerLine`
   */
  dataOffset(slot: number): number {
    return this.#s.dataOffset(slot);
  }

  /**
   * The slot holding a line, or -1. Does not change LRU order (see
   * {@linkcode Cache.touch}).
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * console.log(c.lookup(5)); // -1
   * c.install(c.victim(5), 5, CLEAN);
   * console.log(c.lookup(5) >= 0); // true
   * ```
   * @param line a line number
   * @returns the slot, or -1 when absent
   */
  lookup(line: number): number {
    // The repeated line answers here, as cheaply as before the store existed;
    // an empty cache answers in the store without a set scan.
    const s = this.#s;
    return line === s.mruLine ? s.mruSlot : s.lookup(line);
  }

  /**
   * Marks a valid slot most recently used.
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.install(c.victim(0), 0, CLEAN);
   * c.install(c.victim(8), 8, CLEAN);
   * c.touch(c.lookup(0));
   * console.log(c.victim(16) === c.lookup(8)); // true: line 8 is now the older
   * ```
   * @param slot a valid slot
   */
  touch(slot: number): void {
    const s = this.#s;
    if (slot === s.mruSlot) return;
    s.stamps[slot] = s.tick();
    s.mruLine = s.tags[slot];
    s.mruSlot = slot;
  }

  /**
   * The slot a fill of `line` would use: an invalid way of its set if there
   * is one (the lowest), else the replacement policy's victim (which is not
   * evicted here: see {@linkcode Cache.evict}). Random replacement draws from
   * the cache's seeded generator only when the set is full.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * console.log(c.victim(0)); // 0: set 0, way 0, empty
   * ```
   * @param line the line about to be filled
   * @returns a slot of the line's set
   */
  victim(line: number): number {
    const s = this.#s;
    return s.victimIn(s.setBase(line));
  }

  /**
   * Puts `line` into an invalid slot of its set with the given state, most
   * recently used, copying `wordsPerLine` words from `src` at `srcOffset`
   * when `src` is given (else the data words are left as they are).
   *
   * @example Usage
   * ```ts
   * import { Cache, DIRTY } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2, lineSize: 16 });
   * const slot = c.victim(7);
   * c.install(slot, 7, DIRTY, Int32Array.of(1, 2, 3, 4), 0);
   * console.log(c.readWord(slot, 2)); // 3
   * ```
   * @param slot an invalid slot of the line's set (from {@linkcode Cache.victim} after eviction)
   * @param line the line number
   * @param state {@linkcode CLEAN} or {@linkcode DIRTY}
   * @param src data to copy, or undefined
   * @param srcOffset index of the first word in `src`
   */
  install(slot: number, line: number, state: number, src?: Int32Array, srcOffset = 0): void {
    const s = this.#s;
    if (src !== undefined) {
      copyWords(src, srcOffset, this.data, s.dataOffset(slot), this.wordsPerLine);
    }
    s.occupy(slot, line, state);
  }

  /**
   * Drops a slot's line. The data words stay in {@linkcode Cache.data} until
   * the slot is reused, so a caller may write them back after evicting.
   *
   * @example Usage
   * ```ts
   * import { Cache, DIRTY } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.install(c.victim(0), 0, DIRTY);
   * console.log(c.evict(c.lookup(0)), c.residentCount); // true 0
   * ```
   * @param slot a slot (an invalid one is a no-op)
   * @returns whether the line was dirty
   */
  evict(slot: number): boolean {
    const s = this.#s;
    const state = s.states[slot];
    if (state === INVALID) return false;
    s.drop(slot);
    return state === DIRTY;
  }

  /**
   * Sets a valid slot's state; {@linkcode INVALID} evicts it (see
   * {@linkcode Cache.evict}).
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN, DIRTY } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.install(c.victim(0), 0, DIRTY);
   * c.setState(c.lookup(0), CLEAN);
   * console.log(c.states[c.lookup(0)] === CLEAN); // true
   * ```
   * @param slot a valid slot
   * @param state the new state
   */
  setState(slot: number, state: number): void {
    if (state === INVALID) {
      this.evict(slot);
      return;
    }
    const s = this.#s;
    if (s.states[slot] !== INVALID) {
      s.states[slot] = state;
      s.changed();
    }
  }

  /**
   * One data word of a slot, as an unsigned 32-bit number.
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2, lineSize: 16 });
   * c.install(0, 0, CLEAN, Int32Array.of(-1, 0, 0, 0));
   * console.log(c.readWord(0, 0)); // 4294967295
   * ```
   * @param slot a slot
   * @param word word index in the line, `0 <= word < wordsPerLine`
   * @returns the word
   */
  readWord(slot: number, word: number): number {
    const s = this.#s;
    return s.data[s.dataOffset(slot) + word] >>> 0;
  }

  /**
   * Writes one data word of a slot (the state is not changed).
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2, lineSize: 16 });
   * c.install(0, 0, CLEAN);
   * c.writeWord(0, 1, 0xdeadbeef);
   * console.log(c.readWord(0, 1).toString(16)); // "deadbeef"
   * ```
   * @param slot a slot
   * @param word word index in the line
   * @param value a 32-bit value (signed or unsigned)
   */
  writeWord(slot: number, word: number, value: number): void {
    const s = this.#s;
    s.data[s.dataOffset(slot) + word] = value;
    s.changed();
  }

  /**
   * Overwrites a slot's data words with a line from `src`.
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2, lineSize: 16 });
   * c.install(0, 0, CLEAN);
   * c.copyIn(0, Int32Array.of(1, 2, 3, 4), 0);
   * console.log(c.readWord(0, 3)); // 4
   * ```
   * @param slot a slot
   * @param src the words to copy
   * @param srcOffset index of the line's first word in `src`
   */
  copyIn(slot: number, src: Int32Array, srcOffset: number): void {
    const s = this.#s;
    copyWords(src, srcOffset, s.data, s.dataOffset(slot), this.wordsPerLine);
    s.changed();
  }

  /**
   * Empties the cache in O(resident): every valid slot is dropped, the LRU
   * clock starts again and a random replacement is reseeded,
   * so the cache behaves exactly as one just built with `seed`. The data
   * words of invalid slots are left as they are (as after an eviction: a
   * fill overwrites them), which is what makes a reset cache cheaper than a
   * new one: its memory is already backed.
   *
   * @example Usage
   * ```ts
   * import { Cache, DIRTY } from "@setway/setway/hw";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.install(c.victim(0), 0, DIRTY);
   * c.reset();
   * console.log(c.residentCount, c.lookup(0)); // 0 -1
   * ```
   * @param seed the seed of a random replacement, as in {@linkcode CacheOptions}; default 1
   */
  reset(seed = 1): void {
    this.#s.clear(seed);
  }
}

/**
 * What a retired cache reads its store through: any property read throws,
 * since the real store may already serve another cache, which the call
 * would silently corrupt. Made once per retirement, never per access.
 */
function retiredStore(name: string): CacheStore {
  return new Proxy({} as CacheStore, {
    get() {
      refuse(name);
    },
  });
}

/** The error of any use of a retired cache. */
function refuse(name: string): never {
  throw new Error(
    `Cache ${name}: this cache was released (given back to the pool by ` +
      "giveBackCache or Hardware.release); use the cache of a live model",
  );
}

/**
 * The storage of a cache, for the trace-driven simulator (lib/sim/replay.ts),
 * which drives the same typed arrays as the slot model. Internal: not part
 * of the public API.
 *
 * @example Usage
 * ```ts
 * import { Cache, cacheStore } from "./cache.ts";
 * const c = new Cache({ size: 1024, ways: 2 });
 * console.log(cacheStore(c).states === c.states); // true
 * ```
 * @param cache a cache
 * @returns the store its slots live in
 */
export function cacheStore(cache: Cache): CacheStore {
  return storeOf(cache);
}

/**
 * Throws unless a cache is live (not retired, see {@linkcode retireCache}):
 * for code that drives a cache's store directly (lib/sim/replay.ts).
 *
 * @example Usage
 * ```ts
 * import { assertLive, Cache } from "./cache.ts";
 * assertLive(new Cache({ size: 1024, ways: 2 })); // a new cache is live
 * ```
 * @param cache a cache
 * @throws {Error} when the cache was released
 */
export function assertLive(cache: Cache): void {
  if (isRetired(cache)) refuse(cache.name);
}

/**
 * Retires a cache: every later call of one of its methods throws, and its
 * store may be given to a new cache ({@linkcode renewCache}). Cheap: the
 * cache's store reference is swapped for one that throws. Internal to the pool (cache_pool.ts).
 *
 * @example Usage
 * ```ts
 * import { Cache, retireCache } from "./cache.ts";
 * const c = new Cache({ size: 1024, ways: 2 });
 * console.log(retireCache(c), retireCache(c)); // true false
 * ```
 * @param cache a cache nobody may use any more
 * @returns false when it was already retired
 */
export function retireCache(cache: Cache): boolean {
  if (isRetired(cache)) return false;
  retire(cache);
  return true;
}

/**
 * A new, empty cache over the store of a retired one of the same shape
 * (name, geometry, replacement, clock limit): what a cache built with
 * `options` would be, without allocating or backing its arrays again.
 * Internal to the pool (cache_pool.ts).
 *
 * @example Usage
 * ```ts
 * import { Cache, renewCache, retireCache } from "./cache.ts";
 * const old = new Cache({ size: 1024, ways: 2 }, { name: "L1" });
 * retireCache(old);
 * const c = renewCache(old, { name: "L1", seed: 2 });
 * console.log(c !== old, c.states === old.states, c.residentCount); // true true 0
 * ```
 * @param retired a cache {@linkcode retireCache} retired
 * @param options its options, with the seed of the new one
 * @returns the new cache; the retired one stays refused
 */
export function renewCache(retired: Cache, options: CacheOptions): Cache {
  const store = storeOf(retired);
  store.clear(options.seed ?? 1);
  adopted = store;
  try {
    return new Cache(
      { size: retired.size, ways: retired.ways, lineSize: retired.lineSize },
      options,
    );
  } finally {
    adopted = null;
  }
}

/**
 * A new cache whose store takes the next region of `arena`, so that it
 * shares one memory with the model's other caches (store_arena.ts). Internal:
 * not part of the public API.
 *
 * @example Usage
 * ```ts
 * import { cacheIn, cacheStore } from "./cache.ts";
 * import { StoreArena, storeBytes } from "./store_arena.ts";
 * const arena = new StoreArena(2 * storeBytes({ sets: 16, ways: 4, lineSize: 64 }));
 * const a = cacheIn(arena, { size: 4096, ways: 4 }, { name: "a" });
 * const b = cacheIn(arena, { size: 4096, ways: 4 }, { name: "b" });
 * console.log(cacheStore(a).data.buffer === cacheStore(b).data.buffer); // true
 * ```
 * @param arena the model's memory, with room for the store
 * @param geometry as for `new Cache`
 * @param options as for `new Cache`
 * @returns the cache
 * @throws {ScenarioError} as `new Cache` for a bad geometry or bad options
 */
export function cacheIn(
  arena: StoreArena,
  geometry: CacheGeometry,
  options: CacheOptions,
): Cache {
  placing = arena;
  try {
    return new Cache(geometry, options);
  } finally {
    placing = null;
  }
}
