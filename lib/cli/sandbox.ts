/**
 * The command line's sandbox: `run`, `compare` and `export` load the
 * scenario file and run it in a worker whose permissions are narrower than
 * the command line's, and which is ended when it overruns.
 *
 * - The worker may read the scenario's folder (and everything under it),
 *   the folder of the module a JSON scenario names as its `policyModule`,
 *   and setway's own sources (which a scenario module imports), nothing
 *   else: no writing, network, environment, programs or libraries. What it
 *   prints and the files the command writes (`--html`, `--perfetto`, `export --out`) go
 *   through this thread, which holds the command line's `-R -W`.
 * - Loading the scenario module has a wall budget (`--wall-ms`, default
 *   10 000 ms), and so has each run (the scenario's `budget({ wallMs })`,
 *   else `--wall-ms` when given): a run is stopped by its own budget where
 *   it works, and the worker is ended one second after a deadline when it
 *   is stuck where no check runs (a policy hook that never returns, a
 *   module whose top level never ends). The command then exits with status
 *   2 and one line naming the policy and the hook, or the loading.
 *
 * Workers with their own permissions need Deno's `--unstable-worker-options`,
 * which this project's deno.json turns on.
 *
 * @example Usage
 * ```ts ignore
 * import { sandboxPlan } from "./sandbox.ts";
 * console.log(sandboxPlan(["run", "s.ts"], "/home/me")?.dir); // "/home/me"
 * ```
 *
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import { newWatchPage } from "../hyp/watch.ts";
import { DEFAULT_GRACE_MS, DEFAULT_LOAD_MS, scenarioPermissions } from "../engine/isolate.ts";
import { overrunMessage, superviseWorker } from "../engine/supervise.ts";
import type { CliIo } from "./io.ts";
import { jsonPolicyModule } from "./load.ts";
import { parseCommandLine } from "./parse.ts";
import { UsageError } from "./usage_error.ts";

/**
 * What a scenario module may do in the sandbox, as error messages say it.
 *
 * @example Usage
 * ```ts
 * import { SANDBOX_LIMITS } from "./sandbox.ts";
 * console.log(SANDBOX_LIMITS.startsWith("a scenario module")); // true
 * ```
 */
export const SANDBOX_LIMITS =
  "a scenario module may read its own folder and setway's sources, nothing else";

/** The commands that load a scenario file. */
const SANDBOXED = new Set(["run", "compare", "export"]);

/**
 * What the sandbox of one command line is: the scenario file, its folder,
 * and the wall budgets.
 *
 * @example Usage
 * ```ts
 * import type { SandboxPlan } from "./sandbox.ts";
 * const p: SandboxPlan = { file: "s.ts", path: "/w/s.ts", dir: "/w", loadMs: 10000, wallMs: Infinity };
 * ```
 */
export interface SandboxPlan {
  /** The scenario file as given. */
  readonly file: string;
  /** Its absolute path. */
  readonly path: string;
  /** Its folder: what the worker may read. */
  readonly dir: string;
  /** The module a JSON scenario names as its `policyModule`, which the worker may read too. */
  readonly policyModule?: string;
  /** The wall budget of loading it, in ms. */
  readonly loadMs: number;
  /** The wall budget of a run whose scenario sets none, in ms (`Infinity` for none). */
  readonly wallMs: number;
}

/**
 * The sandbox a command line needs: null for a command that loads no
 * scenario file, asks for help, or does not parse (it then fails as usual).
 *
 * @example Usage
 * ```ts
 * import { sandboxPlan } from "./sandbox.ts";
 * console.log(sandboxPlan(["list"], "/w")); // null
 * console.log(sandboxPlan(["run", "s.ts", "--wall-ms", "500"], "/w")?.loadMs); // 500
 * ```
 * @param argv the arguments after the program name
 * @param cwd the directory relative paths start from
 * @returns the plan, or null
 * @throws {UsageError} for a `--wall-ms` that is not a positive integer
 */
