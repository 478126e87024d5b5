/**
 * One set-associative, write-back, write-allocate cache, stored in typed
 * arrays.
 *
 * A {@linkcode Cache} is used in two ways:
 *
 * - **trace-driven**: {@linkcode Cache.access} looks an access up, fills on a
 *   miss and counts hits, misses and dirty evictions in {@linkcode Cache.stats},
 *   exactly as cachegrind's D1 simulation does (true LRU; an access straddling
 *   two lines looks both up and counts as one access, a miss if either
 *   missed);
 * - **as a level of a hierarchy**: {@linkcode Hardware} (hardware.ts) uses the
 *   slot-level methods ({@linkcode Cache.lookup}, {@linkcode Cache.victim},
 *   {@linkcode Cache.install}, {@linkcode Cache.evict}, word reads and writes)
 *   and moves the data itself.
 *
 * A slot is `set * ways + way`. Every slot has a tag (the full line number,
 * `addr / lineSize`, in a Float64Array so physical addresses far above 2^32
 * work), a state (0 invalid, 1 clean, 2 dirty), an LRU stamp and
 * `lineSize / 4` 32-bit data words. Occupied slots are also kept in a dense
 * index with a position array, so enumerating the resident lines costs
 * O(resident), not O(capacity).
 *
 * Simplified: there is no tag/index split (the tag is the whole line number),
 * no MESI sharing state (coherence is the hierarchy's job), and no sectors.
 *
 * @example Usage
 * ```ts
 * import { Cache } from "./cache.ts";
 * const l1 = new Cache({ size: 32768, ways: 4 }, { name: "cpu0.L1" });
 * l1.access(0x1000, false); // false: a cold miss
 * l1.access(0x1004, true); // true: same line, now dirty
 * console.log(l1.stats.misses, l1.residentCount); // 1 1
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { CacheGeometry } from "./machine.ts";
import { Random } from "./random.ts";

/** Slot state: the slot holds no line. */
export const INVALID = 0;
/** Slot state: the line equals what the next level had when it was filled or cleaned. */
export const CLEAN = 1;
/** Slot state: the line is newer than the next level; evicting it writes it back. */
export const DIRTY = 2;

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
}

/** Counters of trace-driven use ({@linkcode Cache.access}). */
export interface CacheStats {
  /** Read accesses. */
  reads: number;
  /** Write accesses. */
  writes: number;
  /** Accesses that hit (every line they touched was present). */
  hits: number;
  /** Accesses that missed (at least one line they touched was absent). */
  misses: number;
  /** Read accesses that missed (cachegrind's D1mr). */
  readMisses: number;
  /** Write accesses that missed (cachegrind's D1mw). */
  writeMisses: number;
  /** Dirty lines evicted by a fill (write-backs to the next level). */
  writebacks: number;
}

const MAX_SIZE = 2 ** 30;
const MAX_WAYS = 1024;
const MIN_LINE = 16;
const TWO_POW_31 = 0x8000_0000;

function isPowerOfTwo(n: number): boolean {
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 52) return false;
  return n < TWO_POW_31 ? (n & (n - 1)) === 0 : Number.isInteger(Math.log2(n));
}

/**
 * Checks a cache geometry and returns it with the line size defaulted.
 *
 * @example Usage
 * ```ts
 * import { checkGeometry } from "./cache.ts";
 * const g = checkGeometry({ size: 32768, ways: 4 }, "l1d");
 * console.log(g.lineSize, g.sets); // 64 128
 * ```
 * @param geometry the geometry to check
 * @param call the builder call or field that gave it, for the error message
 * @returns size, ways, lineSize and the derived number of sets
 * @throws {ScenarioError} `bad_geometry` unless size, ways and lineSize are powers of two,
 *   lineSize >= 16, ways * lineSize <= size, size <= 1 GiB and ways <= 1024
 */
export function checkGeometry(
  geometry: CacheGeometry,
  call = "cache",
): { size: number; ways: number; lineSize: number; sets: number } {
  const g = geometry as Partial<CacheGeometry> | null | undefined;
  const size = g?.size;
  const ways = g?.ways;
  const lineSize = g?.lineSize ?? 64;
  const bad = (why: string): never => {
    throw new ScenarioError(
      "bad_geometry",
      call,
      geometry,
      `${call}(${showValue(geometry)}): ${why}`,
    );
  };
  if (typeof size !== "number" || !isPowerOfTwo(size)) {
    bad(`size ${showValue(size)} must be a power of two`);
  }
  if (typeof ways !== "number" || !isPowerOfTwo(ways)) {
    bad(`ways ${showValue(ways)} must be a power of two`);
  }
  if (typeof lineSize !== "number" || !isPowerOfTwo(lineSize) || lineSize < MIN_LINE) {
    bad(`lineSize ${showValue(lineSize)} must be a power of two of at least ${MIN_LINE}`);
  }
  const s = size as number, w = ways as number;
  if (s > MAX_SIZE) bad(`size ${showValue(s)} is larger than 1 GiB`);
  if (w > MAX_WAYS) bad(`ways ${w} is more than ${MAX_WAYS}`);
  if (w * lineSize > s) bad(`ways * lineSize (${w * lineSize}) exceeds size ${s}`);
  return { size: s, ways: w, lineSize, sets: s / (w * lineSize) };
}

