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
  const vcpu = value ?? 0;
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
 * Checks an integer option of a preset.
 *
 * @example Usage
 * ```ts
 * import { presetInteger } from "./options.ts";
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
  const v = value ?? fallback;
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
  const v = value ?? choices[0];
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
  const v = value ?? fallback;
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
