/**
 * The storage of one set-associative cache, in typed arrays: what the slot
 * model ({@linkcode Cache}, cache.ts) and the trace-driven simulator
 * (`TraceCache`, lib/sim/replay.ts) share. Neither reaches into the other's
 * private fields: both read and write this one object, which the slot model
 * owns and hands out through `cacheStore` (cache.ts). It is internal: not
 * part of the public API.
 *
 * A slot is `set * ways + way`. Every slot has a tag (the full line number,
 * `addr / lineSize`, in a Float64Array so physical addresses far above 2^32
 * work), a state (0 invalid, 1 clean, 2 dirty), an LRU stamp, a key and
 * `lineSize / 4` 32-bit data words. Occupied slots are also kept in a dense
 * index with a position array, so enumerating the resident lines costs
 * O(resident), not O(capacity).
 *
 * - the key is line + 1 in an Int32Array (0 when invalid), so a lookup
 *   compares 32-bit integers; lines of 2^31 - 2 and above (addresses from
 *   128 GiB with 64-byte lines) share one marker key ({@linkcode KEY_WIDE})
 *   and compare their Float64 tags;
 * - LRU stamps are Int32 values of a clock, 0 for an invalid slot, so the
 *   first smallest stamp of a set is its lowest invalid way if it has one,
 *   else its least recently used line; when the clock would pass its limit
 *   the stamps are renumbered 1, 2, ... in the same order, so LRU stays exact;
 * - the most recently used line and its slot (`mruLine`, `mruSlot`) answer
 *   a repeated lookup with one compare; `setMru` keeps one such slot per set
 *   for the simulator.
 *
 * Every array is a view on one region of memory, laid out as
 * store_arena.ts's `storeBytes` says: a head of scalars first (the resident
 * count, the clock, the most recent slot, whether the store is still an
 * image, the most recent line), then the per-slot and per-set arrays, then
 * the data words. A store of a hardware model takes its region of the
 * model's arena, one WebAssembly memory for all its caches, so that the
 * hierarchy core (hierarchy_core.ts) reads and writes the same state,
 * scalars included; a store built alone has a buffer of its own (zeroed.ts).
 *
 * A new store writes nothing but its hints: zero is the empty state of
 * every array, and the memory is only backed by the operating system once
 * lines are filled into it. The data words are laid out way by way
 * ({@linkcode CacheStore.dataOffset}), so the lines a scenario spreads over
 * many sets of a large cache, which fill each set's first ways, share
 * pages: 4096 lines in 4096 sets of a 16-way system cache back 64 pages of
 * data, not 1024.
 *
 * @example Usage
 * ```ts
 * import { CacheStore } from "./cache_store.ts";
 * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 0x7fff_ffff);
 * s.occupy(s.victimIn(s.setBase(9)), 9, 1);
 * console.log(s.lookup(9), s.residentCount); // 2 1
 * ```
 *
 * @module
 */

import type { Random } from "./random.ts";
import { type StoreArena, storeBytes, storeDataOffset } from "./store_arena.ts";
import { zeroedBuffer } from "./zeroed.ts";

/** Slot state: the slot holds no line. */
export const INVALID = 0;
/** Slot state: the line equals what the next level had when it was filled or cleaned. */
export const CLEAN = 1;
/** Slot state: the line is newer than the next level; evicting it writes it back. */
export const DIRTY = 2;

/**
 * Lines below this have their own 32-bit key (line + 1).
 *
 * @example Usage
 * ```ts
 * import { KEY_LIMIT } from "./cache_store.ts";
 * console.log(KEY_LIMIT === 2 ** 31 - 2); // true
 * ```
 */
export const KEY_LIMIT = 0x7fff_fffe;

/**
 * The key of a valid slot holding a line of {@linkcode KEY_LIMIT} or more:
 * compare its tag.
 *
 * @example Usage
 * ```ts
 * import { KEY_WIDE } from "./cache_store.ts";
 * console.log(KEY_WIDE === 2 ** 31 - 1); // true
 * ```
 */
export const KEY_WIDE = 0x7fff_ffff;

const TWO_POW_31 = 0x8000_0000;

