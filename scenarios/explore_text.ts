/**
 * Text helpers the exploration scenarios share.
 *
 * @module
 */

import type { FailureGroup } from "../lib/api/explore.ts";

/**
 * A failure group's minimal counterexample as indented lines: the violation,
 * the DSL snippet to paste, and its trace.
 *
 * @example Usage
 * ```ts ignore
 * import { counterexample } from "./explore_text.ts";
 * for (const g of report.groups) console.log(counterexample(g).join("\n"));
 * ```
 * @param g a failure group of an exploration report
 * @returns the lines, none when the group has no counterexample
 */
export function counterexample(g: FailureGroup): string[] {
  const c = g.counterexample;
  if (c === null) return [];
  const out = [`  ${g.policy}: ${c.violation}`];
  for (const line of c.snippet.split("\n")) out.push(`    ${line}`);
  for (const line of c.trace.split("\n")) out.push(`    ${line}`);
  return out;
}
