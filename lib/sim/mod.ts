/**
 * The trace-driven simulator's inputs: memory-access traces of real programs,
 * read from valgrind's lackey output ({@linkcode parseLackey}) and stored in a
 * compact binary form ({@linkcode encodeTrace}, {@linkcode decodeTrace}), to be
 * replayed through one {@linkcode Cache} the way cachegrind simulates its D1
 * (`Cache.access`, `Cache.replay`). Only the benches and the tests use it;
 * scenario runs do not.
 *
 * It sits above `hw/` (it imports the trace format, hw/access_trace.ts) and
 * below nothing: no part of the scenario runtime imports it.
 *
 * @example Usage
 * ```ts
 * import { Cache, decodeTrace, encodeTrace, parseLackey } from "./mod.ts";
 * const trace = decodeTrace(encodeTrace(parseLackey(" L 1000,4\n S 1004,4\n")));
 * const d1 = new Cache({ size: 32768, ways: 8 }, { name: "D1" });
 * console.log(d1.replay(trace), d1.stats.writes); // 1 1
 * ```
 *
 * @module
 */

export { Cache, type CacheOptions, type CacheStats, type Replacement } from "../hw/cache.ts";
export { LOAD, type MemoryTrace, MODIFY, STORE } from "../hw/access_trace.ts";
export { parseLackey } from "./lackey.ts";
export { decodeTrace, encodeTrace } from "./access_trace_codec.ts";
