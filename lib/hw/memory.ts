/**
 * Sparse physical memory (DRAM, beyond the Point of Coherency), by 4 KiB
 * page of 32-bit words.
 *
 * A page is allocated (an `Int32Array(1024)`) on its first write only.
 * Memory that was never written reads as {@linkcode POISON}, so a read of
 * data that never reached DRAM is easy to spot, except inside ranges marked
 * with {@linkcode Memory.zeroFill} (a page the host zeroed, or all of RAM
 * with the `zeroFill` option), which read as 0. Marking a range costs
 * O(1) in its size: ranges are kept as a short sorted list, and only pages
 * already allocated inside the range are cleared.
 *
 * Simplified: memory is word-granular (4-byte aligned 32-bit words, little
 * end irrelevant), there are no bus errors and no device memory.
 *
 * @example Usage
 * ```ts
 * import { Memory, POISON } from "@setway/setway/hw";
 * const dram = new Memory();
 * console.log(dram.read(0x4000_0000) === POISON); // true
 * dram.write(0x4000_0000, 7);
 * dram.zeroFill(0x8000_0000, 2 ** 36); // 64 GiB: no page allocated
 * console.log(dram.read(0x4000_0000), dram.read(0x9000_0000), dram.pagesTouched); // 7 0 1
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { copyWords } from "./words.ts";
import { NO_METER, type WorkMeter } from "./work_meter.ts";

/** What never-written memory reads as: 0xdeadbeef. */
export const POISON = 0xdead_beef;

/**
 * The page size in bytes: the 4 KiB translation granule setway models (the
 * stage-2 page of hyp/stage2.ts, the unit of RAM and of a page flush), which is
 * also the page of this sparse store. The one definition of it.
 *
 * @example Usage
 * ```ts
 * import { PAGE_SIZE } from "./memory.ts";
 * console.log(PAGE_SIZE / 64); // 64 lines of 64 bytes
 * ```
 */
export const PAGE_SIZE = 4096;

/** The highest byte address + 1 that setway models: 2^52 (ARMv8.2 52-bit PAs). */
export const ADDRESS_LIMIT = 2 ** 52;

const WORDS_PER_PAGE = PAGE_SIZE / 4;

/**
 * Whether a non-negative number below 2^52 is a multiple of 4: the test of
 * `addr % 4 === 0` without its floating-point remainder, a library call
 * that an address from 2^30 up (no longer a small integer to V8) costs on
 * every access checked. A subnormal's quarter may round to 0, but then
 * times 4 it is not the address.
 *
 * @example Usage
 * ```ts
 * import { isWordAligned } from "./memory.ts";
 * console.log(isWordAligned(0x4000_0004), isWordAligned(0x4000_0002)); // true false
 * ```
 * @param addr a number from 0 to 2^52
 * @returns true when `addr` is a whole multiple of 4
 */
export function isWordAligned(addr: number): boolean {
  return Math.floor(addr / 4) * 4 === addr;
}

/**
 * Checks a 32-bit word address.
 *
 * @example Usage
 * ```ts
 * import { checkWordAddress } from "./memory.ts";
 * checkWordAddress(0x4000_0000, "read"); // ok
 * ```
 * @param addr the address
 * @param call the call to name in the error
 * @throws {ScenarioError} `bad_address` unless addr is an integer in `[0, 2^52)` and a multiple of 4
 */
export function checkWordAddress(addr: number, call: string): void {
  if (!(typeof addr === "number" && addr >= 0 && addr < ADDRESS_LIMIT && isWordAligned(addr))) {
    throw new ScenarioError(
      "bad_address",
      call,
      addr,
      `${call}(${showValue(addr)}): expected a 4-byte aligned physical address below 2^52`,
    );
  }
}

/**
 * Checks a byte address (any address in a line, for the operations that act
 * on the whole line holding it).
 *
 * @example Usage
 * ```ts
 * import { checkByteAddress } from "./memory.ts";
 * checkByteAddress(0x4000_0003, "dcByVa"); // ok
 * ```
 * @param addr the address
 * @param call the call to name in the error
 * @throws {ScenarioError} `bad_address` unless addr is an integer in `[0, 2^52)`
 */
