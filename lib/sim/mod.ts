/**
 * The trace-driven cache simulator, for benches and tests only: one cache
 * fed the recorded loads and stores of a real program, counting hits,
 * misses and write-backs the way cachegrind simulates its D1. Scenario runs
 * never use it: they drive the slot model (hw/cache.ts) through the coherent
 * hierarchy (hw/hardware.ts).
 *
 * - replay.ts: {@linkcode TraceCache}, a slot cache (hw/cache.ts) with
 *   cachegrind's `access` and `replay` and live counters, driving the
 *   cache's typed arrays through their store (hw/cache_store.ts);
 * - access_trace.ts: the memory-access trace ({@linkcode MemoryTrace}),
 *   parallel typed arrays of addresses, kinds and sizes;
 * - lackey.ts: valgrind lackey's text output read into a trace
 *   ({@linkcode parseLackey});
 * - access_trace_codec.ts: a trace in a compact binary form
 *   ({@linkcode encodeTrace}, {@linkcode decodeTrace}).
 *
 * It sits above `hw/` (it imports the slot model and its store) and below
 * nothing: no part of the scenario runtime imports it.
 *
 * @example Usage
 * ```ts
 * import { decodeTrace, encodeTrace, parseLackey, TraceCache } from "./mod.ts";
 * const trace = decodeTrace(encodeTrace(parseLackey(" L 1000,4\n S 1004,4\n")));
 * const d1 = new TraceCache({ size: 32768, ways: 8 }, { name: "D1" });
 * console.log(d1.replay(trace), d1.stats.writes); // 1 1
 * ```
 *
 * @module
 */

export { type CacheStats, TraceCache } from "./replay.ts";
export { type CacheOptions, type Replacement } from "../hw/cache.ts";
export { LOAD, type MemoryTrace, MODIFY, STORE } from "./access_trace.ts";
export { parseLackey } from "./lackey.ts";
export { decodeTrace, encodeTrace } from "./access_trace_codec.ts";
