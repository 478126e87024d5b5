/**
 * The chooser a check drives the hardware with: a sparse plan of
 * perturbations by position, replayed, and a hook at every choice point
 * past the plan.
 *
 * Before every step the engine asks the hardware for one choice point
 * (`Hardware.perturb`): `pick(2)` decides whether anything happens, then
 * `pick(total)` which speculative fill or castout (or, with scheduler
 * choices, which preemption between a trapped instruction's exit and its
 * handler). A plan is a list of
 * pairs `(point, option)`, points ascending: at choice point `point` the
 * chooser answers 1 and then `option`; everywhere else 0 ("nothing
 * happens"). An execution is therefore named by its plan, and its children
 * in the search are the plans that add one pair after its last one: the
 * hook {@linkcode PointChooser.onTail} sees exactly those choice points,
 * with the hardware in the state the child would perturb.
 *
 * This is the exploration's `ScriptChooser` contract (lib/engine/explore/
 * choosers.ts) with two differences a fixed program needs: the picks are
 * sparse (a program has hundreds of choice points, a plan one or two), and
 * the hook sees every choice point past the plan, not only the first.
 *
 * @example Usage
 * ```ts
 * import { PointChooser } from "./chooser.ts";
 * const c = new PointChooser();
 * c.load(Int32Array.of(1, 5));
 * console.log(c.pick(2), c.pick(2), c.pick(9), c.pick(2), c.point); // 0 1 5 0 2
 * ```
 *
 * @module
 */

import type { Chooser } from "../../hw/chooser.ts";

/**
 * Replays a plan of `(point, option)` pairs (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { PointChooser } from "./chooser.ts";
 * const c = new PointChooser();
 * const tail: number[] = [];
 * c.onTail = (point) => tail.push(point);
 * c.load(Int32Array.of(0, 3));
 * c.pick(2); c.pick(7); c.pick(2); c.pick(2);
 * console.log(tail); // [1, 2]
 * ```
 */
export class PointChooser implements Chooser {
  /** Always `"explore"`. */
  readonly mode: "explore" = "explore";
  /** The index of the current choice point (-1 before the first). */
  point: number = -1;
  /** Set when a planned option was not below its branching factor: the plan does not fit the run. */
  mismatch: boolean = false;
  /** Called at each choice point after the plan's last one, before it answers 0. */
  onTail: ((point: number) => void) | null = null;
  #plan: Int32Array = new Int32Array(0);
  #next = 0;
  #pending = -1;
  #last = -1;

  /**
   * Loads a plan and rewinds.
   *
   * @param plan pairs `(point, option)`, points strictly ascending
   */
  load(plan: Int32Array): void {
    this.#plan = plan;
    this.#next = 0;
    this.#pending = -1;
    this.#last = plan.length >= 2 ? plan[plan.length - 2] : -1;
    this.point = -1;
    this.mismatch = false;
  }

  /**
   * The next pick.
   *
   * @param n the number of outcomes
   * @returns 1 then the option at a planned point, else 0
   */
  pick(n: number): number {
    if (this.#pending >= 0) {
      const option = this.#pending;
      this.#pending = -1;
      if (option < n) return option;
      this.mismatch = true;
      return 0;
    }
    const point = ++this.point;
    const plan = this.#plan;
    if (this.#next < plan.length && plan[this.#next] === point) {
      this.#pending = plan[this.#next + 1];
      this.#next += 2;
      return 1;
    }
    if (point > this.#last) this.onTail?.(point);
    return 0;
  }
}
