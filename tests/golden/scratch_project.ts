/**
 * Running `deno test` in a user's scratch project, as the README's golden
 * section has a user run it: a subprocess in the project's directory, CI
 * unset unless asked for, no colour, no prompts, no lock file.
 *
 * @module
 */

/** What a `deno test` run printed and how it exited. */
export interface Outcome {
  /** The exit code. */
  readonly code: number;
  /** Standard output, then standard error. */
  readonly output: string;
}

/**
 * `deno test <args>` in the project `dir`.
 *
 * @param dir the project's directory (its deno.json)
 * @param args what follows `deno test --no-prompt --no-lock`
 * @param ci the value of CI in the run's environment; unset when undefined
 * @returns the exit code and the output
 */
export function denoTest(dir: string, args: string[], ci?: string): Promise<Outcome> {
  return denoIn(dir, ["test", "--no-prompt", "--no-lock", ...args], ci);
}

/**
 * `deno <args>` in the project `dir` (`deno task test ...`, say), with CI
 * unset unless asked for, no colour and no prompts' input.
 *
 * @param dir the project's directory (its deno.json)
 * @param args what follows `deno`
 * @param ci the value of CI in the run's environment; unset when undefined
 * @returns the exit code and the output
 */
export async function denoIn(dir: string, args: string[], ci?: string): Promise<Outcome> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const key of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(key);
    if (value !== undefined) env[key] = value;
  }
  if (ci !== undefined) env.CI = ci;
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: dir,
    env,
    clearEnv: true,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/**
 * The summary lines an update printed: each line `golden update, ...` and
 * the indented lines after it.
 *
 * @param output a run's output
 * @returns the lines, in order
 */
export function summaries(output: string): string[] {
  const lines = output.split("\n");
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith("golden update")) return;
    found.push(line);
    for (let j = i + 1; j < lines.length && lines[j].startsWith("  "); j++) found.push(lines[j]);
  });
  return found;
}