/**
 * A set-associative write-back, write-allocate cache (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Cache } from "./cache.ts";
 * const c = new Cache({ size: 4096, ways: 2, lineSize: 64 });
 * for (let a = 0; a < 8192; a += 4) c.access(a, true);
 * console.log(c.stats.misses, c.stats.writebacks); // 128 64
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
  /** Trace-driven counters; reset with {@linkcode Cache.resetStats}. */
  readonly stats: CacheStats = {
    reads: 0,
    writes: 0,
    hits: 0,
    misses: 0,
    readMisses: 0,
    writeMisses: 0,
    writebacks: 0,
  };
  /** Line number held by each slot, -1 when invalid. Read-only for callers. */
  readonly tags: Float64Array;
  /** State of each slot: {@linkcode INVALID}, {@linkcode CLEAN} or {@linkcode DIRTY}. Read-only for callers. */
  readonly states: Uint8Array;
  /** Data words: slot `s` owns words `[s * wordsPerLine, (s + 1) * wordsPerLine)`. */
  readonly data: Int32Array;

  readonly #stamps: Float64Array;
  readonly #resident: Int32Array;
  readonly #position: Int32Array;
  readonly #setMask: number;
  readonly #inverseLine: number;
  readonly #random: Random | null;
  #residentCount = 0;
  #clock = 0;
  // The most recently used line and its slot: a repeated access to the same
  // line skips the set scan (its stamp is already the newest).
  #mruLine = -1;
  #mruSlot = -1;

  /**
   * Builds an empty cache (every slot invalid).
   *
   * @param geometry size, ways and line size (default 64 bytes)
   * @param options name, replacement policy and seed
   * @throws {ScenarioError} `bad_geometry` for an impossible geometry (see {@linkcode checkGeometry})
   */
  constructor(geometry: CacheGeometry, options: CacheOptions = {}) {
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
    this.#setMask = g.sets - 1;
    this.#inverseLine = 1 / g.lineSize;
    this.#random = replacement === "random" ? new Random(options.seed ?? 1) : null;
    this.tags = new Float64Array(this.slots).fill(-1);
    this.states = new Uint8Array(this.slots);
    this.data = new Int32Array(this.slots * this.wordsPerLine);
    this.#stamps = new Float64Array(this.slots);
    this.#resident = new Int32Array(this.slots);
    this.#position = new Int32Array(this.slots).fill(-1);
  }

  /** Number of slots holding a line (clean or dirty). */
  get residentCount(): number {
    return this.#residentCount;
  }

  /**
   * The slot at position `i` of the resident index, `0 <= i < residentCount`.
   * The order is deterministic (it depends only on the history of fills and
   * evictions) but not sorted. Evicting the slot at position `i` moves the
   * last one into `i`, so walk from the end when evicting while enumerating.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0x40, false);
   * console.log(c.lineAddress(c.residentSlot(0))); // 64
   * ```
   * @param i a position in the resident index
   * @returns the slot number
   */
  residentSlot(i: number): number {
    return this.#resident[i];
  }

  /**
   * A copy of the resident index (slot numbers), for callers that change the
   * cache while walking it.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0, false);
   * c.access(64, false);
   * console.log(c.residentSlots().length); // 2
   * ```
   * @returns the occupied slots, in resident-index order
   */
  residentSlots(): Int32Array {
    return this.#resident.slice(0, this.#residentCount);
  }

  /**
   * Line number of an address: `floor(addr / lineSize)`.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * console.log(new Cache({ size: 1024, ways: 2 }).lineOf(0x1_0000_0040)); // 67108865
   * ```
   * @param addr a byte address
   * @returns the line number
   */
  lineOf(addr: number): number {
    return Math.floor(addr * this.#inverseLine);
  }

  /**
   * Set index of a line number.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * console.log(new Cache({ size: 1024, ways: 2 }).setOf(9)); // 1
   * ```
   * @param line a line number
   * @returns its set, `0 <= set < sets`
   */
  setOf(line: number): number {
    return line < TWO_POW_31 ? line & this.#setMask : line % this.sets;
  }

  /**
   * Slot number of (set, way).
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * console.log(new Cache({ size: 1024, ways: 2 }).slotOf(3, 1)); // 7
   * ```
   * @param set a set index
   * @param way a way index
   * @returns `set * ways + way`
   */
  slotOf(set: number, way: number): number {
    return set * this.ways + way;
  }

  /**
   * Byte address of the line held by a valid slot.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0x2000_0000_40, false);
   * console.log(c.lineAddress(c.lookup(c.lineOf(0x2000_0000_40)))); // 137438953536
   * ```
   * @param slot a valid slot
   * @returns the line's first byte address
   */
  lineAddress(slot: number): number {
    return this.tags[slot] * this.lineSize;
  }

  /**
   * Index of a slot's first data word in {@linkcode Cache.data}.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * console.log(new Cache({ size: 1024, ways: 2 }).dataOffset(3)); // 48
   * ```
   * @param slot a slot
   * @returns `slot * wordsPerLine`
   */
  dataOffset(slot: number): number {
    return slot * this.wordsPerLine;
  }

  /**
   * Trace-driven access: looks the line(s) up, fills on a miss (evicting the
   * victim, counting a write-back if it was dirty), marks the line(s) dirty
   * on a write, and counts the access in {@linkcode Cache.stats}. An access
   * that straddles two lines touches both and counts once, a miss if either
   * missed (cachegrind's rule). Data words are not touched.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * console.log(c.access(60, false, 8)); // false: two lines, both cold
   * console.log(c.access(64, false, 4)); // true
   * ```
   * @param addr byte address, a non-negative integer
   * @param isWrite whether it is a store
   * @param size bytes accessed, default 1; at most one line
   * @returns true on a hit
   */
  access(addr: number, isWrite: boolean, size = 1): boolean {
    const lineSize = this.lineSize;
    if (!(addr >= 0 && size >= 1 && size <= lineSize)) this.#badAccess(addr, size);
    // Multiplying by 1/lineSize is exact (a power of two) and cheaper than a division.
    const line = Math.floor(addr * this.#inverseLine);
    let hit: boolean;
    if (addr - line * lineSize + size <= lineSize) {
      hit = this.#ref(line, isWrite);
    } else {
      // Both lines are always looked up: the second changes LRU state even
      // when the first already missed.
      const hit1 = this.#ref(line, isWrite);
      const hit2 = this.#ref(line + 1, isWrite);
      hit = hit1 && hit2;
    }
    const stats = this.stats;
    if (isWrite) stats.writes++;
    else stats.reads++;
    if (hit) {
      stats.hits++;
      return true;
    }
    stats.misses++;
    if (isWrite) stats.writeMisses++;
    else stats.readMisses++;
    return false;
  }

  #badAccess(addr: number, size: number): never {
    const [call, value] = addr >= 0 ? ["Cache.access size", size] : ["Cache.access", addr];
    throw new ScenarioError(
      addr >= 0 ? "out_of_range" : "bad_address",
      call as string,
      value,
      `${this.name}.access(${showValue(addr)}, ${
        showValue(size)
      }): expected a non-negative address and a size from 1 to ${this.lineSize}`,
    );
  }

  /** One line reference for {@linkcode access}; true on a hit. */
  #ref(line: number, isWrite: boolean): boolean {
    if (line === this.#mruLine) {
      if (isWrite) this.states[this.#mruSlot] = DIRTY;
      return true;
    }
    const ways = this.ways;
    const base = (line < TWO_POW_31 ? line & this.#setMask : line % this.sets) * ways;
    const tags = this.tags;
    const end = base + ways;
    let s = base;
    while (s < end && tags[s] !== line) s++;
    if (s < end) {
      this.#stamps[s] = ++this.#clock;
      if (isWrite) this.states[s] = DIRTY;
      this.#mruLine = line;
      this.#mruSlot = s;
      return true;
    }
    this.#fillOnMiss(base, line, isWrite);
    return false;
  }

  #fillOnMiss(base: number, line: number, isWrite: boolean): void {
    const victim = this.#victimIn(base);
    if (this.states[victim] !== INVALID) {
      if (this.states[victim] === DIRTY) this.stats.writebacks++;
      this.#drop(victim);
    }
    this.#occupy(victim, line, isWrite ? DIRTY : CLEAN);
  }

  /**
   * The slot holding a line, or -1. Does not change LRU order (see
   * {@linkcode Cache.touch}).
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * console.log(c.lookup(5)); // -1
   * c.access(5 * 64, false);
   * console.log(c.lookup(5) >= 0); // true
   * ```
   * @param line a line number
   * @returns the slot, or -1 when absent
   */
  lookup(line: number): number {
    if (line === this.#mruLine) return this.#mruSlot;
    const ways = this.ways;
    const base = (line < TWO_POW_31 ? line & this.#setMask : line % this.sets) * ways;
    const tags = this.tags;
    for (let s = base, end = base + ways; s < end; s++) {
      if (tags[s] === line) return s;
    }
    return -1;
  }

  /**
   * Marks a valid slot most recently used.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0, false);
   * c.touch(c.lookup(0));
   * ```
   * @param slot a valid slot
   */
  touch(slot: number): void {
    if (slot === this.#mruSlot) return;
    this.#stamps[slot] = ++this.#clock;
    this.#mruLine = this.tags[slot];
    this.#mruSlot = slot;
  }

  /**
   * The slot a fill of `line` would use: an invalid way of its set if there
   * is one (the lowest), else the replacement policy's victim (which is not
   * evicted here: see {@linkcode Cache.evict}). Random replacement draws from
   * the cache's seeded generator only when the set is full.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * console.log(c.victim(0)); // 0: set 0, way 0, empty
   * ```
   * @param line the line about to be filled
   * @returns a slot of the line's set
   */
  victim(line: number): number {
    return this.#victimIn(this.setOf(line) * this.ways);
  }

  #victimIn(base: number): number {
    const states = this.states;
    const ways = this.ways;
    for (let s = base, end = base + ways; s < end; s++) {
      if (states[s] === INVALID) return s;
    }
    if (this.#random !== null) return base + this.#random.below(ways);
    const stamps = this.#stamps;
    let best = base;
    let oldest = stamps[base];
    for (let s = base + 1, end = base + ways; s < end; s++) {
      if (stamps[s] < oldest) {
        oldest = stamps[s];
        best = s;
      }
    }
    return best;
  }

  /**
   * Puts `line` into an invalid slot of its set with the given state, most
   * recently used, copying `wordsPerLine` words from `src` at `srcOffset`
   * when `src` is given (else the data words are left as they are).
   *
   * @example Usage
   * ```ts
   * import { Cache, DIRTY } from "./cache.ts";
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
    if (src !== undefined) {
      const n = this.wordsPerLine;
      this.data.set(src.subarray(srcOffset, srcOffset + n), slot * n);
    }
    this.#occupy(slot, line, state);
  }

  #occupy(slot: number, line: number, state: number): void {
    this.tags[slot] = line;
    this.states[slot] = state;
    this.#stamps[slot] = ++this.#clock;
    this.#position[slot] = this.#residentCount;
    this.#resident[this.#residentCount++] = slot;
    this.#mruLine = line;
    this.#mruSlot = slot;
  }

  /**
   * Drops a slot's line. The data words stay in {@linkcode Cache.data} until
   * the slot is reused, so a caller may write them back after evicting.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0, true);
   * console.log(c.evict(c.lookup(0)), c.residentCount); // true 0
   * ```
   * @param slot a slot (an invalid one is a no-op)
   * @returns whether the line was dirty
   */
  evict(slot: number): boolean {
    const state = this.states[slot];
    if (state === INVALID) return false;
    this.#drop(slot);
    return state === DIRTY;
  }

  #drop(slot: number): void {
    const pos = this.#position[slot];
    const lastSlot = this.#resident[--this.#residentCount];
    this.#resident[pos] = lastSlot;
    this.#position[lastSlot] = pos;
    this.#position[slot] = -1;
    this.states[slot] = INVALID;
    this.tags[slot] = -1;
    if (slot === this.#mruSlot) {
      this.#mruLine = -1;
      this.#mruSlot = -1;
    }
  }

  /**
   * Sets a valid slot's state; {@linkcode INVALID} evicts it (see
   * {@linkcode Cache.evict}).
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN, DIRTY } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0, true);
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
    if (this.states[slot] !== INVALID) this.states[slot] = state;
  }

  /**
   * One data word of a slot, as an unsigned 32-bit number.
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2, lineSize: 16 });
   * c.install(0, 0, CLEAN, Int32Array.of(-1, 0, 0, 0));
   * console.log(c.readWord(0, 0)); // 4294967295
   * ```
   * @param slot a slot
   * @param word word index in the line, `0 <= word < wordsPerLine`
   * @returns the word
   */
  readWord(slot: number, word: number): number {
    return this.data[slot * this.wordsPerLine + word] >>> 0;
  }

  /**
   * Writes one data word of a slot (the state is not changed).
   *
   * @example Usage
   * ```ts
   * import { Cache, CLEAN } from "./cache.ts";
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
    this.data[slot * this.wordsPerLine + word] = value;
  }

  /**
   * Zeroes the counters of {@linkcode Cache.stats}.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0, false);
   * c.resetStats();
   * console.log(c.stats.misses); // 0
   * ```
   */
  resetStats(): void {
    const s = this.stats;
    s.reads =
      s.writes =
      s.hits =
      s.misses =
      s.readMisses =
      s.writeMisses =
      s.writebacks =
        0;
  }
}
