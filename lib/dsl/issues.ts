/**
 * Scenario problems as data, and the errors that carry them.
 *
 * An issue is `{ code, path, value, message }`: `code` is the closed union
 * of {@linkcode ScenarioErrorCode}, `path` names the builder call (`"cpus"`)
 * or the scenario field (`"steps[2].addr"`), `value` is what was given.
 * Messages are written in one place, {@linkcode issueMessage}, by an
 * exhaustive switch over the code. Checks at `toJSON()`, `run()` and
 * `scenarioFrom()` collect every issue before throwing one
 * {@linkcode InvalidScenarioError} that lists them all.
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

import type { ScenarioIssue } from "../engine/validate.ts";
import { ScenarioError, type ScenarioErrorCode, showValue } from "../errors.ts";

export type { ScenarioErrorCode, ScenarioIssue };

/** Whether an issue names a builder call (`cpus(0)`) or a field (`steps[2].addr = 3`). */
export type IssueForm = "call" | "field";

/**
 * Formats a refused value for a message: {@linkcode showValue}, except that
 * numbers JSON cannot print (NaN, ±Infinity) are shown as themselves.
 *
 * @example Usage
 * ```ts
 * import { showArg } from "./issues.ts";
 * console.log(showArg(Number.NaN), showArg(0x4000_0000)); // "NaN" "0x40000000"
 * ```
 * @param value any value
 * @returns a short printable form
 */
export function showArg(value: unknown): string {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : showValue(value);
}

function describe(code: ScenarioErrorCode, expected: string): string {
  switch (code) {
    case "invalid_value":
      return `invalid value: expected ${expected}`;
    case "out_of_range":
      return `out of range: expected ${expected}`;
    case "unknown_name":
      return `unknown name; valid names: ${expected}`;
    case "bad_geometry":
      return `bad cache geometry: expected ${expected}`;
    case "bad_address":
      return `bad address: expected ${expected}`;
    case "bad_schema":
      return `not part of the scenario schema: expected ${expected}`;
    case "budget_exceeded":
      return `over budget: expected ${expected}`;
    default: {
      const never: never = code;
      return `${String(never)}: expected ${expected}`;
    }
  }
}

/**
 * Writes an issue's message: `<where>: <what went wrong>: expected <detail>`.
 *
 * @example Usage
 * ```ts
 * import { issueMessage } from "./issues.ts";
 * issueMessage("bad_address", "steps[2].addr", 0x3, "a 4-byte aligned address", "field");
 * // "steps[2].addr = 3: bad address: expected a 4-byte aligned address"
 * ```
 * @param code the issue's code
 * @param path the call or field
 * @param value the refused value
 * @param expected what would have been accepted (or, for `unknown_name`, the valid names)
 * @param form how to name the place: as a call or as a field
 * @returns the message
 */
export function issueMessage(
  code: ScenarioErrorCode,
  path: string,
  value: unknown,
  expected: string,
  form: IssueForm,
): string {
  const where = form === "call" ? `${path}(${showArg(value)})` : `${path} = ${showArg(value)}`;
  return `${where}: ${describe(code, expected)}`;
}

/**
 * Creates an issue with its message.
 *
 * @example Usage
 * ```ts
 * import { makeIssue } from "./issues.ts";
 * makeIssue("unknown_name", "speculation", "loud", "quiet, adversarial", "call").code; // "unknown_name"
 * ```
 * @param code what kind of mistake
 * @param path the call or field at fault
 * @param value the refused value
 * @param expected what would be accepted
 * @param form how to name the place; default `"field"`
 * @returns the issue
 */
export function makeIssue(
  code: ScenarioErrorCode,
  path: string,
  value: unknown,
  expected: string,
  form: IssueForm = "field",
): ScenarioIssue {
  return { code, path, value, message: issueMessage(code, path, value, expected, form) };
}

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
  const message = `${where}: ${describe(code, expected)}`;
  return new ScenarioError(code, call, value, message);
}

/**
 * A scenario with one or more issues: a {@linkcode ScenarioError} for the
 * first, with every issue in {@linkcode InvalidScenarioError.issues}.
 *
 * @example Usage
 * ```ts
 * import { InvalidScenarioError, makeIssue } from "./issues.ts";
 * const err = new InvalidScenarioError([makeIssue("bad_address", "steps[0].addr", 3, "an aligned address")]);
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
