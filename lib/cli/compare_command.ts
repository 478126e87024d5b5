/**
 * `compare <scenario> --policies a,b,c`: the same scenario once per policy
 * (the engine's `compare()`), printed as its comparison table
 * (`formatComparison`: verdicts, cost, and how each policy's flush events
 * differ from the first's), as JSON or NDJSON (every run in full), or as an
 * HTML page with the comparison and every timeline.
 *
 * @example Usage
 * ```ts ignore
 * import { bufferIo } from "./io.ts";
 * import { parseCommandLine } from "./parse.ts";
 * import { compareCommand } from "./compare_command.ts";
 * const io = bufferIo(Deno.cwd());
 * await compareCommand(parseCommandLine(["compare", "s.json", "--policies", "kvm-3.18,kvm-4.0"]), io);
 * console.log(io.stdout);
 * ```
 *
 * @module
 */

import { basename } from "node:path";
import { compare, type ScenarioSource } from "../engine/compare.ts";
import { policies } from "../hyp/policies/mod.ts";
import type { Policy } from "../hyp/policy.ts";
import { formatComparison } from "../report/compare.ts";
import { renderHtml } from "../report/html.ts";
import { addressesToWatch, parseWatch, watchedRun } from "./html_watch.ts";
import { formatJson } from "../report/json.ts";
import { formatNdjson, type NdjsonRun } from "../report/ndjson.ts";
import type { CliIo } from "./io.ts";
import { loadScenario, printableRun, withOverrides } from "./load.ts";
import type { ParsedCommand } from "./parse.ts";
import { overridesOf, writeHtml } from "./run_command.ts";
import { makeStyle, type Style } from "./style.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The policies `--policies` names, in order; every built-in policy, then
 * the scenario module's own, when it is not given. A name is the module's
 * own policy before a built-in one.
 *
 * @example Usage
 * ```ts
 * import { policyList } from "./compare_command.ts";
 * policyList("kvm-3.18, kvm-4.0"); // ["kvm-3.18", "kvm-4.0"]
 * ```
 * @param value the option's value, or undefined
 * @param own the scenario module's own policies, by name
 * @returns the policies: built-in names, or the module's policy objects
 * @throws {UsageError} for an empty name or a name given twice
 */
export function policyList(
  value: string | undefined,
  own: ReadonlyMap<string, Policy> = new Map(),
): (string | Policy)[] {
  const pick = (name: string) => own.get(name) ?? name;
  if (value === undefined) {
    const builtIn = Object.keys(policies);
    return [...builtIn.map(pick), ...[...own.values()].filter((p) => !builtIn.includes(p.name))];
  }
  const names = value.split(",").map((s) => s.trim());
  if (names.some((n) => n === "")) {
    throw new UsageError(`--policies "${value}": expected names separated by commas`);
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`--policies: "${twice}" is given twice`);
  return names.map(pick);
}

/**
 * Colours the verdicts of a comparison table (`ok`, `FAIL (n)`) in place,
 * so the columns stay aligned.
 *
 * @example Usage
 * ```ts
 * import { colourVerdicts } from "./compare_command.ts";
 * import { makeStyle } from "./style.ts";
 * colourVerdicts("kvm-4.0  ok  -\n", makeStyle(false)); // unchanged without colour
 * ```
 * @param table the text of `formatComparison`
 * @param style colours
 * @returns the table, verdicts coloured
 */
export function colourVerdicts(table: string, style: Style): string {
  if (!style.enabled) return table;
  return table.split("\n").map((line) =>
    line.replace(
      /^(\S+ +)(FAIL \(\d+\)|CRASH\S*|ok)(?= )/,
      (_, head: string, verdict: string) =>
        head + (verdict === "ok" ? style.good(verdict) : style.bad(verdict)),
    )
  ).join("\n");
}

/**
 * Runs the `compare` command.
 *
 * @example Usage
 * ```ts ignore
 * import { denoIo } from "./io.ts";
 * import { parseCommandLine } from "./parse.ts";
 * import { compareCommand } from "./compare_command.ts";
 * await compareCommand(parseCommandLine(["compare", "scenarios/zimage.ts"]), denoIo());
 * ```
 * @param parsed the parsed command line (command `compare`)
 * @param io where to read and write
 * @returns the exit status: 0, or 1 with `--check` when any run has violations
 * @throws {UsageError} or {ScenarioError} for bad input (the caller prints it, status 2)
 */
export async function compareCommand(parsed: ParsedCommand, io: CliIo): Promise<number> {
  const v = parsed.values;
  const style = makeStyle(io.colour);
  const loaded = await loadScenario(parsed.args[0], io.cwd);
  const { path, builder } = loaded;
  const chosen = policyList(
    typeof v.policies === "string" ? v.policies : undefined,
    loaded.policies,
  );
  const names = chosen.map((p) => typeof p === "string" ? p : p.name);
  const source = withOverrides(builder, { ...overridesOf(v), policy: undefined });
  const comparison = compare(source as unknown as ScenarioSource, chosen);
  const runs = comparison.runs;

  if (v.json === true) {
    const printed = runs.map((r) => printableRun(r, loaded));
    await io.write(formatJson(printed, { compactDepth: 3 }));
  } else if (v.ndjson === true) {
    await io.write(formatNdjson(runs.map((r) => printableRun(r, loaded) as NdjsonRun)));
  } else {
    const first = runs[0];
    const header = `# ${basename(path)}: seed ${first.scenario.seed}, ` +
      `speculation ${first.scenario.speculation}\n`;
    await io.write(style.dim(header) + colourVerdicts(formatComparison(comparison), style));
    if (typeof v.html === "string") {
      const chosenWatch = parseWatch(typeof v.watch === "string" ? v.watch : undefined);
      const watch = addressesToWatch(runs, chosenWatch);
      const drawn = runs.map((r, i) => watchedRun(r, chosen[i], watch));
      const html = renderHtml(drawn, { title: `setway: ${basename(path)}, ${names.join(" vs ")}` });
      await writeHtml(io, v.html, html);
      await io.write(`timeline: ${v.html}\n`);
    }
  }
  return v.check === true && comparison.rows.some((r) => !r.ok) ? 1 : 0;
}