/** Words of {@linkcode CacheStore.head}. */
const H_RESIDENT = 0, H_CLOCK = 1, H_MRU_SLOT = 2, H_IMAGED = 3;
/** Index of the most recent line in {@linkcode CacheStore.headLine}. */
const H_MRU_LINE = 2;
/** Bytes of the head. */
const HEAD_BYTES = 32;

/** The last {@linkcode StoreImage.version} given: every save takes the next. */
let lastImageVersion = 0;

/**
 * A copy of a store's lines: what {@linkcode CacheStore.saveImage} keeps and
 * {@linkcode CacheStore.loadImage} puts back. Its arrays grow as needed and
 * are reused, so saving into the same image allocates nothing once grown.
 *
 * @example Usage
 * ```ts
 * import { CacheStore, CLEAN, StoreImage } from "./cache_store.ts";
 * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
 * s.occupy(0, 4, CLEAN);
 * const image = new StoreImage();
 * s.saveImage(image);
 * console.log(image.count); // 1
 * ```
 */
export class StoreImage {
  /**
   * Which save filled it: a number no other save of any image took, so a
   * store that saved or loaded this image knows whether it is still the
   * copy it saw ({@linkcode CacheStore.loadImage}).
   */
  version = 0;
  /** Number of resident slots. */
  count = 0;
  /** The LRU clock. */
  clock = 0;
  /** The resident slots, in resident-index order. */
  slots: Int32Array = new Int32Array(0);
  /** Each resident slot's tag. */
  tags: Float64Array = new Float64Array(0);
  /** Each resident slot's key. */
  keys: Int32Array = new Int32Array(0);
  /** Each resident slot's LRU stamp. */
  stamps: Int32Array = new Int32Array(0);
  /** Each resident slot's state. */
  states: Uint8Array = new Uint8Array(0);
  /** Each resident slot's data words, one line after another. */
  data: Int32Array = new Int32Array(0);
}

/**
 * The typed arrays and the LRU clock of one cache (see the module doc).
 * Fields are public to the two files that drive it, cache.ts and
 * lib/sim/replay.ts; everyone else goes through {@linkcode Cache}.
 *
 * @example Usage
 * ```ts
 * import { CacheStore, DIRTY } from "./cache_store.ts";
 * const s = new CacheStore({ sets: 2, ways: 2, lineSize: 16 }, null, 100);
 * const slot = s.victimIn(s.setBase(3));
 * s.occupy(slot, 3, DIRTY);
 * s.drop(slot);
 * console.log(s.residentCount, s.lookup(3)); // 0 -1
 * ```
 */
