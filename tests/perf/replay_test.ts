/**
 * `TraceCache.replay` is exactly a loop of `TraceCache.access`, through the
 * JavaScript loop and the WebAssembly core (ranges of at least twice the
 * slots, 4 ways and more), on every path they hand back (straddling
 * accesses, lines of 2^31 - 2 and above, random replacement), and the LRU
 * clock's renumbering changes nothing.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { type CacheOptions } from "../../lib/hw/cache.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import { type MemoryTrace, STORE } from "../../lib/sim/access_trace.ts";

const accessArb = fc.tuple(
  // A few lines near 0, near 2^31 lines (addresses around 2^37) and far above.
  fc.constantFrom(0, 64 * 0x7fff_fff0, 2 ** 45),
  fc.integer({ min: 0, max: 40 * 64 }),
  fc.constantFrom(0, 1, 2),
  fc.constantFrom(1, 2, 4, 8, 16),
);

function traceOf(accesses: [number, number, number, number][]): MemoryTrace {
  const n = accesses.length;
  const t = {
    length: n,
    addrs: new Float64Array(n),
    kinds: new Uint8Array(n),
    sizes: new Uint8Array(n),
  };
  accesses.forEach(([base, off, kind, size], i) => {
    t.addrs[i] = base + off;
    t.kinds[i] = kind;
    t.sizes[i] = size;
  });
  return t;
}

function snapshot(c: TraceCache) {
  const slots = Array.from(c.residentSlots()).sort((x, y) => x - y);
  return {
    stats: { ...c.stats },
    lines: slots.map((s) => [s, c.tags[s], c.states[s]]),
  };
}

function looped(
  g: { size: number; ways: number; lineSize: number },
  o: CacheOptions,
  t: MemoryTrace,
) {
  const c = new TraceCache(g, o);
  for (let i = 0; i < t.length; i++) c.access(t.addrs[i], t.kinds[i] === STORE, t.sizes[i]);
  return c;
}

Deno.test("replay: equals one access() per access, LRU and random replacement, any split", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1, 2, 4, 8, 16),
      fc.constantFrom<"lru" | "random">("lru", "random"),
      fc.array(accessArb, { maxLength: 300 }),
      fc.nat(),
      (ways, replacement, accesses, cut) => {
        const g = { size: 4 * ways * 16, ways, lineSize: 16 };
        const t = traceOf(accesses);
        const want = looped(g, { replacement, seed: 5 }, t);
        const c = new TraceCache(g, { replacement, seed: 5 });
        const at = t.length === 0 ? 0 : cut % (t.length + 1);
        const misses = c.replay(t, 0, at) + c.replay(t, at);
        assert.deepEqual(snapshot(c), snapshot(want));
        assert.equal(misses, want.stats.misses);
      },
    ),
    { seed: 7, numRuns: 300 },
  );
});

Deno.test("replay: renumbering the LRU clock at a low limit changes no result", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(2, 4, 8),
      fc.array(accessArb, { minLength: 50, maxLength: 400 }),
      (ways, accesses) => {
        const g = { size: 2 * ways * 16, ways, lineSize: 16 };
        const t = traceOf(accesses);
        const plain = looped(g, {}, t);
        const tight = new TraceCache(g, { clockLimit: 2 * ways + 2 });
        tight.replay(t);
        const tightLoop = looped(g, { clockLimit: 2 * ways + 2 }, t);
        assert.deepEqual(snapshot(tight), snapshot(plain));
        assert.deepEqual(snapshot(tightLoop), snapshot(plain));
      },
    ),
    { seed: 11, numRuns: 200 },
  );
});

Deno.test("replay: bad ranges and bad accesses throw ScenarioError naming the value", () => {
  const c = new TraceCache({ size: 1024, ways: 2 });
  const t = traceOf([[0, 0, 0, 4]]);
  assert.throws(() => c.replay(t, 0, 2), /replay\(trace, 0, 2\)/);
  assert.throws(() => c.replay(t, -1), /replay\(trace, -1/);
  const bad = traceOf([[0, 0, 0, 4], [0, 8, 0, 128]]);
  assert.throws(() => c.replay(bad), /access\(8, 128\)/);
  assert.equal(c.stats.reads, 1, "the access before the bad one is counted");
  // A size of 0, in the JavaScript loop (2 ways) and one access at a time.
  assert.throws(() => c.replay(traceOf([[0, 0, 0, 4], [0, 8, 0, 0]])), /access\(8, 0\)/);
  assert.equal(c.stats.reads, 2);
  assert.throws(() => c.access(0, false, 0), /access\(0, 0\)/);
  assert.throws(() => c.access(8, true, -4), /access\(8, -4\)/);
  assert.deepEqual([c.stats.reads, c.stats.writes], [2, 0]);
  // A range long enough for the WebAssembly core (4 ways): the same error,
  // the same count of the accesses before it, and the cache left usable.
  const core = new TraceCache({ size: 1024, ways: 4 });
  const long = traceOf([
    ...Array.from({ length: 100 }, (_, i): [number, number, number, number] => [0, i * 64, 1, 4]),
    [0, 8, 0, 0],
  ]);
  assert.throws(() => core.replay(long), /access\(8, 0\)/);
  assert.equal(core.stats.writes, 100);
  assert.equal(core.stats.misses, 100);
  assert.equal(core.stats.writebacks, 100 - 16);
  assert.equal(core.residentCount, 16);
  assert.equal(core.access(99 * 64, false), true);
  assert.throws(
    () => new TraceCache({ size: 1024, ways: 2 }, { clockLimit: 3 }),
    /clockLimit\(3\)/,
  );
});
