/**
 * `TraceCache.replay` (lib/sim/replay.ts) at the edges of its paths, on
 * directed traces: the first line of the general path (2^31 - 2, whose key
 * would be the wide lines' marker) next to a wide line of the same set,
 * through the JavaScript loop; the LRU clock reaching its limit on each
 * kind of reference; and the WebAssembly core of a geometry shared by
 * caches of different clock limits. Each replay leaves the store and the
 * counters exactly as a loop of `TraceCache.access` leaves its own.
 */

import assert from "node:assert/strict";
import { cacheStore } from "../../lib/hw/cache.ts";
import { KEY_LIMIT } from "../../lib/hw/cache_store.ts";
import { LOAD, STORE } from "../../lib/sim/access_trace.ts";
import { lruCore } from "../../lib/sim/lru_core.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import { oneAtATime, storeState as state, traceOf } from "./fixtures.ts";

Deno.test("replay: the line 2^31 - 2 and a wide line of the same set are two lines, not one", () => {
  // 2^31 - 2 is the first line of the general path: in the inlined loop its
  // key would be 2^31 - 1, the marker every wide line of a set shares.
  const lineSize = 64;
  const first = KEY_LIMIT * lineSize, wide = (KEY_LIMIT + 1) * lineSize;
  const t = traceOf([
    [wide, LOAD, 4],
    [first, LOAD, 4],
    [first, STORE, 4],
    [wide, LOAD, 4],
    [first + 8, LOAD, 4],
  ]);
  // One set of 2 and 4 ways: a range this short stays in the JavaScript loop.
  for (const ways of [2, 4]) {
    const g = { size: ways * lineSize, ways, lineSize };
    const c = new TraceCache(g);
    assert.equal(c.replay(t), 2, `${ways} ways`);
    assert.deepEqual(
      { ...c.stats },
      {
        reads: 4,
        writes: 1,
        hits: 3,
        misses: 2,
        readMisses: 2,
        writeMisses: 0,
        writebacks: 0,
      },
      `${ways} ways`,
    );
    assert.deepEqual(
      Array.from(c.residentSlots(), (s) => [c.tags[s], c.states[s]]),
      [[KEY_LIMIT + 1, 1], [KEY_LIMIT, 2]],
      `${ways} ways`,
    );
    assert.deepEqual(state(c), state(oneAtATime(g, t)), `${ways} ways`);
  }
});

Deno.test("replay() through the core renumbers at its own cache's clock limit, whichever cache the core held before", () => {
  // The core of a geometry is shared by every cache of that geometry: one
  // loaded last with the default (high) clock limit must not lend its limit
  // to a replay of a cache whose limit is 40.
  const lineSize = 16;
  const g = { size: 4 * 4 * lineSize, ways: 4, lineSize };
  lruCore(4, 4, lineSize)!.load(cacheStore(new TraceCache(g)));
  // 200 accesses (the core takes ranges of twice the 16 slots and more)
  // over 32 lines: hits, misses and stores in every set.
  const t = traceOf(
    Array.from({ length: 200 }, (_, i): [number, number, number] => [
      ((i * 7) % 32) * lineSize + (i % 4),
      i % 3,
      4,
    ]),
  );
  const got = new TraceCache(g, { clockLimit: 40 });
  const want = oneAtATime(g, t, { clockLimit: 40 });
  assert.equal(got.replay(t), want.stats.misses);
  assert.deepEqual(state(got), state(want));
  assert.ok(cacheStore(got).clock < 40, `clock ${cacheStore(got).clock}`);
});

Deno.test("replay: every kind of reference renumbers the stamps when the clock reaches its limit", () => {
  // Lines in turn, each access taking a stamp (none is to the previous
  // access's line), the clock's limit the lowest the cache allows: two
  // lines of two sets (hits on the set's most recent line), two lines of
  // one set (hits found by comparing every way) and three lines of one set
  // of two ways (misses). No stamp may equal the limit.
  const lineSize = 16;
  for (const ways of [2, 4]) {
    const g = { size: 2 * ways * lineSize, ways, lineSize };
    const clockLimit = 2 * ways + 2;
    const patterns: [string, number[]][] = [
      ["two sets", [0, 1]],
      ["one set", [0, 2]],
      ["three lines of one set", [0, 2, 4]],
    ];
    for (const [what, lines] of patterns) {
      for (let n = 1; n <= 3 * clockLimit; n++) {
        const t = traceOf(
          Array.from(
            { length: n },
            (_, i): [number, number, number] => [lines[i % lines.length] * lineSize, LOAD, 4],
          ),
        );
        const c = new TraceCache(g, { clockLimit });
        const want = oneAtATime(g, t, { clockLimit });
        assert.equal(c.replay(t), want.stats.misses);
        const got = state(c);
        assert.deepEqual(got, state(want), `${ways} ways, ${what}, ${n} accesses`);
        assert.ok(got.clock < clockLimit && Math.max(...got.stamps) < clockLimit);
      }
    }
  }
});
