/**
 * Reading a scenario back from JSON: the inverse of `vm()....toJSON()`.
 *
 * ```ts
 * import { scenarioFrom } from "./scenario_from.ts";
 * import { vm } from "./vm.ts";
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
import { validOrThrow } from "./validate.ts";

/**
 * Parses and validates a JSON scenario.
 *
 * @example Usage
 * ```ts
 * import { scenarioFrom } from "./scenario_from.ts";
 * try {
 *   scenarioFrom({ version: 1, machine: "generic" });
 * } catch (e) {
 *   console.log((e as { code: string }).code); // "bad_schema"
 * }
 * ```
 * @param json a JSON string, or already-parsed data
 * @returns the scenario, frozen
 * @throws {InvalidScenarioError} `bad_schema`, naming the first bad field and listing every issue
 */
export function scenarioFrom(json: unknown): Scenario {
  let data = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw callError("bad_schema", "scenarioFrom", json, `valid JSON (${(e as Error).message})`);
    }
  }
  return validOrThrow(data, "bad_schema");
}
