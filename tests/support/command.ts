/**
 * Test support: running a program the way a user would from a shell, and
 * reading back what it printed.
 *
 * @module
 */

/** How a command ended, and what it printed. */
export interface Outcome {
  /** Its exit status. */
  readonly code: number;
  /** Its standard output. */
  readonly stdout: string;
  /** Its standard error. */
  readonly stderr: string;
  /** True when it ran past `timeoutMs` and was ended (SIGTERM): `code` is then 143. */
  readonly timedOut?: boolean;
}

/** Where and with what a command runs. */
export interface CommandOptions {
  /** The working directory; default this process's. */
  readonly cwd?: string;
  /** Environment variables on top of this process's (and `NO_COLOR`, as `noColor` says). */
  readonly env?: Record<string, string>;
  /**
   * True (the default) sets `NO_COLOR=1`; false removes `NO_COLOR` from the
   * environment the command inherits, so that it decides on colour itself
   * (`env` may still set it).
   */
  readonly noColor?: boolean;
  /** End the command (SIGTERM) after this many milliseconds; default never. */
  readonly timeoutMs?: number;
}

/**
 * Runs `argv` (the program first) with standard input closed and, unless
 * `options.noColor` is false, `NO_COLOR=1`; waits for it to end, or ends it
 * after `options.timeoutMs`.
 *
 * @example Usage
 * ```ts ignore
 * import { runCommand } from "./command.ts";
 * const { code, stdout } = await runCommand([Deno.execPath(), "--version"]);
 * ```
 * @param argv the program and its arguments
 * @param options the working directory, extra environment and time limit
 * @returns its exit status and both streams, decoded
 */
export async function runCommand(
  argv: readonly string[],
  options: CommandOptions = {},
): Promise<Outcome> {
  const inherited = Deno.env.toObject();
  if (options.noColor === false) delete inherited.NO_COLOR;
  else inherited.NO_COLOR = "1";
  const signal = options.timeoutMs === undefined
    ? undefined
    : AbortSignal.timeout(options.timeoutMs);
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: options.cwd,
    clearEnv: true,
    env: { ...inherited, ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    timedOut: signal?.aborted ?? false,
  };
}

/**
 * {@linkcode runCommand}, ended after `limitMs`: a command still running
 * then (its own deadline failed) is an error naming it, not a hung test.
 *
 * @example Usage
 * ```ts ignore
 * import { runCommandWithin } from "./command.ts";
 * const { code } = await runCommandWithin([Deno.execPath(), "--version"], 60_000);
 * ```
 * @param argv the program and its arguments
 * @param limitMs the time limit, far above what the command takes
 * @param options the working directory and extra environment
 * @returns its exit status and both streams, decoded
 * @throws {Error} when it ran past the limit
 */
export async function runCommandWithin(
  argv: readonly string[],
  limitMs: number,
  options: CommandOptions = {},
): Promise<Outcome> {
  const o = await runCommand(argv, { ...options, timeoutMs: limitMs });
  if (o.timedOut) {
    throw new Error(
      `${argv.slice(1).join(" ")} was still running after ${limitMs / 1000} s and was ended`,
    );
  }
  return o;
}

/**
 * Whether `cmd --version` runs and exits 0: the program is installed.
 *
 * @example Usage
 * ```ts ignore
 * import { commandRuns } from "./command.ts";
 * console.log(await commandRuns("qemu-system-aarch64"));
 * ```
 * @param cmd the program's name (looked up on PATH) or path
 * @returns true when it ran and succeeded
 */
export async function commandRuns(cmd: string): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}