export function checkByteAddress(addr: number, call: string): void {
  if (
    !(typeof addr === "number" && Number.isInteger(addr) && addr >= 0 && addr < ADDRESS_LIMIT)
  ) {
    throw new ScenarioError(
      "bad_address",
      call,
      addr,
      `${call}(${showValue(addr)}): expected a physical address below 2^52`,
    );
  }
}

/**
 * Checks a 32-bit value (signed or unsigned form).
 *
 * @example Usage
 * ```ts
 * import { checkWordValue } from "./memory.ts";
 * checkWordValue(0xffffffff, "write"); // ok
 * ```
 * @param value the value
 * @param call the call to name in the error
 * @throws {ScenarioError} `invalid_value` unless value is an integer in `[-2^31, 2^32)`
 */
export function checkWordValue(value: number, call: string): void {
  if (!(Number.isInteger(value) && value >= -0x8000_0000 && value <= 0xffff_ffff)) {
    throw new ScenarioError(
      "invalid_value",
      call,
      value,
      `${call}(${showValue(value)}): expected a 32-bit integer`,
    );
  }
}

/** Options of {@linkcode Memory}. */
export interface MemoryOptions {
  /** All memory reads 0 until written, instead of {@linkcode POISON}. Default false. */
  readonly zeroFill?: boolean;
}

/** Zeroes the part of page `pageNumber` (its words) that lies in [start, end). */
function clearPart(page: Int32Array, pageNumber: number, start: number, end: number): void {
  const base = pageNumber * PAGE_SIZE;
  const from = Math.max(start, base) - base;
  const to = Math.min(end, base + PAGE_SIZE) - base;
  page.fill(0, from >>> 2, to >>> 2);
}

/**
 * A copy of a {@linkcode Memory}'s contents: what {@linkcode Memory.saveImage}
 * keeps and {@linkcode Memory.loadImage} puts back. Its buffer grows as
 * needed and is reused.
 *
 * @example Usage
 * ```ts
 * import { Memory, MemoryImage } from "@setway/setway/hw";
 * const m = new Memory();
 * m.write(0x1000, 7);
 * const image = new MemoryImage();
 * m.saveImage(image);
 * console.log(image.pages.length); // 1
 * ```
 */
export class MemoryImage {
  /** The page numbers of the pages written so far. */
  readonly pages: number[] = [];
  /** Their words, one array per page (reused from one save to the next). */
  readonly words: Int32Array[] = [];
  /** The byte ranges that read as zero, as pairs [start, end). */
  readonly zeroRanges: number[] = [];
  /** The memory this image is of, and its version when they were last equal. */
  owner: Memory | null = null;
  /** See {@linkcode MemoryImage.owner}. */
  version: number = -1;
}

/**
 * Sparse word-addressed physical memory (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Memory } from "@setway/setway/hw";
 * const m = new Memory({ zeroFill: true });
 * console.log(m.read(0x1000)); // 0
 * m.write(0x1000, -1);
 * console.log(m.read(0x1000)); // 4294967295
 * ```
 */
export class Memory {
  readonly #pages = new Map<number, Int32Array>();
  /** Told of each newly written page (a run's page budget); by default nobody. */
  meter: WorkMeter = NO_METER;
  readonly #allZero: boolean;
  // Sorted, disjoint, non-adjacent [start, end) byte ranges that read as zero.
  readonly #zeroRanges: number[] = [];
  #lastPageNumber = -1;
  #lastPage: Int32Array | null = null;
  #zeroFillVisits = 0;
  /** Counts the changes (writes, zero fills, image loads): an image equal to an unchanged memory is not loaded again. */
  #version = 0;

  /**
   * Builds an empty memory: no page allocated, no zero-filled range.
   *
   * @param options `zeroFill: true` makes all never-written memory read 0
   */
  constructor(options: MemoryOptions = {}) {
    this.#allZero = options.zeroFill === true;
  }

  /** Number of 4 KiB pages allocated so far (pages written at least once). */
  get pagesTouched(): number {
    return this.#pages.size;
  }

