/**
 * A mistake on the command line itself: an unknown command or flag, a
 * missing argument, a value not in the list. Like a `ScenarioError`, it is
 * printed as one line and the program exits with status 2.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 * const e = new UsageError('unknown command "explore"; commands: run, compare, list, help');
 * console.log(e.message);
 * ```
 *
 * @module
 */

/**
 * A command-line mistake, reported as `setway: <message>` with exit status 2.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 * try {
 *   throw new UsageError("run: missing <scenario>");
 * } catch (e) {
 *   console.log(e instanceof UsageError, (e as Error).message);
 * }
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message one sentence: what is wrong and what would be accepted
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
