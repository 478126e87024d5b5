/**
 * Benchmarks of the trace-driven cache simulator (lib/sim/replay.ts). Each bench names its
 * access count; accesses per second = count / time per iteration.
 *
 * Run: `deno bench -P bench/cache_bench.ts`
 *
 * @module
 */

import { TraceCache } from "../lib/sim/replay.ts";
import { STORE } from "../lib/sim/access_trace.ts";
import { loadGzipTrace } from "./gzip_trace.ts";
import { L1_GEOMETRY, randomTrace, sequentialTrace, testProgramTrace } from "./cache_workloads.ts";

const N = 1_000_000;
const random = randomTrace(N);
const sequential = sequentialTrace(N);
const gzip = loadGzipTrace();
const program = testProgramTrace();

const rndAccess = new TraceCache(L1_GEOMETRY, { name: "L1" });
Deno.bench(`Cache.access random over 64 KiB, ~50% misses (${N} accesses)`, {
  group: "synthetic",
  baseline: true,
}, () => {
  const { addrs, kinds, sizes } = random;
  for (let i = 0; i < N; i++) rndAccess.access(addrs[i], kinds[i] === STORE, sizes[i]);
});

const rndReplay = new TraceCache(L1_GEOMETRY, { name: "L1" });
Deno.bench(`Cache.replay random over 64 KiB, ~50% misses (${N} accesses)`, {
  group: "synthetic",
}, () => {
  rndReplay.replay(random);
});

const rndRandom = new TraceCache(L1_GEOMETRY, { name: "L1", replacement: "random" });
Deno.bench(`Cache.replay random, random replacement (${N} accesses)`, {
  group: "synthetic",
}, () => {
  rndRandom.replay(random);
});

const seqAccess = new TraceCache(L1_GEOMETRY, { name: "L1" });
Deno.bench(`Cache.access sequential over 256 KiB (${N} accesses)`, {
  group: "synthetic",
}, () => {
  const { addrs, kinds, sizes } = sequential;
  for (let i = 0; i < N; i++) seqAccess.access(addrs[i], kinds[i] === STORE, sizes[i]);
});

Deno.bench(`Cache.replay of the gzip lackey trace, 32 KiB 8-way D1 (${gzip.length} accesses)`, {
  group: "programs",
  baseline: true,
}, () => {
  new TraceCache({ size: 32768, ways: 8 }, { name: "D1" }).replay(gzip);
});

Deno.bench(`Cache.access over the gzip lackey trace, one call each (${gzip.length} accesses)`, {
  group: "programs",
}, () => {
  const d1 = new TraceCache({ size: 32768, ways: 8 }, { name: "D1" });
  const { addrs, kinds, sizes } = gzip;
  for (let i = 0; i < gzip.length; i++) d1.access(addrs[i], kinds[i] === STORE, sizes[i]);
});

Deno.bench(`Cache.replay of the cachegrind test trace (${program.length} accesses)`, {
  group: "programs",
}, () => {
  new TraceCache({ size: 32768, ways: 8 }, { name: "D1" }).replay(program);
});
