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
 *   missed); {@linkcode Cache.replay} does the same for a whole recorded
 *   trace (access_trace.ts) with the cache's state held in locals;
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
 * The trace-driven path works on 32-bit integers and never allocates:
 *
 * - every slot also has a key, line + 1 in an Int32Array (0 when invalid);
 *   lines of 2^31 - 2 and above (addresses from 128 GiB with 64-byte lines)
 *   share one marker key and take a slower path that compares Float64 tags;
 * - LRU stamps are Int32 values of a clock, 0 for an invalid slot, so the
 *   first smallest stamp of a set is its lowest invalid way if it has one,
 *   else its least recently used line; when the clock would pass 2^31 - 1
 *   the stamps are renumbered 1, 2, ... in the same order, so LRU stays exact;
 * - an access to the line of the previous access, or to the most recent line
 *   of its set (one slot number per set), is a hit found with one compare: the
 *   common case of real programs, and a predictable branch;
 * - otherwise every way of the set is compared without an early exit, and the
 *   hit or the victim is chosen with integer masks, so a random stream of hits
 *   and misses costs no unpredictable branch but that one.
 *
 * A new cache writes nothing: zero is the empty state of every array, and the
 * data words (most of a large cache) come from zeroed.ts, whose pages are only
 * backed once lines are filled into them.
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
import { checkGeometry } from "./cache_geometry.ts";
import type { CacheGeometry } from "./machine.ts";
import { Random } from "./random.ts";
import { type MemoryTrace, STORE } from "./access_trace.ts";
import { copyWords } from "./words.ts";
import { zeroedBuffer } from "./zeroed.ts";

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
  /**
   * LRU clock value at which stamps are renumbered (1, 2, ... in LRU
   * order). Default and maximum 2^31 - 1; tests lower it to exercise the
   * renumbering.
   */
  readonly clockLimit?: number;
}

/**
 * Counters of trace-driven use ({@linkcode Cache.access},
 * {@linkcode Cache.replay}). The object is live: it always shows the current
 * counts.
 */
export interface CacheStats {
  /** Read accesses. */
  readonly reads: number;
  /** Write accesses. */
  readonly writes: number;
  /** Accesses that hit (every line they touched was present). */
  readonly hits: number;
  /** Accesses that missed (at least one line they touched was absent). */
  readonly misses: number;
  /** Read accesses that missed (cachegrind's D1mr). */
  readonly readMisses: number;
  /** Write accesses that missed (cachegrind's D1mw). */
  readonly writeMisses: number;
  /** Dirty lines evicted by a fill (write-backs to the next level). */
  readonly writebacks: number;
}

