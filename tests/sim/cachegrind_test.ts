/**
 * Cross-check of `TraceCache` (lib/sim/replay.ts) against valgrind's cachegrind: replaying the data
 * accesses of tests/data/cachegrind/trace_prog.c (recorded with lackey) must
 * give exactly cachegrind's D1 read and write miss counts for every geometry
 * in expected.json. See tests/data/cachegrind/README.md for how the data
 * was produced.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { TraceCache } from "../../lib/sim/replay.ts";
import { loadTestProgramExpected } from "../../bench/cache_workloads.ts";

const dataDir = new URL("../data/cachegrind/", import.meta.url);

const KIND_LOAD = 0, KIND_STORE = 1, KIND_MODIFY = 2;

/** The lackey trace as parallel typed arrays (kind, address, size). */
function loadTrace(): { kinds: Uint8Array; addrs: Float64Array; sizes: Uint8Array } {
  const text = new TextDecoder().decode(gunzipSync(readFileSync(new URL("trace.txt.gz", dataDir))));
  const lines = text.split("\n");
  const kinds = new Uint8Array(lines.length);
  const addrs = new Float64Array(lines.length);
  const sizes = new Uint8Array(lines.length);
  let n = 0;
  for (const line of lines) {
    if (line.length === 0) continue;
    // " L 00415080,4"
    const m = /^ ([LSM]) ([0-9a-f]+),(\d+)$/.exec(line);
    assert.ok(m, `unexpected trace line ${JSON.stringify(line)}`);
    kinds[n] = m[1] === "L" ? KIND_LOAD : m[1] === "S" ? KIND_STORE : KIND_MODIFY;
    addrs[n] = parseInt(m[2], 16);
    sizes[n] = Number(m[3]);
    n++;
  }
  return { kinds: kinds.subarray(0, n), addrs: addrs.subarray(0, n), sizes: sizes.subarray(0, n) };
}

const trace = loadTrace();
const expected = loadTestProgramExpected();

function replay(
  geometry: { size: number; ways: number; lineSize: number },
  modifyIsWrite: boolean,
): TraceCache {
  const cache = new TraceCache(geometry, { name: "D1" });
  const { kinds, addrs, sizes } = trace;
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    cache.access(addrs[i], k === KIND_STORE || (modifyIsWrite && k === KIND_MODIFY), sizes[i]);
  }
  return cache;
}

Deno.test("cachegrind: the trace holds loads, stores, modifies and line-straddling accesses", () => {
  let straddling = 0, modifies = 0;
  for (let i = 0; i < trace.kinds.length; i++) {
    if (trace.kinds[i] === KIND_MODIFY) modifies++;
    if (
      Math.floor(trace.addrs[i] / 64) !== Math.floor((trace.addrs[i] + trace.sizes[i] - 1) / 64)
    ) {
      straddling++;
    }
  }
  assert.ok(trace.kinds.length > 300_000, `only ${trace.kinds.length} accesses`);
  assert.ok(modifies > 1000 && straddling > 100, `modifies ${modifies}, straddling ${straddling}`);
  assert.equal(expected.valgrind, "valgrind-3.19.0");
  assert.ok(expected.geometries.length >= 3);
});

for (const g of expected.geometries) {
  Deno.test(`cachegrind: D1 ${g.size} B, ${g.ways}-way, ${g.lineSize} B lines: misses equal cachegrind's`, () => {
    // cachegrind counts a modify (lackey's M) as one read access (Dr).
    const cache = replay(g, false);
    const s = cache.stats;
    assert.deepEqual(
      { Dr: s.reads, D1mr: s.readMisses, Dw: s.writes, D1mw: s.writeMisses },
      { Dr: g.Dr, D1mr: g.D1mr, Dw: g.Dw, D1mw: g.D1mw },
    );
    assert.equal(s.hits + s.misses, s.reads + s.writes);
  });
}

Deno.test("cachegrind: replaying a modify as a write does not match (it is counted as a read)", () => {
  const g = expected.geometries[0];
  const s = replay(g, true).stats;
  assert.notEqual(s.writes, g.Dw);
  assert.notEqual(s.readMisses, g.D1mr);
});