  /**
   * How many pages {@linkcode Memory.zeroFill} has looked at so far, to clear
   * what was written there: the pages of the range, or the allocated pages,
   * whichever are fewer, so a huge range costs no more than what is allocated.
   *
   * @example Usage
   * ```ts
   * import { Memory } from "@setway/setway/hw";
   * const m = new Memory();
   * m.write(0x4000_0000, 7);
   * m.zeroFill(0, 2 ** 40);
   * console.log(m.zeroFillVisits); // 1
   * ```
   */
  get zeroFillVisits(): number {
    return this.#zeroFillVisits;
  }

  /** Number of zero-filled ranges kept (after merging). */
  get zeroRangeCount(): number {
    return this.#zeroRanges.length / 2;
  }

  #page(pageNumber: number): Int32Array | undefined {
    if (pageNumber === this.#lastPageNumber) return this.#lastPage!;
    const page = this.#pages.get(pageNumber);
    if (page !== undefined) {
      this.#lastPageNumber = pageNumber;
      this.#lastPage = page;
    }
    return page;
  }

  #pageForWrite(pageNumber: number): Int32Array {
    const existing = this.#page(pageNumber);
    if (existing !== undefined) return existing;
    const page = new Int32Array(WORDS_PER_PAGE);
    if (!this.#allZero) this.#fillNeverWritten(pageNumber * PAGE_SIZE, page, 0, WORDS_PER_PAGE);
    this.#pages.set(pageNumber, page);
    this.meter.pagesTouched(this.#pages.size);
    this.#lastPageNumber = pageNumber;
    this.#lastPage = page;
    return page;
  }

  /**
   * Writes what `n` never-written words from `addr` read as into
   * `dst[o...]`: POISON, with the parts inside zero-filled ranges cleared.
   * One fill per overlapping range, not one range search per word.
   */
  #fillNeverWritten(addr: number, dst: Int32Array, o: number, n: number): void {
    if (this.#allZero) {
      dst.fill(0, o, o + n);
      return;
    }
    dst.fill(POISON | 0, o, o + n);
    const end = addr + n * 4;
    const r = this.#zeroRanges;
    for (let i = 0; i < r.length && r[i] < end; i += 2) {
      const from = Math.max(r[i], addr), to = Math.min(r[i + 1], end);
      if (from < to) dst.fill(0, o + (from - addr) / 4, o + (to - addr) / 4);
    }
  }

  /** What a never-written word at `addr` reads as. */
  #fillValue(addr: number): number {
    if (this.#allZero) return 0;
    const r = this.#zeroRanges;
    for (let i = 0; i < r.length; i += 2) {
      if (addr < r[i]) return POISON | 0;
      if (addr < r[i + 1]) return 0;
    }
    return POISON | 0;
  }

  /**
   * Reads one 32-bit word.
   *
   * @example Usage
   * ```ts
   * import { Memory, POISON } from "@setway/setway/hw";
   * console.log(new Memory().read(0x40) === POISON); // true
   * ```
   * @param addr a 4-byte aligned address
   * @returns the word, unsigned
   * @throws {ScenarioError} `bad_address` for a misaligned or out-of-range address
   */
  read(addr: number): number {
    checkWordAddress(addr, "Memory.read");
    const pageNumber = Math.floor(addr / PAGE_SIZE);
    const page = this.#page(pageNumber);
    if (page === undefined) return this.#fillValue(addr) >>> 0;
    return page[(addr - pageNumber * PAGE_SIZE) >>> 2] >>> 0;
  }

  /**
   * Writes one 32-bit word.
   *
   * @example Usage
   * ```ts
   * import { Memory } from "@setway/setway/hw";
   * const m = new Memory();
   * m.write(0x40, 0xcafe);
   * console.log(m.read(0x40).toString(16)); // "cafe"
   * ```
   * @param addr a 4-byte aligned address
   * @param value a 32-bit value, signed or unsigned
   * @throws {ScenarioError} `bad_address` or `invalid_value`
   */
  write(addr: number, value: number): void {
    checkWordAddress(addr, "Memory.write");
    checkWordValue(value, "Memory.write");
    const pageNumber = Math.floor(addr / PAGE_SIZE);
    this.#version++;
    this.#pageForWrite(pageNumber)[(addr - pageNumber * PAGE_SIZE) >>> 2] = value;
  }