const TWO_POW_31 = 0x8000_0000;
/** Lines below this have their own 32-bit key (line + 1). */
const KEY_LIMIT = 0x7fff_fffe;
/** The key of a valid slot holding a line of KEY_LIMIT or more: compare its tag. */
const KEY_WIDE = 0x7fff_ffff;
/** Default LRU clock value at which stamps are renumbered. */
const CLOCK_LIMIT = 0x7fff_ffff;

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
  /** Trace-driven counters, live; reset with {@linkcode Cache.resetStats}. */
  readonly stats: CacheStats;
  /** Line number held by each valid slot (meaningless for an invalid slot). Read-only for callers. */
  readonly tags: Float64Array;
  /** State of each slot: {@linkcode INVALID}, {@linkcode CLEAN} or {@linkcode DIRTY}. Read-only for callers. */
  readonly states: Uint8Array;
  /** Data words: slot `s` owns words `[s * wordsPerLine, (s + 1) * wordsPerLine)`. */
  readonly data: Int32Array;

  /** line + 1 of a valid slot (KEY_WIDE for a wide line), 0 when invalid. */
  readonly #keys: Int32Array;
  /** LRU clock value of the slot's last use; 0 when invalid. */
  readonly #stamps: Int32Array;
  /** Per set, the slot of its most recent trace-driven access (a hint, compared by key). */
  readonly #setMru: Int32Array;
  readonly #resident: Int32Array;
  readonly #position: Int32Array;
  readonly #setMask: number;
  readonly #inverseLine: number;
  readonly #random: Random | null;
  readonly #clockLimit: number;
  /** Lines below this take access()'s inlined path: KEY_LIMIT under LRU, -1 (none) under random replacement. */
  readonly #keyLimit: number;
  #residentCount = 0;
  #clock = 0;
  // Trace-driven counters; the others are derived in `stats`.
  #reads = 0;
  #writes = 0;
  #misses = 0;
  #writeMisses = 0;
  #writebacks = 0;
  // The most recently used line and its slot: a repeated access to the same
  // line skips the set scan (its stamp is already the newest).
  #mruLine = -1;
  #mruSlot = -1;

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
    this.#setMask = g.sets - 1;
    this.#inverseLine = 1 / g.lineSize;
    this.#random = replacement === "random" ? new Random(options.seed ?? 1) : null;
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
    this.#clockLimit = limit;
    this.#keyLimit = replacement === "random" ? -1 : KEY_LIMIT;
    // Zero is the empty state: nothing is written here. The data words, most
    // of a large cache, and the per-slot arrays (which share one buffer) come
    // from zeroed.ts, so only the pages that lines are filled into are backed.
    const slots = this.slots;
    this.data = new Int32Array(
      zeroedBuffer(slots * this.wordsPerLine * 4),
      0,
      slots * this.wordsPerLine,
    );
    const buffer = zeroedBuffer(8 * slots + 4 * (4 * slots + g.sets) + slots);
    let at = 0;
    const take = (bytes: number) => (at += bytes) - bytes;
    this.tags = new Float64Array(buffer, take(8 * slots), slots);
    this.#keys = new Int32Array(buffer, take(4 * slots), slots);
    this.#stamps = new Int32Array(buffer, take(4 * slots), slots);
    this.#resident = new Int32Array(buffer, take(4 * slots), slots);
    this.#position = new Int32Array(buffer, take(4 * slots), slots);
    this.#setMru = new Int32Array(buffer, take(4 * g.sets), g.sets);
    this.states = new Uint8Array(buffer, take(slots), slots);
    // deno-lint-ignore no-this-alias
    const cache = this;
    this.stats = Object.freeze({
      get reads() {
        return cache.#reads;
      },
      get writes() {
        return cache.#writes;
      },
      get hits() {
        return cache.#reads + cache.#writes - cache.#misses;
      },
      get misses() {
        return cache.#misses;
      },
      get readMisses() {
        return cache.#misses - cache.#writeMisses;
      },
      get writeMisses() {
        return cache.#writeMisses;
      },
      get writebacks() {
        return cache.#writebacks;
      },
    });
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
    // V8 inlines a method into the caller's loop only while its bytecode is
    // small (460 bytes, 920 with what it inlines in turn). This path, #ref,
    // #tick and #enlist fit, so a loop of access() calls makes no call and
    // boxes no address per access; whatever is unusual goes to #accessSlow.
    const lineSize = this.lineSize;
    const inverseLine = this.#inverseLine;
    // Multiplying by 1/lineSize is exact (a power of two). For 0 <= t < 2^31,
    // `t | 0` is floor(t), and t - line is exactly the offset in the line
    // over lineSize: comparing that in floating point, rather than the offset
    // plus the size in integers, spares the checks V8 adds when it
    // speculates that an address is an integer.
    const t = addr * inverseLine;
    const line = t | 0;
    if (
      !(t >= 0 && t < this.#keyLimit && (size | 0) === size && size >= 1 &&
        t - line <= (lineSize - size) * inverseLine)
    ) return this.#accessSlow(addr, isWrite ? 1 : 0, size);
    const w = isWrite ? 1 : 0;
    let miss = 0;
    if (line === this.#mruLine) {
      // Already the newest stamp of its set.
      if (w === 1) this.states[this.#mruSlot] = DIRTY;
    } else {
      miss = this.#ref(line, w);
    }
    this.#reads += w ^ 1;
    this.#writes += w;
    this.#misses += miss;
    this.#writeMisses += miss & w;
    return miss === 0;
  }

  /**
   * {@linkcode Cache.access} for what its inlined path leaves out: a bad
   * address or size (it throws), an access straddling two lines, a line of
   * KEY_LIMIT or more, random replacement.
   */
  #accessSlow(addr: number, w: number, size: number): boolean {
    const lineSize = this.lineSize;
    if (!(addr >= 0 && size >= 1 && size <= lineSize)) this.#badAccess(addr, size);
    const line = Math.floor(addr * this.#inverseLine);
    let miss = this.#refLine(line, w);
    // A straddling access looks both lines up, even when the first missed:
    // the second changes LRU state too.
    if (addr - line * lineSize + size > lineSize) miss |= this.#refLine(line + 1, w);
    this.#reads += 1 - w;
    this.#writes += w;
    this.#misses += miss;
    this.#writeMisses += miss & w;
    return miss === 0;
  }

  /** One line reference of {@linkcode Cache.access}, to any line; 1 on a miss, 0 on a hit. */
  #refLine(line: number, w: number): number {
    if (line === this.#mruLine) {
      // Already the newest stamp of its set.
      if (w === 1) this.states[this.#mruSlot] = DIRTY;
      return 0;
    }
    return line < this.#keyLimit ? this.#ref(line, w) : this.#refGeneral(line, w);
  }

  /**
   * Trace-driven replay: exactly `access(addrs[i], kinds[i] === STORE,
   * sizes[i])` for every `i` in `[from, to)` (a modify counts as a read, as
   * in cachegrind), with the cache's state held in locals for the whole
   * loop. Accesses that straddle two lines, lines of 2^31 - 2 and above and
   * random replacement go through {@linkcode Cache.access}.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * import { parseLackey } from "../sim/lackey.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * const misses = c.replay(parseLackey(" L 40,4\n S 44,4\n L 80,4\n"));
   * console.log(misses, c.stats.writes); // 2 1
   * ```
   * @param trace the accesses (see access_trace.ts)
   * @param from the first access to replay, default 0
   * @param to one past the last, default `trace.length`
   * @returns the number of misses among the replayed accesses
   * @throws {ScenarioError} as {@linkcode Cache.access} for a bad address or size
   *   (the accesses before it are counted)
   */
  replay(trace: MemoryTrace, from = 0, to: number = trace.length): number {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && to <= trace.length)) {
      throw new ScenarioError(
        "out_of_range",
        "Cache.replay",
        [from, to],
        `${this.name}.replay(trace, ${showValue(from)}, ${
          showValue(to)
        }): expected 0 <= from and to <= ${trace.length}`,
      );
    }
    const { addrs, kinds, sizes } = trace;
    const missesBefore = this.#misses;
    if (this.#random !== null) {
      // Here and below, access()'s general path is called directly: were
      // replay's accesses to go through access(), V8 would learn that
      // access() mostly takes its slow path and inline that into callers'
      // loops in place of #ref.
      for (let i = from; i < to; i++) {
        this.#accessSlow(addrs[i], kinds[i] === STORE ? 1 : 0, sizes[i]);
      }
      return this.#misses - missesBefore;
    }
    const lineSize = this.lineSize;
    const inverseLine = this.#inverseLine;
    const ways = this.ways;
    const setMask = this.#setMask;
    const keys = this.#keys;
    const stamps = this.#stamps;
    const setMru = this.#setMru;
    const states = this.states;
    const tags = this.tags;
    const limit = this.#clockLimit;
    let clock = this.#clock;
    let mruLine = this.#mruLine;
    let mruSlot = this.#mruSlot;
    let writes = 0, misses = 0, writeMisses = 0, writebacks = 0, done = 0;
    let i = from;
    while (i < to) {
      for (; i < to; i++) {
        const size = sizes[i];
        // As in access(): the line by `| 0` and the straddle test on the
        // fraction of a line, exact for lines below KEY_LIMIT.
        const t = addrs[i] * inverseLine;
        const line = t | 0;
        if (
          !(t >= 0 && t < KEY_LIMIT && size >= 1 && t - line <= (lineSize - size) * inverseLine)
        ) {
          break;
        }
        const w = kinds[i] & 1; // STORE is the only odd kind
        done++;
        writes += w;
        if (line === mruLine) {
          if (w === 1) states[mruSlot] = DIRTY;
          continue;
        }
        const key = (line + 1) | 0;
        const set = (key - 1) & setMask;
        const recent = setMru[set];
        if (keys[recent] === key) {
          // A hit on the set's most recent line: a predictable branch on real traces.
          if (w === 1) states[recent] = DIRTY;
          if (++clock >= limit) {
            this.#clock = clock - 1;
            clock = this.#renumber() + 1;
          }
          stamps[recent] = clock;
          mruLine = line;
          mruSlot = recent;
          continue;
        }
        const base = set * ways;
        let found = 0;
        let victim = base;
        let oldest = stamps[base];
        for (let s = base, end = base + ways; s < end; s++) {
          const x = keys[s] ^ key;
          found |= (s + 1) & ((x - 1) >> 31);
          const d = stamps[s] - oldest;
          const older = d >> 31;
          oldest += d & older;
          victim ^= (victim ^ s) & older;
        }
        const hit = ((found | (0 - found)) >>> 31) & 1;
        const miss = hit ^ 1;
        const slot = (found - 1) ^ (((found - 1) ^ victim) & (0 - miss));
        const old = states[slot];
        if (old === INVALID) this.#enlist(slot);
        writebacks += miss & (old >>> 1);
        misses += miss;
        writeMisses += miss & w;
        keys[slot] = key;
        tags[slot] = line;
        const read = (old & (0 - hit)) | miss;
        states[slot] = read ^ ((read ^ DIRTY) & (0 - w));
        if (++clock >= limit) {
          this.#clock = clock - 1;
          clock = this.#renumber() + 1;
        }
        stamps[slot] = clock;
        setMru[set] = slot;
        mruLine = line;
        mruSlot = slot;
      }
      if (i >= to) break;
      // An unusual access: hand the state back, let access()'s general path
      // do it, take it again.
      this.#clock = clock;
      this.#mruLine = mruLine;
      this.#mruSlot = mruSlot;
      this.#count(done, writes, misses, writeMisses, writebacks);
      done =
        writes =
        misses =
        writeMisses =
        writebacks =
          0;
      this.#accessSlow(addrs[i], kinds[i] === STORE ? 1 : 0, sizes[i]);
      clock = this.#clock;
      mruLine = this.#mruLine;
      mruSlot = this.#mruSlot;
      i++;
    }
    this.#clock = clock;
    this.#mruLine = mruLine;
    this.#mruSlot = mruSlot;
    this.#count(done, writes, misses, writeMisses, writebacks);
    return this.#misses - missesBefore;
  }

  /** Adds a batch of replayed accesses to the counters. */
  #count(done: number, writes: number, misses: number, writeMisses: number, wb: number): void {
    this.#reads += done - writes;
    this.#writes += writes;
    this.#misses += misses;
    this.#writeMisses += writeMisses;
    this.#writebacks += wb;
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

  /** The next LRU stamp, renumbering every stamp first when the clock is at its limit. */
  #tick(): number {
    let c = this.#clock + 1;
    if (c >= this.#clockLimit) c = this.#renumber() + 1;
    this.#clock = c;
    return c;
  }

  /**
   * Renumbers the stamps of the valid slots 1, 2, ... in increasing order
   * (stamps are unique: each use takes a new clock value), so LRU order is
   * unchanged; returns the highest stamp given.
   */
  #renumber(): number {
    const n = this.#residentCount;
    const stamps = this.#stamps;
    const sorted = new Int32Array(n);
    for (let i = 0; i < n; i++) sorted[i] = stamps[this.#resident[i]];
    sorted.sort();
    for (let i = 0; i < n; i++) {
      const slot = this.#resident[i];
      const want = stamps[slot];
      let lo = 0, hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] < want) lo = mid + 1;
        else hi = mid;
      }
      stamps[slot] = lo + 1;
    }
    return n;
  }

  /**
   * One line reference for {@linkcode access} under LRU, to a line below
   * KEY_LIMIT that is not the most recent one; `w` is 1 for a store.
   * Returns 1 on a miss, 0 on a hit.
   */
  #ref(line: number, w: number): number {
    const key = (line + 1) | 0;
    const set = line & this.#setMask;
    const keys = this.#keys;
    const stamps = this.#stamps;
    const states = this.states;
    // A hit on the set's most recent line is a predictable branch on real
    // traces; it leaves `slot` and `hit` (-1 on a hit, 0 on a miss) as they are.
    let slot = this.#setMru[set];
    let hit = -1;
    if (keys[slot] !== key) {
      // Every way is compared and the oldest tracked, without an early exit:
      // `found` is the slot of the hit (keys are unique in a set), `victim`
      // the first way with the smallest stamp (an invalid way when there is one).
      const base = set * this.ways;
      let found = 0;
      let victim = base;
      let oldest = stamps[base];
      hit = 0;
      for (let s = base, end = base + this.ways; s < end; s++) {
        // keys are non-negative, so keys[s] ^ key is too: m is -1 exactly when it is 0.
        const m = ((keys[s] ^ key) - 1) >> 31;
        hit |= m;
        found |= s & m;
        const d = stamps[s] - oldest;
        const older = d >> 31;
        oldest += d & older;
        victim ^= (victim ^ s) & older;
      }
      slot = found | (victim & ~hit);
    }
    const miss = hit + 1;
    const old = states[slot];
    if (old === INVALID) this.#enlist(slot);
    this.#writebacks += miss & (old >>> 1);
    keys[slot] = key;
    this.tags[slot] = line;
    // A store leaves it DIRTY (2); a read hit keeps its state; a read miss fills it CLEAN (1).
    states[slot] = (w << 1) | (((old & hit) | miss) & (w - 1));
    // After #enlist, as before: a renumbering then gives the stamps it always gave.
    stamps[slot] = this.#tick();
    this.#setMru[set] = slot;
    this.#mruLine = line;
    this.#mruSlot = slot;
    return miss;
  }

  /** {@linkcode Cache.access}'s reference for a wide line or random replacement. */
  #refGeneral(line: number, w: number): number {
    const s = this.lookup(line);
    if (s >= 0) {
      this.touch(s);
      if (w === 1) this.states[s] = DIRTY;
      return 0;
    }
    const victim = this.#victimIn(this.#setBase(line));
    const old = this.states[victim];
    if (old !== INVALID) {
      if (old === DIRTY) this.#writebacks++;
      this.#drop(victim);
    }
    this.#occupy(victim, line, w === 1 ? DIRTY : CLEAN);
    return 1;
  }

  #setBase(line: number): number {
    return (line < TWO_POW_31 ? line & this.#setMask : line % this.sets) * this.ways;
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
    if (line < KEY_LIMIT) {
      const base = (line & this.#setMask) * ways;
      const key = line + 1;
      const keys = this.#keys;
      for (let s = base, end = base + ways; s < end; s++) {
        if (keys[s] === key) return s;
      }
      return -1;
    }
    const base = (line % this.sets) * ways;
    const keys = this.#keys;
    const tags = this.tags;
    for (let s = base, end = base + ways; s < end; s++) {
      if (keys[s] === KEY_WIDE && tags[s] === line) return s;
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
    this.#stamps[slot] = this.#tick();
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
    return this.#victimIn(this.#setBase(line));
  }

  #victimIn(base: number): number {
    const ways = this.ways;
    if (this.#random !== null) {
      const states = this.states;
      for (let s = base, end = base + ways; s < end; s++) {
        if (states[s] === INVALID) return s;
      }
      return base + this.#random.below(ways);
    }
    // Invalid slots have stamp 0: the first smallest stamp is the lowest
    // invalid way, else the least recently used one.
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
      copyWords(src, srcOffset, this.data, slot * n, n);
    }
    this.#occupy(slot, line, state);
  }

  /** Adds a newly filled slot to the resident index. */
  #enlist(slot: number): void {
    this.#position[slot] = this.#residentCount;
    this.#resident[this.#residentCount++] = slot;
  }

  #occupy(slot: number, line: number, state: number): void {
    this.tags[slot] = line;
    this.#keys[slot] = line < KEY_LIMIT ? line + 1 : KEY_WIDE;
    this.states[slot] = state;
    this.#stamps[slot] = this.#tick();
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
    this.#keys[slot] = 0;
    this.#stamps[slot] = 0;
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
    this.#reads =
      this.#writes =
      this.#misses =
      this.#writeMisses =
      this.#writebacks =
        0;
  }

  /**
   * Empties the cache in O(resident): every valid slot is dropped, the LRU
   * clock and the counters start again and a random replacement is reseeded,
   * so the cache behaves exactly as one just built with `seed`. The data
   * words of invalid slots are left as they are (as after an eviction: a
   * fill overwrites them), which is what makes a reset cache cheaper than a
   * new one: its memory is already backed.
   *
   * @example Usage
   * ```ts
   * import { Cache } from "./cache.ts";
   * const c = new Cache({ size: 1024, ways: 2 });
   * c.access(0, true);
   * c.reset();
   * console.log(c.residentCount, c.lookup(0), c.stats.writes); // 0 -1 0
   * ```
   * @param seed the seed of a random replacement, as in {@linkcode CacheOptions}; default 1
   */
  reset(seed = 1): void {
    while (this.#residentCount > 0) this.#drop(this.#resident[this.#residentCount - 1]);
    this.#clock = 0;
    this.#mruLine = -1;
    this.#mruSlot = -1;
    this.#random?.reseed(seed);
    this.resetStats();
  }
}
