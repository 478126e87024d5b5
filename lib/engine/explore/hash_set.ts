/**
 * A set of 64-bit state hashes, stored as pairs of 32-bit halves in typed
 * arrays (open addressing, linear probing), so that millions of explored
 * states cost 8 bytes each and no object per state.
 *
 * @example Usage
 * ```ts
 * import { HashSet64 } from "./hash_set.ts";
 * const seen = new HashSet64();
 * console.log(seen.add(1, 2), seen.add(1, 2), seen.size); // true false 1
 * ```
 *
 * @module
 */

/**
 * A growable set of 64-bit keys `(hi, lo)`.
 *
 * @example Usage
 * ```ts
 * import { HashSet64 } from "./hash_set.ts";
 * const s = new HashSet64(4);
 * for (let i = 0; i < 100; i++) s.add(i, i * 7);
 * console.log(s.has(5, 35), s.has(5, 36)); // true false
 * ```
 */
export class HashSet64 {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #used: Uint8Array;
  #mask: number;
  #size = 0;

  /**
   * An empty set.
   *
   * @param capacity initial number of slots, rounded up to a power of two (default 4096)
   */
  constructor(capacity = 4096) {
    let n = 16;
    while (n < capacity) n *= 2;
    this.#hi = new Uint32Array(n);
    this.#lo = new Uint32Array(n);
    this.#used = new Uint8Array(n);
    this.#mask = n - 1;
  }

  /** Number of keys. */
  get size(): number {
    return this.#size;
  }

  #slot(hi: number, lo: number): number {
    const mask = this.#mask;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    const used = this.#used, his = this.#hi, los = this.#lo;
    while (used[i] !== 0 && (his[i] !== hi || los[i] !== lo)) i = (i + 1) & mask;
    return i;
  }

  /**
   * Whether a key is in the set.
   *
   * @param hi the high 32 bits
   * @param lo the low 32 bits
   * @returns true when present
   */
  has(hi: number, lo: number): boolean {
    return this.#used[this.#slot(hi >>> 0, lo >>> 0)] !== 0;
  }

  /**
   * Adds a key.
   *
   * @param hi the high 32 bits
   * @param lo the low 32 bits
   * @returns true when the key is new
   */
  add(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    const i = this.#slot(hi, lo);
    if (this.#used[i] !== 0) return false;
    this.#used[i] = 1;
    this.#hi[i] = hi;
    this.#lo[i] = lo;
    this.#size++;
    if (this.#size * 2 > this.#mask) this.#grow();
    return true;
  }

  #grow(): void {
    const hi = this.#hi, lo = this.#lo, used = this.#used;
    const n = (this.#mask + 1) * 2;
    this.#hi = new Uint32Array(n);
    this.#lo = new Uint32Array(n);
    this.#used = new Uint8Array(n);
    this.#mask = n - 1;
    for (let i = 0; i < used.length; i++) {
      if (used[i] === 0) continue;
      const j = this.#slot(hi[i], lo[i]);
      this.#used[j] = 1;
      this.#hi[j] = hi[i];
      this.#lo[j] = lo[i];
    }
  }
}
