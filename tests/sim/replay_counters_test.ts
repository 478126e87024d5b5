/**
 * `TraceCache`'s counters and refusals (lib/sim/replay.ts), on directed
 * traces whose every count is worked out by hand: the split of misses into
 * read and write misses, `resetStats` and `reset` zeroing every counter,
 * and the error codes of a bad access and a bad replay range, which a
 * caller tells apart by `code`, not by the message.
 */

import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { LOAD, STORE } from "../../lib/sim/access_trace.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import { traceOf } from "./fixtures.ts";

/** One set of two 64-byte ways: every line competes for the same two slots. */
const ONE_SET = { size: 128, ways: 2, lineSize: 64 };

/**
 * Six accesses to one set of two ways: a write miss, two read misses (the
 * second evicting the dirty line), a read miss evicting a clean line, a
 * write hit and a write miss.
 */
const SIX = traceOf([
  [0, STORE, 4],
  [64, LOAD, 4],
  [128, LOAD, 4],
  [0, LOAD, 4],
  [128, STORE, 4],
  [192, STORE, 4],
]);

/** What SIX leaves in the counters. */
const SIX_STATS = {
  reads: 3,
  writes: 3,
  hits: 1,
  misses: 5,
  readMisses: 3,
  writeMisses: 2,
  writebacks: 1,
};

/** Every counter at zero. */
const ZERO = {
  reads: 0,
  writes: 0,
  hits: 0,
  misses: 0,
  readMisses: 0,
  writeMisses: 0,
  writebacks: 0,
};

/** A cache of ONE_SET given SIX one access at a time. */
function sixByAccess(): TraceCache {
  const c = new TraceCache(ONE_SET);
  for (let i = 0; i < SIX.length; i++) c.access(SIX.addrs[i], SIX.kinds[i] === STORE, SIX.sizes[i]);
  return c;
}

/** Asserts that `f` throws a ScenarioError of this code, call and value. */
function assertRefused(f: () => unknown, code: string, call: string, value: unknown): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.deepEqual([e.code, e.call, e.value], [code, call, value]);
    return true;
  });
}

Deno.test("TraceCache.stats: read misses are the misses that are not write misses, hits the accesses that did not miss", () => {
  assert.deepEqual({ ...sixByAccess().stats }, SIX_STATS);
  const r = new TraceCache(ONE_SET);
  assert.equal(r.replay(SIX), 5);
  assert.deepEqual({ ...r.stats }, SIX_STATS);
});

Deno.test("TraceCache.resetStats: every counter reads 0 after it, and counting starts again from there", () => {
  const c = sixByAccess();
  c.resetStats();
  assert.deepEqual({ ...c.stats }, ZERO);
  // The cache keeps its lines: 128 hits, 256 misses as a store and evicts
  // the dirty 192.
  assert.equal(c.access(128, false), true);
  assert.equal(c.access(256, true), false);
  assert.deepEqual({ ...c.stats }, {
    ...ZERO,
    reads: 1,
    writes: 1,
    hits: 1,
    misses: 1,
    writeMisses: 1,
    writebacks: 1,
  });
});

Deno.test("TraceCache.reset: the cache is empty and every counter reads 0, as one just built", () => {
  const c = sixByAccess();
  c.reset();
  assert.deepEqual({ ...c.stats }, ZERO);
  assert.equal(c.residentCount, 0);
  assert.equal(c.replay(SIX), 5);
  assert.deepEqual({ ...c.stats }, SIX_STATS);
});

Deno.test("TraceCache.access: a negative address is bad_address, a bad size out_of_range, each naming its value", () => {
  const c = new TraceCache(ONE_SET);
  assertRefused(() => c.access(-4, false), "bad_address", "Cache.access", -4);
  assertRefused(() => c.access(8, true, 0), "out_of_range", "Cache.access size", 0);
  assertRefused(() => c.access(8, false, 65), "out_of_range", "Cache.access size", 65);
  // The same through replay(), after one access it counts.
  assertRefused(
    () => c.replay(traceOf([[0, LOAD, 4], [-64, LOAD, 4]])),
    "bad_address",
    "Cache.access",
    -64,
  );
  assert.deepEqual({ ...c.stats }, { ...ZERO, reads: 1, misses: 1, readMisses: 1 });
});

Deno.test("TraceCache.replay: a range bound that is not an integer from 0 to the trace's length is refused before any access", () => {
  const c = new TraceCache(ONE_SET);
  for (const [from, to] of [[0, 1.5], [0.5, 3], [-1, 2], [0, 7], [NaN, 2]]) {
    assertRefused(() => c.replay(SIX, from, to), "out_of_range", "Cache.replay", [from, to]);
  }
  assert.deepEqual({ ...c.stats }, ZERO);
  assert.equal(c.residentCount, 0);
  // An empty range is not an error: it replays nothing.
  assert.equal(c.replay(SIX, 3, 3), 0);
  assert.deepEqual({ ...c.stats }, ZERO);
});
