/**
 * Test support: everything observable of a hardware model, as plain data to
 * compare a fast path with its slow path.
 *
 * @module
 */

import type { Hardware } from "../../lib/hw/hardware.ts";
import { type Cache, cacheStore, INVALID } from "../../lib/hw/cache.ts";

/** One cache: its resident index and each valid slot's tag, state, LRU age and data. */
export interface CacheState {
  readonly name: string;
  /** Resident slots in resident-index order (the order perturbations pick castouts in). */
  readonly resident: readonly number[];
  readonly lines: readonly {
    readonly slot: number;
    readonly tag: number;
    readonly state: number;
    /**
     * How many valid slots of its set were used more recently (0: the most
     * recent): the LRU order that picks the set's next victim, whatever the
     * stamps' values.
     */
    readonly age: number;
    readonly data: readonly number[];
  }[];
}

/** Every cache of a model and the DRAM words of the lines asked for and of every cached line. */
export interface HardwareState {
  readonly caches: readonly CacheState[];
  /** Line number, then each of its DRAM words, line by line in ascending order. */
  readonly dram: readonly number[];
}

/**
 * Snapshots a hardware model: every cache line with its LRU age and data,
 * and DRAM under every line a cache holds (dirty system-cache lines
 * included, which a non-cacheable read may see) and under every line of
 * `lines`.
 */
export function hardwareState(hw: Hardware, lines: Iterable<number> = []): HardwareState {
  const all = new Set<number>(lines);
  const caches = hw.caches.map((c): CacheState => {
    const resident = Array.from(c.residentSlots());
    const ages = lruAges(c);
    return {
      name: c.name,
      resident,
      lines: resident.map((slot) => {
        all.add(c.tags[slot]);
        return {
          slot,
          tag: c.tags[slot],
          state: c.states[slot],
          age: ages[slot],
          data: Array.from(
            c.data.subarray(c.dataOffset(slot), c.dataOffset(slot) + c.wordsPerLine),
          ),
        };
      }),
    };
  });
  const dram: number[] = [];
  const words = hw.lineSize / 4;
  for (const line of [...all].sort((a, b) => a - b)) {
    dram.push(line);
    for (let w = 0; w < words; w++) dram.push(hw.memory.read(line * hw.lineSize + w * 4));
  }
  return { caches, dram };
}

/**
 * Each slot's LRU age in its set: how many valid slots of the set were used
 * more recently (0: the most recent), or -1 for an invalid slot. Two caches
 * with the same ages pick the same victims, whatever their stamps' values.
 */
export function lruAges(c: Cache): number[] {
  const stamps = cacheStore(c).stamps;
  return Array.from({ length: c.slots }, (_, slot) => {
    if (c.states[slot] === INVALID) return -1;
    const base = slot - (slot % c.ways);
    let age = 0;
    for (let s = base; s < base + c.ways; s++) {
      if (c.states[s] !== INVALID && stamps[s] > stamps[slot]) age++;
    }
    return age;
  });
}

/** The line numbers of `bytes` bytes of memory from `base`. */
export function linesOf(base: number, bytes: number, lineSize: number): number[] {
  const first = Math.floor(base / lineSize);
  return Array.from({ length: Math.ceil(bytes / lineSize) }, (_, i) => first + i);
}
