/**
 * Caches given back by finished hardware models, for the next model of the
 * same shape.
 *
 * A new large cache is cheap to build (its store is a region of memory the
 * operating system backs on first touch, store_arena.ts) but each page of
 * it costs a page fault the first time a line lands in it, and one run of
 * a scenario builds its machine two or three times (under the policy,
 * natively, on the ideal machine); a comparison of seven policies, more.
 * The pool keeps the caches of a model together, as they were taken
 * ({@linkcode takeCaches}): their stores share one arena, which a
 * WebAssembly core over the model's caches needs. A group taken from here
 * is new {@linkcode Cache} objects over the stores of a group given back
 * (renewCache, cache.ts): empty, O(lines they held), with their memory
 * already backed. Results never depend on whether a cache was new or reused.
 *
 * A cache given back is retired: every later call of one of its methods
 * throws, so a reference kept from a released model cannot corrupt the
 * model its storage now serves. It costs a live cache nothing per call:
 * retiring swaps the cache's store for one that throws on any read
 * (cache.ts) and closes the simulator's inlined path (`inlineLimit`,
 * cache_store.ts); the pool allocates a few small objects per group taken
 * and given back, none per access. A group is pooled again only when all
 * of it is given back at once ({@linkcode giveBackCaches}).
 *
 * The pool belongs to the thread (each worker has its own) and keeps a few
 * groups of each shape, so its memory stays bounded.
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

import { Cache, cacheIn, type CacheOptions, renewCache, retireCache } from "./cache.ts";
import { checkGeometry } from "./cache_geometry.ts";
import type { CacheGeometry } from "./machine.ts";
import { StoreArena, storeBytes } from "./store_arena.ts";

/**
 * The most groups of one shape the pool keeps.
 *
 * @example Usage
 * ```ts
 * import { POOLED_PER_SHAPE } from "./cache_pool.ts";
 * console.log(POOLED_PER_SHAPE); // 8
 * ```
 */
export const POOLED_PER_SHAPE = 8;

/**
 * One cache a model asks for: its geometry and its options, as for `new Cache`.
 *
 * @example Usage
 * ```ts
 * import type { CacheSpec } from "./cache_pool.ts";
 * const spec: CacheSpec = { geometry: { size: 4096, ways: 4 }, options: { name: "cpu0.L1" } };
 * console.log(spec.options.name); // cpu0.L1
 * ```
 */
export interface CacheSpec {
  /** Size, ways and line size. */
  readonly geometry: CacheGeometry;
  /** Name, replacement, seed and clock limit. */
  readonly options: CacheOptions;
}

/** The caches taken together, and the shape they were taken with. */
interface Group {
  readonly key: string;
  readonly caches: readonly Cache[];
}

/** Retired groups whose storage the next group of their shape takes over. */
const free = new Map<string, Group[]>();
/** The group each cache taken here belongs to. */
const groupOf = new WeakMap<Cache, Group>();

/**
 * The shape specs build: JSON keeps `1024` and `"1024"` apart, and a key
 * only ever enters the pool after caches were built from it.
 */
function shapeKey(specs: readonly CacheSpec[]): string {
  return JSON.stringify(specs.map(({ geometry, options }) => {
    const g = geometry as Partial<CacheGeometry> | null;
    const o = options as CacheOptions | null;
    return [
      o?.name ?? "cache",
      g?.size,
      g?.ways,
      g?.lineSize ?? 64,
      o?.replacement ?? "lru",
      o?.clockLimit ?? null,
    ];
  }));
}

/**
 * New caches for `specs`, never pooled, their stores in one new arena: what
 * a group from the pool must be indistinguishable from.
 *
 * @example Usage
 * ```ts
 * import { newCaches } from "./cache_pool.ts";
 * const [a, b] = newCaches([
 *   { geometry: { size: 4096, ways: 4 }, options: { name: "a" } },
 *   { geometry: { size: 8192, ways: 4 }, options: { name: "b" } },
 * ]);
 * console.log(a.sets, b.sets); // 16 32
 * ```
 * @param specs each cache's geometry and options
 * @returns the caches, in the order of `specs`
 * @throws {ScenarioError} as `new Cache` for a bad geometry or bad options
 */
export function newCaches(specs: readonly CacheSpec[]): Cache[] {
  let bytes = 0;
  for (const { geometry, options } of specs) {
    // Bad options are refused first, by the constructor's own words.
    if (typeof options !== "object" || options === null) new Cache(geometry, options);
    bytes += storeBytes(checkGeometry(geometry, options.name ?? "cache"));
  }
  const arena = new StoreArena(bytes, specs.length);
  return specs.map(({ geometry, options }) => cacheIn(arena, geometry, options));
}

/**
 * Caches for `specs`: new caches over the stores of a pooled group of the
 * same shape (each cache's name, geometry, replacement and clock limit, in
 * order), emptied and reseeded with the options' seeds, or
 * {@linkcode newCaches}.
 *
 * @example Usage
 * ```ts
 * import { takeCaches } from "./cache_pool.ts";
 * const [l1] = takeCaches([{ geometry: { size: 32 * 1024, ways: 4 }, options: { name: "cpu0.L1" } }]);
 * console.log(l1.sets, l1.residentCount); // 128 0
 * ```
 * @param specs each cache's geometry and options
 * @returns the caches, in the order of `specs`
 * @throws {ScenarioError} as `new Cache` for a bad geometry or bad options
 */
export function takeCaches(specs: readonly CacheSpec[]): Cache[] {
  const key = shapeKey(specs);
  const retired = free.get(key)?.pop();
  const caches = retired === undefined
    ? newCaches(specs)
    : retired.caches.map((c, i) => renewCache(c, specs[i].options));
  const group: Group = { key, caches };
  for (const c of caches) groupOf.set(c, group);
  return caches;
}

/**
 * Gives caches back: each is retired (every later call of one of its
 * methods throws) and, when they are all of one group
 * {@linkcode takeCaches} made, none given back before, their storage is
 * kept for the next group of their shape. Giving a cache back twice does
 * nothing more.
 *
 * @example Usage
 * ```ts
 * import { giveBackCaches, takeCaches } from "./cache_pool.ts";
 * const caches = takeCaches([{ geometry: { size: 1024, ways: 2 }, options: {} }]);
 * giveBackCaches(caches);
 * try {
 *   caches[0].lookup(0);
 * } catch (e) {
 *   console.log((e as Error).message.includes("released")); // true
 * }
 * ```
 * @param caches caches nobody uses any more
 */
export function giveBackCaches(caches: readonly Cache[]): void {
  let whole = caches.length > 0;
  const group = caches.length > 0 ? groupOf.get(caches[0]) : undefined;
  if (group === undefined || group.caches.length !== caches.length) whole = false;
  for (let i = 0; i < caches.length; i++) {
    if (!retireCache(caches[i])) whole = false;
    if (group !== undefined && group.caches[i] !== caches[i]) whole = false;
  }
  if (!whole) return;
  let list = free.get(group!.key);
  if (list === undefined) free.set(group!.key, list = []);
  if (list.length < POOLED_PER_SHAPE) list.push(group!);
}

/**
 * One cache of the given geometry and options: {@linkcode takeCaches} of
 * one spec.
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
  return takeCaches([{ geometry, options }])[0];
}

/**
 * Gives one cache back: {@linkcode giveBackCaches} of one cache, so its
 * storage is pooled again only when {@linkcode takeCache} made it alone.
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
  giveBackCaches([cache]);
}
