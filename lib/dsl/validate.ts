/**
 * Whole-scenario validation, zod style: every issue of a scenario is
 * collected, then either returned ({@linkcode validate}) or thrown as one
 * {@linkcode InvalidScenarioError} ({@linkcode validOrThrow}).
 *
 * The checks are the engine's {@linkcode scenarioIssues}, the same that
 * `run()` makes: the schema (every field present, of the right type, no
 * unknown field) and the meaning (the machine exists or is buildable,
 * `cpus` fits the machine, RAM is whole pages, every step's vCPU, physical
 * CPU, address and set/way operand is in range). Policy names are not
 * checked here: a scenario may name a policy object supplied to `run()`.
 *
 * @example Usage
 * ```ts
 * import { validate } from "@setway/setway";
 * const result = validate({ version: 1, machine: "generic", cpus: 9 });
 * if (!result.ok) console.log(result.issues.map((i) => i.path));
 * ```
 *
 * @module
 */

import type { Scenario } from "../engine/scenario.ts";
import { checkedScenario, SPECULATION_MODES } from "../engine/rules/scenario.ts";
import { InvalidScenarioError, type ScenarioIssue } from "./issues.ts";

export { SPECULATION_MODES };

/** The result of {@linkcode validate}. */
export type ValidationResult =
  | { readonly ok: true; readonly scenario: Scenario }
  | { readonly ok: false; readonly issues: readonly ScenarioIssue[] };

/**
 * Checks a scenario and collects every issue.
 *
 * @example Usage
 * ```ts
 * import { validate } from "@setway/setway";
 * import { vm } from "@setway/setway";
 * const result = validate(vm().toJSON());
 * console.log(result.ok); // true
 * ```
 * @param input a scenario, as untrusted data (e.g. parsed JSON)
 * @returns `{ ok: true, scenario }` (a frozen copy) or `{ ok: false, issues }`
 */
export function validate(input: unknown): ValidationResult {
  return checkedScenario(input);
}

/**
 * Checks a scenario and throws every issue at once.
 *
 * @example Usage
 * ```ts
 * import { validOrThrow } from "./validate.ts";
 * try {
 *   validOrThrow({ version: 1 });
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("invalid scenario")); // true
 * }
 * ```
 * @param input a scenario, as untrusted data
 * @param code the thrown error's code; default: the first issue's code
 * @returns the scenario (a frozen copy)
 * @throws {InvalidScenarioError} listing every issue
 */
export function validOrThrow(input: unknown, code?: "bad_schema"): Scenario {
  const result = validate(input);
  if (!result.ok) throw new InvalidScenarioError(result.issues, code);
  return result.scenario;
}