  /**
   * Marks `[addr, addr + len)` as zero: never-written words there read 0
   * and words already written there are cleared. Costs O(1) in `len`
   * (plus O(pages already allocated in the range)).
   *
   * @example Usage
   * ```ts
   * import { Memory } from "@setway/setway/hw";
   * const m = new Memory();
   * m.write(0x1000, 5);
   * m.zeroFill(0x1000, 4096);
   * console.log(m.read(0x1000), m.read(0x1ffc)); // 0 0
   * ```
   * @param addr a 4-byte aligned start address
   * @param len length in bytes, a multiple of 4
   * @throws {ScenarioError} `bad_address` for a misaligned or out-of-range range
   */
  zeroFill(addr: number, len: number): void {
    checkWordAddress(addr, "Memory.zeroFill");
    if (!(Number.isInteger(len) && len >= 0 && len % 4 === 0 && addr + len <= ADDRESS_LIMIT)) {
      throw new ScenarioError(
        "bad_address",
        "Memory.zeroFill",
        len,
        `Memory.zeroFill(${showValue(addr)}, ${
          showValue(len)
        }): expected a length that is a multiple of 4 and ends below 2^52`,
      );
    }
    if (len === 0) return;
    this.#version++;
    const end = addr + len;
    this.#clearAllocated(addr, end);
    if (this.#allZero) return;
    this.#addRange(addr, end);
  }

  #clearAllocated(start: number, end: number): void {
    const firstPage = Math.floor(start / PAGE_SIZE);
    const lastPage = Math.floor((end - 1) / PAGE_SIZE);
    if (lastPage - firstPage + 1 <= this.#pages.size) {
      this.#zeroFillVisits += lastPage - firstPage + 1;
      for (let p = firstPage; p <= lastPage; p++) {
        const page = this.#pages.get(p);
        if (page !== undefined) clearPart(page, p, start, end);
      }
    } else {
      this.#zeroFillVisits += this.#pages.size;
      for (const p of this.#pages.keys()) {
        if (p >= firstPage && p <= lastPage) clearPart(this.#pages.get(p)!, p, start, end);
      }
    }
  }

  #addRange(start: number, end: number): void {
    const r = this.#zeroRanges;
    // Inside a range already (a VM restarted over the same RAM): merging it
    // would give the same ranges, in new arrays.
    for (let i = 0; i < r.length; i += 2) if (r[i] <= start && end <= r[i + 1]) return;
    const merged: number[] = [];
    let placed = false;
    for (let i = 0; i < r.length; i += 2) {
      const s = r[i], e = r[i + 1];
      if (e < start) {
        merged.push(s, e);
      } else if (s > end) {
        if (!placed) {
          merged.push(start, end);
          placed = true;
        }
        merged.push(s, e);
      } else {
        start = Math.min(start, s);
        end = Math.max(end, e);
      }
    }
    if (!placed) merged.push(start, end);
    r.length = 0;
    r.push(...merged);
  }

