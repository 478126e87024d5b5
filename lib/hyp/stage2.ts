/**
 * Stage-2 translation state of one VM: which guest pages are mapped, and
 * which pages the host has allocated (and zeroed) for the guest.
 *
 * Both records are bitsets over RAM pages, split into chunks of 2^15 pages
 * (128 MiB of RAM, a 4 KiB bitmap). A chunk whose pages are all clear or
 * all set has no bitmap at all, only a mark: an empty or fully prefaulted
 * 64 GiB guest costs 512 marks, not 2 MiB per record, and
 * {@linkcode Stage2.mapAll} does not depend on the RAM size beyond those
 * marks. A bitmap is made on the first change inside a uniform chunk. The
 * mapped-page count is a counter, never a walk.
 *
 * Simplified: stage 2 is an identity map of guest RAM (IPA = PA) at 4 KiB
 * granularity; a page is either mapped or not.
 *
 * @module
 */

import { PAGE_SIZE } from "../hw/memory.ts";

/** The stage-2 page size, hw/memory.ts's one {@linkcode PAGE_SIZE}, for the hypervisor's callers. */
export { PAGE_SIZE };

const CHUNK_SHIFT = 15;
const CHUNK_PAGES = 1 << CHUNK_SHIFT;
const CHUNK_WORDS = CHUNK_PAGES / 32;
/** Chunk mark: every page clear (no bitmap). */
const CLEAR = 0;
/** Chunk mark: every page set (no bitmap). */
const FULL = 1;
/** Chunk mark: the chunk has a bitmap. */
const MIXED = 2;

/** A bitset of RAM pages in lazily materialized chunks, with a running count. */
class PageBits {
  readonly pages: number;
  count = 0;
  readonly #marks: Uint8Array;
  readonly #maps: (Uint32Array | null)[];

  constructor(pages: number) {
    this.pages = pages;
    const chunks = Math.ceil(pages / CHUNK_PAGES);
    this.#marks = new Uint8Array(chunks);
    this.#maps = new Array(chunks).fill(null);
  }

  has(page: number): boolean {
    const c = page >>> CHUNK_SHIFT;
    const mark = this.#marks[c];
    if (mark !== MIXED) return mark === FULL;
    const inChunk = page & (CHUNK_PAGES - 1);
    return (this.#maps[c]![inChunk >>> 5] & (1 << (inChunk & 31))) !== 0;
  }

  set(page: number): boolean {
    const c = page >>> CHUNK_SHIFT;
    if (this.#marks[c] === FULL) return false;
    const bits = this.#bitmap(c);
    const inChunk = page & (CHUNK_PAGES - 1);
    const w = inChunk >>> 5, bit = 1 << (inChunk & 31);
    if ((bits[w] & bit) !== 0) return false;
    bits[w] |= bit;
    this.count++;
    return true;
  }

  clear(page: number): boolean {
    const c = page >>> CHUNK_SHIFT;
    if (this.#marks[c] === CLEAR) return false;
    const bits = this.#bitmap(c);
    const inChunk = page & (CHUNK_PAGES - 1);
    const w = inChunk >>> 5, bit = 1 << (inChunk & 31);
    if ((bits[w] & bit) === 0) return false;
    bits[w] &= ~bit;
    this.count--;
    return true;
  }

  /** Bytes held in bitmaps (uniform chunks hold none). */
  get bitmapBytes(): number {
    let n = 0;
    for (const m of this.#maps) if (m !== null) n += m.byteLength;
    return n;
  }

  /** Clears every page: O(chunks), no bitmap kept. */
  clearAll(): void {
    this.#markAll(CLEAR);
    this.count = 0;
  }

  /** Sets every page: O(chunks), no bitmap touched or kept. */
  setAll(): void {
    this.#markAll(FULL);
    this.count = this.pages;
  }

  /**
   * Marks every chunk uniform, dropping its bitmap. A loop, not `fill`: a VM
   * restarted for each of an exploration's programs does this four times,
   * over a chunk or two, and a call of the `fill` builtin costs more than
   * such a loop.
   */
  #markAll(mark: number): void {
    const marks = this.#marks, maps = this.#maps;
    for (let c = 0; c < marks.length; c++) {
      marks[c] = mark;
      maps[c] = null;
    }
  }

  /** The bitmap of chunk `c`, made from its mark if it has none yet. */
  #bitmap(c: number): Uint32Array {
    const existing = this.#maps[c];
    if (existing !== null) return existing;
    const bits = new Uint32Array(CHUNK_WORDS);
    if (this.#marks[c] === FULL) {
      bits.fill(0xffff_ffff);
      // Bits past the end of RAM stay clear.
      const inLast = this.pages - c * CHUNK_PAGES;
      if (inLast < CHUNK_PAGES) {
        bits.fill(0, Math.ceil(inLast / 32));
        if (inLast % 32 !== 0) bits[inLast >>> 5] = (2 ** (inLast % 32) - 1) >>> 0;
      }
    }
    this.#marks[c] = MIXED;
    this.#maps[c] = bits;
    return bits;
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
  /**
   * {@linkcode Stage2.isMapped} as a function of its own, made once: a flush
   * of the VM hands it to the hardware (`Hardware.vaFlushResident`) without
   * making a closure each time.
   */
  readonly mapsAddress: (addr: number) => boolean = (addr) => this.isMapped(addr);
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
   * Bytes of bitmap the two records hold: 4 KiB per 128 MiB chunk of RAM
   * that is partly mapped or populated, none for a chunk that is all or
   * nothing. A diagnostic of the O(resident) claim.
   *
   * @example Usage
   * ```ts
   * import { Stage2 } from "./stage2.ts";
   * const s2 = new Stage2(0x40000000, 64 * 2 ** 30);
   * s2.mapAll();
   * s2.unmap(0x40000000);
   * console.log(s2.bitmapBytes); // 4096
   * ```
   */
  get bitmapBytes(): number {
    return this.#mapped.bitmapBytes + this.#populated.bitmapBytes;
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

  /**
   * Maps and populates every RAM page (a prefaulted VM). Costs one mark per
   * 128 MiB of RAM, whatever was mapped before.
   */
  mapAll(): void {
    this.#mapped.setAll();
    this.#populated.setAll();
  }

  /**
   * Forgets every mapping and allocation: the records as built. Costs one
   * mark per 128 MiB of RAM.
   *
   * @example Usage
   * ```ts
   * import { Stage2 } from "./stage2.ts";
   * const s2 = new Stage2(0x40000000, 1 << 20);
   * s2.mapAll();
   * s2.clear();
   * console.log(s2.mappedPages, s2.isPopulated(0x40000000)); // 0 false
   * ```
   */
  clear(): void {
    this.#mapped.clearAll();
    this.#populated.clearAll();
  }

  #page(addr: number): number {
    const p = this.pageIndex(addr);
    if (p < 0) throw new RangeError(`address 0x${addr.toString(16)} is outside guest RAM`);
    return p;
  }
}
