/**
 * Where watched words lived and how many dirty lines each cache level held
 * over a run, as plain data: what `run(scenario, { watch })` records and the
 * HTML timeline draws as cache lanes.
 *
 * Positions are event places (`seq`): a change at `at` holds from the event
 * with that `seq` on, the same scale as the events' own `seq`, so the
 * timeline places both on one axis.
 *
 * @example Usage
 * ```ts
 * import type { CacheTrack } from "@setway/setway/report";
 * const track: CacheTrack = {
 *   levels: [{ name: "system cache", slots: 131072, at: [0, 40], dirty: [0, 512] }],
 *   addresses: [{
 *     addr: 0x4000_8000,
 *     changes: [{ at: 0, where: "unwritten", label: "not written yet" }],
 *   }],
 * };
 * ```
 *
 * @module
 */

/**
 * Where the newest value of a watched word lives:
 * `"l1"`, `"l2"` or `"sys"` (a cache of that level holds it, dirty or clean
 * while DRAM is older), `"dram"` (DRAM holds it), `"lost"` (no copy holds
 * it) or `"unwritten"` (the program has not written the word yet).
 *
 * @example Usage
 * ```ts
 * import type { WhereNewest } from "@setway/setway/report";
 * const w: WhereNewest = "sys";
 * ```
 */
export type WhereNewest = "l1" | "l2" | "sys" | "dram" | "lost" | "unwritten";

/**
 * One change of where a watched word's newest value lives.
 *
 * @example Usage
 * ```ts
 * import type { WhereChange } from "@setway/setway/report";
 * const c: WhereChange = { at: 120, where: "sys", label: "dirty in the system cache" };
 * ```
 */
export interface WhereChange {
  /** The event place from which it holds. */
  readonly at: number;
  /** Where, as a class. */
  readonly where: WhereNewest;
  /** Which copies, named: `"dirty in cpu0.L1"`, `"DRAM · clean in cluster0.L2"`... */
  readonly label: string;
}

/**
 * A watched word: its address and where its newest value lived, as changes.
 *
 * @example Usage
 * ```ts
 * import type { WatchedWord } from "@setway/setway/report";
 * const w: WatchedWord = { addr: 0x4000_8000, changes: [] };
 * ```
 */
export interface WatchedWord {
  /** The word's address. */
  readonly addr: number;
  /** The changes, in run order; the first at place 0. */
  readonly changes: readonly WhereChange[];
}

/**
 * Dirty lines of one cache level over the run (all its caches summed).
 *
 * @example Usage
 * ```ts
 * import type { DirtyLevel } from "@setway/setway/report";
 * const l: DirtyLevel = { name: "L1", slots: 8 * 512, at: [0, 3], dirty: [0, 1] };
 * ```
 */
export interface DirtyLevel {
  /** `"L1"`, `"L2"`... or `"system cache"`. */
  readonly name: string;
  /** How many lines the level's caches hold together. */
  readonly slots: number;
  /** Sample places, ascending; a sample holds until the next. */
  readonly at: readonly number[];
  /** Dirty lines at each sample place. */
  readonly dirty: readonly number[];
}

/**
 * What a watched run records about its caches.
 *
 * @example Usage
 * ```ts
 * import type { CacheTrack } from "@setway/setway/report";
 * const none: CacheTrack = { levels: [], addresses: [] };
 * ```
 */
export interface CacheTrack {
  /** Per cache level, the system cache last. */
  readonly levels: readonly DirtyLevel[];
  /** Per watched word, in the order asked. */
  readonly addresses: readonly WatchedWord[];
}
