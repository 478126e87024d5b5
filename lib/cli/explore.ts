/**
 * `setway explore`: every guest up to N operations, every hardware choice,
 * from the command line.
 *
 * ```sh
 * deno run -R cli.ts explore --machine xgene1 --policy kvm-4.0 --class cleans-by-va \
 *   --max-ops 5 --ops write,read,dc_civac,mmuOn,mmuOff
 * deno run -R cli.ts explore --mode random --executions 100000 --workers 2 --seed 7
 * deno run -R cli.ts explore --shard 0/4 --json > part0.json   # then: explore --merge part*.json
 * deno run -R -W cli.ts explore --shard 0/4 --exchange /shared/levels --json > part0.json
 * ```
 *
 * The command's spec ({@linkcode EXPLORE_SPEC}) and its handler
 * ({@linkcode exploreCommand}) follow the other commands' pattern; the
 * command table (spec.ts) and the dispatcher (main.ts) list it.
 *
 * Exit status: 0, or 1 with `--check` when a violation is blamed on the
 * hypervisor (or, for a native run, the machine).
 *
 * The report (or `--json`) goes to stdout and depends on nothing timed; a
 * search then prints one line on stderr with its elapsed time and rates
 * ({@linkcode rateLine}), whether or not stderr is a terminal, since it is
 * a plain line that a log keeps, unlike the progress line (progress.ts).
 * `--merge` runs no search and prints none.
 *
 * @module
 */

