/**
 * The seeded pseudo-random source every random choice in setway goes through.
 *
 * A small, fast 32-bit generator (mulberry32): the same seed gives the same
 * sequence on every platform, which is what makes traces byte-identical from
 * run to run.
 *
 * @module
 */

/**
 * A seeded 32-bit pseudo-random generator.
 *
 * @example Usage
 * ```ts
 * import { Random } from "./random.ts";
 * const a = new Random(1), b = new Random(1);
 * console.log(a.nextU32() === b.nextU32()); // true
 * console.log(a.below(6) < 6); // true
 * ```
 */
export class Random {
  #state: number;

  /**
   * Creates a generator.
   *
   * @param seed any integer; the same seed always gives the same sequence
   */
  constructor(seed: number) {
    this.#state = (seed | 0) ^ 0x9e3779b9;
  }

  /**
   * Starts the sequence again, as a generator built with `seed` would.
   *
   * @example Usage
   * ```ts
   * import { Random } from "./random.ts";
   * const r = new Random(7);
   * const first = r.nextU32();
   * r.reseed(7);
   * console.log(r.nextU32() === first); // true
   * ```
   * @param seed any integer
   */
  reseed(seed: number): void {
    this.#state = (seed | 0) ^ 0x9e3779b9;
  }

  /**
   * Draws the next value.
   *
   * @returns the next unsigned 32-bit value
   */
  nextU32(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * Draws an integer below `n`.
   *
   * @param n the number of outcomes, at least 1
   * @returns an integer in `[0, n)`
   */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.nextU32() / 0x1_0000_0000) * n);
  }
}
