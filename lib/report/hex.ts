/**
 * Hexadecimal formatting for traces and reports, printf-style.
 *
 * Every hex number setway prints goes through these helpers, so a trace reads
 * the same everywhere: `0x%08x` for 32-bit values (wider when the value needs
 * it), `0x%016x` for 64-bit addresses, and the kernel's `%#0Nx`, whose width
 * counts the `0x` prefix (the kernel's `vsnprintf`, which ftrace uses, prints
 * the prefix even for zero, unlike C libraries).
 *
 * Values are JavaScript numbers: non-negative integers up to 2^53 - 1. Anything
 * else is refused with a {@linkcode ScenarioError}.
 *
 * @example Usage
 * ```ts
 * import { hex32, hexAddr } from "./hex.ts";
 * hex32(0xbeef); // "0x0000beef"
 * hexAddr(0x4000_8234); // "0x40008234"
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";

function digits(value: number, call: string): string {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ScenarioError(
      "invalid_value",
      call,
      value,
      `${call}(${showValue(value)}): expected a non-negative integer up to 2^53 - 1`,
    );
  }
  return value.toString(16);
}

/**
 * Hex digits of `value` zero-padded to at least `width` digits, with a `0x`
 * prefix: printf's `0x%0<width>x`.
 *
 * @example Usage
 * ```ts
 * import { hexPad } from "./hex.ts";
 * hexPad(0x24, 4); // "0x0024"
 * hexPad(0x12345, 2); // "0x12345"
 * ```
 * @param value a non-negative safe integer
 * @param width the minimum number of digits
 * @returns `0x` followed by at least `width` lower-case hex digits
 */
export function hexPad(value: number, width: number): string {
  return "0x" + digits(value, "hexPad").padStart(width, "0");
}

/**
 * A 32-bit value: `0x%08x` (more digits if the value is wider).
 *
 * @example Usage
 * ```ts
 * import { hex32 } from "./hex.ts";
 * hex32(1); // "0x00000001"
 * ```
 * @param value a non-negative safe integer
 * @returns the value as `0x` and at least 8 hex digits
 */
export function hex32(value: number): string {
  return "0x" + digits(value, "hex32").padStart(8, "0");
}

/**
 * A 64-bit value: `0x%016x`, as the kernel prints a `%016lx` guest PC.
 *
 * @example Usage
 * ```ts
 * import { hex64 } from "./hex.ts";
 * hex64(0x4000_8234); // "0x0000000040008234"
 * ```
 * @param value a non-negative safe integer
 * @returns the value as `0x` and 16 hex digits
 */
export function hex64(value: number): string {
  return "0x" + digits(value, "hex64").padStart(16, "0");
}

/**
 * An address: `0x%08x` when it fits in 32 bits, `0x%016x` otherwise.
 *
 * @example Usage
 * ```ts
 * import { hexAddr } from "./hex.ts";
 * hexAddr(0x4000_0000); // "0x40000000"
 * hexAddr(0x80_0000_0000); // "0x0000008000000000"
 * ```
 * @param value a non-negative safe integer
 * @returns the address in hex, 8 or 16 digits
 */
export function hexAddr(value: number): string {
  const d = digits(value, "hexAddr");
  return "0x" + d.padStart(d.length > 8 ? 16 : 8, "0");
}

/**
 * The kernel's `%#0<width>x` (and `%#x` with `width` 0): the `0x` prefix
 * counts towards the width and is printed even for zero.
 *
 * @example Usage
 * ```ts
 * import { hexAlt } from "./hex.ts";
 * hexAlt(0x1234, 8); // "0x001234"
 * hexAlt(0x4000_8234, 8); // "0x40008234"
 * hexAlt(0, 0); // "0x0"
 * ```
 * @param value a non-negative safe integer
 * @param width the minimum field width, prefix included
 * @returns the value as the kernel's `vsnprintf` prints it
 */
export function hexAlt(value: number, width: number): string {
  return "0x" + digits(value, "hexAlt").padStart(Math.max(width - 2, 0), "0");
}
