/**
 * The value checks shared by builder calls (lib/dsl), scenario validation
 * at `toJSON()` / `scenarioFrom()` and the checks of `run()`: one rule, one
 * function. Each returns `null` for a good value or a {@linkcode Problem}:
 * the issue code and what would have been accepted. Callers decide how to
 * name the place (a builder call or a scenario field).
 *
 * @example Usage
 * ```ts
 * import { addressProblem } from "./values.ts";
 * console.log(addressProblem(0x4000_0000)); // null
 * console.log(addressProblem(0x4000_0002)?.code); // "bad_address"
 * ```
 *
 * @module
 */

import { type ScenarioErrorCode, showValue } from "../../errors.ts";
import { didYouMean } from "../../options.ts";
import { MAX_PC, MAX_PHYS, MAX_RAM } from "../../limits.ts";
import { isWordAligned, PAGE_SIZE } from "../../hw/memory.ts";

export { MAX_PHYS, MAX_RAM, MAX_SW_INDEX, MAX_SW_LEVEL } from "../../limits.ts";

/** A refused value: why, and what would be accepted. */
export interface Problem {
  /** The issue code. */
  readonly code: ScenarioErrorCode;
  /** What would be accepted, e.g. `"a 4-byte aligned address"`. */
  readonly expected: string;
}

/** The granule of RAM sizes, RAM bases and unmaps: hw/memory.ts's one page size, 4 KiB. */
export { PAGE_SIZE } from "../../hw/memory.ts";

/** Guest RAM as a range: `[ramBase, ramBase + ram)`. */
export interface RamRange {
  /** First byte of RAM. */
  readonly ramBase: number;
  /** Size in bytes. */
  readonly ram: number;
}

/**
 * Checks an integer in `[min, max]`.
 *
 * @example Usage
 * ```ts
 * import { integerProblem } from "./values.ts";
 * console.log(integerProblem(0, 1, 4)?.code); // "out_of_range"
 * console.log(integerProblem(1.5, 1, 4)?.code); // "invalid_value"
 * ```
 * @param value the value
 * @param min smallest accepted
 * @param max largest accepted
 * @returns null, or `invalid_value` (not an integer) / `out_of_range`
 */
export function integerProblem(value: unknown, min: number, max: number): Problem | null {
  const expected = max === Number.MAX_SAFE_INTEGER
    ? `an integer of at least ${showValue(min)}`
    : `an integer from ${showValue(min)} to ${showValue(max)}`;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    return { code: "invalid_value", expected };
  }
  return value < min || value > max ? { code: "out_of_range", expected } : null;
}

/**
 * Checks a guest physical address of a word: a non-negative integer below
 * 2^48, 4-byte aligned.
 *
 * @example Usage
 * ```ts
 * import { addressProblem } from "./values.ts";
 * console.log(addressProblem(-4)?.expected); // "a non-negative integer address below 0x1000000000000"
 * ```
 * @param value the address
 * @returns null, or a `bad_address` problem
 */
export function addressProblem(value: unknown): Problem | null {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value >= MAX_PHYS) {
    return {
      code: "bad_address",
      expected: `a non-negative integer address below ${showValue(MAX_PHYS)}`,
    };
  }
  return isWordAligned(value)
    ? null
    : { code: "bad_address", expected: "a 4-byte aligned address" };
}

/**
 * Checks that `[addr, addr + len)` lies inside guest RAM.
 *
 * @example Usage
 * ```ts
 * import { ramProblem } from "./values.ts";
 * const ram = { ramBase: 0x4000_0000, ram: 1 << 30 };
 * console.log(ramProblem(0x8000_0000, 4, ram)?.code); // "bad_address"
 * ```
 * @param addr first byte
 * @param len number of bytes
 * @param range the RAM
 * @returns null, or a `bad_address` problem naming the RAM range
 */
export function ramProblem(addr: number, len: number, range: RamRange): Problem | null {
  const end = range.ramBase + range.ram;
  if (addr >= range.ramBase && addr + len <= end) return null;
  const what = len > 4 ? `a range of ${len} bytes` : "an address";
  return {
    code: "bad_address",
    expected: `${what} inside RAM [${showValue(range.ramBase)}, ${showValue(end)})`,
  };
}

/**
 * Checks a 32-bit value: an integer from 0 to 0xffff_ffff.
 *
 * @example Usage
 * ```ts
 * import { u32Problem } from "./values.ts";
 * console.log(u32Problem(0x1_0000_0000)?.code); // "invalid_value"
 * ```
 * @param value the value
 * @returns null, or an `invalid_value` problem
 */
export function u32Problem(value: unknown): Problem | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 &&
      value <= 0xffff_ffff
    ? null
    : { code: "invalid_value", expected: "a 32-bit value (an integer from 0 to 0xffffffff)" };
}

/**
 * Normalizes a 32-bit value given to a builder: negative 32-bit integers
 * become their unsigned form (-1 → 0xffff_ffff); anything else is returned
 * unchanged for {@linkcode u32Problem} to judge.
 *
 * @example Usage
 * ```ts
 * import { toU32 } from "./values.ts";
 * console.log(toU32(-1)); // 4294967295
 * ```
 * @param value the value as given
 * @returns the unsigned value, or the input when it is not a negative 32-bit integer
 */
export function toU32(value: unknown): unknown {
  return typeof value === "number" && Number.isInteger(value) && value < 0 &&
      value >= -0x8000_0000
    ? value >>> 0
    : value;
}

