/**
 * The options of `run(scenario, options)`.
 *
 * @module
 */

import type { Policy } from "../hyp/policy.ts";

/**
 * The default budget: one million expanded guest instructions.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_MAX_STEPS } from "./options.ts";
 * console.log(DEFAULT_MAX_STEPS); // 1000000
 * ```
 */
export const DEFAULT_MAX_STEPS = 1_000_000;

/**
 * Options of a run. Each option beats the matching scenario field.
 *
 * @example Usage
 * ```ts
 * import type { RunOptions } from "./options.ts";
 * const options: RunOptions = { maxSteps: 50_000 };
 * ```
 */
export interface RunOptions {
  /**
   * The policy to run under: a built-in name or a policy object (a
   * user-defined policy). Default: the scenario's `policy`.
   */
  readonly policy?: string | Policy;
  /**
   * The most expanded guest instructions the run may execute: one per
   * instruction of a step, so a `dc_va` step counts one per line and a
   * set/way walk one per set and way; other steps count one each. Exceeding
   * it throws `ScenarioError("budget_exceeded")`. Default
   * {@linkcode DEFAULT_MAX_STEPS}.
   */
  readonly maxSteps?: number;
}
