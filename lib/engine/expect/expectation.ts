/**
 * Expectations: a predicate about one execution (predicates.ts) and a
 * quantifier over every execution the hardware may choose for a scenario,
 * like the final condition of a litmus test.
 *
 * - `exists(p)`: some execution satisfies `p` (the answer is Sometimes or Always);
 * - `never(p)`: no execution satisfies `p` (Never);
 * - `forall(p)`: every execution satisfies `p` (Always).
 *
 * An expectation is plain data, so a scenario carries its own in its JSON
 * (`Scenario.expect`).
 *
 * ```ts
 * import { exists, never } from "@setway/setway/expect";
 * import { crashed, stale } from "@setway/setway/expect";
 * const e = [exists(stale(0x4000_8000)), never(crashed())];
 * console.log(JSON.stringify(e[0])); // {"kind":"exists","what":{"kind":"stale","addr":1073774592}}
 * ```
 *
 * @module
 */

import type { Predicate } from "./predicates.ts";

/** How an expectation quantifies over executions. */
export type Quantifier = "exists" | "never" | "forall";

/**
 * Every quantifier.
 *
 * @example Usage
 * ```ts
 * import { QUANTIFIERS } from "./expectation.ts";
 * console.log(QUANTIFIERS.join(", ")); // "exists, never, forall"
 * ```
 */
export const QUANTIFIERS: readonly Quantifier[] = Object.freeze(["exists", "never", "forall"]);

/**
 * A predicate and how it must hold over the executions a check explores.
 *
 * @example Usage
 * ```ts
 * import type { Expectation } from "@setway/setway";
 * const e: Expectation = { kind: "never", what: { kind: "stale" } };
 * ```
 */
export interface Expectation {
  /** The quantifier. */
  readonly kind: Quantifier;
  /** The predicate about one execution. */
  readonly what: Predicate;
}

/**
 * Some execution satisfies `what`: the litmus test's `exists`.
 *
 * @example Usage
 * ```ts
 * import { exists } from "@setway/setway/expect";
 * import { staleAnywhere } from "@setway/setway/expect";
 * console.log(exists(staleAnywhere()).kind); // "exists"
 * ```
 * @param what the predicate
 * @returns the expectation
 */
export function exists(what: Predicate): Expectation {
  return { kind: "exists", what };
}

/**
 * No execution satisfies `what`.
 *
 * @example Usage
 * ```ts
 * import { never } from "@setway/setway/expect";
 * import { crashed } from "@setway/setway/expect";
 * console.log(never(crashed()).what.kind); // "crashed"
 * ```
 * @param what the predicate
 * @returns the expectation
 */
export function never(what: Predicate): Expectation {
  return { kind: "never", what };
}

/**
 * Every execution satisfies `what`.
 *
 * @example Usage
 * ```ts
 * import { forall } from "@setway/setway/expect";
 * import { noSetWayFlush } from "@setway/setway/expect";
 * console.log(forall(noSetWayFlush()).kind); // "forall"
 * ```
 * @param what the predicate
 * @returns the expectation
 */
export function forall(what: Predicate): Expectation {
  return { kind: "forall", what };
}
