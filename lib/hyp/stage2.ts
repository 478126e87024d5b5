/**
 * Stage-2 translation state of one VM: which guest pages are mapped, and
 * which pages the host has allocated (and zeroed) for the guest.
 *
 * Simplified: stage 2 is an identity map of guest RAM (IPA = PA) at 4 KiB
 * granularity; a page is either mapped or not. Both records are bitsets over
 * RAM pages, so 64 GiB of RAM (16 M pages) costs 2 MiB per bitset and the
 * mapped-page count is a counter, never a walk.
 *
 * @module
 */

/**
 * The stage-2 page size in bytes.
 *
 * @example Usage
 * ```ts
 * import { PAGE_SIZE } from "./stage2.ts";
 * console.log(PAGE_SIZE / 64); // 64 lines of 64 bytes
 * ```
 */
export const PAGE_SIZE = 4096;

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A bitset of RAM pages with a running count. */
class PageBits {
  readonly words: Uint32Array;
  count = 0;
  readonly pages: number;

  constructor(pages: number) {
    this.pages = pages;
    this.words = new Uint32Array(Math.ceil(pages / 32));
  }

  has(page: number): boolean {
    return (this.words[page >>> 5] & (1 << (page & 31))) !== 0;
  }

  set(page: number): boolean {
    const w = page >>> 5, bit = 1 << (page & 31);
    if ((this.words[w] & bit) !== 0) return false;
    this.words[w] |= bit;
    this.count++;
    return true;
  }

  clear(page: number): boolean {
    const w = page >>> 5, bit = 1 << (page & 31);
    if ((this.words[w] & bit) === 0) return false;
    this.words[w] &= ~bit;
    this.count--;
    return true;
  }

  setAll(): void {
    this.words.fill(0xffffffff);
    const tail = this.pages & 31;
    if (tail !== 0) this.words[this.words.length - 1] = (2 ** tail - 1) >>> 0;
    let n = 0;
    for (let i = 0; i < this.words.length; i++) n += popcount32(this.words[i]);
    this.count = n;
  }
}

/**
 * The stage-2 mappings and host allocations of guest RAM `[ramBase, ramBase + ram)`.
 *
 * @example Usage
 * ```ts
 * import { Stage2 } from "./stage2.ts";
 * const s2 = new Stage2(0x40000000, 64 * 2 ** 30);
 * s2.map(0x40001234);
 * console.log(s2.isMapped(0x40001000), s2.mappedPages); // true 1
 * ```
 */
export class Stage2 {
  /** First guest physical address of RAM. */
  readonly ramBase: number;
  /** RAM size in bytes. */
  readonly ram: number;
  /** RAM size in pages. */
  readonly pages: number;
  readonly #mapped: PageBits;
  readonly #populated: PageBits;

  /**
   * Creates empty records (nothing mapped, nothing populated).
   * @param ramBase the first guest physical address of RAM, page aligned
   * @param ram the RAM size in bytes, a multiple of the page size
   */
  constructor(ramBase: number, ram: number) {
    this.ramBase = ramBase;
    this.ram = ram;
    this.pages = Math.floor(ram / PAGE_SIZE);
    this.#mapped = new PageBits(this.pages);
    this.#populated = new PageBits(this.pages);
  }

  /**
   * The RAM page index of an address.
   * @param addr a guest physical address
   * @returns the RAM page index holding it, or -1 outside RAM
   */
  pageIndex(addr: number): number {
    const off = addr - this.ramBase;
    if (off < 0 || off >= this.ram) return -1;
    return Math.floor(off / PAGE_SIZE);
  }

  /**
   * The start of the page holding an address.
   * @param addr a guest physical address
   * @returns the address of the start of its page
   */
  pageBase(addr: number): number {
    return addr - ((addr - this.ramBase) % PAGE_SIZE);
  }

  /** Number of pages mapped at stage 2 (a counter, not a walk). */
  get mappedPages(): number {
    return this.#mapped.count;
  }

  /** Number of pages the host has allocated for the guest. */
  get populatedPages(): number {
    return this.#populated.count;
  }

  /**
   * Whether the page holding an address is mapped at stage 2.
   * @param addr a guest physical address
   * @returns whether its page is mapped at stage 2 (false outside RAM)
   */
  isMapped(addr: number): boolean {
    const p = this.pageIndex(addr);
    return p >= 0 && this.#mapped.has(p);
  }

  /**
   * Maps the page holding `addr`.
   * @param addr a guest physical address in RAM
   * @returns true if the page was not mapped before
   */
  map(addr: number): boolean {
    return this.#mapped.set(this.#page(addr));
  }

  /**
   * Unmaps the page holding `addr`; the host keeps the page and its contents.
   * @param addr a guest physical address in RAM
   * @returns true if the page was mapped
   */
  unmap(addr: number): boolean {
    return this.#mapped.clear(this.#page(addr));
  }

  /**
   * Whether the host has allocated the page holding an address.
   * @param addr a guest physical address
   * @returns whether the host has allocated the page (false outside RAM)
   */
  isPopulated(addr: number): boolean {
    const p = this.pageIndex(addr);
    return p >= 0 && this.#populated.has(p);
  }

  /**
   * Records that the host allocated the page holding `addr`.
   * @param addr a guest physical address in RAM
   * @returns true if the page is new
   */
  populate(addr: number): boolean {
    return this.#populated.set(this.#page(addr));
  }

  /** Maps and populates every RAM page (a prefaulted VM). */
  mapAll(): void {
    this.#mapped.setAll();
    this.#populated.setAll();
  }

  #page(addr: number): number {
    const p = this.pageIndex(addr);
    if (p < 0) throw new RangeError(`address 0x${addr.toString(16)} is outside guest RAM`);
    return p;
  }
}
