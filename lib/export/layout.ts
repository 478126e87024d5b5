/**
 * Where the exported test puts itself in guest RAM, and how much RAM it maps.
 *
 * The test's own code, data, stacks and translation tables live in whole
 * 2 MiB blocks that no scenario address falls in: the translation tables map
 * those blocks Normal Non-cacheable and every other block of RAM Normal
 * Write-Back, so only the scenario's data ever sees the caches. The first
 * 2 MiB of RAM are left to QEMU, which puts the device tree there for an
 * ELF kernel.
 *
 * Simplified: the program's size is an estimate (a fixed allowance for the
 * code plus the tables' exact sizes); the linker script checks that the
 * image fits the blocks chosen.
 *
 * @example Usage
 * ```ts
 * import { placeProgram } from "./layout.ts";
 * const layout = placeProgram([[0x4000_8000, 0x4001_0000]], { cpus: 1, steps: 100, preloads: 64 });
 * console.log(layout.programBase.toString(16)); // "40200000"
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";

/** Guest RAM on QEMU's `virt` machine starts here. */
export const VIRT_RAM_BASE = 0x4000_0000;

/** The granule of the test's placement and of its Normal mappings: 2 MiB. */
export const BLOCK_SIZE = 2 * 1024 * 1024;

/** One level-2 table maps 1 GiB. */
export const GIB = 1024 * 1024 * 1024;

/** The test's translation regime reaches 2^39 bytes (TCR_EL1.T0SZ = 25). */
export const VA_LIMIT = 2 ** 39;

/** Bytes of stack the runtime gives each CPU (`STACK_SIZE` in setway.h). */
export const STACK_BYTES = 0x4000;

/** Bytes of one `struct step` in setway.h. */
export const STEP_BYTES = 64;

/** Bytes of one `struct preload` in setway.h. */
export const PRELOAD_BYTES = 16;

/** The allowance for the runtime's code, constant data and alignment. */
const CODE_ALLOWANCE = 64 * 1024;

/** QEMU's default RAM size for `virt`, in MiB. */
export const QEMU_DEFAULT_MIB = 128;

/** The sizes the program's footprint depends on. */
export interface ProgramSize {
  /** CPUs the test starts (stacks). */
  readonly cpus: number;
  /** Entries of the step table. */
  readonly steps: number;
  /** Entries of the preload table. */
  readonly preloads: number;
}

/** Where the test lives and what it maps. */
export interface ProgramLayout {
  /** First byte of the program's blocks (the linker script's base). */
  readonly programBase: number;
  /** One past the program's last block. */
  readonly programEnd: number;
  /** Bytes of RAM, from {@linkcode VIRT_RAM_BASE}, the translation tables map (whole GiB). */
  readonly mappedBytes: number;
  /** Level-2 tables needed: one per mapped GiB. */
  readonly l2Tables: number;
  /** The RAM the run needs, in MiB (at least QEMU's default 128). */
  readonly memoryMiB: number;
}

/**
 * Estimates the program's footprint in bytes.
 *
 * @example Usage
 * ```ts
 * import { programBytes } from "./layout.ts";
 * console.log(programBytes({ cpus: 1, steps: 0, preloads: 0 }, 1) < 2 * 1024 * 1024); // true
 * ```
 * @param size the table sizes
 * @param l2Tables the number of level-2 tables
 * @returns an upper estimate of the image's size
 */
export function programBytes(size: ProgramSize, l2Tables: number): number {
  // The translation tables: runtime.c's level-1 table, the level-2 tables, and a page for
  // aligning them (each is a 4 KiB-aligned array).
  return CODE_ALLOWANCE + size.steps * STEP_BYTES + size.preloads * PRELOAD_BYTES +
    size.cpus * STACK_BYTES + (2 + l2Tables) * 4096;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The first block number from `from` on that starts `count` blocks none of which is taken. */
function firstFreeRun(taken: ReadonlySet<number>, from: number, count: number): number {
  let first = from;
  for (;;) {
    let clash = -1;
    for (let b = first; b < first + count; b++) if (taken.has(b)) clash = b;
    if (clash < 0) return first;
    first = clash + 1;
  }
}

/**
 * Chooses the lowest run of free 2 MiB blocks (from RAM + 2 MiB) for the
 * program, and sizes the mapped RAM and QEMU's memory to cover it and every
 * address the scenario uses.
 *
 * @example Usage
 * ```ts
 * import { placeProgram } from "./layout.ts";
 * // The scenario uses the block at 0x4020_0000: the program goes to the next one.
 * const l = placeProgram([[0x4020_0000, 0x4020_0004]], { cpus: 2, steps: 10, preloads: 1 });
 * console.log(l.programBase.toString(16), l.memoryMiB); // "40400000" 128
 * ```
 * @param used the byte ranges `[start, end)` the scenario touches, in any order
 * @param size the program's table sizes
 * @returns the layout
 * @throws {ScenarioError} `out_of_range` when the addresses reach past what the
 *   test's translation regime covers
 */
export function placeProgram(
  used: readonly (readonly [number, number])[],
  size: ProgramSize,
): ProgramLayout {
  const taken = new Set<number>();
  let usedEnd = VIRT_RAM_BASE;
  for (const [start, end] of used) {
    for (let b = Math.floor(start / BLOCK_SIZE); b * BLOCK_SIZE < end; b++) taken.add(b);
    usedEnd = Math.max(usedEnd, end);
  }
  // The tables' count depends on where the program lands; two passes settle it.
  let l2Tables = Math.max(1, roundUp(usedEnd - VIRT_RAM_BASE, GIB) / GIB);
  let base = 0;
  let blocks = 0;
  for (let pass = 0; pass < 2; pass++) {
    blocks = Math.ceil(programBytes(size, l2Tables) / BLOCK_SIZE);
    base = firstFreeRun(taken, VIRT_RAM_BASE / BLOCK_SIZE + 1, blocks) * BLOCK_SIZE;
    l2Tables = Math.max(
      l2Tables,
      roundUp(base + blocks * BLOCK_SIZE - VIRT_RAM_BASE, GIB) / GIB,
    );
  }
  const programEnd = base + blocks * BLOCK_SIZE;
  const end = Math.max(usedEnd, programEnd);
  if (end > VA_LIMIT) {
    throw new ScenarioError(
      "out_of_range",
      "exportBaremetal",
      end,
      `exportBaremetal(scenario): the test would use memory up to ${showValue(end)}, past the ${
        showValue(VA_LIMIT)
      } its identity map covers; use addresses lower in RAM`,
    );
  }
  return {
    programBase: base,
    programEnd,
    mappedBytes: l2Tables * GIB,
    l2Tables,
    memoryMiB: Math.max(QEMU_DEFAULT_MIB, roundUp(end - VIRT_RAM_BASE, 1 << 20) / (1 << 20)),
  };
}
