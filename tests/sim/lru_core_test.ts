/**
 * The WebAssembly LRU core (lib/sim/lru_core.ts) driven directly, without
 * replay(): every run leaves the store exactly as a loop of
 * `TraceCache.access` leaves its own (keys, tags, states, stamps, the
 * resident index, the clock, the counters), for every associativity it
 * takes; and it stops before what it leaves to the general path. The
 * associativities that are not powers of two, which no cache of a
 * power-of-two size has, are checked against a list-based LRU of the test's own.
 * Traces of several chunks, with accesses left to the general path between
 * runs of the core and stamps renumbered at a low clock limit, are compared
 * with access() on every array and counter.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { cacheStore } from "../../lib/hw/cache.ts";
import { oneAtATime, storeState as state, traceOf } from "./fixtures.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import { Random } from "../../lib/hw/random.ts";
import { LruCore, lruCore, lruCoreBytes } from "../../lib/sim/lru_core.ts";
import { type MemoryTrace, STORE } from "../../lib/sim/access_trace.ts";
import { CacheStore, DIRTY, INVALID } from "../../lib/hw/cache_store.ts";

const LINE = 16;

/** Runs `t` through a core straight into `c`'s store; its counters come back beside. */
function throughCore(c: TraceCache, core: LruCore, t: MemoryTrace) {
  const store = cacheStore(c);
  core.load(store);
  core.feed(t.addrs, t.kinds, t.sizes, 0, t.length);
  const done = core.run(t.length);
  const counts = core.counts();
  core.save(store);
  return { done, counts };
}

Deno.test("lruCoreBytes: a valid module for each associativity it takes", () => {
  for (const ways of [4, 8, 12, 16, 20, 24, 28, 32]) {
    assert.equal(WebAssembly.validate(lruCoreBytes(ways, 64, 64)), true, `${ways} ways`);
  }
  assert.deepEqual(lruCoreBytes(8, 64, 64), lruCoreBytes(8, 64, 64));
  assert.equal(lruCore(2, 64, 64), null);
  assert.equal(lruCore(36, 64, 64), null);
  assert.equal(lruCore(8, 64, 64), lruCore(8, 64, 64));
});

Deno.test("LruCore: a run leaves the store as a loop of access() leaves it", () => {
  const access = fc.tuple(
    fc.integer({ min: 0, max: 96 * LINE - 1 }),
    fc.constantFrom(0, 1, 2),
    fc.integer({ min: 1, max: LINE }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(4, 8, 16, 32),
      fc.constantFrom(1, 2, 4),
      // Long enough, at the full size, to fill every way of 32 (fast-check's
      // default size keeps arrays to a few elements).
      fc.array(access, { maxLength: 600, size: "max" }),
      (ways, sets, accesses) => {
        const g = { size: sets * ways * LINE, ways, lineSize: LINE };
        const t = traceOf(accesses);
        const want = oneAtATime(g, t);
        const c = new TraceCache(g);
        const core = lruCore(ways, sets, LINE)!;
        const { done, counts } = throughCore(c, core, t);
        assert.equal(done, t.length);
        const s = want.stats;
        assert.deepEqual(counts, [s.writes, s.misses, s.writeMisses, s.writebacks]);
        const expected = state(want);
        // The counters are replay()'s to keep: compared above.
        assert.deepEqual({ ...state(c), stats: null }, { ...expected, stats: null });
        // And replay(), which goes through the core for a trace this long.
        const r = new TraceCache(g);
        r.replay(t);
        assert.deepEqual(state(r), expected);
      },
    ),
    { seed: 17, numRuns: 300 },
  );
});

