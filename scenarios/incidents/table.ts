/**
 * The verdict table of scenarios/incidents/README.md: each program of each
 * incident, run once (quiet hardware) under every policy of
 * {@linkcode TABLE_POLICIES}. The README's table is this script's output,
 * pasted; tests/incidents/readme_test.ts checks that it still is.
 *
 * Run it: `deno run scenarios/incidents/table.ts`.
 *
 * @module
 */

import { INCIDENTS } from "./catalogue.ts";
import { TABLE_POLICIES, verdictCell } from "./incident.ts";

/**
 * The table, as Markdown.
 *
 * @example Usage
 * ```ts
 * import { verdictTable } from "./table.ts";
 * console.log(await verdictTable());
 * ```
 * @returns the table, one row per program, ending with a newline
 */
export async function verdictTable(): Promise<string> {
  const rows: string[][] = [["incident", "program", ...TABLE_POLICIES.map((p) => `\`${p}\``)]];
  for (const incident of INCIDENTS) {
    for (const program of incident.programs) {
      const cells = [`[${incident.id}](${incident.id}.ts)`, program.label];
      for (const policy of TABLE_POLICIES) {
        cells.push(verdictCell(await program.scenario.policy(policy).run()));
      }
      rows.push(cells);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await verdictTable());
}