import { readFile, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { EXPLORE_OPS, type ExploreOpName } from "../engine/explore/alphabet.ts";
import { GUEST_CLASSES } from "../engine/explore/classes.ts";
import { explore } from "../engine/explore/explore.ts";
import { directoryExchange } from "../engine/explore/exchange.ts";
import type { ExploreOptions, ModuleRef } from "../engine/explore/options.ts";
import type { Policy } from "../hyp/policy.ts";
import { importModule } from "../import_module.ts";
import { mergeReports } from "../engine/explore/merge.ts";
import { type ExploreReport, formatExploreReport } from "../engine/explore/report.ts";
import type { CliIo } from "./io.ts";
import type { ParsedCommand } from "./parse.ts";
import type { CommandSpec } from "./spec.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The `explore` command.
 *
 * @example Usage
 * ```ts
 * import { EXPLORE_SPEC } from "./explore.ts";
 * console.log(EXPLORE_SPEC.options.map((o) => o.name).includes("max-ops")); // true
 * ```
 */
export const EXPLORE_SPEC: CommandSpec = Object.freeze<CommandSpec>({
  name: "explore",
  summary: "run every guest up to N operations under every hardware choice",
  description: [
    "Enumerates guest programs over an alphabet of operations (exhaustively, or at random with " +
    "--mode random), runs each with every speculative fill and castout the hardware could make " +
    "(and, when the alphabet has migrate, every preemption of a vCPU between a trapped set/way " +
    "instruction's exit and its handler), and reports failures grouped by blame and kind, each " +
    "with a minimal counterexample to paste.",
  ],
  arguments: [
    {
      name: "report",
      description: "with --merge: the JSON reports of every part (explore --shard i/n --json)",
      required: false,
      variadic: true,
    },
  ],
  options: [
    {
      name: "machine",
      type: "string",
      value: "name",
      description: "the machine",
      default: "generic",
    },
    { name: "no-system-cache", type: "boolean", description: "remove the machine's system cache" },
    {
      name: "policy",
      type: "string",
      value: "name",
      description: "the policy: a built-in name, or a module's exported Policy, " +
        "./my_policies.ts#trapOnce (a path from the working directory; without #export, " +
        "the module's default export or its only Policy)",
      default: "kvm-4.0",
    },
    { name: "cpus", type: "string", value: "n", description: "vCPUs", default: "1" },
    {
      name: "max-ops",
      type: "string",
      value: "n",
      description: "the longest program",
      default: "4",
    },
    {
      name: "ops",
      type: "string",
      value: "list",
      description: `comma-separated operations among ${EXPLORE_OPS.join(", ")}`,
    },
    { name: "addresses", type: "string", value: "n", description: "addresses", default: "1" },
    {
      name: "class",
      type: "string",
      value: "list",
      description: `comma-separated guest classes, all of which must hold, among ${
        Object.keys(GUEST_CLASSES).join(", ")
      }`,
      default: "any",
    },
    { name: "quiet-hardware", type: "boolean", description: "no speculative fills or castouts" },
    { name: "fault-in", type: "boolean", description: "take the stage-2 fault path (no prefault)" },
    {
      name: "mode",
      type: "string",
      value: "mode",
      description: "search mode",
      choices: ["exhaustive", "random", "prove"],
      default: "exhaustive",
    },
    {
      name: "prove",
      type: "boolean",
      description: "every length: abstract states to a fixpoint (--mode prove)",
    },
    {
      name: "abstraction",
      type: "string",
      value: "a",
      description: "prove mode's abstraction: kinds, or verdicts (idle caches by the lines " +
        "they hold: far fewer states, violation kinds only as met)",
      choices: ["kinds", "verdicts"],
      default: "kinds",
    },
    { name: "seed", type: "string", value: "n", description: "random mode's seed", default: "1" },
    { name: "executions", type: "string", value: "n", description: "the most executions" },
    { name: "seconds", type: "string", value: "s", description: "the most seconds" },
    {
      name: "workers",
      type: "string",
      value: "n",
      description: "Web Workers (0: this thread)",
      default: "one per core",
    },
    { name: "shard", type: "string", value: "i/n", description: "explore part i of n" },
    {
      name: "exchange",
      type: "string",
      value: "dir",
      description: "with --shard: the parts, run at the same time, exchange each length's " +
        "results through this shared directory, so that no execution runs twice",
    },
    {
      name: "exchange-timeout",
      type: "string",
      value: "s",
      description: "with --exchange: how long a part waits for the others' results of a length",
      default: "3600",
    },
    {
      name: "merge",
      type: "boolean",
      description: "merge the parts' JSON reports given as arguments into the whole run's report",
    },
    { name: "json", type: "boolean", description: "print the report as JSON" },
    { name: "no-trace", type: "boolean", description: "leave the counterexamples' traces out" },
    { name: "check", type: "boolean", description: "exit 1 when a violation is not the guest's" },
  ],
  examples: [
    "explore --machine xgene1 --class cleans-by-va",
    "explore --mode random --executions 100000 --workers 2",
    "explore --prove --machine generic --class cleans-by-va",
    "explore --prove --abstraction verdicts --machine xgene1",
    "explore --shard 1/2 --json > part1.json",
    "explore --shard 1/2 --exchange dir --json > part1.json",
    "explore --merge part0.json part1.json",
    "explore --policy ./my_policies.ts#trapOnce --max-ops 3",
  ],
});

function int(values: ParsedCommand["values"], name: string): number | undefined {
  const v = values[name];
  if (typeof v !== "string") return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name}: expected an integer, got "${v}"`);
  return Number(v);
}

/**
 * The exploration options of a parsed command line.
 *
 * @example Usage
 * ```ts
 * import { exploreOptionsOf } from "./explore.ts";
 * const o = exploreOptionsOf({ "max-ops": "5", ops: "write,read", class: "no-sw,cleans-by-va" });
 * console.log(o.maxOps, o.ops, o.guestClass); // 5 ["write", "read"] ["no-sw", "cleans-by-va"]
 * ```
 * @param values the parsed option values
 * @returns the options
 * @throws {UsageError} for a malformed number, operation or class name
 */
export function exploreOptionsOf(values: ParsedCommand["values"]): ExploreOptions {
  const str = (k: string) => (typeof values[k] === "string" ? values[k] as string : undefined);
  const ops = str("ops")?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const op of ops ?? []) {
    if (!EXPLORE_OPS.includes(op as ExploreOpName)) {
      throw new UsageError(`--ops: unknown operation "${op}"; valid: ${EXPLORE_OPS.join(", ")}`);
    }
  }
  const classes = str("class")?.split(",").map((s) => s.trim());
  for (const c of classes ?? []) {
    if (!Object.hasOwn(GUEST_CLASSES, c)) {
      throw new UsageError(
        `--class: unknown guest class "${c}"; valid: ${Object.keys(GUEST_CLASSES).join(", ")}`,
      );
    }
  }
  const seconds = str("seconds");
  if (seconds !== undefined && !(Number(seconds) > 0)) {
    throw new UsageError(`--seconds: expected a positive number, got "${seconds}"`);
  }
  const exchangeDir = str("exchange");
  const timeout = str("exchange-timeout");
  if (timeout !== undefined && !(Number(timeout) > 0)) {
    throw new UsageError(`--exchange-timeout: expected a positive number, got "${timeout}"`);
  }
  if (timeout !== undefined && exchangeDir === undefined) {
    throw new UsageError("--exchange-timeout: give --exchange DIR too");
  }
  if (exchangeDir === "") throw new UsageError("--exchange: give a directory");
  const options: Record<string, unknown> = {
    machine: str("machine"),
    systemCache: values["no-system-cache"] === true ? false : undefined,
    policy: str("policy"),
    cpus: int(values, "cpus"),
    maxOps: int(values, "max-ops"),
    ops: ops as ExploreOpName[] | undefined,
    addresses: int(values, "addresses"),
    guestClass: classes,
    speculation: values["quiet-hardware"] === true ? false : undefined,
    prefault: values["fault-in"] === true ? false : undefined,
    mode: values.prove === true ? "prove" : str("mode") as ExploreOptions["mode"],
    abstraction: str("abstraction") as ExploreOptions["abstraction"],
    seed: int(values, "seed"),
    executions: int(values, "executions"),
    seconds: seconds === undefined ? undefined : Number(seconds),
    workers: int(values, "workers"),
    shard: str("shard"),
    exchange: exchangeDir === undefined ? undefined : directoryExchange(exchangeDir, {
      timeoutSeconds: timeout === undefined ? undefined : Number(timeout),
    }),
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  return options as ExploreOptions;
}

/** Whether a `--policy` value names a module (`./p.ts#name`) rather than a built-in policy. */
function isPolicyModule(value: string): boolean {
  return value.includes("#") || value.includes("/") || MODULE_EXTENSION.test(value);
}

const MODULE_EXTENSION = /\.(ts|mts|js|mjs|tsx|jsx)$/i;

function isPolicy(x: unknown): x is Policy {
  return x !== null && typeof x === "object" && typeof (x as Policy).name === "string" &&
    typeof (x as Policy).state === "function";
}

/** The export of `mod` that `--policy` means when it names no export. */
function soleExport(mod: Record<string, unknown>, fail: (why: string) => never): string {
  if (isPolicy(mod.default)) return "default";
  const names = Object.keys(mod).filter((k) => isPolicy(mod[k]));
  if (names.length === 1) return names[0];
  if (names.length === 0) fail("exports no Policy");
  return fail(`exports several policies (${names.join(", ")}); name one: #${names[0]}`);
}

/**
 * The module reference a `--policy` value names: `./my_policies.ts#trapOnce`
 * (a path from the working directory, `#` and the export's name), or
 * without `#`, the module's default export or its only `Policy` export.
 * The module is imported here, so that a wrong value is refused in one
 * line before any worker starts; the reference carries a `file:` URL,
 * which workers import again.
 *
 * @example Usage
 * ```ts ignore
 * import { policyModuleRef } from "./explore.ts";
 * await policyModuleRef("./my_policies.ts#trapOnce", Deno.cwd());
 * // { module: "file:///home/me/project/my_policies.ts", export: "trapOnce" }
 * ```
 * @param value the `--policy` value
 * @param cwd the working directory
 * @returns the module reference for `explore()`
 * @throws {UsageError} naming the value, for a missing file, a module that
 *   cannot be imported, a missing export, or an export that is not a Policy
 */
export async function policyModuleRef(value: string, cwd: string): Promise<ModuleRef> {
  const hash = value.indexOf("#");
  const file = hash < 0 ? value : value.slice(0, hash);
  const name = hash < 0 ? undefined : value.slice(hash + 1);
  const fail = (why: string): never => {
    throw new UsageError(`--policy "${value}": ${why}`);
  };
  if (file === "" || name === "") fail("expected a module path and an export, ./policies.ts#name");
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  try {
    if (!(await stat(path)).isFile()) fail(`${path} is not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    fail(`no such file ${path}`);
  }
  const url = pathToFileURL(path).href;
  let mod: Record<string, unknown> = {};
  try {
    // The user's own module, named at run time.
    mod = await importModule(url);
  } catch (e) {
    fail(`cannot import ${path}: ${(e as Error).message?.split("\n")[0] ?? String(e)}`);
  }
  const chosen = name ?? soleExport(mod, fail);
  if (!Object.hasOwn(mod, chosen)) {
    const policies = Object.keys(mod).filter((k) => isPolicy(mod[k]));
    fail(
      `${file} has no export "${chosen}"${
        policies.length > 0 ? `; its policies: ${policies.join(", ")}` : ""
      }`,
    );
  }
  if (!isPolicy(mod[chosen])) {
    fail(`export "${chosen}" of ${file} is not a Policy (no name and state())`);
  }
  return { module: url, export: chosen };
}

/** The options that still apply when merging reports (the others say what to explore). */
const MERGE_OPTIONS = ["merge", "json", "no-trace", "check"];

/**
 * Runs `explore` (or `explore --merge <report.json>...`).
 *
 * @example Usage
 * ```ts ignore
 * import { exploreCommand } from "./explore.ts";
 * import { denoIo } from "./io.ts";
 * await exploreCommand({ command: null, help: false, args: [], values: { "max-ops": "3" } }, denoIo());
 * ```
 * @param parsed the parsed command line
 * @param io where to write
 * @returns the exit status
 */
export async function exploreCommand(parsed: ParsedCommand, io: CliIo): Promise<number> {
  const v = parsed.values;
  let report: ExploreReport;
  // The search's wall time, for the rate line; null for a merge, which searches nothing.
  let seconds: number | null = null;
  if (v.merge === true) {
    if (parsed.args.length === 0) throw new UsageError("--merge: give the parts' JSON reports");
    const question = EXPLORE_SPEC.options.find((o) =>
      !MERGE_OPTIONS.includes(o.name) && v[o.name] !== undefined
    );
    if (question !== undefined) {
      throw new UsageError(
        `--merge: --${question.name} cannot be given with --merge: the parts' reports say what ` +
          "was explored",
      );
    }
    const parts: ExploreReport[] = [];
    for (const file of parsed.args) {
      const path = isAbsolute(file) ? file : resolve(io.cwd, file);
      try {
        parts.push(JSON.parse(await readFile(path, "utf8")) as ExploreReport);
      } catch (e) {
        throw new UsageError(
          `--merge: cannot read ${file}: ${(e as Error).message.split("\n")[0]}`,
        );
      }
    }
    report = mergeReports(parts, { names: parsed.args });
  } else {
    if (parsed.args.length > 0) {
      throw new UsageError(
        `explore: unexpected argument "${
          parsed.args[0]
        }" (reports are arguments only with --merge)`,
      );
    }
    const options = exploreOptionsOf(v);
    const policy = typeof v.policy === "string" && isPolicyModule(v.policy)
      ? await policyModuleRef(v.policy, io.cwd)
      : undefined;
    const started = performance.now();
    report = await explore(policy === undefined ? options : { ...options, policy });
    seconds = (performance.now() - started) / 1000;
  }
  await io.write(
    v.json === true
      ? JSON.stringify(report, null, 2) + "\n"
      : formatExploreReport(report, { trace: v["no-trace"] !== true }),
  );
  if (seconds !== null) await io.error(rateLine(report, seconds) + "\n");
  return v.check === true && report.failures.some((f) => f.blame !== "guest") ? 1 : 0;
}

/**
 * The line `explore` prints on stderr after the report: the search's
 * elapsed time, runs per second and, for an exhaustive or prove search,
 * distinct (abstract) states per second. Timing stays out of the report
 * and its JSON, which are the same bytes on every run.
 *
 * @example Usage
 * ```ts
 * import { rateLine } from "./explore.ts";
 * import type { ExploreReport } from "../engine/explore/report.ts";
 * const report = {
 *   question: { mode: "prove" }, stats: { executions: 50_000, states: 2_000 },
 * } as unknown as ExploreReport;
 * console.log(rateLine(report, 2)); // "explore: 2.0 s, 25000 runs/s, 1000 abstract states/s"
 * ```
 * @param report the search's report
 * @param seconds how long `explore()` took, shrinking included
 * @returns the line, without a newline
 */
export function rateLine(report: ExploreReport, seconds: number): string {
  const per = (n: number) => Math.round(n / Math.max(seconds, 1e-3));
  const mode = report.question.mode;
  const states = mode === "random"
    ? ""
    : `, ${per(report.stats.states)} ${mode === "prove" ? "abstract " : ""}states/s`;
  return `explore: ${seconds.toFixed(1)} s, ${per(report.stats.executions)} runs/s${states}`;
}
