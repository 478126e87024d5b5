/**
 * One memory for the stores of a model's caches: each {@linkcode CacheStore}
 * (cache_store.ts) of a hardware model takes its region of the same
 * `WebAssembly.Memory`, so that a WebAssembly core instantiated over that
 * memory can read and write every cache of the model where JavaScript does.
 *
 * The memory is sized once, for all its stores ({@linkcode storeBytes}),
 * and never grows: a grown memory would detach the buffer every view of
 * every store was made on. Its pages read as zero and are backed by the
 * operating system only when written, as zeroed.ts explains for a single
 * store, so a model whose scenario touches few lines costs few pages
 * whatever its caches' capacity. Where the runtime refuses a WebAssembly
 * memory of that size, the arena is a plain `ArrayBuffer` (zeroed as well)
 * and {@linkcode StoreArena.memory} is null: the stores work the same, and
 * no core can run over them.
 *
 * @example Usage
 * ```ts
 * import { StoreArena, storeBytes } from "./store_arena.ts";
 * const g = { sets: 64, ways: 8, lineSize: 64 };
 * const arena = new StoreArena(2 * storeBytes(g));
 * console.log(arena.take(storeBytes(g)), arena.take(storeBytes(g)) === storeBytes(g)); // 0 true
 * ```
 *
 * @module
 */

import { MAX_LINE_SIZE } from "../limits.ts";
import { zeroedMemory } from "./zeroed.ts";

/** Every region starts on a 64-byte boundary. */
const ALIGN = 64;

/**
 * The bytes of one cache's store, a multiple of 64: its head (32 bytes),
 * then per slot a tag (8), a key, a stamp, a resident entry and a position
 * (4 each) and a state (1), per set a most-recent slot (4), then on a
 * 64-byte boundary ({@linkcode storeDataOffset}) the data words
 * (`lineSize` per slot). CacheStore's constructor lays its arrays out in
 * this order.
 *
 * @example Usage
 * ```ts
 * import { storeBytes } from "./store_arena.ts";
 * console.log(storeBytes({ sets: 1, ways: 1, lineSize: 64 })); // 128
 * console.log(storeBytes({ sets: 1, ways: 1, lineSize: 16 })); // 128
 * ```
 * @param g sets, ways and line size
 * @returns the bytes
 */
export function storeBytes(g: { sets: number; ways: number; lineSize: number }): number {
  return roundUp(storeDataOffset(g) + g.sets * g.ways * g.lineSize);
}

/**
 * Where a store's data words start, in bytes from the start of its region:
 * the first 64-byte boundary after its head and per-slot and per-set arrays.
 *
 * @example Usage
 * ```ts
 * import { storeDataOffset } from "./store_arena.ts";
 * console.log(storeDataOffset({ sets: 1, ways: 1, lineSize: 64 })); // 64
 * ```
 * @param g sets, ways and line size
 * @returns the offset, a multiple of 64
 */
export function storeDataOffset(g: { sets: number; ways: number; lineSize: number }): number {
  const slots = g.sets * g.ways;
  return roundUp(32 + 8 * slots + 16 * slots + 4 * g.sets + slots);
}

/**
 * The bytes of the model region of an arena for `caches` caches: what a
 * core over the arena keeps besides the stores (the machine's shape, each
 * cache's descriptor, the change log, each cache's slot of the line a
 * maintenance operation works on, and a line of data on its way between
 * levels; hierarchy_core.ts lays it out).
 *
 * @example Usage
 * ```ts
 * import { modelRegionBytes } from "./store_arena.ts";
 * console.log(modelRegionBytes(13) % 64); // 0
 * ```
 * @param caches the number of caches of the model
 * @returns the bytes, a multiple of 64
 */
export function modelRegionBytes(caches: number): number {
  return roundUp(256 + 96 * caches) + MAX_LINE_SIZE;
}

/** `n` rounded up to a multiple of 64. */
function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * A zero-filled memory that stores take regions of (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { StoreArena } from "./store_arena.ts";
 * const arena = new StoreArena(1000);
 * console.log(arena.buffer.byteLength, arena.memory !== null); // 65536 true
 * ```
 */
export class StoreArena {
  /** The WebAssembly memory, or null when the arena is a plain buffer. */
  readonly memory: WebAssembly.Memory | null;
  /** The bytes every region is a part of. */
  readonly buffer: ArrayBuffer;
  /** The model region's offset ({@linkcode modelRegionBytes}), the arena's first bytes. */
  readonly model = 0;
  /** The number of caches the model region is sized for. */
  readonly caches: number;
  /** The first byte no region has taken. */
  #next = 0;

  /**
   * An arena of at least `byteLength` zero bytes after the model region of
   * `caches` caches (a WebAssembly memory is rounded up to whole 64 KiB
   * pages).
   *
   * @param byteLength the bytes its stores need in all
   * @param caches the number of caches the model region is for (default 0)
   */
  constructor(byteLength: number, caches = 0) {
    this.caches = caches;
    const model = caches === 0 ? 0 : modelRegionBytes(caches);
    byteLength += model;
    const memory = zeroedMemory(byteLength);
    this.memory = memory;
    this.buffer = memory === null ? new ArrayBuffer(byteLength) : memory.buffer as ArrayBuffer;
    this.#next = model;
  }

  /**
   * Takes the next `byteLength` bytes, from a 64-byte boundary.
   *
   * @example Usage
   * ```ts
   * import { StoreArena } from "./store_arena.ts";
   * const arena = new StoreArena(256);
   * console.log(arena.take(10), arena.take(10)); // 0 64
   * ```
   * @param byteLength the region's size
   * @returns its offset in {@linkcode StoreArena.buffer}
   * @throws {RangeError} when the arena has not that many bytes left
   */
  take(byteLength: number): number {
    const at = this.#next;
    if (at + byteLength > this.buffer.byteLength) {
      throw new RangeError(
        `StoreArena.take(${byteLength}): ${this.buffer.byteLength - at} bytes left`,
      );
    }
    this.#next = roundUp(at + byteLength);
    return at;
  }
}
