/**
 * The options of `run(scenario, options)`: the policy, and the budget (see
 * `budget.ts` for what each limit counts and when it is checked).
 *
 * @module
 */

import type { Policy } from "../hyp/policy.ts";
import type { CostOverrides } from "../hyp/costs.ts";

/**
 * The keys of {@linkcode RunOptions}: what `run()` accepts (an unknown key is
 * refused, with a suggestion for a near miss).
 *
 * @example Usage
 * ```ts
 * import { RUN_OPTION_KEYS } from "./options.ts";
 * console.log(RUN_OPTION_KEYS.includes("maxSteps")); // true
 * ```
 */
export const RUN_OPTION_KEYS: readonly string[] = Object.freeze([
  "policy",
  "maxSteps",
  "maxEvents",
  "maxTouchedPages",
  "maxWallMs",
  "costs",
  "watch",
  "collapse",
]);

/**
 * The default budget: one million expanded guest instructions.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_MAX_STEPS } from "@setway/setway/guest";
 * console.log(DEFAULT_MAX_STEPS); // 1000000
 * ```
 */
export const DEFAULT_MAX_STEPS = 1_000_000;

/**
 * The default event budget: one million event records (about 170 MB of
 * events at most).
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_MAX_EVENTS } from "@setway/setway/guest";
 * console.log(DEFAULT_MAX_EVENTS); // 1000000
 * ```
 */
export const DEFAULT_MAX_EVENTS = 1_000_000;

/**
 * The default memory budget: 65 536 pages (256 MiB) of modelled DRAM written.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_MAX_TOUCHED_PAGES } from "@setway/setway/guest";
 * console.log(DEFAULT_MAX_TOUCHED_PAGES * 4096 / 2 ** 20); // 256
 * ```
 */
export const DEFAULT_MAX_TOUCHED_PAGES = 65_536;

/**
 * Options of a run. Each option beats the matching scenario field (and a
 * builder's `.budget()`). Every limit is a positive integer, or `Infinity`
 * for none; exceeding one throws `ScenarioError("budget_exceeded")` naming
 * the step and the figure.
 *
 * @example Usage
 * ```ts
 * import type { RunOptions } from "@setway/setway";
 * const options: RunOptions = { maxSteps: 50_000, maxEvents: 10_000 };
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
   * set/way walk one per set and way; other steps count one each. A program
   * with more steps than this is refused before it is validated. Default
   * {@linkcode DEFAULT_MAX_STEPS}.
   */
  readonly maxSteps?: number;
  /**
   * The most event records the run may keep (a run of identical events
   * collapsed into one record counts once). Default
   * {@linkcode DEFAULT_MAX_EVENTS}.
   */
  readonly maxEvents?: number;
  /**
   * The most 4 KiB pages of modelled DRAM the run may write, in any of its
   * executions. Default {@linkcode DEFAULT_MAX_TOUCHED_PAGES}.
   */
  readonly maxTouchedPages?: number;
  /**
   * The most wall-clock milliseconds the whole run (all three executions)
   * may take. Default: no limit, so that a result never depends on the
   * speed of the machine running it.
   */
  readonly maxWallMs?: number;
  /**
   * Overrides of the cost table (lib/hyp/costs.ts), e.g. `{ trap: 1_000 }`:
   * they beat the policy's own profile, which beats `DEFAULT_COSTS`. Each
   * value is a non-negative number of cycles. Default none.
   */
  readonly costs?: CostOverrides;
  /**
   * Word addresses (4-byte aligned, at most `MAX_WATCHED_ADDRESSES`) whose
   * newest value the run follows through the caches, with each cache
   * level's dirty lines: the result's `caches`, which the HTML timeline
   * draws as cache lanes (cache_watch.ts). Default none: nothing recorded,
   * nothing spent.
   */
  readonly watch?: readonly number[];
  /**
   * Whether runs of identical events are collapsed into one record (and
   * the events of a set/way walk folded): see lib/engine/event_log.ts.
   * `false` keeps one record per event, as a raw trace
   * (`trace({ raw: true })`, `run --raw`) needs; `maxEvents` then counts
   * every event. Default true.
   */
  readonly collapse?: boolean;
}
