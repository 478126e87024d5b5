/**
 * Caches given back by finished hardware models, for the next model of the
 * same shape.
 *
 * A new large cache is cheap to build (its arrays come from zeroed.ts) but
 * each page of those arrays costs a page fault the first time a line lands
 * in it, and one run of a scenario builds its machine two or three times
 * (under the policy, natively, on the ideal machine); a comparison of seven
 * policies, more. A cache taken from here is a new {@linkcode Cache} object
 * over the storage of one given back (renewCache, cache.ts): empty,
 * O(lines it held), with its memory already backed. Results never depend
 * on whether a cache was new or reused.
 *
 * A cache given back is retired: every later call of one of its methods
 * throws, so a reference kept from a released model cannot corrupt the
 * model its storage now serves. It costs a live cache nothing per call:
 * retiring swaps the cache's store for one that throws on any read
 * (cache.ts) and closes the simulator's inlined path (`inlineLimit`,
 * cache_store.ts); the pool allocates one small object per cache taken and
 * one per cache given back, none per access.
 *
 * The pool belongs to the thread (each worker has its own) and keeps a few
 * caches of each shape, so its memory stays bounded.
 *
 * @example Usage
 * ```ts
 * import { giveBackCache, takeCache } from "./cache_pool.ts";
 * import { DIRTY } from "./cache.ts";
 * const a = takeCache({ size: 1024, ways: 2 }, { name: "L1" });
 * a.install(a.victim(0), 0, DIRTY);
 * giveBackCache(a);
 * const b = takeCache({ size: 1024, ways: 2 }, { name: "L1" });
 * console.log(a.states === b.states, b.residentCount); // true 0: the same storage, emptied
 * // a.lookup(0) now throws: a was given back
 * ```
 *
 * @module
 */

import { Cache, type CacheOptions, renewCache, retireCache } from "./cache.ts";
import type { CacheGeometry } from "./machine.ts";

/**
 * The most caches of one shape the pool keeps.
 *
 * @example Usage
 * ```ts
 * import { POOLED_PER_SHAPE } from "./cache_pool.ts";
 * console.log(POOLED_PER_SHAPE); // 8
 * ```
 */
export const POOLED_PER_SHAPE = 8;

/** Retired caches whose storage the next cache of their shape takes over. */
const free = new Map<string, Cache[]>();
/** The shape each cache made here was made with. */
const shapes = new WeakMap<Cache, string>();

/**
 * The shape a geometry and options build: JSON keeps `1024` and `"1024"`
 * apart, and a key only ever enters the pool after a cache was built from it.
 */
function shapeKey(geometry: CacheGeometry, options: CacheOptions): string {
  const g = geometry as Partial<CacheGeometry> | null;
  const o = options as CacheOptions | null;
  return JSON.stringify([
    o?.name ?? "cache",
    g?.size,
    g?.ways,
    g?.lineSize ?? 64,
    o?.replacement ?? "lru",
    o?.clockLimit ?? null,
  ]);
}

/**
 * A cache of the given geometry and options: a new cache over the storage
 * of a pooled one of the same shape (name, geometry, replacement, clock
 * limit), emptied and reseeded with the options' seed, or a new one.
 *
 * @example Usage
 * ```ts
 * import { takeCache } from "./cache_pool.ts";
 * const c = takeCache({ size: 32 * 1024, ways: 4 }, { name: "cpu0.L1", seed: 3 });
 * console.log(c.sets, c.residentCount); // 128 0
 * ```
 * @param geometry size, ways and line size
 * @param options as for `new Cache`
 * @returns an empty cache
 * @throws {ScenarioError} as `new Cache` for a bad geometry or bad options
 */
export function takeCache(geometry: CacheGeometry, options: CacheOptions = {}): Cache {
  const key = shapeKey(geometry, options);
  const retired = free.get(key)?.pop();
  const cache = retired === undefined ? new Cache(geometry, options) : renewCache(retired, options);
  shapes.set(cache, key);
  return cache;
}

/**
 * Gives a cache back: it is retired (every later call of one of its
 * methods throws) and, when {@linkcode takeCache} made it, its storage is
 * kept for the next cache of its shape. Giving a cache back twice does
 * nothing more.
 *
 * @example Usage
 * ```ts
 * import { giveBackCache, takeCache } from "./cache_pool.ts";
 * const c = takeCache({ size: 1024, ways: 2 });
 * giveBackCache(c);
 * try {
 *   c.lookup(0);
 * } catch (e) {
 *   console.log((e as Error).message.includes("released")); // true
 * }
 * ```
 * @param cache a cache nobody uses any more
 */
export function giveBackCache(cache: Cache): void {
  if (!retireCache(cache)) return;
  const key = shapes.get(cache);
  if (key === undefined) return;
  let list = free.get(key);
  if (list === undefined) free.set(key, list = []);
  if (list.length < POOLED_PER_SHAPE) list.push(cache);
}
