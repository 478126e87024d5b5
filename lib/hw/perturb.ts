/**
 * Perturbation: what the hardware may do on its own between two guest
 * operations, chosen by the run's chooser (chooser.ts), so that a scenario
 * is checked against every behaviour the architecture allows and not only
 * the one a quiet machine shows.
 *
 * The Arm ARM lets a CPU allocate any Normal cacheable location into its
 * caches at any time (speculative reads and prefetches, which need not be
 * caused by any instruction), and lets a cache evict any line at any time,
 * writing it back if dirty. These are exactly the two moves modelled: a
 * speculative fill of a candidate line into one CPU's L1 (through the
 * coherent path of coherence.ts) and a castout of one resident line of one
 * cache to the level below. A quiet chooser makes neither and costs
 * nothing; `extra` options of the caller (the engine's scheduler choices)
 * are offered after the hardware's own, so one choice point serves both.
 *
 * Simplified: one move at most per choice point, and only of lines the
 * scenario touches (fills) or already resident (castouts).
 *
 * @example Usage
 * ```ts
 * import { Perturber } from "./perturb.ts";
 * import { Coherence } from "./coherence.ts";
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * import { Memory } from "./memory.ts";
 * import { quietChooser } from "./chooser.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
 * const p = new Perturber(t, new Coherence(t, new Memory()));
 * console.log(p.perturb(quietChooser(), [0x1000])); // null
 * ```
 *
 * @module
 */

import type { Cache } from "./cache.ts";
import type { Chooser } from "./chooser.ts";
import type { Coherence } from "./coherence.ts";
import { checkByteAddress } from "./memory.ts";
import type { Topology } from "./topology.ts";

/**
 * One thing the adversarial hardware did at a choice point, or (`"extra"`)
 * which of the options the caller added after the hardware's own was
 * picked: `label` is the caller's label of that option. A fill's `present`
 * says the L1 already held the line: the fill only refreshed its
 * replacement age.
 */
export type Perturbation =
  | { kind: "speculative_fill"; cpu: number; addr: number; cache: string; present: boolean }
  | { kind: "castout"; cache: string; addr: number; dirty: boolean }
  | { kind: "extra"; index: number; label: number };

type Fill = Extract<Perturbation, { kind: "speculative_fill" }>;
type Castout = Extract<Perturbation, { kind: "castout" }>;
type Extra = Extract<Perturbation, { kind: "extra" }>;

/** A new object with the fields of a perturbation (one shape per kind). */
function copyOf(p: Perturbation): Perturbation {
  if (p.kind === "speculative_fill") {
    return { kind: p.kind, cpu: p.cpu, addr: p.addr, cache: p.cache, present: p.present };
  }
  if (p.kind === "castout") return { kind: p.kind, cache: p.cache, addr: p.addr, dirty: p.dirty };
  return { kind: p.kind, index: p.index, label: p.label };
}

/**
 * No caller options: the default `extra` of a choice point.
 *
 * @example Usage
 * ```ts
 * import { NO_EXTRA } from "./perturb.ts";
 * console.log(NO_EXTRA.length); // 0
 * ```
 */
export const NO_EXTRA: readonly number[] = Object.freeze([]);

/**
 * The choice points of one machine (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Perturber } from "./perturb.ts";
 * import { Coherence } from "./coherence.ts";
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * import { Memory } from "./memory.ts";
 * import { seededChooser } from "./chooser.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
 * const p = new Perturber(t, new Coherence(t, new Memory()));
 * p.perturb(seededChooser(3), [], [1]);
 * console.log(p.extraOptions); // [1]
 * ```
 */
export class Perturber {
  readonly #topology: Topology;
  readonly #coherence: Coherence;
  readonly #caches: readonly Cache[];
  readonly #l1: readonly Cache[];
  readonly #cpuCount: number;
  readonly #lineSize: number;
  #extra: readonly number[] = NO_EXTRA;
  // The records perturbTransient() rewrites: one per kind, so that each keeps one shape.
  readonly #fill: Fill = { kind: "speculative_fill", cpu: 0, addr: 0, cache: "", present: false };
  readonly #castout: Castout = { kind: "castout", cache: "", addr: 0, dirty: false };
  readonly #extraPick: Extra = { kind: "extra", index: 0, label: 0 };

  /**
   * Choice points over a topology, moving lines through its coherence.
   *
   * @param topology the CPUs and caches
   * @param coherence the data movement a fill or a castout uses
   */
  constructor(topology: Topology, coherence: Coherence) {
    this.#topology = topology;
    this.#coherence = coherence;
    this.#caches = topology.caches;
    this.#l1 = topology.l1;
    this.#cpuCount = topology.cpuCount;
    this.#lineSize = topology.lineSize;
  }

  /** {@linkcode Hardware.perturb}: one choice point. */
  perturb(
    chooser: Chooser,
    candidates: ArrayLike<number>,
    extra: readonly number[] = NO_EXTRA,
  ): Perturbation | null {
    const p = this.perturbTransient(chooser, candidates, extra);
    return p === null ? null : copyOf(p);
  }

  /**
   * {@linkcode Hardware.perturbTransient}: {@linkcode Perturber.perturb}
   * returning one of the perturber's own records, rewritten by the next call.
   */
  perturbTransient(
    chooser: Chooser,
    candidates: ArrayLike<number>,
    extra: readonly number[] = NO_EXTRA,
  ): Perturbation | null {
    if (chooser.mode === "quiet") return null;
    this.#extra = extra;
    if (chooser.pick(2) === 0) return null;
    const cpus = this.#cpuCount;
    const lineSize = this.#lineSize;
    const fills = candidates.length * cpus;
    const own = fills + this.#topology.residentLines();
    const total = own + extra.length;
    if (total === 0) return null;
    let pick = chooser.pick(total);
    if (pick >= own) {
      const x = this.#extraPick;
      x.index = pick - own;
      x.label = extra[pick - own];
      return x;
    }
    if (pick < fills) {
      const cpu = pick % cpus;
      const addr = Math.floor(candidates[Math.floor(pick / cpus)] / lineSize) * lineSize;
      const present = this.#l1[cpu].lookup(addr / lineSize) >= 0;
      checkByteAddress(addr, "speculativeFill");
      this.#coherence.speculativeFill(cpu, addr);
      const f = this.#fill;
      f.cpu = cpu;
      f.addr = addr;
      f.cache = this.#l1[cpu].name;
      f.present = present;
      return f;
    }
    pick -= fills;
    for (let ci = 0; ci < this.#caches.length; ci++) {
      const cache = this.#caches[ci];
      if (pick < cache.residentCount) {
        const slot = cache.residentSlot(pick);
        const addr = cache.lineAddress(slot);
        const dirty = this.#coherence.castoutSlot(ci, slot);
        const c = this.#castout;
        c.cache = cache.name;
        c.addr = addr;
        c.dirty = dirty;
        return c;
      }
      pick -= cache.residentCount;
    }
    return null;
  }

  /** {@linkcode Hardware.extraOptions}: the caller's options at the last choice point. */
  get extraOptions(): readonly number[] {
    return this.#extra;
  }
}