export class CacheStore {
  /** Associativity. */
  readonly ways: number;
  /** 32-bit data words per line. */
  readonly wordsPerLine: number;
  /** Number of sets, a power of two. */
  readonly sets: number;
  /** `sets - 1`. */
  readonly setMask: number;
  /** `1 / lineSize`, exact (a power of two). */
  readonly inverseLine: number;
  /** Clock value at which stamps are renumbered. */
  readonly clockLimit: number;
  /** The random replacement generator, or null under LRU. */
  readonly random: Random | null;
  /** Line number held by each valid slot (-1 or stale when invalid). */
  readonly tags: Float64Array;
  /** {@linkcode INVALID}, {@linkcode CLEAN} or {@linkcode DIRTY} per slot. */
  readonly states: Uint8Array;
  /** Data words: slot `s` owns `wordsPerLine` words from {@linkcode CacheStore.dataOffset}(s). */
  readonly data: Int32Array;
  /** `log2(ways)`. */
  readonly wayBits: number;
  /** `log2(sets)`. */
  readonly setBits: number;
  /** line + 1 of a valid slot ({@linkcode KEY_WIDE} for a wide line), 0 when invalid. */
  readonly keys: Int32Array;
  /** LRU clock value of the slot's last use; 0 when invalid. */
  readonly stamps: Int32Array;
  /** Per set, the slot of its most recent trace-driven access (a hint, compared by key). */
  readonly setMru: Int32Array;
  /** The resident index: `resident[0 .. residentCount)` are the valid slots. */
  readonly resident: Int32Array;
  /** Each valid slot's position in {@linkcode CacheStore.resident}. */
  readonly position: Int32Array;
  /**
   * The store's scalars, as 32-bit words at the start of its buffer, where
   * a WebAssembly core over the same memory reads and writes them too:
   * {@linkcode CacheStore.residentCount}, {@linkcode CacheStore.clock},
   * {@linkcode CacheStore.mruSlot}, whether the store is still an image, and
   * (words 4 and 5, as a double) {@linkcode CacheStore.mruLine}.
   */
  readonly head: Int32Array;
  /** {@linkcode CacheStore.head} as doubles: index 2 is {@linkcode CacheStore.mruLine}. */
  readonly headLine: Float64Array;
  /** Where the store's region starts in its buffer (its arena's, or its own). */
  readonly base: number;
  /** The arena of the model the store belongs to, or null when it has a memory of its own. */
  readonly arena: StoreArena | null;
  /**
   * Lines below this take the trace-driven simulator's inlined path
   * (lib/sim/replay.ts): {@linkcode KEY_LIMIT} under LRU, -1 (none) under
   * random replacement and once the cache is retired (cache.ts), so a
   * retired cache's accesses all reach the general path, which refuses them.
   */
  inlineLimit: number;
  /** Number of valid slots. */
  get residentCount(): number {
    return this.head[H_RESIDENT];
  }
  set residentCount(n: number) {
    this.head[H_RESIDENT] = n;
  }
  /** The LRU clock: the stamp last given. */
  get clock(): number {
    return this.head[H_CLOCK];
  }
  set clock(c: number) {
    this.head[H_CLOCK] = c;
  }
  /** The most recently used line, or -1. */
  get mruLine(): number {
    return this.headLine[H_MRU_LINE];
  }
  set mruLine(line: number) {
    this.headLine[H_MRU_LINE] = line;
  }
  /** The slot of {@linkcode CacheStore.mruLine}, or -1. */
  get mruSlot(): number {
    return this.head[H_MRU_SLOT];
  }
  set mruSlot(slot: number) {
    this.head[H_MRU_SLOT] = slot;
  }
  /**
   * The image this store equals, as its last {@linkcode CacheStore.saveImage}
   * or {@linkcode CacheStore.loadImage} left it, while the head's word 3 is
   * 1; once anything changed since ({@linkcode CacheStore.changed}), that
   * word is 0 and this is null or stale.
   */
  #sameAs: StoreImage | null = null;
  /** The {@linkcode StoreImage.version} of {@linkcode CacheStore.#sameAs} then. */
  #sameAsVersion = 0;
  /** Where the store lists itself when it changes after an image (see {@linkcode CacheStore.attachChangeLog}). */
  #log: Int32Array | null = null;
  #logIndex = 0;
  /**
   * Whether the trace-driven simulator (lib/sim/replay.ts) drives the store:
   * it writes the arrays without {@linkcode CacheStore.changed}, so such a
   * store is never imaged.
   */
  traceDriven = false;

