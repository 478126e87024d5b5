/**
 * The real-program cross-check of the performance targets: the stored
 * lackey trace of `gzip -n -c` (bench/data) replays to exactly the D1
 * counts cachegrind reported for the same run, for every stored geometry,
 * through both `TraceCache.replay` and one `TraceCache.access` call per access.
 */

import assert from "node:assert/strict";
import { TraceCache } from "../../lib/sim/replay.ts";
import { LOAD, MODIFY, STORE } from "../../lib/sim/access_trace.ts";
import { loadGzipExpected, loadGzipTrace } from "../../bench/gzip_trace.ts";

const trace = loadGzipTrace();
const expected = loadGzipExpected();

Deno.test("gzip trace: lackey's totals are cachegrind's (L + M reads, S writes)", () => {
  let loads = 0, stores = 0, modifies = 0;
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kinds[i];
    if (k === LOAD) loads++;
    else if (k === STORE) stores++;
    else if (k === MODIFY) modifies++;
  }
  assert.equal(loads + stores + modifies, trace.length);
  assert.ok(modifies > 1000, `only ${modifies} modifies`);
  for (const g of expected.geometries) {
    assert.equal(loads + modifies, g.Dr);
    assert.equal(stores, g.Dw);
  }
});

for (const g of expected.geometries) {
  Deno.test(`gzip trace: D1 ${g.size} B ${g.ways}-way ${g.lineSize} B lines: replay() misses = cachegrind's`, () => {
    const c = new TraceCache(g, { name: "D1" });
    const misses = c.replay(trace);
    const s = c.stats;
    assert.deepEqual(
      { Dr: s.reads, D1mr: s.readMisses, Dw: s.writes, D1mw: s.writeMisses },
      { Dr: g.Dr, D1mr: g.D1mr, Dw: g.Dw, D1mw: g.D1mw },
    );
    assert.equal(misses, g.D1mr + g.D1mw);
  });
}

Deno.test("gzip trace: one access() per access gives replay()'s counts and final contents", () => {
  const g = expected.geometries[0];
  const a = new TraceCache(g), b = new TraceCache(g);
  b.replay(trace);
  for (let i = 0; i < trace.length; i++) {
    a.access(trace.addrs[i], trace.kinds[i] === STORE, trace.sizes[i]);
  }
  assert.deepEqual({ ...a.stats }, { ...b.stats });
  const lines = (c: TraceCache) =>
    Array.from(c.residentSlots(), (s) => [s, c.tags[s], c.states[s]]);
  assert.deepEqual(lines(a), lines(b));
});
