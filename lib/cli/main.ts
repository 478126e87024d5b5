/**
 * The command line's entry point: parse, dispatch, and turn every failure
 * into an exit status.
 *
 * | status | when                                                                      |
 * | ------ | ------------------------------------------------------------------------- |
 * | 0      | the command completed (`--help` included)                                 |
 * | 1      | `--check` was given and a verdict has violations                          |
 * | 2      | bad input: a `ScenarioError`, an unknown command or flag, an unreadable file, |
 * |        | a scenario reaching outside its sandbox or overrunning its wall budget       |
 * | 3      | an internal error (a bug): the message and the stack on standard error     |
 *
 * Bad input is reported as one line on standard error, `setway: <message>`,
 * without a stack trace. Output cut short by a closed pipe (`| head`) ends
 * quietly with the status so far.
 *
 * @example Usage
 * ```ts
 * import { main } from "./main.ts";
 * import { bufferIo } from "./io.ts";
 * const io = bufferIo(Deno.cwd());
 * const status = await main(["frobnicate"], io);
 * console.log(status, io.stderr); // 2 "setway: unknown command \"frobnicate\"; commands: ...\n"
 * ```
 *
 * @module
 */

import { ScenarioError } from "../errors.ts";
import { compareCommand } from "./compare_command.ts";
import { exploreCommand } from "./explore.ts";
import { exportCommand } from "./export.ts";
import { formatHelp } from "./help.ts";
import { type CliIo, denoIo } from "./io.ts";
import { listCommand } from "./list_command.ts";
import { deniedAccess, firstLine } from "./load.ts";
import { parseCommandLine } from "./parse.ts";
import { runCommand } from "./run_command.ts";
import { runSandboxed, SANDBOX_LIMITS, sandboxPlan } from "./sandbox.ts";
import { commandSpec, NAME } from "./spec.ts";
import { makeStyle } from "./style.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Exit statuses.
 *
 * @example Usage
 * ```ts
 * import { EXIT } from "./main.ts";
 * console.log(EXIT.badInput); // 2
 * ```
 */
export const EXIT: Readonly<{ ok: 0; violations: 1; badInput: 2; internal: 3 }> = Object.freeze({
  ok: 0,
  violations: 1,
  badInput: 2,
  internal: 3,
});

/**
 * An error message on one line: line breaks become `; `, colour codes go.
 *
 * @example Usage
 * ```ts
 * import { oneLine } from "./main.ts";
 * oneLine("invalid scenario:\n  steps[0].addr = 3"); // "invalid scenario:; steps[0].addr = 3"
 * ```
 * @param message any message
 * @returns a single line
 */
export function oneLine(message: string): string {
  // deno-lint-ignore no-control-regex
  return message.replace(/\x1b\[[0-9;]*m/g, "").split(/\r?\n/).map((l) => l.trim())
    .filter((l) => l !== "").join("; ");
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv);
  const style = makeStyle(io.colour);
  if (parsed.command === null) {
    await io.write(formatHelp(undefined, style));
    return EXIT.ok;
  }
  if (parsed.help) {
    await io.write(formatHelp(parsed.command, style));
    return EXIT.ok;
  }
  switch (parsed.command.name) {
    case "run":
      return await runCommand(parsed, io);
    case "compare":
      return await compareCommand(parsed, io);
    case "list":
      return await listCommand(parsed, io);
    case "explore":
      return await exploreCommand(parsed, io);
    case "export":
      return await exportCommand(parsed, io);
    case "help": {
      const topic = parsed.args[0];
      if (topic === undefined) {
        await io.write(formatHelp(undefined, style));
        return EXIT.ok;
      }
      const spec = commandSpec(topic);
      if (!spec) throw new UsageError(`help: unknown command "${topic}"`);
      await io.write(formatHelp(spec, style));
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${parsed.command.name}"`);
  }
}

/**
 * How {@linkcode main} runs a command.
 *
 * @example Usage
 * ```ts
 * import type { MainOptions } from "./main.ts";
 * const asTheCli: MainOptions = { sandbox: true };
 * ```
 */
export interface MainOptions {
  /**
   * Run `run`, `compare` and `export` in the sandbox of sandbox.ts (a
   * worker with narrower permissions, ended when it overruns its wall
   * budget); `--wall-ms` is only read there. Default false: in this thread,
   * with this thread's permissions.
   */
  readonly sandbox?: boolean;
}

/**
 * Runs the command line and returns its exit status; never throws.
 *
 * @example Usage
 * ```ts ignore
 * import { main } from "./main.ts";
 * Deno.exit(await main(Deno.args));
 * ```
 * @param argv the arguments after the program name
 * @param io where to read and write; default the process's streams
 * @param options whether to use the sandbox (cli.ts does)
 * @returns the exit status (see the module doc)
 */
export async function main(
  argv: readonly string[],
  io: CliIo = denoIo(),
  options: MainOptions = {},
): Promise<number> {
  try {
    const plan = options.sandbox ? sandboxPlan(argv, io.cwd) : null;
    if (plan !== null) return await runSandboxed(argv, io, plan);
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return EXIT.ok;
    try {
      if (e instanceof ScenarioError || e instanceof UsageError) {
        await io.error(`${NAME}: ${oneLine(e.message)}\n`);
        return EXIT.badInput;
      }
      if (e instanceof Deno.errors.NotCapable) {
        // The scenario's own code (a policy hook) reached outside the sandbox as it ran.
        const wanted = deniedAccess(e.message);
        // A policy hook's refusal names the policy and the hook (guard.ts).
        const hook = /^(policy "[^"]*": \w+): /.exec(e.message);
        const who = hook === null ? "the scenario" : hook[1];
        const what = wanted === null
          ? firstLine(e.message)
          : `${who} needs ${wanted.kind} access to ${wanted.target}`;
        await io.error(`${NAME}: ${what}; ${SANDBOX_LIMITS}\n`);
        return EXIT.badInput;
      }
      const err = e instanceof Error ? e : new Error(String(e));
      await io.error(
        `${NAME}: internal error: ${firstLine(err.message)}\n${err.stack ?? ""}\n` +
          "This is a bug in setway, not in your scenario.\n",
      );
    } catch {
      // standard error is gone too: the status still says what happened
    }
    return e instanceof ScenarioError || e instanceof UsageError ||
        e instanceof Deno.errors.NotCapable
      ? EXIT.badInput
      : EXIT.internal;
  }
}
