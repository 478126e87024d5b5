/**
 * The end of a run's text output: the oracle's verdict (`formatVerdict`)
 * and what the policy cost, the verdict line coloured when colour is on.
 *
 * @example Usage
 * ```ts
 * import { formatOutcome } from "./outcome.ts";
 * import { makeStyle } from "./style.ts";
 * console.log(formatOutcome({
 *   verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
 *   cost: { exits: 3, flushes: 1, linesFlushed: 512 },
 * }, makeStyle(false)));
 * // verdict: ok
 * // architecturally valid: yes
 * // natively on this machine: passes
 * // cost: 3 traps, 1 flush, 512 lines flushed
 * ```
 *
 * @module
 */

import type { CostLike, RunLike } from "../report/run_like.ts";
import { formatVerdict } from "../report/verdict.ts";
import type { Style } from "./style.ts";
import { plural } from "../report/plural.ts";

/**
 * The cost as one line: `cost: 9220 traps, 3 flushes, 1024 lines flushed`
 * (and the cycles, when the cost has them).
 *
 * @example Usage
 * ```ts
 * import { formatCost } from "./outcome.ts";
 * formatCost({ exits: 1, flushes: 2, linesFlushed: 0 }); // "cost: 1 trap, 2 flushes, 0 lines flushed"
 * ```
 * @param cost a run's cost
 * @returns the line, without a newline
 */
export function formatCost(cost: CostLike): string {
  const parts = [
    plural(cost.exits, "trap"),
    plural(cost.flushes, "flush", "flushes"),
    `${cost.linesFlushed} lines flushed`,
  ];
  if (typeof cost.cycles === "number") parts.push(plural(cost.cycles, "cycle"));
  return `cost: ${parts.join(", ")}`;
}

/**
 * The verdict and the cost, ending with a newline.
 *
 * @example Usage
 * ```ts
 * import { formatOutcome } from "./outcome.ts";
 * import { makeStyle } from "./style.ts";
 * const text = formatOutcome({
 *   verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
 *   cost: { exits: 0, flushes: 0, linesFlushed: 0 },
 * }, makeStyle(false));
 * text.startsWith("verdict: ok\n"); // true
 * ```
 * @param run the run's verdict and cost
 * @param style colours
 * @returns the text
 */
export function formatOutcome(run: Pick<RunLike, "verdict" | "cost">, style: Style): string {
  const lines = formatVerdict(run.verdict).split("\n");
  lines[0] = run.verdict.ok ? style.good(lines[0]) : style.bad(lines[0]);
  if (lines.at(-1) === "") lines.pop();
  lines.push(formatCost(run.cost));
  return lines.join("\n") + "\n";
}
