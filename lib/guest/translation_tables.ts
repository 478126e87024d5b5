/**
 * The stage-1 translation-table descriptors boot code writes with its MMU
 * off, as data: where each descriptor lands and the value it holds.
 *
 * Boot programs (Linux's `__create_page_tables`, EDK2's `ArmConfigureMmu`,
 * U-Boot's `mmu_setup`) fill their tables with the MMU off, so the stores go
 * straight to memory, and then turn the MMU on, after which the table walker
 * reads the tables through the caches. A stale line of a table page left in
 * some cache would shadow what was written: that is why they invalidate the
 * tables by address, and why a preset's reads of the descriptors after MMU
 * on are worth checking.
 *
 * Simplified: only the descriptors on the path to the block that maps one
 * address are written (a real table maps the whole image, RAM and devices),
 * and only the low 32 bits of each 64-bit descriptor (the high word holds
 * attributes the cache model does not look at).
 *
 * @example Usage
 * ```ts
 * import { mapBlock4k } from "./translation_tables.ts";
 * const path = mapBlock4k(0x4010_0000, 0x4008_0000n, 0x4008_0000, 0x711);
 * console.log(path.map((d) => d.value.toString(16))); // ["40101003", "40102003", "40000711"]
 * ```
 *
 * @module
 */

/** One descriptor a boot program stores: the low 32 bits of it, at `addr`. */
export interface DescriptorWrite {
  /** Guest physical address of the descriptor. */
  readonly addr: number;
  /** Its low 32 bits. */
  readonly value: number;
}

/** The size of one translation table with a 4 KiB granule. */
export const TABLE_SIZE = 4096;

/** A table descriptor: the next table's address with bits [1:0] = 0b11. */
const TABLE_DESCRIPTOR = 0x3;

/** A level-2 block maps 2 MiB. */
const BLOCK_SIZE = 2 * 1024 * 1024;

function index(va: bigint, shift: bigint): number {
  return Number((va >> shift) & 511n);
}

/**
 * The three descriptors that map the 2 MiB block holding `pa` at virtual
 * address `va`, with a 4 KiB granule and 48-bit VAs: a level-0 table
 * descriptor in the page at `tables`, a level-1 table descriptor in the next
 * page, and a level-2 block descriptor in the page after that.
 *
 * @example Usage
 * ```ts
 * import { mapBlock4k } from "./translation_tables.ts";
 * // An identity map of 0x4008_0000: level 1 index 1 (the second GiB).
 * const [l0, l1, l2] = mapBlock4k(0x4010_0000, 0x4008_0000n, 0x4008_0000, 0x711);
 * console.log((l1.addr - 0x4010_1000) / 8); // 1
 * ```
 * @param tables the first of three consecutive, page-aligned table pages
 * @param va the virtual address mapped (a bigint: kernel VAs exceed 2^53)
 * @param pa the physical address it maps to
 * @param attrs the low attribute bits of the block descriptor (type, AF, SH, AttrIndx)
 * @returns the descriptors, level 0 first
 */
export function mapBlock4k(
  tables: number,
  va: bigint,
  pa: number,
  attrs: number,
): DescriptorWrite[] {
  const l0 = tables, l1 = tables + TABLE_SIZE, l2 = tables + 2 * TABLE_SIZE;
  const block = pa - (pa % BLOCK_SIZE);
  return [
    { addr: l0 + 8 * index(va, 39n), value: (l1 | TABLE_DESCRIPTOR) >>> 0 },
    { addr: l1 + 8 * index(va, 30n), value: (l2 | TABLE_DESCRIPTOR) >>> 0 },
    { addr: l2 + 8 * index(va, 21n), value: (block | attrs) >>> 0 },
  ];
}