  /**
   * Builds an empty store (every slot invalid); the geometry is trusted
   * (cache_geometry.ts checked it).
   *
   * @param g sets, ways and line size
   * @param random the generator of random replacement, or null for LRU
   * @param clockLimit the clock value at which stamps are renumbered
   * @param arena the memory of the model the store belongs to, whose next
   *   {@linkcode storeBytes} bytes it takes, or null (the default) for a
   *   memory of its own
   */
  constructor(
    g: { sets: number; ways: number; lineSize: number },
    random: Random | null,
    clockLimit: number,
    arena: StoreArena | null = null,
  ) {
    this.ways = g.ways;
    this.wordsPerLine = g.lineSize / 4;
    this.sets = g.sets;
    this.setMask = g.sets - 1;
    this.wayBits = 31 - Math.clz32(g.ways); // log2: the geometry holds powers of two
    this.setBits = 31 - Math.clz32(g.sets);
    this.inverseLine = 1 / g.lineSize;
    this.random = random;
    this.clockLimit = clockLimit;
    this.inlineLimit = random === null ? KEY_LIMIT : -1;
    // Zero is the empty state of every array (the head's hints are set
    // below): the store's region, of an arena or of its own, comes from
    // memory the operating system backs on first touch (zeroed.ts,
    // store_arena.ts), so only the pages lines are filled into are backed.
    const slots = g.sets * g.ways;
    const words = slots * (g.lineSize / 4);
    const bytes = storeBytes(g);
    const buffer = arena === null ? zeroedBuffer(bytes) : arena.buffer;
    let at = arena === null ? 0 : arena.take(bytes);
    this.base = at;
    this.arena = arena;
    const take = (n: number) => (at += n) - n;
    this.head = new Int32Array(buffer, take(HEAD_BYTES), HEAD_BYTES / 4);
    this.headLine = new Float64Array(buffer, this.base, HEAD_BYTES / 8);
    this.tags = new Float64Array(buffer, take(8 * slots), slots);
    this.keys = new Int32Array(buffer, take(4 * slots), slots);
    this.stamps = new Int32Array(buffer, take(4 * slots), slots);
    this.resident = new Int32Array(buffer, take(4 * slots), slots);
    this.position = new Int32Array(buffer, take(4 * slots), slots);
    this.setMru = new Int32Array(buffer, take(4 * g.sets), g.sets);
    this.states = new Uint8Array(buffer, take(slots), slots);
    this.data = new Int32Array(buffer, this.base + storeDataOffset(g), words);
    this.mruLine = -1;
    this.mruSlot = -1;
  }

  /**
   * Index of a slot's first data word in {@linkcode CacheStore.data}. The
   * words are laid out way by way (way 0 of every set, then way 1, ...),
   * not in slot order: a cache a scenario fills sparsely, its lines spread
   * over many sets in their first ways, then writes few pages of its data,
   * and the pages a process writes for the first time are what a fresh
   * large cache costs.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 16 }, null, 100);
   * console.log(s.dataOffset(1), s.dataOffset(2)); // 16 4
   * ```
   * @param slot a slot, `set * ways + way`
   * @returns `(way * sets + set) * wordsPerLine`
   */
  dataOffset(slot: number): number {
    const way = slot & (this.ways - 1);
    return ((way << this.setBits) + (slot >>> this.wayBits)) * this.wordsPerLine;
  }

  /**
   * The first slot of the set of `line`.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * console.log(new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100).setBase(9)); // 2
   * ```
   * @param line a line number
   * @returns `set * ways`
   */
  setBase(line: number): number {
    return (line < TWO_POW_31 ? line & this.setMask : line % this.sets) * this.ways;
  }

  /**
   * The slot holding a line, or -1; LRU order is not changed.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * console.log(new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100).lookup(5)); // -1
   * ```
   * @param line a line number
   * @returns the slot, or -1 when absent
   */
  lookup(line: number): number {
    if (line === this.mruLine) return this.mruSlot;
    // An empty cache answers without a set scan: coherence snoops and by-VA
    // maintenance ask every cache of the machine for each line, and on a
    // large machine most hold nothing (clear_page's 64 writes per page snoop
    // every other L1 and L2). tests/hw/cache_lookup_test.ts and
    // tests/hw/cache_test.ts compare lookup with a scan of every slot.
    if (this.residentCount === 0) return -1;
    const ways = this.ways;
    const keys = this.keys;
    if (line < KEY_LIMIT) {
      const base = (line & this.setMask) * ways;
      const key = line + 1;
      for (let s = base, end = base + ways; s < end; s++) {
        if (keys[s] === key) return s;
      }
      return -1;
    }
    const base = (line % this.sets) * ways;
    const tags = this.tags;
    for (let s = base, end = base + ways; s < end; s++) {
      if (keys[s] === KEY_WIDE && tags[s] === line) return s;
    }
    return -1;
  }

