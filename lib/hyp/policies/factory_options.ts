/**
 * The options object of a policy factory (`kvm40With`, `kvm318With`,
 * `xenWith`, `kvmModernWith`): a plain object of known keys, each refused
 * by name when it is not.
 *
 * @example Usage
 * ```ts
 * import { factoryOptions } from "./factory_options.ts";
 * factoryOptions({ name: "xen-test" }, "xenWith", ["iommuSharesP2m", "name"]); // { name: "xen-test" }
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import { didYouMean } from "../../options.ts";

/**
 * Checks that `options` is an object whose keys are all in `keys`.
 *
 * @example Usage
 * ```ts
 * import { factoryOptions } from "./factory_options.ts";
 * try {
 *   factoryOptions({ iommu: true }, "xenWith", ["iommuSharesP2m", "name"]);
 * } catch (e) {
 *   console.log((e as Error).message); // xenWith: unknown option "iommu"; valid: iommuSharesP2m, name
 * }
 * ```
 * @param options what the caller gave
 * @param call the factory, named in errors
 * @param keys the options it takes
 * @returns the options, as a record
 * @throws {ScenarioError} `invalid_value` for a value that is not a plain object,
 *   `unknown_name` for a key that is not an option
 */
export function factoryOptions(
  options: unknown,
  call: string,
  keys: readonly string[],
): Record<string, unknown> {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ScenarioError(
      "invalid_value",
      call,
      options,
      `${call}(${showValue(options)}): expected { ${keys.map((k) => `${k}?`).join(", ")} }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) {
      throw new ScenarioError(
        "unknown_name",
        `${call}.${key}`,
        key,
        `${call}: unknown option ${showValue(key)}${didYouMean(key, keys)}; valid: ${
          keys.join(", ")
        }`,
      );
    }
  }
  return options as Record<string, unknown>;
}