export function sandboxPlan(argv: readonly string[], cwd: string): SandboxPlan | null {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch {
    return null;
  }
  const file = parsed.args[0];
  if (parsed.command === null || parsed.help || !SANDBOXED.has(parsed.command.name)) return null;
  if (file === undefined) return null;
  const given = parsed.values["wall-ms"];
  let wallMs = Infinity;
  if (typeof given === "string") {
    wallMs = Number(given);
    if (!/^\d+$/.test(given) || !Number.isSafeInteger(wallMs) || wallMs <= 0) {
      throw new UsageError(`--wall-ms "${given}": expected a positive number of milliseconds`);
    }
  }
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  const policyModule = /\.json$/i.test(path) ? jsonPolicyModule(path) : null;
  return {
    file,
    path,
    dir: dirname(path),
    ...(policyModule === null ? {} : { policyModule }),
    loadMs: wallMs === Infinity ? DEFAULT_LOAD_MS : wallMs,
    wallMs,
  };
}

/** The worker's permissions: the scenario's folder, and its JSON's policy module's folder. */
function permissionsOf(plan: SandboxPlan): Deno.PermissionOptionsObject {
  const permissions = scenarioPermissions(plan.dir);
  if (plan.policyModule === undefined) return permissions;
  const read = permissions.read as string[];
  return { ...permissions, read: [...read, dirname(plan.policyModule)] };
}

/** An error as a file write or a new directory reports it across to the worker. */
interface WriteFailure {
  readonly name: string;
  readonly message: string;
}

/**
 * Runs a command line in the sandbox and returns its exit status; what the
 * worker prints goes to `io`.
 *
 * @example Usage
 * ```ts ignore
 * import { runSandboxed, sandboxPlan } from "./sandbox.ts";
 * import { denoIo } from "./io.ts";
 * const argv = ["run", "s.ts"];
 * const io = denoIo();
 * const status = await runSandboxed(argv, io, sandboxPlan(argv, io.cwd)!);
 * ```
 * @param argv the arguments after the program name
 * @param io where to print and write files
 * @param plan the sandbox, from {@linkcode sandboxPlan}
 * @returns the exit status: the command's, or 2 when the worker was ended at a deadline
 */
export async function runSandboxed(
  argv: readonly string[],
  io: CliIo,
  plan: SandboxPlan,
): Promise<number> {
  const page = newWatchPage();
  const worker = new Worker(new URL("./sandbox_worker.ts", import.meta.url), {
    type: "module",
    deno: { permissions: permissionsOf(plan) },
  } as WorkerOptions);
  worker.postMessage({
    argv: [...argv],
    cwd: io.cwd,
    colour: io.colour,
    page,
    preload: /\.json$/i.test(plan.path) ? plan.policyModule ?? null : plan.path,
    file: plan.file,
    loadMs: plan.loadMs,
    wallMs: plan.wallMs,
  });
  const end = await superviseWorker<number>(
    worker,
    page,
    DEFAULT_GRACE_MS,
    async (data, finish) => {
      const m = data as
        | { type: "out" | "err"; text: string }
        | { type: "file" | "mkdir"; id: number; path: string; text: string }
        | { type: "done"; status: number };
      if (m.type === "out") {
        try {
          await io.write(m.text);
        } catch (e) {
          if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
          finish(0); // output cut short by a closed pipe: quietly, as in main()
        }
      } else if (m.type === "err") {
        await io.error(m.text);
      } else if (m.type === "file" || m.type === "mkdir") {
        let failure: WriteFailure | null = null;
        try {
          if (m.type === "file") await io.writeFile(m.path, m.text);
          else await (io.makeDir ? io.makeDir(m.path) : Deno.mkdir(m.path, { recursive: true }));
        } catch (e) {
          failure = { name: (e as Error).name, message: (e as Error).message };
        }
        worker.postMessage({ type: "written", id: m.id, failure });
      } else if (m.type === "done") {
        finish(m.status);
      }
    },
  );
  if (end.kind === "finished") return end.value;
  if (end.kind === "overran") {
    await io.error(`setway: ${overrunMessage(end.watch, end.afterMs)}\n`);
    return 2;
  }
  await io.error(
    `setway: internal error: the scenario's worker failed: ${end.message}\n` +
      "This is a bug in setway, not in your scenario.\n",
  );
  return 3;
}
