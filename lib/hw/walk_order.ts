/**
 * The order in which the kernel's set/way loops visit a cache, and the
 * slot-by-slot walk that {@linkcode Hardware.setWayAll} must equal.
 *
 * `v7_flush_dcache_all` (arch/arm/mm/cache-v7.S, Linux 3.18 and 4.0; the
 * zImage decompressor's `__armv7_mmu_cache_flush` in
 * arch/arm/boot/compressed/head.S has the same loops) and arm64's
 * `__flush_dcache_all` (arch/arm64/mm/cache.S, Linux 3.18 to 4.x) walk the
 * levels from 1 up to the LoC; within a level the outer loop counts the set
 * index down from its maximum to 0, and the inner loop counts the way down
 * from its maximum to 0. With slots numbered `set * ways + way`, that is
 * every slot from the last to the first.
 *
 * The order matters to the model: a clean writes the line into the level
 * below, and the order of those writes decides that level's LRU order and
 * which of its lines are cast out to the system cache or DRAM.
 *
 * @example Usage
 * ```ts
 * import { walkSlot } from "./walk_order.ts";
 * // A 2-set, 2-way level: set 1 way 1, set 1 way 0, set 0 way 1, set 0 way 0.
 * console.log([0, 1, 2, 3].map((i) => walkSlot(i, 4))); // [3, 2, 1, 0]
 * ```
 *
 * @module
 */

import type { FlushResult, Hardware } from "./hardware.ts";

/**
 * The slot a set/way loop visits at step `i` of a level of `slots` slots
 * (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { walkSlot } from "./walk_order.ts";
 * console.log(walkSlot(0, 16896)); // 16895: the last set's last way comes first
 * ```
 * @param i the step, from 0 to `slots - 1`
 * @param slots sets * ways of the level
 * @returns the slot number, `set * ways + way`
 */
export function walkSlot(i: number, slots: number): number {
  return slots - 1 - i;
}

/**
 * The reference set/way walk: one `Hardware.dcBySetWay` per slot of every
 * level of `cpu` up to its LoC, in the kernel's order. It is the slow path
 * of {@linkcode Hardware.setWayAll}, which must leave exactly the same
 * caches, DRAM and counts; the tests compare them.
 *
 * @example Usage
 * ```ts
 * import { Hardware } from "@setway/setway/hw";
 * import { setWayAllSlotBySlot } from "./walk_order.ts";
 * const hw = new Hardware({ name: "m", description: "",
 *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] });
 * hw.write(0, 0x1000, 1, true);
 * console.log(setWayAllSlotBySlot(hw, 0, "csw")); // { cleaned: 1, invalidated: 0, slots: 64 }
 * ```
 * @param hw the hardware
 * @param cpu the CPU executing the walk
 * @param op the operation applied to every slot
 * @returns dirty lines written back, valid lines dropped, and S/W instructions executed
 */
export function setWayAllSlotBySlot(
  hw: Hardware,
  cpu: number,
  op: "csw" | "cisw" | "isw",
): FlushResult & { slots: number } {
  let cleaned = 0, invalidated = 0, total = 0;
  for (let level = 1, levels = hw.levels(cpu); level <= levels; level++) {
    const { sets, ways } = hw.geometry(cpu, level);
    const slots = sets * ways;
    for (let i = 0; i < slots; i++) {
      const slot = walkSlot(i, slots);
      const r = hw.dcBySetWay(cpu, op, level, Math.floor(slot / ways), slot % ways);
      cleaned += r.cleaned;
      invalidated += r.invalidated;
    }
    total += slots;
  }
  return { cleaned, invalidated, slots: total };
}
