/**
 * The trace-driven cache simulator: one cache fed a recorded stream of
 * loads and stores, counting hits, misses and dirty evictions exactly as
 * cachegrind's D1 simulation does (true LRU; an access straddling two lines
 * looks both up and counts as one access, a miss if either missed). Only
 * the benches and the tests use it; scenario runs do not (they drive the
 * slot model, lib/hw/cache.ts, through the coherent hierarchy).
 *
 * A {@linkcode TraceCache} is a {@linkcode Cache} (the slot model) with
 * {@linkcode TraceCache.access}, {@linkcode TraceCache.replay} (a whole
 * recorded trace, access_trace.ts, with the cache's state held in locals)
 * and live counters ({@linkcode TraceCache.stats}). It drives the cache's
 * typed arrays through their store (lib/hw/cache_store.ts, reached by
 * `cacheStore`), never through private fields.
 *
 * The path works on 32-bit integers and never allocates:
 *
 * - an access to the line of the previous access, or to the most recent line
 *   of its set (one slot number per set), is a hit found with one compare: the
 *   common case of real programs, and a predictable branch;
 * - otherwise every way of the set is compared without an early exit, and the
 *   hit or the victim is chosen with integer masks, so a random stream of hits
 *   and misses costs no unpredictable branch but that one;
 * - lines of 2^31 - 2 and above, accesses straddling two lines and random
 *   replacement take a slower general path through the slot model;
 * - {@linkcode TraceCache.replay} of a long range (twice the slots or more)
 *   on a cache of 4, 8, 16 or 32 ways runs in a WebAssembly core
 *   (lru_core.ts, assembled in the module, no permission): the same state
 *   changes, with a set's ways compared four at a time and the data kept in
 *   the core's memory for the whole range (the trace copied in by chunks);
 *   it hands the general path what the loop above hands it, but handles
 *   straddling accesses itself.
 *
 * @example Usage
 * ```ts
 * import { TraceCache } from "@setway/setway/hw";
 * const l1 = new TraceCache({ size: 32768, ways: 4 }, { name: "cpu0.L1" });
 * l1.access(0x1000, false); // false: a cold miss
 * l1.access(0x1004, true); // true: same line, now dirty
 * console.log(l1.stats.misses, l1.residentCount); // 1 1
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { assertLive, Cache, type CacheOptions, cacheStore } from "../hw/cache.ts";
import { type CacheStore, CLEAN, DIRTY, INVALID, KEY_LIMIT } from "../hw/cache_store.ts";
import type { CacheGeometry } from "../hw/machine.ts";
import { type MemoryTrace, STORE } from "./access_trace.ts";
import { type LruCore, lruCore } from "./lru_core.ts";

/**
 * A replay of at least this many accesses per slot of the cache goes
 * through the WebAssembly core (loading the cache's state into it costs
 * about one pass over the slots per way).
 */
const CORE_MIN = 2;

/**
 * Counters of trace-driven use ({@linkcode TraceCache.access},
 * {@linkcode TraceCache.replay}). The object is live: it always shows the current
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

/**
 * A cache driven by a memory-access trace, as cachegrind's D1 (see the
 * module doc).
 *
 * @example Usage
 * ```ts
 * import { TraceCache } from "@setway/setway/hw";
 * const c = new TraceCache({ size: 4096, ways: 2, lineSize: 64 });
 * for (let a = 0; a < 8192; a += 4) c.access(a, true);
 * console.log(c.stats.misses, c.stats.writebacks); // 128 64
 * ```
 */
export class TraceCache extends Cache {
  /** Trace-driven counters, live; reset with {@linkcode TraceCache.resetStats}. */
  readonly stats: CacheStats;

  readonly #s: CacheStore;
  readonly #inverseLine: number;
  #reads = 0;
  #writes = 0;
  #misses = 0;
  #writeMisses = 0;
  #writebacks = 0;

