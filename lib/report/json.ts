/**
 * Run results as JSON text, readable and diffable: objects are indented
 * down to a given depth, arrays list one element a line down to that depth,
 * and everything deeper (each event, each step of the scenario) is printed
 * compactly on one line.
 *
 * The text parses back to exactly what the value's `toJSON()` returns, so
 * the `scenario` of a printed run can be fed back to `scenarioFrom()` (the
 * JSON round trip the command line relies on).
 *
 * @example Usage
 * ```ts
 * import { formatJson } from "@setway/setway/report";
 * formatJson({ policy: "kvm-4.0", events: [{ seq: 0, name: "kvm_exit" }] });
 * // {
 * //   "policy": "kvm-4.0",
 * //   "events": [
 * //     {"seq":0,"name":"kvm_exit"}
 * //   ]
 * // }
 * ```
 *
 * @module
 */

import { ScenarioError } from "../errors.ts";

/**
 * Options of {@linkcode formatJson}.
 *
 * @example Usage
 * ```ts
 * import type { JsonOptions } from "@setway/setway/report";
 * const o: JsonOptions = { compactDepth: 3 };
 * ```
 */
export interface JsonOptions {
  /**
   * Objects nested this deep or deeper are printed on one line (an array at
   * this depth still lists one element a line). Default 2: a run's
   * top-level fields and their members are indented, each event and each
   * scenario step is one line. An array of runs needs 3 for the same.
   */
  readonly compactDepth?: number;
}

function plain(value: unknown): unknown {
  if (value !== null && typeof value === "object" && "toJSON" in value) {
    const f = (value as { toJSON: unknown }).toJSON;
    if (typeof f === "function") return f.call(value);
  }
  return value;
}

/** What JSON.stringify leaves out of an object and writes as null in an array. */
function unprintable(x: unknown): boolean {
  return x === undefined || typeof x === "function" || typeof x === "symbol";
}

function write(value: unknown, depth: number, compact: number, pad: string): string {
  const v = plain(value);
  // an array at the compact depth still gets one element a line
  if (
    v === null || typeof v !== "object" || depth > compact ||
    (depth === compact && !Array.isArray(v))
  ) {
    const s = JSON.stringify(v);
    if (s === undefined) {
      throw new ScenarioError(
        "invalid_value",
        "formatJson",
        value,
        `formatJson: a ${typeof v} cannot be printed as JSON`,
      );
    }
    return s;
  }
  const inner = pad + "  ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    const items = v.map((x) => inner + write(unprintable(x) ? null : x, depth + 1, compact, inner));
    return `[\n${items.join(",\n")}\n${pad}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => !unprintable(x));
  if (entries.length === 0) return "{}";
  const items = entries.map(([k, x]) =>
    `${inner}${JSON.stringify(k)}: ${write(x, depth + 1, compact, inner)}`
  );
  return `{\n${items.join(",\n")}\n${pad}}`;
}

/**
 * Prints a value (a run result, an array of them, anything JSON can hold)
 * as JSON text ending with a newline; `toJSON()` is honoured at every level.
 *
 * @example Usage
 * ```ts
 * import { formatJson } from "@setway/setway/report";
 * const text = formatJson({ verdict: { ok: true, violations: [] } });
 * JSON.parse(text).verdict.ok; // true
 * ```
 * @param value what to print
 * @param options how deep to indent
 * @returns the JSON text
 * @throws {ScenarioError} `invalid_value` for a value JSON cannot hold (a bigint, a cycle)
 */
export function formatJson(value: unknown, options: JsonOptions = {}): string {
  try {
    return write(value, 0, options.compactDepth ?? 2, "") + "\n";
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new ScenarioError(
      "invalid_value",
      "formatJson",
      value,
      `formatJson: the value cannot be printed as JSON (${(e as Error).message})`,
    );
  }
}
