/**
 * Scenario problems as data, and the errors that carry them.
 *
 * An issue is `{ code, path, value, message }`: `code` is the closed union
 * of {@linkcode ScenarioErrorCode}, `path` names the builder call (`"cpus"`)
 * or the scenario field (`"steps[2].addr"`), `value` is what was given.
 * Messages are written in one place, {@linkcode issueMessage} (in
 * lib/engine/rules/issues.ts, shared with `run()`), by an exhaustive switch over
 * the code. Checks at `toJSON()` and `scenarioFrom()` collect every issue
 * before throwing one {@linkcode InvalidScenarioError} that lists them all
 * (`run()` collects them too and lists them in one `ScenarioError`).
 *
 * @example Usage
 * ```ts
 * import { makeIssue } from "./issues.ts";
 * const issue = makeIssue("out_of_range", "cpus", 9, "an integer from 1 to 8", "call");
 * console.log(issue.message); // "cpus(9): out of range: expected an integer from 1 to 8"
 * ```
 *
 * @module
 */

import {
  describeProblem,
  type IssueForm,
  issueMessage,
  makeIssue,
  type ScenarioIssue,
  showArg,
} from "../engine/rules/issues.ts";
import { ScenarioError, type ScenarioErrorCode } from "../errors.ts";

export type { IssueForm, ScenarioErrorCode, ScenarioIssue };
export { issueMessage, makeIssue, showArg };

/**
 * The error a builder call throws: a {@linkcode ScenarioError} whose message
 * names the call and the value.
 *
 * @example Usage
 * ```ts
 * import { callError } from "./issues.ts";
 * const err = callError("invalid_value", "seed", 1.5, "an integer");
 * console.log(err.message); // "seed(1.5): invalid value: expected an integer"
 * ```
 * @param code what kind of mistake
 * @param call the builder call, e.g. `"cpus"`, or `"write"` with `arg` `"value"`
 * @param value the refused value
 * @param expected what would be accepted
 * @param arg the argument's name, for calls with several
 * @returns the error, to throw
 */
export function callError(
  code: ScenarioErrorCode,
  call: string,
  value: unknown,
  expected: string,
  arg?: string,
): ScenarioError {
  const where = arg === undefined
    ? `${call}(${showArg(value)})`
    : `${call}(${arg} = ${showArg(value)})`;
  const message = `${where}: ${describeProblem(code, expected)}`;
  return new ScenarioError(code, call, value, message);
}

/**
 * A scenario with one or more issues: a {@linkcode ScenarioError} for the
 * first, with every issue in {@linkcode InvalidScenarioError.issues}.
 *
 * @example Usage
 * ```ts
 * import { InvalidScenarioError } from "@setway/setway";
 * const err = new InvalidScenarioError([{
 *   code: "bad_address", path: "steps[0].addr", value: 3,
 *   message: "steps[0].addr: 3 is not an aligned address",
 * }]);
 * console.log(err.issues.length, err.call); // 1 "steps[0].addr"
 * ```
 */
export class InvalidScenarioError extends ScenarioError {
  /** Every issue found, in scenario order. */
  readonly issues: readonly ScenarioIssue[];

  /**
   * Collects the issues of one scenario into one error.
   *
   * @param issues at least one issue
   * @param code the error's code; default: the first issue's code
   */
  constructor(issues: readonly ScenarioIssue[], code?: ScenarioErrorCode) {
    const first = issues[0];
    const shown = issues.slice(0, 5).map((i) => i.message).join("; ");
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : "";
    const count = issues.length === 1 ? "1 issue" : `${issues.length} issues`;
    super(
      code ?? first.code,
      first.path,
      first.value,
      `invalid scenario (${count}): ${shown}${more}`,
    );
    this.issues = Object.freeze([...issues]);
  }
}