  /**
   * Builds an empty cache with zeroed counters.
   *
   * @param geometry size, ways and line size (default 64 bytes)
   * @param options name, replacement policy and seed
   * @throws {ScenarioError} as `new Cache` for a bad geometry or bad options
   */
  constructor(geometry: CacheGeometry, options: CacheOptions = {}) {
    super(geometry, options);
    this.#s = cacheStore(this);
    // The paths below write the store's arrays without telling it: a store
    // driven by them is never imaged (CacheStore.saveImage refuses it).
    this.#s.traceDriven = true;
    this.#inverseLine = 1 / this.lineSize;
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

  /**
   * Trace-driven access: looks the line(s) up, fills on a miss (evicting the
   * victim, counting a write-back if it was dirty), marks the line(s) dirty
   * on a write, and counts the access in {@linkcode TraceCache.stats}. An access
   * that straddles two lines touches both and counts once, a miss if either
   * missed (cachegrind's rule). Data words are not touched.
   *
   * @example Usage
   * ```ts
   * import { TraceCache } from "@setway/setway/hw";
   * const c = new TraceCache({ size: 1024, ways: 2 });
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
    const store = this.#s;
    // store.inlineLimit is -1 under random replacement and once the cache
    // is retired: then every access takes the general path.
    if (
      !(t >= 0 && t < store.inlineLimit && (size | 0) === size && size >= 1 &&
        t - line <= (lineSize - size) * inverseLine)
    ) return this.#accessSlow(addr, isWrite ? 1 : 0, size);
    const w = isWrite ? 1 : 0;
    let miss = 0;
    if (line === store.mruLine) {
      // Already the newest stamp of its set.
      if (w === 1) store.states[store.mruSlot] = DIRTY;
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
   * {@linkcode TraceCache.access} for what its inlined path leaves out: a bad
   * address or size (it throws), an access straddling two lines, a line of
   * KEY_LIMIT or more, random replacement.
   */
  #accessSlow(addr: number, w: number, size: number): boolean {
    assertLive(this);
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

  /** One line reference of {@linkcode TraceCache.access}, to any line; 1 on a miss, 0 on a hit. */
  #refLine(line: number, w: number): number {
    const store = this.#s;
    if (line === store.mruLine) {
      // Already the newest stamp of its set.
      if (w === 1) store.states[store.mruSlot] = DIRTY;
      return 0;
    }
    return line < store.inlineLimit ? this.#ref(line, w) : this.#refGeneral(line, w);
  }

  /**
   * Trace-driven replay: exactly `access(addrs[i], kinds[i] === STORE,
   * sizes[i])` for every `i` in `[from, to)` (a modify counts as a read, as
   * in cachegrind), with the cache's state held in locals for the whole
   * loop, or in the WebAssembly core for a long range (see the module doc).
   * Accesses that straddle two lines (outside the core), lines of 2^31 - 2
   * and above and random replacement go through {@linkcode TraceCache.access}.
   *
   * @example Usage
   * ```ts
   * import { TraceCache } from "@setway/setway/hw";
   * import { parseLackey } from "@setway/setway/hw";
   * const c = new TraceCache({ size: 1024, ways: 2 });
   * const misses = c.replay(parseLackey(" L 40,4\n S 44,4\n L 80,4\n"));
   * console.log(misses, c.stats.writes); // 2 1
   * ```
   * @param trace the accesses (see access_trace.ts)
   * @param from the first access to replay, default 0
   * @param to one past the last, default `trace.length`
   * @returns the number of misses among the replayed accesses
   * @throws {ScenarioError} as {@linkcode TraceCache.access} for a bad address or size
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
    assertLive(this);
    const { addrs, kinds, sizes } = trace;
    const missesBefore = this.#misses;
    const store = this.#s;
    if (store.random !== null) {
      // Here and below, access()'s general path is called directly: were
      // replay's accesses to go through access(), V8 would learn that
      // access() mostly takes its slow path and inline that into callers'
      // loops in place of #ref.
      for (let i = from; i < to; i++) {
        this.#accessSlow(addrs[i], kinds[i] === STORE ? 1 : 0, sizes[i]);
      }
      return this.#misses - missesBefore;
    }
    if (to - from >= CORE_MIN * this.slots) {
      const core = lruCore(this.ways, this.sets, this.lineSize);
      if (core !== null) return this.#replayCore(core, trace, from, to);
    }
    const lineSize = this.lineSize;
    const inverseLine = this.#inverseLine;
    const ways = this.ways;
    const setMask = store.setMask;
    const keys = store.keys;
    const stamps = store.stamps;
    const setMru = store.setMru;
    const states = store.states;
    const tags = store.tags;
    const limit = store.clockLimit;
    let clock = store.clock;
    let mruLine = store.mruLine;
    let mruSlot = store.mruSlot;
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
            store.clock = clock - 1;
            clock = store.renumber() + 1;
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
        if (old === INVALID) store.enlist(slot);
        writebacks += miss & (old >>> 1);
        misses += miss;
        writeMisses += miss & w;
        keys[slot] = key;
        tags[slot] = line;
        const read = (old & (0 - hit)) | miss;
        states[slot] = read ^ ((read ^ DIRTY) & (0 - w));
        if (++clock >= limit) {
          store.clock = clock - 1;
          clock = store.renumber() + 1;
        }
        stamps[slot] = clock;
        setMru[set] = slot;
        mruLine = line;
        mruSlot = slot;
      }
      if (i >= to) break;
      // An unusual access: hand the state back, let access()'s general path
      // do it, take it again.
      store.clock = clock;
      store.mruLine = mruLine;
      store.mruSlot = mruSlot;
      this.#count(done, writes, misses, writeMisses, writebacks);
      done =
        writes =
        misses =
        writeMisses =
        writebacks =
          0;
      this.#accessSlow(addrs[i], kinds[i] === STORE ? 1 : 0, sizes[i]);
      clock = store.clock;
      mruLine = store.mruLine;
      mruSlot = store.mruSlot;
      i++;
    }
    store.clock = clock;
    store.mruLine = mruLine;
    store.mruSlot = mruSlot;
    this.#count(done, writes, misses, writeMisses, writebacks);
    return this.#misses - missesBefore;
  }

  /**
   * {@linkcode TraceCache.replay} of a long range, through the WebAssembly
   * core (lru_core.ts): the same state changes as the loop above, found as
   * cachegrind's simulator finds them. The core stops before an access it
   * leaves to access()'s general path (a line of 2^31 - 3 or above, a bad
   * size, an LRU clock near its limit); the state goes back to the store
   * for it, and the sets it used come back to the core.
   */
  #replayCore(core: LruCore, trace: MemoryTrace, from: number, to: number): number {
    const { addrs, kinds, sizes } = trace;
    const missesBefore = this.#misses;
    const store = this.#s;
    core.load(store);
    let i = from;
    try {
      while (i < to) {
        const n = Math.min(core.chunk, to - i);
        core.feed(addrs, kinds, sizes, i, n);
        const done = core.run(n);
        const [writes, misses, writeMisses, writebacks] = core.counts();
        this.#count(done, writes, misses, writeMisses, writebacks);
        i += done;
        if (done < n) {
          core.save(store);
          const addr = addrs[i];
          this.#accessSlow(addr, kinds[i] === STORE ? 1 : 0, sizes[i]);
          core.reload(store);
          i++;
        }
      }
    } finally {
      core.save(store);
    }
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

