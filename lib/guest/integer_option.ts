/**
 * The check of an integer option of a guest preset (a count, a size, an
 * index): a safe integer in a range, or the default when absent.
 *
 * @example Usage
 * ```ts
 * import { presetInteger } from "./integer_option.ts";
 * console.log(presetInteger("image", "pages", 4, 8, 1, 4096)); // 4
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";

/**
 * Checks an integer option of a preset.
 *
 * @example Usage
 * ```ts
 * import { presetInteger } from "./integer_option.ts";
 * console.log(presetInteger("linuxArm64", "cpus", undefined, 1, 1, 64)); // 1
 * ```
 * @param call the preset's name, for errors
 * @param name the option's name, for errors
 * @param value the option as given
 * @param fallback the default, used when `value` is undefined
 * @param min the smallest accepted value
 * @param max the largest accepted value
 * @returns the value, or the default
 * @throws {ScenarioError} `invalid_value` for a non-integer, `out_of_range` outside `[min, max]`
 */
export function presetInteger(
  call: string,
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new ScenarioError(
      typeof v === "number" && Number.isSafeInteger(v) ? "out_of_range" : "invalid_value",
      call,
      v,
      `${call}(${name} = ${showValue(v)}): expected an integer from ${showValue(min)} to ${
        showValue(max)
      }`,
    );
  }
  return v;
}
