/**
 * Reading a scenario back from JSON: the inverse of `vm()....toJSON()`.
 *
 * ```ts
 * import { scenarioFrom } from "@setway/setway";
 * import { vm } from "@setway/setway";
 * const s = vm().guest((g) => g.zImage32()).toJSON();
 * const back = scenarioFrom(JSON.stringify(s)); // deep-equal to s
 * ```
 *
 * Every issue of the document is collected; the thrown error's code is
 * `bad_schema` (the document does not describe a valid scenario), its
 * `call` the first issue's field (e.g. `steps[2].addr`), and its `issues`
 * keep each issue's own code.
 *
 * @module
 */

import type { Scenario } from "../engine/scenario.ts";
import { callError } from "./issues.ts";
import { checkStepCount } from "../engine/budget.ts";
import { DEFAULT_MAX_STEPS } from "../engine/options.ts";
import { ScenarioError } from "../errors.ts";
import { validOrThrow } from "./validate.ts";
import { MAX_DATA_DEPTH } from "../limits.ts";

/**
 * Parses and validates a JSON scenario.
 *
 * @example Usage
 * ```ts
 * import { scenarioFrom } from "@setway/setway";
 * try {
 *   scenarioFrom({ version: 1, machine: "generic" });
 * } catch (e) {
 *   console.log((e as { code: string }).code); // "bad_schema"
 * }
 * ```
 * @param json a JSON string, or already-parsed data
 * @param maxSteps the step budget: a longer program is refused before its steps
 *   are checked; default {@linkcode DEFAULT_MAX_STEPS}
 * @returns the scenario, frozen
 * @throws {InvalidScenarioError} `bad_schema`, naming the first bad field and listing every issue
 * @throws {ScenarioError} `budget_exceeded` for more steps than `maxSteps`
 */
export function scenarioFrom(json: unknown, maxSteps: number = DEFAULT_MAX_STEPS): Scenario {
  let data = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw callError("bad_schema", "scenarioFrom", json, `valid JSON (${(e as Error).message})`);
    }
  }
  // Only the document's own steps count, read without running a getter: the
  // copy below reports a getter that throws, and counts the steps it returns.
  const steps = data !== null && typeof data === "object"
    ? Object.getOwnPropertyDescriptor(data, "steps")?.value
    : undefined;
  // Every step costs at least one instruction: refuse a huge program before checking each step.
  if (Array.isArray(steps)) checkStepCount(steps.length, maxSteps);
  const copy = plainData(data, 0);
  const copied = (copy as { steps?: unknown } | null)?.steps;
  if (Array.isArray(copied)) checkStepCount(copied.length, maxSteps);
  return validOrThrow(copy, "bad_schema");
}

/**
 * A copy of a document as plain data: arrays rebuilt index by index, objects
 * from their own enumerable keys, so that nothing a caller's object carries
 * besides its data (an own `constructor`, an odd prototype, a getter) reaches
 * the checks or the builder. A getter that throws, or a cycle, is refused;
 * deeper than {@linkcode MAX_DATA_DEPTH}, a document is refused rather than copied.
 */
function plainData(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DATA_DEPTH) {
    throw callError(
      "bad_schema",
      "scenarioFrom",
      value,
      `data nested at most ${MAX_DATA_DEPTH} deep`,
    );
  }
  try {
    if (Array.isArray(value)) {
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = plainData(value[i], depth + 1);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      out[key] = plainData((value as Record<string, unknown>)[key], depth + 1);
    }
    return out;
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw callError("bad_schema", "scenarioFrom", value, `plain data (reading it threw ${e})`);
  }
}
