/**
 * `run <scenario>`: one run, printed as a text trace (the default), JSON,
 * NDJSON, or an HTML timeline or a Chrome trace (`--perfetto`) written to a
 * file. `--filter` (names and globs) and `--vcpu` choose the events of the
 * trace and the Chrome trace; `--raw` runs without collapsing events.
 *
 * @example Usage
 * ```ts ignore
 * import { bufferIo } from "./io.ts";
 * import { parseCommandLine } from "./parse.ts";
 * import { runCommand } from "./run_command.ts";
 * const io = bufferIo(Deno.cwd());
 * const status = await runCommand(parseCommandLine(["run", "scenario.json", "--json"]), io);
 * ```
 *
 * @module
 */

import { basename, isAbsolute, resolve } from "node:path";
import type { RunResult } from "../engine/result.ts";
import type { SetwayEvent } from "../hyp/events.ts";
import { ScenarioError, showValue } from "../errors.ts";
import { VmBuilder } from "../dsl/vm.ts";
import { formatChromeTrace } from "../report/chrome_trace.ts";
import { renderHtml } from "../report/html.ts";
import { eventSelection, splitList } from "../report/trace_filter.ts";
import { formatJson } from "../report/json.ts";
import { formatNdjson, type NdjsonRun } from "../report/ndjson.ts";
import type { CliIo } from "./io.ts";
import {
  type BuilderLike,
  loadScenario,
  type Overrides,
  printableRun,
  withOverrides,
} from "./load.ts";
import { formatOutcome } from "./outcome.ts";
import { addressesToWatch, parseWatch, watchedRun } from "./html_watch.ts";
import type { ParsedCommand } from "./parse.ts";
import { makeStyle } from "./style.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The overrides of a parsed command line.
 *
 * @example Usage
 * ```ts
 * import { overridesOf } from "./run_command.ts";
 * overridesOf({ seed: "3", check: true }); // { policy: undefined, machine: undefined, seed: "3", speculation: undefined }
 * ```
 * @param values the parsed option values
 * @returns the scenario overrides among them
 */