  /**
   * The slot a fill into the set at `base` would use: its lowest invalid
   * way, else the replacement policy's victim. Random replacement draws only
   * when the set is full.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * console.log(new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100).victimIn(6)); // 6
   * ```
   * @param base the first slot of a set
   * @returns a slot of that set
   */
  victimIn(base: number): number {
    const ways = this.ways;
    if (this.random !== null) {
      const states = this.states;
      for (let s = base, end = base + ways; s < end; s++) {
        if (states[s] === INVALID) return s;
      }
      return base + this.random.below(ways);
    }
    // Invalid slots have stamp 0: the first smallest stamp is the lowest
    // invalid way, else the least recently used one.
    const stamps = this.stamps;
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
   * The next LRU stamp, renumbering every stamp first when the clock is at
   * its limit.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * console.log(new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100).tick()); // 1
   * ```
   * @returns the stamp, also the new clock
   */
  tick(): number {
    const c = this.nextStamp();
    this.changed();
    return c;
  }

  /**
   * {@linkcode CacheStore.tick} without telling the store it changed: for
   * the trace-driven simulator (lib/sim/replay.ts), whose stores are never
   * imaged, on whose path a note would cost time for nothing.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * console.log(new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100).nextStamp()); // 1
   * ```
   * @returns the stamp, also the new clock
   */
  nextStamp(): number {
    let c = this.clock + 1;
    if (c >= this.clockLimit) c = this.renumber() + 1;
    this.clock = c;
    return c;
  }

  /**
   * Notes that the store changed: its next {@linkcode CacheStore.loadImage}
   * copies the image back whatever it saw last. Every method that changes
   * the store calls it (stamps change through {@linkcode CacheStore.tick});
   * code that writes the arrays itself (`Cache.setState`, `Cache.writeWord`,
   * `Cache.copyIn`) must too. Only its test is on the path of every access,
   * small enough for V8 to inline into the callers: a store is still an
   * image only between an image and its first change.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, CLEAN, StoreImage } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * s.occupy(0, 4, CLEAN);
   * const image = new StoreImage();
   * s.saveImage(image);
   * s.data[0] = 9;
   * s.changed();
   * s.loadImage(image);
   * console.log(s.data[0]); // 0
   * ```
   */
  changed(): void {
    if (this.head[H_IMAGED] !== 0) this.#leaveImage();
  }

  /**
   * Has the store append `index` to `log` (whose entry 0 counts the entries
   * after it) the first time it changes after it saved or put back an
   * image, so that a model that put back an image can put back only the
   * stores so listed (`Hardware.loadImage`); null detaches it. The log's
   * owner empties it (entry 0 to 0) whenever it saves or puts back images.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, CLEAN, StoreImage } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * const log = new Int32Array(2);
   * s.attachChangeLog(log, 7);
   * s.saveImage(new StoreImage());
   * s.occupy(0, 4, CLEAN);
   * s.occupy(1, 8, CLEAN);
   * console.log(Array.from(log)); // [1, 7]
   * ```
   * @param log the log, or null
   * @param index what the store writes into it
   */
  attachChangeLog(log: Int32Array | null, index: number): void {
    this.#log = log;
    this.#logIndex = index;
  }

