/**
 * How the model reports work as it does it, so that a run's budget can stop
 * it in the middle of a step: a DC range of 2^40 bytes, or a policy hook
 * that emits without end, must not run for minutes between two checks.
 *
 * The model calls a {@linkcode WorkMeter} where work grows without bound
 * (each line of a DC range, each event, each newly written page of DRAM);
 * the engine's budget meter implements it and throws to stop the run. The
 * interface lives here, below the hypervisor and the engine, so that the
 * hardware model depends on nothing above it.
 *
 * @example Usage
 * ```ts
 * import { NO_METER } from "@setway/setway/hw";
 * NO_METER.work(1_000_000); // nothing to stop
 * ```
 *
 * @module
 */

/**
 * Receives work as it is done; any method may throw to stop the run.
 *
 * @example Usage
 * ```ts
 * import type { WorkMeter } from "@setway/setway/hw";
 * let units = 0;
 * const meter: WorkMeter = {
 *   work(n) { units += n; },
 *   pagesTouched() {},
 *   eventRecords() {},
 * };
 * meter.work(3);
 * console.log(units); // 3
 * ```
 */
export interface WorkMeter {
  /**
   * `n` units of work were done (a line of a DC range, an event): cheap, as
   * it is called in hot loops.
   *
   * @param n how many units, at least 0
   */
  work(n: number): void;
  /**
   * A page of modelled DRAM was written for the first time.
   *
   * @param pages how many pages are written now
   */
  pagesTouched(pages: number): void;
  /**
   * An event record was kept.
   *
   * @param records how many records are kept now
   */
  eventRecords(records: number): void;
}

/**
 * A meter that stops nothing.
 *
 * @example Usage
 * ```ts
 * import { NO_METER } from "@setway/setway/hw";
 * NO_METER.pagesTouched(1 << 30);
 * ```
 */
export const NO_METER: WorkMeter = Object.freeze({
  work(_n: number): void {},
  pagesTouched(_pages: number): void {},
  eventRecords(_records: number): void {},
});
