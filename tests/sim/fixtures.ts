/**
 * What the trace-driven tests share: a trace from a list of accesses, a
 * cache given a trace one access at a time (the slow path every fast path
 * of `TraceCache.replay` is compared with), and everything of its store a
 * path writes, with the counters.
 *
 * @module
 */

import { type CacheOptions, cacheStore } from "../../lib/hw/cache.ts";
import type { CacheGeometry } from "../../lib/hw/machine.ts";
import { type MemoryTrace, STORE } from "../../lib/sim/access_trace.ts";
import { TraceCache } from "../../lib/sim/replay.ts";

/**
 * A trace of `[addr, kind, size]` accesses.
 *
 * @example Usage
 * ```ts
 * import { traceOf } from "./fixtures.ts";
 * console.log(traceOf([[0x40, 0, 4]]).length); // 1
 * ```
 */
export function traceOf(accesses: [number, number, number][]): MemoryTrace {
  return {
    length: accesses.length,
    addrs: Float64Array.from(accesses, (a) => a[0]),
    kinds: Uint8Array.from(accesses, (a) => a[1]),
    sizes: Uint8Array.from(accesses, (a) => a[2]),
  };
}

/**
 * A cache given the trace one access at a time, through `TraceCache.access`:
 * no core, no replay loop.
 *
 * @example Usage
 * ```ts
 * import { oneAtATime, traceOf } from "./fixtures.ts";
 * const c = oneAtATime({ size: 1024, ways: 2, lineSize: 64 }, traceOf([[0x40, 0, 4]]));
 * console.log(c.stats.misses); // 1
 * ```
 */
export function oneAtATime(
  g: CacheGeometry,
  t: MemoryTrace,
  options: CacheOptions = {},
): TraceCache {
  const c = new TraceCache(g, options);
  for (let i = 0; i < t.length; i++) c.access(t.addrs[i], t.kinds[i] === STORE, t.sizes[i]);
  return c;
}

/**
 * Everything of a cache's store the paths write (keys, tags, states,
 * stamps, the resident index, the clock, the most recent line), and the
 * counters: two caches that went through the same trace by different paths
 * must give equal ones.
 *
 * @example Usage
 * ```ts
 * import { oneAtATime, storeState, traceOf } from "./fixtures.ts";
 * const c = oneAtATime({ size: 1024, ways: 2, lineSize: 64 }, traceOf([[0x40, 0, 4]]));
 * console.log(storeState(c).resident.length); // 1
 * ```
 */
export function storeState(c: TraceCache) {
  const s = cacheStore(c);
  return {
    keys: Array.from(s.keys),
    tags: Array.from(s.tags),
    states: Array.from(s.states),
    stamps: Array.from(s.stamps),
    resident: Array.from(c.residentSlots()),
    clock: s.clock,
    mru: [s.mruLine, s.mruSlot],
    stats: { ...c.stats },
  };
}