Deno.test("LruCore: stops before a wide line, a bad size and the clock's limit", () => {
  const g = { size: 4 * 4 * LINE, ways: 4, lineSize: LINE };
  const core = lruCore(4, 4, LINE)!;
  const cases: [string, [number, number, number][], number, number?][] = [
    ["a line of 2^31 - 3", [[0, 0, 4], [(2 ** 31 - 3) * LINE, 0, 4]], 1],
    ["size 0", [[0, 0, 4], [64, 0, 0]], 1],
    ["a size above a line", [[0, 0, 4], [64, 0, LINE + 1]], 1],
    ["a negative address", [[0, 0, 4], [-64, 0, 4]], 1],
    // Limit 10: after 4 stamps, at most two more accesses (each may take two).
    ["the clock's limit", Array.from({ length: 8 }, (_, i) => [i * LINE, 0, 1]), 4, 10],
  ];
  for (const [what, accesses, stop, limit] of cases) {
    const c = new TraceCache(g, { clockLimit: limit });
    if (limit !== undefined) {
      for (let i = 0; i < 4; i++) c.access(1000 * LINE + i * LINE * 4, false);
    }
    const t = traceOf(accesses);
    const store = cacheStore(c);
    core.load(store);
    core.feed(t.addrs, t.kinds, t.sizes, 0, t.length);
    assert.equal(core.run(t.length), limit === undefined ? stop : 2, what);
    core.counts();
    core.save(store);
  }
  // At each place in the run: the core takes accesses four at a time, then one at a time.
  for (let at = 0; at < 11; at++) {
    const accesses = Array.from({ length: 11 }, (_, i): [number, number, number] => [
      i === at ? -64 : i * LINE,
      i % 3,
      4,
    ]);
    const t = traceOf(accesses);
    const c = new TraceCache(g);
    const { done, counts } = throughCore(c, core, t);
    assert.equal(done, at, `a negative address at ${at}`);
    const want = new TraceCache(g);
    for (const [a, k, s] of accesses.slice(0, at)) want.access(a, k === STORE, s);
    assert.deepEqual({ ...state(c), stats: null }, { ...state(want), stats: null }, `at ${at}`);
    const s = want.stats;
    assert.deepEqual(counts, [s.writes, s.misses, s.writeMisses, s.writebacks], `at ${at}`);
  }
});

Deno.test("LruCore: addresses far from 0, with fractions, and straddling sizes, as access() does them", () => {
  // Lines near 2^31 (the core's last lines and the general path's first),
  // addresses near 2^32 and 2^52 (the first pass finds lines from the
  // address's bits below 2^52), halves of a byte, and sizes that straddle.
  const bases = [0, 2 ** 31 - 64, 2 ** 32 - 64, (2 ** 31 - 6) * LINE, 2 ** 52 - 64 * LINE];
  const access = fc.tuple(
    fc.constantFrom(...bases),
    fc.integer({ min: 0, max: 128 * LINE - 1 }),
    fc.constantFrom(0, 0, 0, 0.5),
    fc.constantFrom(0, 1, 2),
    fc.integer({ min: 1, max: LINE }),
  ).map(([base, offset, half, kind, size]): [number, number, number] => [
    base + offset + half,
    kind,
    size,
  ]);
  fc.assert(
    fc.property(
      fc.constantFrom(4, 8),
      fc.constantFrom(1, 4),
      fc.array(access, { minLength: 80, maxLength: 400 }),
      (ways, sets, accesses) => {
        const g = { size: sets * ways * LINE, ways, lineSize: LINE };
        const t = traceOf(accesses);
        const want = oneAtATime(g, t);
        const r = new TraceCache(g);
        r.replay(t);
        assert.deepEqual(state(r), state(want));
      },
    ),
    { seed: 31, numRuns: 300 },
  );
});

Deno.test("LruCore: the first pass sends NaN, fractions below 1 and 2^53 to the general front end", () => {
  const g = { size: 4 * 4 * LINE, ways: 4, lineSize: LINE };
  const core = lruCore(4, 4, LINE)!;
  const cases: [string, [number, number, number][], number][] = [
    ["NaN", [[0, 0, 4], [NaN, 0, 4]], 1],
    ["-0.5", [[0, 0, 4], [-0.5, 0, 4]], 1],
    ["2^53", [[0, 0, 4], [2 ** 53, 0, 4]], 1],
    ["Infinity", [[0, 0, 4], [Infinity, 0, 4]], 1],
    // Not stops: -0, a fraction below 1, one that straddles only by its half.
    [
      "-0, 0.5, a straddling half",
      [[-0, 0, 4], [0.5, 1, 4], [LINE - 4.5, 0, 4], [LINE - 4, 0, 4]],
      4,
    ],
  ];
  for (const [what, accesses, stop] of cases) {
    const c = new TraceCache(g);
    const t = traceOf(accesses);
    const { done } = throughCore(c, core, t);
    assert.equal(done, stop, what);
    if (done === t.length) {
      const want = new TraceCache(g);
      for (const [a, k, s] of accesses) want.access(a, k === STORE, s);
      assert.deepEqual({ ...state(c), stats: null }, { ...state(want), stats: null }, what);
    }
  }
});

