/**
 * Large zero-filled buffers whose memory the operating system provides on
 * first touch.
 *
 * A cache model needs a few bytes of state per slot: a 8 MiB system cache
 * is 8 MiB of data words plus 3 MiB of tags, keys and stamps, almost none
 * of which a scenario ever touches. A plain `new ArrayBuffer(n)` of that
 * size is zeroed by the C allocator with a `memset` once it recycles freed
 * memory (glibc does so after the first large free), which costs about a
 * millisecond per 4 MiB on every new hardware model, and the external
 * memory makes the garbage collector run more often. The memory of a
 * `WebAssembly.Memory` is mapped fresh from the kernel instead: pages read
 * as zero and only the pages written are ever backed, so a new cache costs
 * O(lines it fills), not O(capacity).
 *
 * Buffers below {@linkcode ZEROED_THRESHOLD} (where `memset` is cheap) and
 * runtimes that refuse a WebAssembly memory get a plain `ArrayBuffer`;
 * either way the contents are all zero, so results never depend on which
 * one was used.
 *
 * @example Usage
 * ```ts
 * import { zeroedBuffer } from "./zeroed.ts";
 * const words = new Int32Array(zeroedBuffer(8 << 20));
 * console.log(words.length, words[123456]); // 2097152 0
 * ```
 *
 * @module
 */

/**
 * Buffers of at least this many bytes come from a WebAssembly memory.
 *
 * @example Usage
 * ```ts
 * import { ZEROED_THRESHOLD } from "./zeroed.ts";
 * console.log(ZEROED_THRESHOLD / 1024); // 256
 * ```
 */
export const ZEROED_THRESHOLD = 256 * 1024;

const WASM_PAGE = 65536;
/** A WebAssembly memory holds at most 65536 pages (4 GiB). */
const MAX_WASM_PAGES = 65536;
/** A buffer of {@linkcode zeroedBuffer} stays well below that. */
const MAX_WASM_BYTES = 2 ** 31;

/**
 * A zero-filled buffer of at least `byteLength` bytes (rounded up to 64 KiB
 * when it comes from a WebAssembly memory). It cannot be transferred or
 * detached; views on it behave as on any `ArrayBuffer`.
 *
 * @example Usage
 * ```ts
 * import { zeroedBuffer } from "./zeroed.ts";
 * const small = zeroedBuffer(100);
 * console.log(small.byteLength >= 100, new Uint8Array(small)[99]); // true 0
 * ```
 * @param byteLength the size needed
 * @returns a buffer of at least that size, every byte zero
 */
export function zeroedBuffer(byteLength: number): ArrayBuffer {
  if (byteLength < ZEROED_THRESHOLD || byteLength > MAX_WASM_BYTES) {
    return new ArrayBuffer(byteLength);
  }
  // Not shared (no `shared: true`), so the buffer is a plain ArrayBuffer.
  return (zeroedMemory(byteLength)?.buffer as ArrayBuffer | undefined) ??
    new ArrayBuffer(byteLength);
}

/**
 * A `WebAssembly.Memory` of at least `byteLength` zero bytes (whole 64 KiB
 * pages, at least one) that never grows, or null when the runtime refuses
 * it or it would pass the 4 GiB a memory can hold: the memory of
 * {@linkcode zeroedBuffer}'s large buffers and of a model's caches
 * (store_arena.ts).
 *
 * @example Usage
 * ```ts
 * import { zeroedMemory } from "./zeroed.ts";
 * console.log(zeroedMemory(100)?.buffer.byteLength); // 65536
 * ```
 * @param byteLength the size needed
 * @returns the memory, or null
 */
export function zeroedMemory(byteLength: number): WebAssembly.Memory | null {
  const pages = Math.max(1, Math.ceil(byteLength / WASM_PAGE));
  if (pages > MAX_WASM_PAGES) return null;
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch {
    // No WebAssembly, or no address space left for another memory.
    return null;
  }
}
