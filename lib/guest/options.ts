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
