/**
 * The memory image guest presets write and read back: a modest number of
 * 32-bit words spread over several pages, each word's value derived from its
 * address so that any stale or lost word is recognisable in a trace.
 *
 * Word `i` lands on page `i % pages` at byte offset `(k * 0x104) % 4096`
 * with `k = floor(i / pages)`: consecutive words of a page sit four lines
 * and one word apart, so they fall in different lines and different sets,
 * and the 1024 words of a page are all distinct before the pattern repeats.
 *
 * Simplified: a real decompressed kernel is megabytes of contiguous data;
 * a few words per page exercise the same cache behaviour in milliseconds.
 *
 * @example Usage
 * ```ts
 * import { imageLayout } from "./image.ts";
 * const image = imageLayout({ base: 0x4000_8000, words: 4, pages: 2 }, "example");
 * console.log(image.words.map((w) => w.addr.toString(16)));
 * // ["40008000", "40009000", "40008104", "40009104"]
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { PAGE_SIZE } from "../hw/memory.ts";
import { presetInteger } from "./integer_option.ts";

/** Where the image lies and how big it is. */
export interface ImageOptions {
  /** First byte of the image; page aligned, below 4 GiB. Default 0x4000_8000. */
  readonly base?: number;
  /** Number of words written; 1 to `pages * 1024`. Default 64. */
  readonly words?: number;
  /** Number of 4 KiB pages the words are spread over; 1 to 4096. Default 8. */
  readonly pages?: number;
}

/** One word of the image. */
export interface ImageWord {
  /** Its guest physical address, 4-byte aligned. */
  readonly addr: number;
  /** Its value, derived from the address; never 0. */
  readonly value: number;
  /** Which page of the image it is on. */
  readonly page: number;
  /** Its rank within its page (0 for the first word written there). */
  readonly slot: number;
}

/** A resolved image: every word, in the order a preset writes them. */
export interface ImageLayout {
  /** First byte of the image. */
  readonly base: number;
  /** One past the last byte of the last page. */
  readonly end: number;
  /** Number of pages. */
  readonly pages: number;
  /** The words, in write order. */
  readonly words: readonly ImageWord[];
}

/** The default image base: where a 32-bit kernel is decompressed on QEMU `virt` (RAM + 0x8000). */
export const DEFAULT_IMAGE_BASE = 0x4000_8000;

/** Bytes between two consecutive words of one page. */
const SLOT_STRIDE = 0x104;

/**
 * The value a preset stores at `addr`: a fixed mix of the address bits, never 0.
 *
 * @example Usage
 * ```ts
 * import { imageValue } from "./image.ts";
 * console.log(imageValue(0x4000_8000) === imageValue(0x4000_8000)); // true
 * console.log(imageValue(0x4000_8000) !== imageValue(0x4000_8004)); // true
 * ```
 * @param addr a word address
 * @returns an unsigned 32-bit value
 */
export function imageValue(addr: number): number {
  const low = addr >>> 0;
  const high = Math.floor(addr / 0x1_0000_0000) >>> 0;
  let h = Math.imul(low ^ 0x2b5e_8d35, 0x9e37_79b1) ^ Math.imul(high + 1, 0x85eb_ca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 13;
  return (h >>> 0) || 1;
}

/**
 * Resolves image options into the list of words a preset writes.
 *
 * @example Usage
 * ```ts
 * import { imageLayout } from "./image.ts";
 * const image = imageLayout({}, "example");
 * console.log(image.words.length, image.pages); // 64 8
 * ```
 * @param options where and how big; every field has a default
 * @param call the preset's name, for errors
 * @returns the layout
 * @throws {ScenarioError} when `base` is not a page-aligned address below 4 GiB,
 *   `pages` is not 1 to 4096, or `words` is not 1 to `pages * 1024`
 */
export function imageLayout(options: ImageOptions, call: string): ImageLayout {
  const base = presetInteger(call, "base", options.base, DEFAULT_IMAGE_BASE, 0, 0xffff_f000);
  if (base % PAGE_SIZE !== 0) {
    throw new ScenarioError(
      "bad_address",
      call,
      base,
      `${call}(base = ${showValue(base)}): expected a 4 KiB-aligned address`,
    );
  }
  const pages = presetInteger(call, "pages", options.pages, 8, 1, 4096);
  const count = presetInteger(call, "words", options.words, 64, 1, pages * 1024);
  const end = base + pages * PAGE_SIZE;
  if (end > 0x1_0000_0000) {
    throw new ScenarioError(
      "bad_address",
      call,
      base,
      `${call}(base = ${showValue(base)}): the image must end below 4 GiB (it would end at ${
        showValue(end)
      })`,
    );
  }
  const words: ImageWord[] = [];
  for (let i = 0; i < count; i++) {
    const page = i % pages;
    const slot = Math.floor(i / pages);
    const addr = base + page * PAGE_SIZE + ((slot * SLOT_STRIDE) & 0xffc);
    words.push({ addr, value: imageValue(addr), page, slot });
  }
  return { base, end, pages, words };
}
