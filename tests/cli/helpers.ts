/**
 * Helpers of the command-line tests: run `cli.ts` in a subprocess (real exit
 * status, real standard streams) or in process (fast).
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BufferIo, bufferIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";
import { type Outcome, runCommandWithin } from "../support/command.ts";
import { tempDir } from "../support/temp_dir.ts";

/**
 * The checkout.
 *
 * @example Usage
 * ```ts ignore
 * import { ROOT } from "./helpers.ts";
 * console.log(`${ROOT}cli.ts`);
 * ```
 */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The 2015 zImage on X-Gene 1 under KVM 3.18: fails with stale reads.
 *
 * @example Usage
 * ```ts ignore
 * import { cli, ZIMAGE } from "./helpers.ts";
 * await cli(["run", ZIMAGE, "--check"]); // status 1
 * ```
 */
export const ZIMAGE: string = "tests/cli/data/zimage.ts";

export type { Outcome };

/**
 * Every command-line run here is ended after this long (each takes seconds):
 * a run whose own deadline failed would otherwise hang the tests.
 */
const CLI_LIMIT_MS = 120_000;

/**
 * Runs `deno run -R -W cli.ts <args>` from the checkout, with stdout and
 * stderr piped (so not a terminal) and NO_COLOR removed from the
 * environment unless `env` sets it.
 *
 * @example Usage
 * ```ts ignore
 * import { cli } from "./helpers.ts";
 * const { code, stderr } = await cli(["frobnicate"]); // 2, "setway: unknown command ..."
 * ```
 * @param args the arguments after `cli.ts`
 * @param env extra environment variables
 * @returns the exit status and both streams
 */
export function cli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const argv = [Deno.execPath(), "run", "-R", "-W", "cli.ts", ...args];
  return runCommandWithin(argv, CLI_LIMIT_MS, { cwd: ROOT, env, noColor: false });
}

/**
 * Runs the command line in this process, on an in-memory io rooted at `cwd`.
 *
 * @example Usage
 * ```ts ignore
 * import { inProcess } from "./helpers.ts";
 * const { code, io } = await inProcess(["list"]);
 * console.log(code, io.stdout);
 * ```
 * @param args the arguments after `cli.ts`
 * @param cwd the working directory; default the checkout
 * @param colour whether the io asks for colour; default false
 * @returns the exit status and the io with what was written
 */
export async function inProcess(
  args: string[],
  cwd: string = ROOT,
  colour = false,
): Promise<{ code: number; io: BufferIo }> {
  const io = bufferIo(cwd, colour);
  const code = await main(args, io);
  return { code, io };
}

/**
 * The README's `trap_once.ts` (a policy of the user's own, and a scenario
 * under it), importing setway by file URL so that it runs from any folder.
 *
 * @example Usage
 * ```ts ignore
 * import { readmeTrapOnce } from "./helpers.ts";
 * console.log(readmeTrapOnce().startsWith("// trap_once.ts")); // true
 * ```
 * @returns the module's text
 */
export function readmeTrapOnce(): string {
  const readme = Deno.readTextFileSync(join(ROOT, "README.md"));
  const start = readme.indexOf("// trap_once.ts\n");
  const end = readme.indexOf("```", start);
  if (start <= 0 || end <= start) throw new Error("README shows no trap_once.ts");
  const mod = new URL("mod.ts", `file://${ROOT}`).href;
  return readme.slice(start, end).replace('"./mod.ts"', JSON.stringify(mod));
}

/**
 * A scratch project as a user has one: a temporary directory with an empty
 * `deno.json` and the given files (removed when the test process ends, if
 * the test has not removed it).
 *
 * @example Usage
 * ```ts ignore
 * import { scratchProject } from "./helpers.ts";
 * const dir = await scratchProject("setway-x-", { "scenario.ts": "export {};\n" });
 * ```
 * @param prefix the temporary directory's name prefix
 * @param files file name to text
 * @returns the directory
 */
export async function scratchProject(
  prefix: string,
  files: Record<string, string>,
): Promise<string> {
  const dir = await tempDir({ prefix });
  await Deno.writeTextFile(join(dir, "deno.json"), "{}\n");
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

/**
 * Runs `deno run -R -W <setway>/cli.ts <args>` in `cwd`, as a user runs it
 * from their own project, without colour (NO_COLOR=1).
 *
 * @example Usage
 * ```ts ignore
 * import { cliIn, scratchProject } from "./helpers.ts";
 * const dir = await scratchProject("setway-x-", {});
 * const { code } = await cliIn(dir, ["list"]); // 0
 * ```
 * @param cwd the working directory, the user's project
 * @param args the arguments after `cli.ts`
 * @returns the exit status and both streams
 */
export function cliIn(cwd: string, args: string[]): Promise<Outcome> {
  const argv = [Deno.execPath(), "run", "-R", "-W", join(ROOT, "cli.ts"), ...args];
  return runCommandWithin(argv, CLI_LIMIT_MS, { cwd });
}