export function overridesOf(values: ParsedCommand["values"]): Overrides {
  const str = (k: string) => (typeof values[k] === "string" ? values[k] as string : undefined);
  return {
    policy: str("policy"),
    machine: str("machine"),
    seed: str("seed"),
    speculation: str("speculation"),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Whether `x` has what the printers read of a run: `trace()`, `toJSON()`, a verdict and a cost. */
function isRunResult(x: unknown): x is RunResult {
  if (x === null || typeof x !== "object") return false;
  const r = x as Record<string, unknown>;
  const verdict = r.verdict as Record<string, unknown> | null | undefined;
  return typeof r.trace === "function" && typeof r.toJSON === "function" &&
    verdict !== null && typeof verdict === "object" && typeof verdict.ok === "boolean" &&
    Array.isArray(verdict.violations) && r.cost !== null && typeof r.cost === "object";
}

/**
 * Runs a builder; a run result is what `vm().run()` resolves to. A
 * scenario module may export its own builder-like object: what its `run()`
 * gives is checked here, so that a wrong answer is refused at once rather
 * than crashing the printer later.
 *
 * @example Usage
 * ```ts ignore
 * import { runBuilder } from "./run_command.ts";
 * import { vm } from "@setway/setway";
 * const result = await runBuilder(vm());
 * ```
 * @param builder the scenario's builder
 * @param options run options for `run()` (`collapse: false` for `--raw`); default none
 * @returns the result
 * @throws {ScenarioError} `invalid_value` when `run()` gives anything but a run
 *   result, or when the run() of a builder that is not setway's throws
 */
export async function runBuilder(
  builder: BuilderLike,
  options?: { readonly collapse?: boolean },
): Promise<RunResult> {
  let result: unknown;
  try {
    result = await (options === undefined ? builder.run() : builder.run(options));
  } catch (e) {
    // A builder of the scenario's own making fails in the scenario's code, not in setway's.
    if (e instanceof ScenarioError || builder instanceof VmBuilder) throw e;
    const what = e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : showValue(e);
    throw new ScenarioError("invalid_value", "run", e, `the scenario's run() threw ${what}`);
  }
  if (isRunResult(result)) return result;
  throw new ScenarioError(
    "invalid_value",
    "run",
    result,
    `the scenario's run() returned ${
      showValue(result)
    }; expected a run result (what vm()...run() resolves to)`,
  );
}

/**
 * Writes an HTML page where `--html` says, relative to the working directory.
 *
 * @example Usage
 * ```ts
 * import { bufferIo } from "./io.ts";
 * import { writeHtml } from "./run_command.ts";
 * const io = bufferIo("/work");
 * const path = await writeHtml(io, "out.html", "<!doctype html>\n");
 * console.log(path, io.files.has("/work/out.html")); // "/work/out.html" true
 * ```
 * @param io where to write
 * @param file the path given
 * @param html the page
 * @returns the absolute path written
 * @throws {UsageError} when the file cannot be written
 */
export async function writeHtml(io: CliIo, file: string, html: string): Promise<string> {
  return await writeOutputFile(io, file, html);
}

/**
 * Writes a file an option names (`--html`, `--perfetto`), relative to the
 * working directory.
 *
 * @example Usage
 * ```ts
 * import { bufferIo } from "./io.ts";
 * import { writeOutputFile } from "./run_command.ts";
 * const io = bufferIo("/work");
 * await writeOutputFile(io, "trace.json", "{}\n"); // "/work/trace.json"
 * ```
 * @param io where to write
 * @param file the path given
 * @param text the contents
 * @returns the absolute path written
 * @throws {UsageError} when the file cannot be written
 */
export async function writeOutputFile(io: CliIo, file: string, text: string): Promise<string> {
  const path = isAbsolute(file) ? file : resolve(io.cwd, file);
  try {
    await io.writeFile(path, text);
  } catch (e) {
    const why = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
      ? "permission denied; run with -W (deno run -R -W cli.ts ...)"
      : e instanceof Deno.errors.NotFound
      ? "no such directory"
      : (e as Error).message.split("\n")[0];
    throw new UsageError(`cannot write ${file}: ${why}`);
  }
  return path;
}

/**
 * Runs the `run` command.
 *
 * @example Usage
 * ```ts ignore
 * import { denoIo } from "./io.ts";
 * import { parseCommandLine } from "./parse.ts";
 * import { runCommand } from "./run_command.ts";
 * Deno.exit(await runCommand(parseCommandLine(Deno.args), denoIo()));
 * ```
 * @param parsed the parsed command line (command `run`)
 * @param io where to read and write
 * @returns the exit status: 0, or 1 with `--check` when the verdict has violations
 * @throws {UsageError} or {ScenarioError} for bad input (the caller prints it, status 2)
 */
export async function runCommand(parsed: ParsedCommand, io: CliIo): Promise<number> {
  const v = parsed.values;
  const style = makeStyle(io.colour);
  const loaded = await loadScenario(parsed.args[0], io.cwd);
  const { path, builder } = loaded;
  const raw = v.raw === true;
  const result = await runBuilder(
    withOverrides(builder, overridesOf(v), loaded.policies),
    raw ? { collapse: false } : undefined,
  );
  const only = selectionOf(v, result);

  if (v.json === true) {
    await io.write(formatJson(printableRun(result, loaded)));
  } else if (v.ndjson === true) {
    // The run record's scenario names the policy's module, as --json does.
    await io.write(formatNdjson(printableRun(result, loaded) as NdjsonRun));
  } else if (typeof v.html === "string") {
    const watch = addressesToWatch([result], parseWatch(str(v.watch)));
    const policy = loaded.policies.get(result.policy) ?? result.policy;
    const drawn = watchedRun(result, policy, watch, !raw);
    const html = renderHtml(drawn, { title: `setway: ${basename(path)}, ${result.policy}` });
    await writeHtml(io, v.html, html);
    await io.write(formatOutcome(result, style) + `timeline: ${v.html}\n`);
  } else if (typeof v.perfetto === "string") {
    const json = formatChromeTrace(result.events, {
      machine: result.machine,
      only,
      otherData: {
        scenario: basename(path),
        policy: result.policy,
        machine: result.machine.name,
        seed: result.scenario.seed,
      },
    });
    await writeOutputFile(io, v.perfetto, json);
    await io.write(
      formatOutcome(result, style) +
        `perfetto: ${v.perfetto} (open it in ui.perfetto.dev or chrome://tracing)\n`,
    );
  } else {
    await io.write(result.trace({ only, raw }) + "\n" + formatOutcome(result, style));
  }
  return v.check === true && !result.verdict.ok ? 1 : 0;
}

/**
 * The events `--filter` and `--vcpu` choose, as a predicate for the trace.
 *
 * @example Usage
 * ```ts ignore
 * import { selectionOf } from "./run_command.ts";
 * const only = selectionOf({ filter: "kvm_*", vcpu: "1" }, result);
 * ```
 * @param values the parsed option values
 * @param result the run, whose events and vCPU count the names and numbers are checked against
 * @returns the predicate
 * @throws {UsageError} for a vCPU that is not a number of the scenario's vCPUs
 * @throws {ScenarioError} `unknown_name` for a name or glob that matches no event name
 */
export function selectionOf(
  values: ParsedCommand["values"],
  result: RunResult,
): (event: SetwayEvent) => boolean {
  const names = typeof values.filter === "string" ? splitList([values.filter]) : [];
  const cpus = result.scenario.cpus;
  const vcpus = (typeof values.vcpu === "string" ? splitList([values.vcpu]) : []).map((n) => {
    if (!/^\d+$/.test(n) || Number(n) >= cpus) {
      throw new UsageError(
        `--vcpu ${JSON.stringify(n)}: expected a vCPU of this scenario, 0 to ${cpus - 1}`,
      );
    }
    return Number(n);
  });
  return eventSelection({ names, vcpus, events: result.events });
}