Deno.test("replay() through the core: a fraction below 1 straddles, a chunk of stores, each line size its own core", () => {
  // Directed cases the random traces rarely draw: an access at 0.5 of a
  // whole line's size, which straddles by its half; a chunk of 2^15 stores
  // and more (the core's counts are not cut to fewer bits); and caches of the
  // same ways and sets but different line sizes in one process, each of
  // which needs a core of its own.
  const g = { size: 4 * 4 * LINE, ways: 4, lineSize: LINE };
  const half = traceOf(
    Array.from(
      { length: 100 },
      (_, i): [number, number, number] =>
        i % 2 === 0 ? [0.5, 0, LINE] : [LINE * (i % 40) + 64, 0, 4],
    ),
  );
  const stores = traceOf(
    Array.from({ length: 40_000 }, (_, i): [number, number, number] => [(i % 64) * LINE, STORE, 4]),
  );
  for (const [what, t] of [["0.5", half], ["40000 stores", stores]] as const) {
    const r = new TraceCache(g);
    r.replay(t);
    assert.deepEqual(state(r), state(oneAtATime(g, t)), what);
  }
  const mixed = traceOf(
    Array.from({ length: 400 }, (_, i): [number, number, number] => [(i * 37) % 4096, i % 3, 4]),
  );
  for (const lineSize of [16, 64, 16]) {
    const geometry = { size: 4 * 4 * lineSize, ways: 4, lineSize };
    const r = new TraceCache(geometry);
    r.replay(mixed);
    assert.deepEqual(state(r), state(oneAtATime(geometry, mixed)), `${lineSize}-byte lines`);
  }
});

/**
 * A true LRU independent of the slot model: per set, its lines most recent
 * first, each with a dirty bit, as cachegrind's simulator (cg_sim.c,
 * valgrind 3.19) keeps them. An access straddling two lines looks both up
 * and is one access, a miss if either missed.
 */
class ListLru {
  readonly lists: { line: number; dirty: boolean }[][];
  writes = 0;
  misses = 0;
  writeMisses = 0;
  writebacks = 0;
  lastLine = -1;

  constructor(readonly sets: number, readonly ways: number) {
    this.lists = Array.from({ length: sets }, () => []);
  }

  /** Looks `line` up, makes it the most recent of its set; true on a miss. */
  #ref(line: number, write: boolean): boolean {
    const list = this.lists[line % this.sets];
    const at = list.findIndex((e) => e.line === line);
    let entry = { line, dirty: false };
    if (at >= 0) entry = list.splice(at, 1)[0];
    else if (list.length === this.ways && list.pop()!.dirty) this.writebacks++;
    entry.dirty ||= write;
    list.unshift(entry);
    this.lastLine = line;
    return at < 0;
  }

  access(addr: number, write: boolean, size: number): void {
    const first = Math.floor(addr / LINE), last = Math.floor((addr + size - 1) / LINE);
    let miss = this.#ref(first, write);
    if (last !== first) miss = this.#ref(last, write) || miss;
    if (write) this.writes++;
    if (miss) this.misses++;
    if (miss && write) this.writeMisses++;
  }
}

/** A store's lines per set, most recent first (by stamp), as ListLru lists them. */
function storeLists(s: CacheStore) {
  return Array.from({ length: s.sets }, (_, set) => {
    const slots = Array.from({ length: s.ways }, (_, w) => set * s.ways + w)
      .filter((slot) => s.states[slot] !== INVALID)
      .sort((a, b) => s.stamps[b] - s.stamps[a]);
    for (const slot of slots) assert.equal(s.keys[slot], s.tags[slot] + 1, `slot ${slot}`);
    return slots.map((slot) => ({ line: s.tags[slot], dirty: s.states[slot] === DIRTY }));
  });
}

