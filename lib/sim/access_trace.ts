/**
 * The memory-access trace: the data accesses of a real program held in
 * parallel typed arrays, the input of {@linkcode TraceCache.replay} (replay.ts). (The *event*
 * trace, what a scenario run prints, is report/event_trace.ts.)
 *
 * A modify is one *read* access of the data cache, as cachegrind counts it
 * (its `Dr` total includes lackey's `M` lines): replaying it as a write
 * does not reproduce cachegrind's counts.
 *
 * Traces are read from valgrind's lackey output by lackey.ts and stored
 * compactly by access_trace_codec.ts.
 *
 * @example Usage
 * ```ts
 * import { LOAD, type MemoryTrace, TraceCache } from "@setway/setway/hw";
 * const trace: MemoryTrace = {
 *   length: 2,
 *   addrs: Float64Array.of(0x1000, 0x1004),
 *   kinds: Uint8Array.of(LOAD, LOAD),
 *   sizes: Uint8Array.of(4, 4),
 * };
 * const d1 = new TraceCache({ size: 32768, ways: 8 }, { name: "D1" });
 * d1.replay(trace);
 * console.log(d1.stats.reads, d1.stats.misses); // 2 1
 * ```
 *
 * @module
 */

/** Kind of a traced access: lackey's `L`. */
export const LOAD = 0;
/** Kind of a traced access: lackey's `S`. */
export const STORE = 1;
/** Kind of a traced access: lackey's `M` (replayed as one read). */
export const MODIFY = 2;

/**
 * A data-access trace as parallel typed arrays: access `i` is
 * `kinds[i]` ({@linkcode LOAD}, {@linkcode STORE} or {@linkcode MODIFY}) of
 * `sizes[i]` bytes at `addrs[i]`.
 *
 * @example Usage
 * ```ts
 * import { type MemoryTrace, STORE } from "@setway/setway/hw";
 * const t: MemoryTrace = {
 *   length: 1,
 *   addrs: Float64Array.of(0x1000),
 *   kinds: Uint8Array.of(STORE),
 *   sizes: Uint8Array.of(4),
 * };
 * console.log(t.kinds[0] === STORE); // true
 * ```
 */
export interface MemoryTrace {
  /** Number of accesses. */
  readonly length: number;
  /** Byte address of each access. */
  readonly addrs: Float64Array;
  /** Kind of each access. */
  readonly kinds: Uint8Array;
  /** Size of each access in bytes. */
  readonly sizes: Uint8Array;
}
