/**
 * Option objects checked like builder values: an options argument must be an
 * object, and each of its own keys one the call knows. A near-miss name gets
 * a suggestion, as do unknown machine, policy and guest names:
 *
 * ```text
 * run(maxStep = 1): unknown option "maxStep" (did you mean "maxSteps"?); valid: maxSteps, ...
 * policy("kvm-4"): unknown policy (did you mean "kvm-4.0"?); valid: kvm-4.0, ...
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "./errors.ts";

/**
 * The edit distance between two strings: insertions, deletions,
 * substitutions, and swaps of two neighbours (`bsae` is one edit from `base`).
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, before[j - 2] + 1);
      }
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate a mistyped name most likely meant: the same name in another
 * case, or the nearest within a quarter of its length in edits (at least one),
 * or the one it is a prefix of; undefined when none is close.
 *
 * @example Usage
 * ```ts
 * import { closestName } from "./options.ts";
 * closestName("maxStep", ["maxSteps", "maxEvents"]); // "maxSteps"
 * closestName("xgene", ["generic", "xgene1"]); // "xgene1"
 * closestName("zzz", ["generic"]); // undefined
 * ```
 * @param name the name given
 * @param candidates the names that exist
 * @returns the closest candidate, or undefined
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  if (typeof name !== "string" || name === "") return undefined;
  const lower = name.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 4)) + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    // A tie goes to the candidate with the same first letter (`cpu`: `cpus`, not `vcpu`).
    const tieWon = d === bestDistance && best !== undefined &&
      c[0]?.toLowerCase() === lower[0] && best[0]?.toLowerCase() !== lower[0];
    if (d < bestDistance || tieWon) {
      best = c;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  // A name cut short: the shortest candidate it begins.
  const longer = candidates.filter((c) => lower.length >= 3 && c.toLowerCase().startsWith(lower))
    .sort((a, b) => a.length - b.length);
  return longer.length === 1 || (longer.length > 1 && longer[0].length < longer[1].length)
    ? longer[0]
    : undefined;
}

/**
 * A suggestion to put in a message: ` (did you mean "x"?)`, or nothing.
 *
 * @example Usage
 * ```ts
 * import { didYouMean } from "./options.ts";
 * didYouMean("bsae", ["base"]); // " (did you mean \"base\"?)"
 * didYouMean("zzz", ["base"]); // ""
 * ```
 * @param name the name given
 * @param candidates the names that exist
 * @returns the suggestion, starting with a space, or ""
 */
export function didYouMean(name: unknown, candidates: readonly string[]): string {
  const close = typeof name === "string" ? closestName(name, candidates) : undefined;
  return close === undefined ? "" : ` (did you mean ${JSON.stringify(close)}?)`;
}

/**
 * Checks an options argument: undefined (no options) or an object, not an
 * array, whose own keys are all in `keys`. Returns the options as a fresh
 * object without a prototype, holding only the own keys that are not
 * undefined, so that an odd prototype (an inherited `steps`, a `constructor`
 * of 1) can change nothing.
 *
 * @example Usage
 * ```ts
 * import { checkOptionKeys } from "./options.ts";
 * const o = checkOptionKeys("ram", { base: 0 }, ["base"]);
 * console.log(o.base); // 0
 * try {
 *   checkOptionKeys("ram", { bsae: 0 }, ["base"]);
 * } catch (e) {
 *   console.log((e as Error).message);
 *   // ram(bsae = 0): unknown option "bsae" (did you mean "base"?); valid: base
 * }
 * ```
 * @param call the call the options are given to, e.g. `"run"`
 * @param options what was given
 * @param keys the options the call takes
 * @returns the own, defined options, on a null prototype
 * @throws {ScenarioError} `invalid_value` for options that are not an object,
 *   `unknown_name` for an unknown key
 */
export function checkOptionKeys(
  call: string,
  options: unknown,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  if (options === undefined) return out;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ScenarioError(
      "invalid_value",
      call,
      options,
      `${call}(${showValue(options)}): expected an options object { ${
        keys.map((k) => `${k}?`).join(", ")
      } }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) {
      throw new ScenarioError(
        "unknown_name",
        `${call}.${key}`,
        key,
        `${call}(${key} = ${
          showValue((options as Record<string, unknown>)[key])
        }): unknown option ${JSON.stringify(key)}${didYouMean(key, keys)}; valid: ${
          keys.join(", ")
        }`,
      );
    }
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}
