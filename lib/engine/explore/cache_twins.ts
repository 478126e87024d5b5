/**
 * Twin caches: two caches of one machine that hold exactly the same
 * contents (slots, lines, states, and every data word), so that a fill
 * into, or a castout from, either leads to states the state hash merges
 * (context.ts `symmetricChoiceMask`). Contents are compared directly,
 * never through a hash, since one collision would prune a choice that
 * leads somewhere else; and without building a key per cache, which the
 * explorer would otherwise do for every parent it expands.
 *
 * When sets can be full, a non-empty cache is nobody's twin, not even its
 * own: its LRU ages, which are not compared, then steer later victims, so
 * only empty caches are interchangeable. Without `values` (prove mode's
 * "verdicts" abstraction, which encodes idle caches without their values)
 * the data words are not compared.
 *
 * @module
 */

import type { Hardware } from "../../hw/hardware.ts";
import { INVALID } from "../../hw/cache.ts";

/**
 * Whether caches `a` and `b` of `hw` are twins (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { sameCacheContents } from "./cache_twins.ts";
 * import { Hardware } from "../../hw/hardware.ts";
 * import { generic } from "../../machines/mod.ts";
 * const hw = new Hardware(generic);
 * console.log(sameCacheContents(hw, 0, 1, true, true)); // true: both empty
 * hw.speculativeFill(0, 0x40000000);
 * console.log(sameCacheContents(hw, 0, 1, false, true)); // false
 * hw.speculativeFill(1, 0x40000000);
 * console.log(sameCacheContents(hw, 0, 1, false, true)); // true
 * console.log(sameCacheContents(hw, 0, 1, true, true)); // false: LRU ages may differ
 * ```
 * @param hw the machine
 * @param a a cache's index in `hw.caches`
 * @param b another's
 * @param agesMatter whether sets can be full (then only empty caches are twins)
 * @param values whether data words are compared
 * @returns true when the two hold the same contents
 */
export function sameCacheContents(
  hw: Hardware,
  a: number,
  b: number,
  agesMatter: boolean,
  values: boolean,
): boolean {
  const x = hw.caches[a], y = hw.caches[b];
  const n = x.residentCount;
  if (n !== y.residentCount) return false;
  if (n === 0) return true;
  if (agesMatter) return false;
  const wpl = x.wordsPerLine;
  if (values && y.wordsPerLine !== wpl) return false;
  // As many lines in each: every slot of x's held by y alike makes them the same slots.
  for (let i = 0; i < n; i++) {
    const s = x.residentSlot(i);
    if (s >= y.slots || y.states[s] === INVALID) return false;
    if (y.states[s] !== x.states[s] || y.tags[s] !== x.tags[s]) return false;
    if (!values) continue;
    const xo = x.dataOffset(s), yo = y.dataOffset(s);
    for (let w = 0; w < wpl; w++) if (x.data[xo + w] !== y.data[yo + w]) return false;
  }
  return true;
}

/**
 * A cluster as twin clusters are compared: its L2's index in
 * `hw.caches` (-1 when it has none) and its CPUs (their L1s' indices).
 *
 * @example Usage
 * ```ts
 * import type { TwinCluster } from "./cache_twins.ts";
 * const noL2: TwinCluster = { l2: -1, l1: [2, 3] };
 * ```
 */
export interface TwinCluster {
  /** The L2's index in `hw.caches`, or -1. */
  readonly l2: number;
  /** The cluster's CPUs, whose L1s are caches `l1[i]`. */
  readonly l1: readonly number[];
}

/**
 * Whether two idle clusters are twins: their L2s are (a missing L2 is an
 * empty one), and their L1s are twins one for one in some order.
 *
 * @example Usage
 * ```ts
 * import { sameClusterContents } from "./cache_twins.ts";
 * import { Hardware } from "../../hw/hardware.ts";
 * const hw = new Hardware({ name: "m", description: "", clusters: [
 *   { cpus: 2, l1d: { size: 4096, ways: 2 } }, { cpus: 2, l1d: { size: 4096, ways: 2 } },
 * ] });
 * const c0 = { l2: -1, l1: [0, 1] }, c1 = { l2: -1, l1: [2, 3] };
 * hw.speculativeFill(0, 0x1000);
 * hw.speculativeFill(3, 0x1000);
 * console.log(sameClusterContents(hw, c0, c1, false, true, new Uint8Array(4))); // true
 * ```
 * @param hw the machine
 * @param c one cluster
 * @param d another
 * @param agesMatter as {@linkcode sameCacheContents}
 * @param values as {@linkcode sameCacheContents}
 * @param used scratch of at least `d.l1.length` flags (overwritten)
 * @returns true when the two hold the same contents, L1s in any order
 */
export function sameClusterContents(
  hw: Hardware,
  c: TwinCluster,
  d: TwinCluster,
  agesMatter: boolean,
  values: boolean,
  used: Uint8Array,
): boolean {
  const k = c.l1.length;
  if (d.l1.length !== k) return false;
  if (c.l2 >= 0 && d.l2 >= 0) {
    if (!sameCacheContents(hw, c.l2, d.l2, agesMatter, values)) return false;
  } else if (c.l2 >= 0 || d.l2 >= 0) {
    if (hw.caches[c.l2 >= 0 ? c.l2 : d.l2].residentCount !== 0) return false;
  }
  // Being twins is an equivalence: matching each L1 to the first unused twin finds a
  // one-for-one matching whenever there is one.
  used.fill(0, 0, k);
  for (const cpu of c.l1) {
    let j = 0;
    while (j < k && (used[j] === 1 || !sameCacheContents(hw, cpu, d.l1[j], agesMatter, values))) {
      j++;
    }
    if (j === k) return false;
    used[j] = 1;
  }
  return true;
}
