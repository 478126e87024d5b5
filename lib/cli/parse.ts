/**
 * Parsing the command line against the one definition in `spec.ts`, with
 * `node:util` `parseArgs` in strict mode: an unknown flag, a missing value,
 * a value not in an option's list or two output formats at once is a
 * {@linkcode UsageError}.
 *
 * @example Usage
 * ```ts
 * import { parseCommandLine } from "./parse.ts";
 * const p = parseCommandLine(["run", "zimage.ts", "--seed", "7", "--check"]);
 * console.log(p.command?.name, p.args, p.values.seed, p.values.check); // run ["zimage.ts"] "7" true
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { COMMANDS, type CommandSpec, commandSpec, HELP_OPTION, type OptionSpec } from "./spec.ts";
import { UsageError } from "./usage_error.ts";

/**
 * A parsed command line.
 *
 * @example Usage
 * ```ts
 * import type { ParsedCommand } from "./parse.ts";
 * const p: ParsedCommand = { command: null, help: true, args: [], values: {} };
 * ```
 */
export interface ParsedCommand {
  /** The command, or null for the program's own `--help`. */
  readonly command: CommandSpec | null;
  /** Whether help was asked for (then nothing else was checked). */
  readonly help: boolean;
  /** The positional arguments after the command. */
  readonly args: readonly string[];
  /** Option values by long name: strings, or true for flags given. */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/**
 * The options of a command as `parseArgs` takes them, `--help` included.
 *
 * @example Usage
 * ```ts
 * import { parseArgsOptions } from "./parse.ts";
 * import { commandSpec } from "./spec.ts";
 * parseArgsOptions(commandSpec("run")!).help; // { type: "boolean", short: "h" }
 * ```
 * @param command a command's definition
 * @returns the `options` argument of `parseArgs`
 */
export function parseArgsOptions(
  command: CommandSpec,
): Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> {
  const out: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> =
    {};
  for (const o of [...command.options, HELP_OPTION]) {
    out[o.name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  return out;
}

function flag(o: OptionSpec): string {
  return `--${o.name}`;
}

function hint(command: string): string {
  return `see \`cli.ts ${command} --help\``;
}

/** Rewords `parseArgs`'s messages into one sentence that names the command. */
function usageFromParseArgs(command: CommandSpec, e: Error): UsageError {
  const m = e.message;
  let what = m.replace(/\.\s*$/, "");
  const unknown = /^Unknown option '([^']+)'/.exec(m);
  const missing = /^Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(m);
  const noArg = /^Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(m);
  if (unknown) {
    const known = [...command.options, HELP_OPTION].map(flag).join(", ");
    what = `unknown option "${unknown[1]}"; valid: ${known}`;
  } else if (missing) what = `${missing[2]} needs a value`;
  else if (noArg) what = `${noArg[2]} takes no value`;
  else if (/Unexpected argument/.test(m)) what = m.split(".")[0];
  return new UsageError(`${command.name}: ${what}; ${hint(command.name)}`);
}

/**
 * Parses the arguments after the program name.
 *
 * @example Usage
 * ```ts
 * import { parseCommandLine } from "./parse.ts";
 * parseCommandLine(["compare", "s.json", "--policies=kvm-4.0,native"]).values.policies; // "kvm-4.0,native"
 * parseCommandLine(["--help"]).help; // true
 * ```
 * @param argv the arguments, e.g. `Deno.args`
 * @returns the command, its positional arguments and its option values
 * @throws {UsageError} for anything the definition does not accept
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const names = COMMANDS.map((c) => c.name).join(", ");
  if (argv.length === 0) {
    throw new UsageError(`missing command; commands: ${names}; see \`--help\``);
  }
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h") {
    return { command: null, help: true, args: rest, values: {} };
  }
  if (first.startsWith("-")) {
    throw new UsageError(`unknown option "${first}": the command comes first (${names})`);
  }
  const command = commandSpec(first);
  if (!command) throw new UsageError(`unknown command "${first}"; commands: ${names}`);

  let parsed: {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
  };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: parseArgsOptions(command),
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (e) {
    if (e instanceof TypeError && String((e as { code?: string }).code).startsWith("ERR_PARSE")) {
      throw usageFromParseArgs(command, e);
    }
    throw e;
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    // A repeatable option reads as one comma-separated value.
    values[name] = Array.isArray(value) ? (value as string[]).join(",") : value;
  }
  if (values.help === true) {
    return { command, help: true, args: parsed.positionals, values };
  }

  const args = parsed.positionals;
  const variadic = command.arguments.at(-1)?.variadic === true;
  if (!variadic && args.length > command.arguments.length) {
    const extra = args[command.arguments.length];
    throw new UsageError(
      `${command.name}: unexpected argument "${extra}"; ${hint(command.name)}`,
    );
  }
  command.arguments.forEach((a, i) => {
    if (a.required && args[i] === undefined) {
      throw new UsageError(`${command.name}: missing <${a.name}>; ${hint(command.name)}`);
    }
  });

  const groups = new Map<string, string[]>();
  for (const o of command.options) {
    const v = values[o.name];
    if (v === undefined) continue;
    if (o.type === "string" && v === "") {
      throw new UsageError(`${command.name}: ${flag(o)} needs a value`);
    }
    if (o.choices && typeof v === "string" && !o.choices.includes(v)) {
      throw new UsageError(
        `${command.name}: ${flag(o)} "${v}" is not one of ${o.choices.join(", ")}`,
      );
    }
    if (o.group) groups.set(o.group, [...(groups.get(o.group) ?? []), flag(o)]);
  }
  for (const given of groups.values()) {
    if (given.length > 1) {
      throw new UsageError(`${command.name}: ${given.join(" and ")} cannot be used together`);
    }
  }
  return { command, help: false, args, values };
}
