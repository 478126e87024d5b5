/**
 * `setway explore`: every guest up to N operations, every hardware choice,
 * from the command line.
 *
 * ```sh
 * deno run -R cli.ts explore --machine xgene1 --policy kvm-4.0 --class cleans-by-va \
 *   --max-ops 5 --ops write,read,dc_civac,mmuOn,mmuOff
 * deno run -R cli.ts explore --mode random --executions 100000 --workers 2 --seed 7
 * deno run -R cli.ts explore --shard 0/4 --json > part0.json   # then: explore --merge part*.json
 * ```
 *
 * The command's spec ({@linkcode EXPLORE_SPEC}) and its handler
 * ({@linkcode exploreCommand}) follow the other commands' pattern; the
 * command table (spec.ts) and the dispatcher (main.ts) list it.
 *
 * Exit status: 0, or 1 with `--check` when a violation is blamed on the
 * hypervisor (or, for a native run, the machine).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { EXPLORE_OPS, type ExploreOpName } from "../engine/explore/alphabet.ts";
import { GUEST_CLASSES } from "../engine/explore/classes.ts";
import { explore } from "../engine/explore/explore.ts";
import type { ExploreOptions } from "../engine/explore/options.ts";
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
      description: "the policy",
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
    "explore --shard 1/2 --json > part1.json",
    "explore --merge part0.json part1.json",
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
    seed: int(values, "seed"),
    executions: int(values, "executions"),
    seconds: seconds === undefined ? undefined : Number(seconds),
    workers: int(values, "workers"),
    shard: str("shard"),
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  return options as ExploreOptions;
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
    report = await explore(exploreOptionsOf(v));
  }
  await io.write(
    v.json === true
      ? JSON.stringify(report, null, 2) + "\n"
      : formatExploreReport(report, { trace: v["no-trace"] !== true }),
  );
  return v.check === true && report.failures.some((f) => f.blame !== "guest") ? 1 : 0;
}