  /** Forgets the image the store equalled, and lists the store in its model's log. */
  #leaveImage(): void {
    this.head[H_IMAGED] = 0;
    this.#sameAs = null;
    const log = this.#log;
    // Past the end, the entry is lost but the count says so: the owner then
    // puts every store back.
    if (log !== null) log[++log[0]] = this.#logIndex;
  }

  /**
   * Renumbers the stamps of the valid slots 1, 2, ... in increasing order
   * (stamps are unique: each use takes a new clock value), so LRU order is
   * unchanged.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * console.log(new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100).renumber()); // 0
   * ```
   * @returns the highest stamp given (the number of valid slots)
   */
  renumber(): number {
    const n = this.residentCount;
    const stamps = this.stamps;
    const resident = this.resident;
    const sorted = new Int32Array(n);
    for (let i = 0; i < n; i++) sorted[i] = stamps[resident[i]];
    sorted.sort();
    for (let i = 0; i < n; i++) {
      const slot = resident[i];
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
   * Adds a newly filled slot to the resident index (its tag, key, state and
   * stamp are the caller's). For the trace-driven simulator, whose stores
   * are never imaged: the store is not told it changed.
   *
   * @example Usage
   * ```ts
   * import { CacheStore } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * s.enlist(3);
   * console.log(s.residentCount, s.resident[0]); // 1 3
   * ```
   * @param slot an invalid slot about to hold a line
   */
  enlist(slot: number): void {
    this.position[slot] = this.residentCount;
    this.resident[this.residentCount++] = slot;
  }

  /**
   * Puts `line` into an invalid slot with the given state, most recently used.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, DIRTY } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * s.occupy(0, 4, DIRTY);
   * console.log(s.lookup(4), s.states[0]); // 0 2
   * ```
   * @param slot an invalid slot of the line's set
   * @param line the line number
   * @param state {@linkcode CLEAN} or {@linkcode DIRTY}
   */
  occupy(slot: number, line: number, state: number): void {
    this.refill(slot, line, state);
    this.enlist(slot);
  }

  /**
   * Puts `line` into a slot with the given state, most recently used,
   * leaving the resident index as it is: a valid slot keeps its place there,
   * as the trace-driven simulator's inlined paths keep it (lib/sim/replay.ts),
   * where {@linkcode CacheStore.drop} then {@linkcode CacheStore.occupy} would
   * move it to the end; {@linkcode CacheStore.occupy} enlists an invalid one
   * after this.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, CLEAN, DIRTY } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 1, ways: 2, lineSize: 64 }, null, 100);
   * s.occupy(0, 4, CLEAN);
   * s.occupy(1, 5, CLEAN);
   * s.refill(0, 6, DIRTY);
   * console.log(s.lookup(6), s.lookup(4), s.resident[0]); // 0 -1 0
   * ```
   * @param slot a valid slot of the line's set (an invalid one only from occupy)
   * @param line the line number
   * @param state {@linkcode CLEAN} or {@linkcode DIRTY}
   */
  refill(slot: number, line: number, state: number): void {
    this.tags[slot] = line;
    this.keys[slot] = line < KEY_LIMIT ? line + 1 : KEY_WIDE;
    this.states[slot] = state;
    this.stamps[slot] = this.tick();
    this.mruLine = line;
    this.mruSlot = slot;
  }

  /**
   * Drops a valid slot's line: the last resident slot takes its position in
   * the index. The data words stay.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, CLEAN } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * s.occupy(0, 4, CLEAN);
   * s.drop(0);
   * console.log(s.residentCount); // 0
   * ```
   * @param slot a valid slot
   */
  drop(slot: number): void {
    this.changed();
    const pos = this.position[slot];
    const lastSlot = this.resident[--this.residentCount];
    this.resident[pos] = lastSlot;
    this.position[lastSlot] = pos;
    this.position[slot] = -1;
    this.states[slot] = INVALID;
    this.tags[slot] = -1;
    this.keys[slot] = 0;
    this.stamps[slot] = 0;
    if (slot === this.mruSlot) {
      this.mruLine = -1;
      this.mruSlot = -1;
    }
  }

  /**
   * Copies the resident lines (slot, tag, key, state, stamp, data words, in
   * the resident index's order) and the clock into `image`. The resident
   * order is kept because castouts are offered in it (perturb.ts), and the
   * stamps because they steer later victims.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, CLEAN, StoreImage } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * s.occupy(0, 4, CLEAN);
   * const image = new StoreImage();
   * s.saveImage(image);
   * s.drop(0);
   * s.loadImage(image);
   * console.log(s.lookup(4), s.residentCount); // 0 1
   * ```
   * @param image where to copy them
   */
  saveImage(image: StoreImage): void {
    if (this.traceDriven) {
      throw new Error("CacheStore.saveImage: the trace-driven simulator's stores are not imaged");
    }
    const n = this.residentCount;
    const wpl = this.wordsPerLine;
    if (image.slots.length < n) {
      const size = Math.max(n, 2 * image.slots.length);
      image.slots = new Int32Array(size);
      image.tags = new Float64Array(size);
      image.keys = new Int32Array(size);
      image.stamps = new Int32Array(size);
      image.states = new Uint8Array(size);
      image.data = new Int32Array(size * wpl);
    }
    for (let i = 0; i < n; i++) {
      const slot = this.resident[i];
      image.slots[i] = slot;
      image.tags[i] = this.tags[slot];
      image.keys[i] = this.keys[slot];
      image.stamps[i] = this.stamps[slot];
      image.states[i] = this.states[slot];
      for (let w = 0, from = this.dataOffset(slot), to = i * wpl; w < wpl; w++) {
        image.data[to + w] = this.data[from + w];
      }
    }
    image.count = n;
    image.clock = this.clock;
    image.version = ++lastImageVersion;
    this.#sameAs = image;
    this.#sameAsVersion = image.version;
    this.head[H_IMAGED] = 1;
  }

  /**
   * Puts the store back in the state {@linkcode CacheStore.saveImage} saw:
   * every line resident now is dropped, the saved ones are put back in
   * their slots and resident order with their stamps, and the clock is
   * restored. The most-recently-used hints are forgotten (they are only
   * hints). The data words of invalid slots are not restored: nothing reads
   * them before a fill overwrites them (`Cache.install` copies the line).
   *
   * A store that has not changed ({@linkcode CacheStore.changed}) since it
   * saved or put back this same image, not saved again since, is that image
   * already: nothing is copied (the hints are forgotten all the same, so
   * that the stamps a later use gives are those of the copy), unless
   * `always` asks for the copy. In an exploration's child runs most large
   * caches are left alone by the child's one step.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, CLEAN, StoreImage } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * const image = new StoreImage();
   * s.saveImage(image);
   * s.occupy(0, 4, CLEAN);
   * s.loadImage(image);
   * console.log(s.residentCount); // 0
   * ```
   * @param image a copy of this store's lines
   * @param always copy even a store that is still the image: the slow path
   *   the shortcut is tested against (tests/hw/image_shortcut_test.ts)
   */
  loadImage(image: StoreImage, always = false): void {
    if (
      this.head[H_IMAGED] !== 0 && image === this.#sameAs &&
      image.version === this.#sameAsVersion && !always
    ) {
      this.mruLine = -1;
      this.mruSlot = -1;
      return;
    }
    // Empty now and in the image, as most caches of a large machine are in
    // a short program: nothing to drop or put back. Kept apart from the
    // general case so that V8 inlines this test into the caller's loop.
    if (this.residentCount === 0 && image.count === 0) {
      this.clock = image.clock;
      this.mruLine = -1;
      this.mruSlot = -1;
    } else {
      this.#loadResident(image);
    }
    this.#sameAs = image;
    this.#sameAsVersion = image.version;
    this.head[H_IMAGED] = 1;
  }

  /** {@linkcode CacheStore.loadImage} of a store or an image that holds lines. */
  #loadResident(image: StoreImage): void {
    const wpl = this.wordsPerLine;
    for (let i = 0; i < this.residentCount; i++) {
      const slot = this.resident[i];
      this.position[slot] = -1;
      this.states[slot] = INVALID;
      this.tags[slot] = -1;
      this.keys[slot] = 0;
      this.stamps[slot] = 0;
    }
    const n = image.count;
    for (let i = 0; i < n; i++) {
      const slot = image.slots[i];
      this.resident[i] = slot;
      this.position[slot] = i;
      this.tags[slot] = image.tags[i];
      this.keys[slot] = image.keys[i];
      this.stamps[slot] = image.stamps[i];
      this.states[slot] = image.states[i];
      // Word by word: a subarray per line would allocate on every load.
      for (let w = 0, from = i * wpl, to = this.dataOffset(slot); w < wpl; w++) {
        this.data[to + w] = image.data[from + w];
      }
    }
    this.residentCount = n;
    this.clock = image.clock;
    this.mruLine = -1;
    this.mruSlot = -1;
  }

  /**
   * Empties the store in O(resident) and restarts the clock; a random
   * replacement is reseeded.
   *
   * @example Usage
   * ```ts
   * import { CacheStore, CLEAN } from "./cache_store.ts";
   * const s = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 100);
   * s.occupy(0, 4, CLEAN);
   * s.clear(1);
   * console.log(s.residentCount, s.clock); // 0 0
   * ```
   * @param seed the new seed of a random replacement
   */
  clear(seed: number): void {
    this.changed();
    while (this.residentCount > 0) this.drop(this.resident[this.residentCount - 1]);
    this.clock = 0;
    this.mruLine = -1;
    this.mruSlot = -1;
    this.random?.reseed(seed);
  }
}
