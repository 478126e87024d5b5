/**
 * Scenario problems as data: `{ code, path, value, message }`.
 *
 * `code` is the closed union {@linkcode ScenarioErrorCode}, `path` names the
 * builder call (`"cpus"`) or the scenario field (`"steps[2].addr"`), `value`
 * is what was given. Messages are written in one place,
 * {@linkcode issueMessage}, by an exhaustive switch over the code, for the
 * checks of the DSL and of `run()` alike.
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

import { type ScenarioErrorCode, showValue } from "../../errors.ts";

/**
 * One problem in a scenario.
 *
 * @example Usage
 * ```ts
 * import type { ScenarioIssue } from "@setway/setway";
 * const issue: ScenarioIssue = {
 *   code: "bad_address", path: "steps[3].addr", value: 0x40000002,
 *   message: "steps[3].addr = 0x40000002: bad address: expected a 4-byte aligned address",
 * };
 * ```
 */
export interface ScenarioIssue {
  /** What kind of mistake this is. */
  readonly code: ScenarioErrorCode;
  /** The field at fault, e.g. `"steps[3].addr"`. */
  readonly path: string;
  /** The refused value. */
  readonly value: unknown;
  /** One sentence naming the field and the value, and what would be accepted. */
  readonly message: string;
}

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

/**
 * What went wrong, in words: `<kind of mistake>: expected <detail>`.
 *
 * @example Usage
 * ```ts
 * import { describeProblem } from "./issues.ts";
 * console.log(describeProblem("bad_address", "a 4-byte aligned address"));
 * // "bad address: expected a 4-byte aligned address"
 * ```
 * @param code the issue's code
 * @param expected what would have been accepted (or, for `unknown_name`, the valid names)
 * @returns the description
 */
export function describeProblem(code: ScenarioErrorCode, expected: string): string {
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
  return `${where}: ${describeProblem(code, expected)}`;
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
