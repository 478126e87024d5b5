/**
 * RAM sizes as a user writes them: a number of bytes, or a string with a
 * binary unit (`"512MiB"`, `"1GiB"`, `"64GiB"`; `K`, `M`, `G`, `T` are
 * accepted as the same binary units, as QEMU's `-m` does). The result must
 * be a whole number of 4 KiB pages, from 4 KiB to 1 TiB.
 *
 * @example Usage
 * ```ts
 * import { parseRam } from "@setway/setway/guest";
 * console.log(parseRam("512MiB")); // 536870912
 * console.log(parseRam(1 << 30)); // 1073741824
 * ```
 *
 * @module
 */

import { ramSizeProblem } from "../engine/rules/values.ts";
import { callError } from "./issues.ts";

/** A binary size unit. */
export type RamUnit = "B" | "KiB" | "MiB" | "GiB" | "TiB" | "K" | "M" | "G" | "T";

/** A RAM size as a string, e.g. `"1GiB"`. */
export type RamString = `${number}${RamUnit}`;

/** A RAM size: bytes, or a string with a unit. */
export type RamSize = number | RamString;

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  B: 1,
  K: 2 ** 10,
  KIB: 2 ** 10,
  M: 2 ** 20,
  MIB: 2 ** 20,
  G: 2 ** 30,
  GIB: 2 ** 30,
  T: 2 ** 40,
  TIB: 2 ** 40,
};

const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/;

/**
 * Parses a RAM size and checks it is whole pages, 4 KiB to 1 TiB.
 *
 * @example Usage
 * ```ts
 * import { parseRam } from "@setway/setway/guest";
 * console.log(parseRam("64GiB") === 64 * 2 ** 30); // true
 * ```
 * @param input bytes, or a string such as `"1GiB"`
 * @param call the builder call to name in errors; default `"ram"`
 * @returns the size in bytes
 * @throws {ScenarioError} `invalid_value` for a string that does not parse or a
 *   size that is not a multiple of 4 KiB; `out_of_range` below 4 KiB or above 1 TiB
 */
export function parseRam(input: unknown, call = "ram"): number {
  let bytes: number;
  if (typeof input === "number") {
    bytes = input;
  } else if (typeof input === "string") {
    const match = SIZE_PATTERN.exec(input);
    const unit = match ? UNITS[match[2].toUpperCase()] : undefined;
    if (!match || unit === undefined) {
      throw callError(
        "invalid_value",
        call,
        input,
        'a size in bytes or a string such as "512MiB", "1GiB" or "64GiB"',
      );
    }
    bytes = Number(match[1]) * unit;
  } else {
    throw callError("invalid_value", call, input, 'a number of bytes or a string such as "1GiB"');
  }
  const p = ramSizeProblem(bytes);
  if (p) throw callError(p.code, call, input, p.expected);
  return bytes;
}
