/**
 * Options shared by guest presets, and the check of the one every preset
 * takes: the vCPU that runs it.
 *
 * @example Usage
 * ```ts
 * import { presetVcpu } from "./options.ts";
 * console.log(presetVcpu("noMaintenance", 2)); // 2
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { ImageOptions } from "./image.ts";
import { checkOptionKeys } from "../options.ts";

export { presetInteger } from "./integer_option.ts";

/**
 * The options every image preset takes: where the image goes and how big it is.
 *
 * @example Usage
 * ```ts
 * import { IMAGE_OPTION_KEYS } from "./options.ts";
 * console.log(IMAGE_OPTION_KEYS); // ["base", "words", "pages"]
 * ```
 */
export const IMAGE_OPTION_KEYS: readonly string[] = Object.freeze(["base", "words", "pages"]);

/**
 * Checks a preset's options argument: undefined or an object whose own keys
 * are the preset's (`vcpu`, the image options, and `extra`), refusing a
 * near miss with a suggestion. Returns the own, defined options.
 *
 * @example Usage
 * ```ts
 * import { presetOptions } from "./options.ts";
 * presetOptions("edk2", { base: 0x4020_0000 }); // { base: 0x40200000 }
 * try {
 *   presetOptions("edk2", { bsae: 0 });
 * } catch (e) {
 *   console.log((e as Error).message); // edk2(bsae = 0): unknown option "bsae" (did you mean "base"?); ...
 * }
 * ```
 * @param call the preset's name
 * @param options what was given
 * @param extra the preset's own options beyond `vcpu` and the image options
 * @returns the options, on a null prototype
 * @throws {ScenarioError} for options that are not an object or an unknown key
 */
export function presetOptions(
  call: string,
  options: unknown,
  extra: readonly string[] = [],
): Record<string, unknown> {
  return checkOptionKeys(call, options, ["vcpu", ...IMAGE_OPTION_KEYS, ...extra]);
}

/** Options of the simple presets ({@linkcode noMaintenance}-style guests). */
export interface SimpleGuestOptions extends ImageOptions {
  /** The vCPU that runs it. Default 0. */
  readonly vcpu?: number;
}

/**
 * Checks a preset's `vcpu` option.
 *
 * @example Usage
 * ```ts
 * import { presetVcpu } from "./options.ts";
 * console.log(presetVcpu("noMaintenance", undefined)); // 0
 * ```
 * @param call the preset's name, for errors
 * @param value the option as given
 * @returns the vCPU index (default 0)
 * @throws {ScenarioError} `invalid_value` when it is not a non-negative integer
 */
export function presetVcpu(call: string, value: unknown): number {
  const vcpu = value === undefined ? 0 : value;
  if (typeof vcpu !== "number" || !Number.isSafeInteger(vcpu) || vcpu < 0) {
    throw new ScenarioError(
      "invalid_value",
      call,
      vcpu,
      `${call}(vcpu = ${showValue(vcpu)}): expected a non-negative integer`,
    );
  }
  return vcpu;
}

/**
 * Checks an option of a preset that names one of a few choices.
 *
 * @example Usage
 * ```ts
 * import { presetChoice } from "./options.ts";
 * console.log(presetChoice("linuxArm64", "loadedBy", undefined, ["vmm", "firmware"])); // "vmm"
 * ```
 * @param call the preset's name, for errors
 * @param name the option's name, for errors
 * @param value the option as given
 * @param choices the accepted values; the first is the default
 * @returns the value, or the first choice when `value` is undefined
 * @throws {ScenarioError} `unknown_name` listing the choices
 */
export function presetChoice<T extends string>(
  call: string,
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  const v = value === undefined ? choices[0] : value;
  if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
    throw new ScenarioError(
      "unknown_name",
      call,
      v,
      `${call}(${name} = ${showValue(v)}): expected one of ${choices.join(", ")}`,
    );
  }
  return v as T;
}

/**
 * Checks an address option of a preset: a 4-byte aligned address below 4 GiB.
 *
 * @example Usage
 * ```ts
 * import { presetAddress } from "./options.ts";
 * console.log(presetAddress("linuxArm64", "fdt", undefined, 0x4000_0000).toString(16)); // "40000000"
 * ```
 * @param call the preset's name, for errors
 * @param name the option's name, for errors
 * @param value the option as given
 * @param fallback the default, used when `value` is undefined
 * @returns the address
 * @throws {ScenarioError} `bad_address` for anything else
 */
export function presetAddress(
  call: string,
  name: string,
  value: unknown,
  fallback: number,
): number {
  const v = value === undefined ? fallback : value;
  if (
    typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > 0xffff_fffc || v % 4 !== 0
  ) {
    throw new ScenarioError(
      "bad_address",
      call,
      v,
      `${call}(${name} = ${showValue(v)}): expected a 4-byte aligned address below 4 GiB`,
    );
  }
  return v;
}
