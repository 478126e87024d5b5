/**
 * A count with its noun, singular for exactly one: "1 flush", "3 flushes".
 *
 * @example Usage
 * ```ts
 * import { plural } from "./plural.ts";
 * console.log(plural(1, "trap"), plural(2, "flush", "flushes")); // 1 trap 2 flushes
 * ```
 *
 * @module
 */

/**
 * `n` and the noun for it: `one` when `n` is 1, else `many`.
 *
 * @example Usage
 * ```ts
 * import { plural } from "./plural.ts";
 * console.log(plural(0, "violation")); // 0 violations
 * console.log(plural(1200, "event", "events", (n) => n.toLocaleString("en-US"))); // 1,200 events
 * ```
 * @param n the count
 * @param one the noun for one
 * @param many the noun for any other count; default `one` with an "s"
 * @param show how to write the count; default as `String` does
 * @returns the count and its noun
 */
export function plural(
  n: number,
  one: string,
  many = `${one}s`,
  show: (n: number) => string = String,
): string {
  return `${show(n)} ${n === 1 ? one : many}`;
}
