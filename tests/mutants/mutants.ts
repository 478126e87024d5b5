/**
 * Deliberate mistakes ("mutants") for the tests to catch: each is one exact
 * text replacement in one file of the project, and the tests that must fail
 * once it is made. A mutant those tests pass is a mistake nobody would see:
 * a test that cannot fail where it should. The list is kept in
 * mutants.json beside this module; main.ts applies each mutant to a copy
 * of the project and runs its tests.
 *
 * A mutant whose mistake cannot be seen from outside (the code it changes
 * is unreachable, or only slower) says why in `equivalent`; it is run only
 * when asked (`--all`), so that the reason can be checked again.
 *
 * @example Usage
 * ```ts
 * import { parseMutants } from "./mutants.ts";
 * const [m] = parseMutants([
 *   { id: "A1", what: "add subtracts", file: "lib.ts", from: "a + b", to: "a - b", tests: ["lib_test.ts"] },
 * ], "mutants.json");
 * console.log(m.id, m.tests); // A1 ["lib_test.ts"]
 * ```
 *
 * @module
 */

/** One deliberate mistake and the tests that must catch it. */
export interface Mutant {
  /** A short name: a letter for the area, a number. */
  readonly id: string;
  /** The mistake, in words. */
  readonly what: string;
  /** The file changed, relative to the project's root. */
  readonly file: string;
  /** The text replaced: it must occur exactly once in the file. */
  readonly from: string;
  /** What replaces it. */
  readonly to: string;
  /** The test files or directories `deno test` runs, relative to the root. */
  readonly tests: readonly string[];
  /** A `deno test --filter` for those tests, when only some of their tests matter. */
  readonly filter?: string;
  /** Seconds the tests may take before the mutant counts as caught (a hang is caught). */
  readonly timeout?: number;
  /** Why no test can catch it, for a mutant that is not a visible mistake. */
  readonly equivalent?: string;
}

/**
 * A list entry that is not a {@linkcode Mutant}, or a list that cannot be read.
 *
 * @example Usage
 * ```ts
 * import { MutantListError } from "./mutants.ts";
 * console.log(new MutantListError("l[0]: expected an object").name); // MutantListError
 * ```
 */
export class MutantListError extends Error {
  /** The error's name, for messages and `assert.throws`. */
  override name = "MutantListError";
}

const STRING_FIELDS = ["id", "what", "file", "from", "to"] as const;

function checkEntry(entry: unknown, where: string): Mutant {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new MutantListError(`${where}: expected an object`);
  }
  const m = entry as Record<string, unknown>;
  for (const key of STRING_FIELDS) {
    if (typeof m[key] !== "string" || (key !== "to" && m[key] === "")) {
      throw new MutantListError(`${where}.${key}: expected a non-empty string`);
    }
  }
  if (m.from === m.to) throw new MutantListError(`${where}: "from" and "to" are the same text`);
  const tests = m.tests;
  if (
    !Array.isArray(tests) || tests.length === 0 ||
    !tests.every((t) => typeof t === "string" && t !== "")
  ) {
    throw new MutantListError(`${where}.tests: expected a non-empty list of paths`);
  }
  for (const key of ["filter", "equivalent"] as const) {
    if (m[key] !== undefined && (typeof m[key] !== "string" || m[key] === "")) {
      throw new MutantListError(`${where}.${key}: expected a non-empty string`);
    }
  }
  if (
    m.timeout !== undefined &&
    (typeof m.timeout !== "number" || !Number.isFinite(m.timeout) || m.timeout <= 0)
  ) {
    throw new MutantListError(`${where}.timeout: expected a positive number of seconds`);
  }
  const known = new Set([...STRING_FIELDS, "tests", "filter", "timeout", "equivalent"]);
  const extra = Object.keys(m).find((k) => !known.has(k));
  if (extra !== undefined) throw new MutantListError(`${where}: unknown field "${extra}"`);
  return m as unknown as Mutant;
}

/**
 * Checks a parsed mutant list: every entry a {@linkcode Mutant}, no two with
 * the same id.
 *
 * @example Usage
 * ```ts
 * import { parseMutants } from "./mutants.ts";
 * try {
 *   parseMutants([{ id: "A1" }], "mutants.json");
 * } catch (e) {
 *   console.log((e as Error).message); // mutants.json[0].what: expected a non-empty string
 * }
 * ```
 * @param list the parsed JSON
 * @param source where it came from, for messages
 * @returns the mutants, in the list's order
 * @throws {MutantListError} naming the first bad entry and field
 */
export function parseMutants(list: unknown, source: string): Mutant[] {
  if (!Array.isArray(list)) throw new MutantListError(`${source}: expected a list of mutants`);
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const m = checkEntry(entry, `${source}[${i}]`);
    if (seen.has(m.id)) throw new MutantListError(`${source}[${i}].id: "${m.id}" appears twice`);
    seen.add(m.id);
    return m;
  });
}

/**
 * Makes a mutant's change to a file's text, or says why it cannot: the
 * replaced text must occur exactly once, or the list no longer matches the
 * code and says nothing about it.
 *
 * @example Usage
 * ```ts
 * import { applyMutant } from "./mutants.ts";
 * const m = { id: "A1", what: "", file: "lib.ts", from: "a + b", to: "a - b", tests: ["t.ts"] };
 * console.log(applyMutant("return a + b;", m)); // { text: "return a - b;" }
 * console.log(applyMutant("return a * b;", m)); // { stale: "the text to replace is not in lib.ts" }
 * ```
 * @param text the file's text
 * @param mutant the mutant
 * @returns the changed text, or why the mutant no longer applies
 */
export function applyMutant(
  text: string,
  mutant: Mutant,
): { readonly text: string } | { readonly stale: string } {
  const at = text.indexOf(mutant.from);
  if (at < 0) return { stale: `the text to replace is not in ${mutant.file}` };
  if (text.indexOf(mutant.from, at + 1) >= 0) {
    return { stale: `the text to replace occurs more than once in ${mutant.file}` };
  }
  return { text: text.slice(0, at) + mutant.to + text.slice(at + mutant.from.length) };
}
