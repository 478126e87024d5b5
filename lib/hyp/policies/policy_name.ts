/**
 * The `name` option of the built-in policy factories (`kvm40With`,
 * `kvm318With`, `xenWith`, `kvmModernWith`): the name the policy is shown
 * and compared by, a non-empty string.
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";

/**
 * Checks the name a factory gives its policy.
 *
 * @example Usage
 * ```ts
 * import { policyName } from "./policy_name.ts";
 * console.log(policyName("xenWith", "xen-test")); // "xen-test"
 * try {
 *   policyName("xenWith", "");
 * } catch (e) {
 *   console.log((e as Error).message); // 'xenWith({ name: "" }): expected a non-empty string'
 * }
 * ```
 * @param call the factory, e.g. `"xenWith"`
 * @param name the name given, or the factory's default
 * @returns the name
 * @throws {ScenarioError} `invalid_value` at `<call>.name` unless it is a non-empty string
 */
export function policyName(call: string, name: unknown): string {
  if (typeof name !== "string" || name === "") {
    throw new ScenarioError(
      "invalid_value",
      `${call}.name`,
      name,
      `${call}({ name: ${showValue(name)} }): expected a non-empty string`,
    );
  }
  return name;
}
