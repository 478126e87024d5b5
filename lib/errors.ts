/**
 * The one error type a user sees for a bad scenario.
 *
 * Every invalid input (a builder call with a value it cannot take, a machine
 * or policy name that does not exist, an address outside RAM, a budget
 * exceeded) throws a {@linkcode ScenarioError}. Its fields are data first:
 * `code` is a closed union, `call` names the builder call (or the field of a
 * JSON scenario), `value` is what was given. The message is one sentence that
 * says how to fix it.
 *
 * @module
 */

/** Why a scenario was refused. */
export type ScenarioErrorCode =
  | "invalid_value"
  | "out_of_range"
  | "unknown_name"
  | "bad_geometry"
  | "bad_address"
  | "bad_schema"
  | "budget_exceeded";

/**
 * An invalid scenario: thrown at the builder call or at `run()`.
 *
 * @example Usage
 * ```ts
 * import { ScenarioError } from "@setway/setway";
 * const err = new ScenarioError("out_of_range", "cpus", 0, "cpus(0): expected an integer from 1 to 8");
 * console.log(err.message); // "cpus(0): expected an integer from 1 to 8"
 * ```
 */
export class ScenarioError extends Error {
  /** What kind of mistake this is. */
  readonly code: ScenarioErrorCode;
  /** The builder call or scenario field that was given the bad value, e.g. `"cpus"` or `"steps[3].addr"`. */
  readonly call: string;
  /** The value that was refused. */
  readonly value: unknown;

  /**
   * Creates the error; prefer a message that names the call and the value.
   *
   * @param code what kind of mistake this is
   * @param call the builder call or scenario field at fault
   * @param value the refused value
   * @param message one sentence naming the call and the value, and what would be accepted
   */
  constructor(code: ScenarioErrorCode, call: string, value: unknown, message: string) {
    super(message);
    this.name = "ScenarioError";
    this.code = code;
    this.call = call;
    this.value = value;
  }
}

/**
 * Formats a value for an error message: numbers that look like addresses in hex.
 *
 * @example Usage
 * ```ts
 * import { showValue } from "./errors.ts";
 * showValue(0x40000000); // "0x40000000"
 * showValue("xgene"); // "\"xgene\""
 * showValue({ size: NaN }); // "{\"size\":NaN}"
 * ```
 * @param value any value
 * @returns a short printable form
 */
export function showValue(value: unknown): string {
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) >= 0x10000) {
    return (value < 0 ? "-0x" : "0x") + Math.abs(value).toString(16);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (typeof value === "symbol") return String(value);
  try {
    const s = JSON.stringify(value, keepUnrepresentable);
    if (s !== undefined) {
      // The marked values come back unquoted: NaN, not "NaN" (nor JSON's null).
      const shown = s.replace(/"\\u0000([^"]*)\\u0000"/g, "$1");
      return shown.length > 80 ? shown.slice(0, 77) + "..." : shown;
    }
  } catch {
    // fall through: cyclic or otherwise unprintable
  }
  return String(value);
}

/** JSON.stringify replacer marking what JSON cannot hold (NaN, Infinity, undefined, functions). */
function keepUnrepresentable(this: unknown, _key: string, v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v)) return `\u0000${v}\u0000`;
  if (v === undefined) return "\u0000undefined\u0000";
  if (typeof v === "function") return "\u0000function\u0000";
  if (typeof v === "bigint") return `\u0000${v}n\u0000`;
  if (typeof v === "symbol") return `\u0000${String(v)}\u0000`;
  return v;
}