/**
 * Checks an index into a set of `count` things (vCPUs, physical CPUs).
 *
 * @example Usage
 * ```ts
 * import { indexProblem } from "./values.ts";
 * console.log(indexProblem(4, 4, "vCPU")?.expected); // "a vCPU index from 0 to 3 (there are 4)"
 * ```
 * @param value the index
 * @param count how many there are; `Infinity` when that is not known (the
 *   machine or the vCPU count is itself invalid), which checks the index's form only
 * @param noun what is indexed, e.g. `"vCPU"`
 * @returns null, or `invalid_value` / `out_of_range`
 */
export function indexProblem(value: unknown, count: number, noun: string): Problem | null {
  // The message is built only for a problem: a program's every step asks.
  const expected = () =>
    Number.isFinite(count)
      ? `a ${noun} index from 0 to ${count - 1} (there are ${count})`
      : `a ${noun} index: a whole number from 0`;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    return { code: "invalid_value", expected: expected() };
  }
  return value >= count ? { code: "out_of_range", expected: expected() } : null;
}

/**
 * Checks a name against the valid ones.
 *
 * @example Usage
 * ```ts
 * import { nameProblem } from "./values.ts";
 * console.log(nameProblem("loud", ["quiet", "adversarial"])?.expected); // "quiet, adversarial"
 * ```
 * @param value the name
 * @param names the valid names
 * @returns null, or an `unknown_name` problem listing the valid names
 */
export function nameProblem(value: unknown, names: readonly string[]): Problem | null {
  return typeof value === "string" && names.includes(value)
    ? null
    : { code: "unknown_name", expected: names.join(", ") + didYouMean(value, names) };
}

/**
 * Checks a guest PC: a non-negative, 4-byte aligned integer below 2^52.
 *
 * @example Usage
 * ```ts
 * import { pcProblem } from "./values.ts";
 * console.log(pcProblem(0x4000_8000)); // null
 * console.log(pcProblem(0x4000_8002)?.code); // "bad_address"
 * ```
 * @param value the PC
 * @returns null, or a `bad_address` problem
 */
export function pcProblem(value: unknown): Problem | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 &&
      value < MAX_PC && value % 4 === 0
    ? null
    : { code: "bad_address", expected: "a 4-byte aligned PC below 2^52" };
}

/**
 * Checks a guest RAM size: a whole number of 4 KiB pages, from 4 KiB to
 * 1 TiB ({@linkcode MAX_RAM}). The builders' `ram()`, a scenario's `ram`
 * field and `explore({ ram })` all take it from here.
 *
 * @example Usage
 * ```ts
 * import { ramSizeProblem } from "./values.ts";
 * console.log(ramSizeProblem(1 << 30)); // null
 * console.log(ramSizeProblem(5000)?.code, ramSizeProblem(2 ** 41)?.code); // "invalid_value" "out_of_range"
 * ```
 * @param value the size in bytes
 * @returns null, or `invalid_value` (not whole pages) / `out_of_range`
 */
export function ramSizeProblem(value: unknown): Problem | null {
  const pages: Problem = { code: "invalid_value", expected: "a whole number of 4 KiB pages" };
  if (typeof value !== "number" || !Number.isSafeInteger(value)) return pages;
  if (value < PAGE_SIZE || value > MAX_RAM) {
    return { code: "out_of_range", expected: "from 4 KiB to 1 TiB" };
  }
  return value % PAGE_SIZE === 0 ? null : pages;
}

/**
 * Checks where guest RAM starts: a 4 KiB-aligned address below 2^48 with
 * room for one page (whether the whole RAM fits is
 * {@linkcode ramEndProblem}'s).
 *
 * @example Usage
 * ```ts
 * import { ramBaseProblem } from "./values.ts";
 * console.log(ramBaseProblem(0x4000_0000)); // null
 * console.log(ramBaseProblem(0x123)?.code); // "bad_address"
 * ```
 * @param value the base address
 * @returns null, or a `bad_address` problem
 */
export function ramBaseProblem(value: unknown): Problem | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 &&
      value <= MAX_PHYS - PAGE_SIZE && value % PAGE_SIZE === 0
    ? null
    : { code: "bad_address", expected: "a 4 KiB-aligned address below 2^48" };
}

/**
 * Checks that RAM, a valid size at a valid base, ends at or below 2^48
 * ({@linkcode MAX_PHYS}): the size is at fault.
 *
 * @example Usage
 * ```ts
 * import { ramEndProblem } from "./values.ts";
 * console.log(ramEndProblem({ ramBase: 2 ** 48 - 4096, ram: 8192 })?.code); // "out_of_range"
 * ```
 * @param range the RAM
 * @returns null, or an `out_of_range` problem naming the base
 */
export function ramEndProblem(range: RamRange): Problem | null {
  return range.ramBase + range.ram <= MAX_PHYS ? null : {
    code: "out_of_range",
    expected: `RAM ending below 2^48 (ramBase is ${showValue(range.ramBase)})`,
  };
}

/**
 * Checks the address of a page the host unmaps: 4 KiB-aligned, below
 * 2^48, and, when the RAM is known, inside it.
 *
 * @example Usage
 * ```ts
 * import { pageProblem } from "./values.ts";
 * const ram = { ramBase: 0x4000_0000, ram: 1 << 30 };
 * console.log(pageProblem(0x4000_1000, ram), pageProblem(0x4000_1004, ram)?.code); // null "bad_address"
 * ```
 * @param value the address
 * @param range the RAM, or undefined when it is not known
 * @returns null, or a `bad_address` problem
 */
export function pageProblem(value: unknown, range?: RamRange): Problem | null {
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 ||
    value >= MAX_PHYS || value % PAGE_SIZE !== 0
  ) {
    return { code: "bad_address", expected: "a 4 KiB-aligned page address" };
  }
  return range === undefined ? null : ramProblem(value, PAGE_SIZE, range);
}
