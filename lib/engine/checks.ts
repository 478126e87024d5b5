/**
 * The path under which the public API (mod.ts) still names
 * {@linkcode RamRange}; the value checks live in the rulebook,
 * lib/engine/rules/values.ts.
 *
 * @example Usage
 * ```ts
 * import type { RamRange } from "./checks.ts";
 * const ram: RamRange = { ramBase: 0x4000_0000, ram: 1 << 30 };
 * ```
 *
 * @module
 */

export type { RamRange } from "./rules/values.ts";
