/**
 * Sorting the lines a maintenance operation visits into ascending order, as
 * the kernel's by-VA loops issue them, in a buffer its caller keeps: a flush
 * or a DC range meets a few resident lines as a rule, and a typed array made
 * to sort them would be an allocation per operation.
 *
 * @example Usage
 * ```ts
 * import { sortLines } from "./sort_lines.ts";
 * const lines = Float64Array.of(9, 3, 5, 1);
 * sortLines(lines, 3);
 * console.log(Array.from(lines)); // [3, 5, 9, 1]
 * ```
 *
 * @module
 */

/** Lines up to which {@linkcode sortLines} sorts by insertion, in place. */
const INSERTION_SORT = 32;

/**
 * Sorts `lines[0 .. n)` ascending in place: a few by insertion, more through
 * a view and the typed array's own sort. The rest of the buffer is left alone.
 *
 * @example Usage
 * ```ts
 * import { sortLines } from "./sort_lines.ts";
 * const lines = Float64Array.of(2, 1, 2);
 * sortLines(lines, 3);
 * console.log(Array.from(lines)); // [1, 2, 2]
 * ```
 * @param lines the buffer
 * @param n how many of its first entries to sort
 */
export function sortLines(lines: Float64Array, n: number): void {
  if (n > INSERTION_SORT) {
    lines.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = lines[i];
    let j = i - 1;
    for (; j >= 0 && lines[j] > x; j--) lines[j + 1] = lines[j];
    lines[j + 1] = x;
  }
}
