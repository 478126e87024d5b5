/**
 * Copying runs of 32-bit words between typed arrays without allocating:
 * `dst.set(src.subarray(...))` makes a new view object per call, which on
 * a per-access path (every cache fill, castout and write-back) is garbage
 * the collector then has to sweep.
 *
 * @example Usage
 * ```ts
 * import { copyWords } from "./words.ts";
 * const line = new Int32Array(16);
 * copyWords(Int32Array.of(1, 2, 3, 4), 1, line, 8, 3);
 * console.log(line[8], line[10]); // 2 4
 * ```
 *
 * @module
 */

/**
 * Copies `n` words from `src[srcOffset...]` to `dst[dstOffset...]`. The two
 * ranges must not overlap unless they are the same array and `dstOffset <=
 * srcOffset`.
 *
 * @example Usage
 * ```ts
 * import { copyWords } from "./words.ts";
 * const a = Int32Array.of(7, 8, 9), b = new Int32Array(3);
 * copyWords(a, 0, b, 0, 3);
 * console.log(Array.from(b)); // [7, 8, 9]
 * ```
 * @param src the source words
 * @param srcOffset index of the first source word
 * @param dst the destination words
 * @param dstOffset index of the first destination word
 * @param n number of words
 */
export function copyWords(
  src: Int32Array,
  srcOffset: number,
  dst: Int32Array,
  dstOffset: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) dst[dstOffset + i] = src[srcOffset + i];
}
