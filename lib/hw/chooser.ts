/**
 * Hardware nondeterminism as explicit choices.
 *
 * Real caches fill lines speculatively and cast lines out whenever they like.
 * setway makes each such decision a call to one {@linkcode Chooser}: the quiet
 * chooser never perturbs anything, the seeded one picks at random (same seed,
 * same picks), and an exploring chooser can enumerate every outcome.
 *
 * @module
 */

import { Random } from "./random.ts";

/** The source of every hardware choice in a run. */
export interface Chooser {
  /** `"quiet"` never perturbs; anything else may. */
  readonly mode: "quiet" | "adversarial" | "explore";
  /**
   * Picks one of `n` outcomes.
   * @param n the number of outcomes, at least 1
   * @returns an integer in `[0, n)`; 0 is always "nothing happens"
   */
  pick(n: number): number;
}

/**
 * A chooser that always answers 0: no speculation, no castouts.
 *
 * @example Usage
 * ```ts
 * import { quietChooser } from "@setway/setway/hw";
 * console.log(quietChooser().pick(10)); // 0
 * ```
 * @returns a chooser that never perturbs the hardware
 */
export function quietChooser(): Chooser {
  return { mode: "quiet", pick: () => 0 };
}

/**
 * A chooser that picks uniformly with a seeded generator.
 *
 * @example Usage
 * ```ts
 * import { seededChooser } from "@setway/setway/hw";
 * const a = seededChooser(7), b = seededChooser(7);
 * console.log(a.pick(100) === b.pick(100)); // true
 * ```
 * @param seed the run's seed
 * @returns an adversarial chooser, deterministic for the seed
 */
export function seededChooser(seed: number): Chooser {
  const random = new Random(seed);
  return { mode: "adversarial", pick: (n) => random.below(n) };
}