  /**
   * One line reference for {@linkcode access} under LRU, to a line below
   * KEY_LIMIT that is not the most recent one; `w` is 1 for a store.
   * Returns 1 on a miss, 0 on a hit.
   */
  #ref(line: number, w: number): number {
    const key = (line + 1) | 0;
    const store = this.#s;
    const set = line & store.setMask;
    const keys = store.keys;
    const stamps = store.stamps;
    const states = store.states;
    // A hit on the set's most recent line is a predictable branch on real
    // traces; it leaves `slot` and `hit` (-1 on a hit, 0 on a miss) as they are.
    let slot = store.setMru[set];
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
    if (old === INVALID) store.enlist(slot);
    this.#writebacks += miss & (old >>> 1);
    keys[slot] = key;
    store.tags[slot] = line;
    // A store leaves it DIRTY (2); a read hit keeps its state; a read miss fills it CLEAN (1).
    states[slot] = (w << 1) | (((old & hit) | miss) & (w - 1));
    // After #enlist, as before: a renumbering then gives the stamps it always gave.
    stamps[slot] = store.nextStamp();
    store.setMru[set] = slot;
    store.mruLine = line;
    store.mruSlot = slot;
    return miss;
  }

  /** {@linkcode TraceCache.access}'s reference for a wide line or random replacement. */
  #refGeneral(line: number, w: number): number {
    const s = this.lookup(line);
    if (s >= 0) {
      this.touch(s);
      if (w === 1) this.states[s] = DIRTY;
      return 0;
    }
    const victim = this.victim(line);
    const old = this.states[victim];
    const state = w === 1 ? DIRTY : CLEAN;
    if (old === INVALID) this.install(victim, line, state);
    else {
      if (old === DIRTY) this.#writebacks++;
      // In place, as #ref and the core refill a victim: the resident index
      // keeps its order whichever path an access takes.
      this.#s.refill(victim, line, state);
    }
    return 1;
  }

  /**
   * Zeroes the counters of {@linkcode TraceCache.stats}.
   *
   * @example Usage
   * ```ts
   * import { TraceCache } from "@setway/setway/hw";
   * const c = new TraceCache({ size: 1024, ways: 2 });
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
   * Empties the cache as {@linkcode Cache.reset} does and zeroes the
   * counters, so it behaves exactly as one just built with `seed`.
   *
   * @example Usage
   * ```ts
   * import { TraceCache } from "@setway/setway/hw";
   * const c = new TraceCache({ size: 1024, ways: 2 });
   * c.access(0, true);
   * c.reset();
   * console.log(c.residentCount, c.lookup(0), c.stats.writes); // 0 -1 0
   * ```
   * @param seed the seed of a random replacement; default 1
   */
  override reset(seed = 1): void {
    super.reset(seed);
    this.resetStats();
  }
}