  /**
   * Copies the contents (every page written so far, and the ranges that read
   * as zero) into `image`.
   *
   * @example Usage
   * ```ts
   * import { Memory, MemoryImage } from "@setway/setway/hw";
   * const m = new Memory();
   * m.write(0x1000, 7);
   * const image = new MemoryImage();
   * m.saveImage(image);
   * m.write(0x1000, 8);
   * m.write(0x9000, 1);
   * m.loadImage(image);
   * console.log(m.read(0x1000), m.pagesTouched); // 7 1
   * ```
   * @param image where to copy them
   */
  saveImage(image: MemoryImage): void {
    // Written in place, lengths set last: an image saved again and again
    // (an exploration saves one per parent) keeps its arrays' storage, and
    // forEach visits the pages without an entry array for each.
    const { pages, words } = image;
    let i = 0;
    this.#pages.forEach((page, p) => {
      pages[i] = p;
      if (i === words.length) words.push(new Int32Array(WORDS_PER_PAGE));
      words[i++].set(page);
    });
    pages.length = i;
    const zero = this.#zeroRanges, into = image.zeroRanges;
    for (let k = 0; k < zero.length; k++) into[k] = zero[k];
    into.length = zero.length;
    image.owner = this;
    image.version = this.#version;
  }

  /**
   * Puts back the contents {@linkcode Memory.saveImage} saw: pages written
   * since are forgotten (they read as never written again, as they did
   * then), the saved ones get their words back, and the zero ranges are
   * restored.
   *
   * @example Usage
   * ```ts
   * import { Memory, MemoryImage } from "@setway/setway/hw";
   * const m = new Memory();
   * const image = new MemoryImage();
   * m.saveImage(image);
   * m.write(0x9000, 1);
   * m.loadImage(image);
   * console.log(m.read(0x9000).toString(16)); // deadbeef
   * ```
   * @param image a copy of this memory's contents
   */
  loadImage(image: MemoryImage): void {
    // Nothing changed since this image was saved or last loaded.
    if (image.owner === this && image.version === this.#version) return;
    const pages = this.#pages;
    for (const p of pages.keys()) if (!image.pages.includes(p)) pages.delete(p);
    for (let i = 0; i < image.pages.length; i++) {
      const p = image.pages[i];
      let page = pages.get(p);
      if (page === undefined) {
        page = new Int32Array(WORDS_PER_PAGE);
        pages.set(p, page);
      }
      page.set(image.words[i]);
    }
    const r = this.#zeroRanges, saved = image.zeroRanges;
    let same = r.length === saved.length;
    for (let i = 0; same && i < r.length; i++) same = r[i] === saved[i];
    if (!same) {
      r.length = 0;
      r.push(...saved);
    }
    this.#lastPageNumber = -1;
    this.#lastPage = null;
    image.owner = this;
    image.version = ++this.#version;
  }

  /**
   * Copies `words` consecutive words starting at `addr` into `dst` (a cache
   * fill). Pages are not allocated by reading.
   *
   * @example Usage
   * ```ts
   * import { Memory } from "@setway/setway/hw";
   * const m = new Memory({ zeroFill: true });
   * m.write(0x44, 9);
   * const line = new Int32Array(16);
   * m.readBlock(0x40, line, 0, 16);
   * console.log(line[1]); // 9
   * ```
   * @param addr a 4-byte aligned address
   * @param dst destination words
   * @param dstOffset index of the first destination word
   * @param words number of words
   */
  readBlock(addr: number, dst: Int32Array, dstOffset: number, words: number): void {
    checkWordAddress(addr, "Memory.readBlock");
    let a = addr;
    let o = dstOffset;
    let left = words;
    while (left > 0) {
      const pageNumber = Math.floor(a / PAGE_SIZE);
      const inPage = (a - pageNumber * PAGE_SIZE) >>> 2;
      const n = Math.min(left, WORDS_PER_PAGE - inPage);
      const page = this.#page(pageNumber);
      if (page !== undefined) copyWords(page, inPage, dst, o, n);
      else this.#fillNeverWritten(a, dst, o, n);
      a += n * 4;
      o += n;
      left -= n;
    }
  }

  /**
   * Copies `words` words from `src` to memory starting at `addr` (a
   * write-back).
   *
   * @example Usage
   * ```ts
   * import { Memory } from "@setway/setway/hw";
   * const m = new Memory();
   * m.writeBlock(0x40, Int32Array.of(1, 2, 3, 4), 0, 4);
   * console.log(m.read(0x4c)); // 4
   * ```
   * @param addr a 4-byte aligned address
   * @param src source words
   * @param srcOffset index of the first source word
   * @param words number of words
   */
  writeBlock(addr: number, src: Int32Array, srcOffset: number, words: number): void {
    checkWordAddress(addr, "Memory.writeBlock");
    this.#version++;
    let a = addr;
    let o = srcOffset;
    let left = words;
    while (left > 0) {
      const pageNumber = Math.floor(a / PAGE_SIZE);
      const inPage = (a - pageNumber * PAGE_SIZE) >>> 2;
      const n = Math.min(left, WORDS_PER_PAGE - inPage);
      copyWords(src, o, this.#pageForWrite(pageNumber), inPage, n);
      a += n * 4;
      o += n;
      left -= n;
    }
  }
}
