/**
 * The check of a cluster's `ctr` (machine.ts `CoreCtr`): the CTR_EL0 bits a
 * core fixes, IDC and DIC, each a boolean.
 *
 * @example Usage
 * ```ts
 * import { coreCtrProblem } from "./ctr.ts";
 * console.log(coreCtrProblem({ idc: true, dic: true })); // null
 * console.log(coreCtrProblem({ dic: 1 })?.field); // "dic"
 * ```
 *
 * @module
 */

/** A mistake in a core's CTR_EL0 bits: which field, its value, what it must be. */
export interface CoreCtrProblem {
  /** `""` for the object itself, else `idc`, `dic` or the unknown key. */
  readonly field: string;
  /** The value given. */
  readonly value: unknown;
  /** What would have been accepted. */
  readonly expected: string;
  /** Always false: a bit has no range (the field a CLIDR problem also has). */
  readonly outOfRange: false;
}

const CORE_CTR_FIELDS = ["idc", "dic"];

/**
 * Checks a cluster's `ctr`: an object whose only fields are `idc` and
 * `dic`, each true, false or absent.
 *
 * @example Usage
 * ```ts
 * import { coreCtrProblem } from "./ctr.ts";
 * console.log(coreCtrProblem(undefined)); // null
 * console.log(coreCtrProblem({ iminLine: 4 })?.expected); // "no such field (idc, dic)"
 * ```
 * @param spec the cluster's `ctr`, undefined when it has none
 * @returns the first problem, or null
 */
export function coreCtrProblem(spec: unknown): CoreCtrProblem | null {
  if (spec === undefined) return null;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    return { field: "", value: spec, expected: "an object { idc?, dic? }", outOfRange: false };
  }
  const fields = spec as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!CORE_CTR_FIELDS.includes(key)) {
      return {
        field: key,
        value: fields[key],
        expected: "no such field (idc, dic)",
        outOfRange: false,
      };
    }
    const v = fields[key];
    if (v !== undefined && typeof v !== "boolean") {
      return { field: key, value: v, expected: "true or false", outOfRange: false };
    }
  }
  return null;
}
