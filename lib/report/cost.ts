/**
 * What a run cost, as text: traps, flushes, lines flushed, and the modelled
 * cycles with their split by category (lib/hyp/costs.ts).
 *
 * The type is structural, so a parsed JSON result prints as well as a
 * `RunResult`. Numbers are grouped by thousands with commas, whatever the
 * locale.
 *
 * @example Usage
 * ```ts
 * import { formatCost } from "@setway/setway/report";
 * formatCost({ exits: 3, flushes: 1, linesFlushed: 64, cycles: 20_780 });
 * // "cost: 3 exits, 1 flushes, 64 lines flushed, 20,780 cycles\n"
 * ```
 *
 * @module
 */

import { groupThousands } from "./compare.ts";
import { plural } from "./plural.ts";

/**
 * What {@linkcode formatCost} prints.
 *
 * @example Usage
 * ```ts
 * import type { CostText } from "@setway/setway/report";
 * const c: CostText = { exits: 0, flushes: 0, linesFlushed: 0 };
 * ```
 */
export interface CostText {
  /** Traps. */
  readonly exits: number;
  /** Flushes. */
  readonly flushes: number;
  /** Lines flushed. */
  readonly linesFlushed: number;
  /** Modelled cycles, when known. */
  readonly cycles?: number;
  /** Cycles by category, when known; categories with 0 are left out. */
  readonly cyclesByCategory?: Readonly<Record<string, number>>;
}

/**
 * The cost as one or two lines of text, ending with a newline.
 *
 * @example Usage
 * ```ts
 * import { formatCost } from "@setway/setway/report";
 * console.log(formatCost({
 *   exits: 2, flushes: 1, linesFlushed: 64, cycles: 14_280,
 *   cyclesByCategory: { trap: 13_000, flush: 1_280, sw: 0 },
 * }));
 * // cost: 2 exits, 1 flush, 64 lines flushed, 14,280 cycles
 * //   cycles by category: trap 13,000, flush 1,280
 * ```
 * @param cost a run's cost
 * @returns the text
 */
export function formatCost(cost: CostText): string {
  const parts = [
    plural(cost.exits, "exit", "exits", groupThousands),
    plural(cost.flushes, "flush", "flushes", groupThousands),
    plural(cost.linesFlushed, "line flushed", "lines flushed", groupThousands),
  ];
  if (typeof cost.cycles === "number") {
    parts.push(plural(cost.cycles, "cycle", "cycles", groupThousands));
  }
  const lines = [`cost: ${parts.join(", ")}`];
  const by = cost.cyclesByCategory;
  if (by !== undefined) {
    const shown = Object.entries(by).filter(([, v]) => v !== 0);
    if (shown.length > 0) {
      lines.push(
        `  cycles by category: ${shown.map(([k, v]) => `${k} ${groupThousands(v)}`).join(", ")}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
