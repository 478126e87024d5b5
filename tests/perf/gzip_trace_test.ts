/**
 * The real-program cross-check of the performance targets: the stored
 * lackey trace of `gzip -n -c` (bench/data) replays to exactly the D1
 * counts cachegrind reported for the same run, for every stored geometry,
 * through both `TraceCache.replay` and one `TraceCache.access` call per access;
 * where the same valgrind and gzip are installed, a lackey trace and a
 * cachegrind run made now in the pinned environment (bench/gzip_trace.ts)
 * agree exactly; and on the recording's machine, that run counts exactly
 * what the stored trace replays to.
 */

import assert from "node:assert/strict";
import { TraceCache } from "../../lib/sim/replay.ts";
import { LOAD, type MemoryTrace, MODIFY, STORE } from "../../lib/sim/access_trace.ts";
import { parseLackey } from "../../lib/sim/lackey.ts";
import {
  type CachegrindCounts,
  GZIP_ARGS,
  GZIP_INPUT,
  loadGzipExpected,
  loadGzipTrace,
  machineDifferences,
  recordingMachine,
  runCachegrind,
  runValgrindGzip,
  VALGRIND_CWD,
  valgrindGzipArgs,
} from "../../bench/gzip_trace.ts";

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

/** A trace's counts on a new D1 of geometry `g`, as cachegrind reports them. */
function replayCounts(t: MemoryTrace, g: CachegrindCounts): CachegrindCounts {
  const c = new TraceCache(g, { name: "D1" });
  c.replay(t);
  const s = c.stats;
  return {
    size: g.size,
    ways: g.ways,
    lineSize: g.lineSize,
    Dr: s.reads,
    D1mr: s.readMisses,
    Dw: s.writes,
    D1mw: s.writeMisses,
  };
}

const here = await recordingMachine();
// valgrind and gzip as the recording ran them: the runs below can be made.
const sameTools = here.valgrind === expected.valgrind && here.gzip === expected.gzip;
// The stored counts are what a run counts now only on the recording's machine.
const differences = machineDifferences(expected, here);

Deno.test({
  name: "gzip trace: valgrind's client environment holds the pinned directory, not the caller's",
  ignore: !sameTools,
  async fn() {
    // The same command as the recordings with the client swapped for env:
    // what gzip found in its environment (Debian's wrapper exports PWD).
    const args = valgrindGzipArgs("none", []).slice(0, -GZIP_ARGS.length);
    const out = await new Deno.Command(args[0], {
      args: [...args.slice(1), "/usr/bin/env"],
      cwd: VALGRIND_CWD,
      stdout: "piped",
      stderr: "null",
    }).output();
    const env = new TextDecoder().decode(out.stdout).trim().split("\n").sort();
    assert.ok(env.includes(`PWD=${VALGRIND_CWD}`), env.join(" "));
    assert.ok(Deno.cwd() !== VALGRIND_CWD, "run from another directory, as the benches are");
  },
});

Deno.test({
  name: "gzip trace: lackey and cachegrind run now see the same accesses",
  ignore: !sameTools,
  async fn() {
    // The recording's method, on whatever machine this is: a lackey trace
    // recorded now replays to the counts cachegrind gives now.
    const g = expected.geometries[0];
    const dir = await Deno.makeTempDir({ prefix: "setway-lackey-" });
    try {
      const log = `${dir}/lackey.log`;
      await runValgrindGzip("lackey", ["--trace-mem=yes", `--log-file=${log}`], GZIP_INPUT);
      const now = parseLackey(await Deno.readFile(log));
      assert.deepEqual((await runCachegrind(g, GZIP_INPUT)).counts, replayCounts(now, g));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "gzip trace: on the recording's machine, cachegrind run now counts exactly what the " +
    "stored trace replays to",
  // Elsewhere (see bench/gzip_trace.ts RecordingMachine) the counts move a little.
  ignore: !sameTools || differences.length > 0,
  async fn() {
    const g = expected.geometries[0];
    assert.deepEqual((await runCachegrind(g, GZIP_INPUT)).counts, replayCounts(trace, g));
  },
});