Deno.test("LruCore: 12, 20 and 28 ways, driven on a store, as a list-based LRU", () => {
  const access = fc.tuple(
    fc.nat(),
    fc.integer({ min: 0, max: LINE - 1 }),
    fc.constantFrom(0, 1, 2),
    fc.integer({ min: 1, max: LINE }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(12, 20, 28),
      fc.constantFrom(1, 2, 4),
      fc.array(access, { minLength: 1, maxLength: 800, size: "max" }),
      fc.nat(),
      (ways, sets, raw, cut) => {
        // Lines among twice the cache's: hits, misses and evictions in every set.
        const lines = 2 * ways * sets;
        const accesses = raw.map(([x, offset, kind, size]): [number, number, number] => [
          (x % lines) * LINE + offset,
          kind,
          size,
        ]);
        const want = new ListLru(sets, ways);
        for (const [addr, kind, size] of accesses) want.access(addr, kind === STORE, size);
        const t = traceOf(accesses);
        const store = new CacheStore({ sets, ways, lineSize: LINE }, null, 2 ** 30);
        const core = lruCore(ways, sets, LINE)!;
        core.load(store);
        // Two feeds of the chunk, so that a run starts from another's state.
        const split = cut % (t.length + 1);
        core.feed(t.addrs, t.kinds, t.sizes, 0, split);
        assert.equal(core.run(split), split);
        core.feed(t.addrs, t.kinds, t.sizes, split, t.length - split);
        assert.equal(core.run(t.length - split), t.length - split);
        core.save(store);
        assert.deepEqual(core.counts(), [
          want.writes,
          want.misses,
          want.writeMisses,
          want.writebacks,
        ]);
        assert.deepEqual(storeLists(store), want.lists);
        const resident = want.lists.flat().length;
        assert.equal(store.residentCount, resident);
        const valid = [...store.states.keys()].filter((slot) => store.states[slot] !== INVALID);
        assert.deepEqual([...store.resident.subarray(0, resident)].sort((a, b) => a - b), valid);
        assert.equal(store.mruLine, want.lastLine);
        assert.equal(store.tags[store.mruSlot], want.lastLine);
      },
    ),
    { seed: 23, numRuns: 200 },
  );
});

/**
 * A trace of `n` accesses from a seed: most within `lines` lines, some that
 * straddle two lines, some to a line of 2^31 or above (both taken by
 * access()'s general path in the middle of a chunk).
 */
function longTrace(seed: number, n: number, lines: number): MemoryTrace {
  const random = new Random(seed);
  const addrs = new Float64Array(n), kinds = new Uint8Array(n), sizes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = random.nextU32();
    const rare = r % 997;
    const line = rare === 0 ? 2 ** 31 + (r >>> 20) % 8 : (r >>> 8) % lines;
    sizes[i] = rare === 1 ? LINE : 1 + (r >>> 4) % 4;
    addrs[i] = line * LINE + (rare === 1 ? LINE / 2 : (r >>> 2) % 4);
    kinds[i] = r % 3;
  }
  return { length: n, addrs, kinds, sizes };
}

Deno.test("property: replay() of traces of several chunks leaves the store and counters as access() does", () => {
  // A chunk of the core is 2^15 accesses: these traces take two to four,
  // with accesses left to the general path and, with a low clock limit,
  // stamps renumbered by the store between runs of the core.
  fc.assert(
    fc.property(
      fc.constantFrom(4, 8, 16, 32),
      fc.constantFrom(1, 4, 64),
      fc.integer({ min: 70_000, max: 120_000 }),
      fc.nat(),
      fc.constantFrom(undefined, 4099, 65_537),
      (ways, sets, n, seed, clockLimit) => {
        const g = { size: sets * ways * LINE, ways, lineSize: LINE };
        const t = longTrace(seed, n, Math.max(2, sets * ways * 2));
        const want = oneAtATime(g, t, { clockLimit });
        const got = new TraceCache(g, { clockLimit });
        assert.equal(got.replay(t), want.stats.misses);
        assert.deepEqual(state(got), state(want));
      },
    ),
    { seed: 29, numRuns: 24 },
  );
});
