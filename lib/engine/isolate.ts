/**
 * `runIsolated(module)`: runs a scenario module in a worker of its own,
 * with narrow permissions, and stops it wherever it is stuck.
 *
 * A run's budgets are checked where the work happens (see budget.ts), but
 * a synchronous policy hook that never returns, or a module whose top
 * level never ends, keeps its thread forever. Here the module is imported
 * and run in a worker that publishes its deadlines and the hook it is in
 * (lib/hyp/watch.ts); the worker is ended a grace period after a deadline,
 * and the call fails with a `ScenarioError("budget_exceeded")` naming the
 * policy and the hook, or the loading.
 *
 * Simplified: `Worker.terminate()` in Deno 2.9.6 does not interrupt a
 * thread spinning in a loop (measured: such a worker keeps running after
 * it), so the call returns but that thread keeps a core busy until the
 * process exits; the command line exits at once (cli.ts), and a long-lived
 * program should do the same after such an error.
 *
 * The worker may read the module's folder (and everything under it) and
 * setway's own sources, which the module imports; it may not write, use the
 * network or the environment, run programs or load libraries. It needs
 * the caller to hold those read permissions and Deno's
 * `--unstable-worker-options` (this project's deno.json turns it on).
 *
 * @example Usage
 * ```ts ignore
 * import { runIsolated } from "@setway/setway/guest";
 * const result = await runIsolated(new URL("./scenario.ts", import.meta.url), { wallMs: 2000 });
 * console.log(result.verdict.ok);
 * ```
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { ScenarioError } from "../errors.ts";
import { newWatchPage } from "../hyp/watch.ts";
import { RunResult, type RunResultJSON } from "./result.ts";
import { overrunMessage, superviseWorker } from "./supervise.ts";

/**
 * How {@linkcode runIsolated} bounds the worker.
 *
 * @example Usage
 * ```ts
 * import type { IsolateOptions } from "@setway/setway/guest";
 * const opts: IsolateOptions = { loadMs: 5000, wallMs: 2000, graceMs: 500 };
 * ```
 */
export interface IsolateOptions {
  /** The wall budget of importing the module, in ms. Default 10 000. */
  readonly loadMs?: number;
  /**
   * The wall budget of the run when the scenario's own budget sets no
   * `wallMs`, in ms; the worker is ended after it (no `budget_exceeded`
   * from inside the run). Default none.
   */
  readonly wallMs?: number;
  /** How long past a deadline the worker may run before it is ended, in ms. Default 1000. */
  readonly graceMs?: number;
}

/**
 * The default wall budget of importing a scenario module, in ms.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_LOAD_MS } from "./isolate.ts";
 * console.log(DEFAULT_LOAD_MS); // 10000
 * ```
 */
export const DEFAULT_LOAD_MS = 10_000;

/**
 * The default grace after a deadline before the worker is ended, in ms.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_GRACE_MS } from "./isolate.ts";
 * console.log(DEFAULT_GRACE_MS); // 1000
 * ```
 */
export const DEFAULT_GRACE_MS = 1000;

/**
 * The folder holding setway's sources (`mod.ts`, `lib/`) when they are
 * local files, else null: a scenario module imports them, so an isolated
 * worker may read them.
 *
 * @example Usage
 * ```ts
 * import { setwayRoot } from "./isolate.ts";
 * console.log(setwayRoot()?.endsWith("/")); // false
 * ```
 * @returns the folder, or null when setway was loaded from the network
 */
export function setwayRoot(): string | null {
  const root = new URL("../../", import.meta.url);
  return root.protocol === "file:" ? fromFileUrl(root).replace(/\/$/, "") : null;
}

/**
 * The permissions of a worker that loads a scenario module from `dir`:
 * read that folder and setway's sources, nothing else.
 *
 * @example Usage
 * ```ts
 * import { scenarioPermissions } from "./isolate.ts";
 * console.log(scenarioPermissions("/home/me/s").write); // false
 * ```
 * @param dir the scenario module's folder
 * @returns the worker's permissions
 */
export function scenarioPermissions(dir: string): Deno.PermissionOptionsObject {
  const root = setwayRoot();
  return {
    read: [dir, ...(root === null ? [] : [root])],
    write: false,
    net: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
}

/**
 * An error as it crosses from a worker: a ScenarioError keeps its fields.
 *
 * @example Usage
 * ```ts
 * import type { WorkerError } from "./isolate.ts";
 * const e: WorkerError = { scenario: true, code: "invalid_value", call: "cpus", value: 0, message: "cpus(0)" };
 * ```
 */
export interface WorkerError {
  /** Whether it was a ScenarioError. */
  readonly scenario: boolean;
  /** Its code. */
  readonly code?: string;
  /** Its call. */
  readonly call?: string;
  /** Its value, or its printed form when it cannot be copied. */
  readonly value?: unknown;
  /** Its message. */
  readonly message: string;
}

/**
 * Runs the scenario a module exports (its default export: a `vm()` builder
 * or a scenario object) in an isolated worker; see the module doc.
 *
 * @example Usage
 * ```ts ignore
 * import { runIsolated } from "@setway/setway/guest";
 * const result = await runIsolated("/home/me/scenarios/spin.ts", { wallMs: 1000 });
 * ```
 * @param module the module: a `file:` URL or an absolute path
 * @param options the budgets of loading and running
 * @returns the run's result
 * @throws {ScenarioError} `budget_exceeded` when the worker was ended at a deadline (naming the
 *   policy and hook, or the loading), or the ScenarioError the run threw
 */
export async function runIsolated(
  module: string | URL,
  options: IsolateOptions = {},
): Promise<RunResult> {
  const url = module instanceof URL
    ? module
    : module.startsWith("file:")
    ? new URL(module)
    : new URL(`file://${module}`);
  if (url.protocol !== "file:") {
    throw new ScenarioError(
      "invalid_value",
      "runIsolated",
      String(module),
      `runIsolated(${JSON.stringify(String(module))}): the module must be a local file`,
    );
  }
  const page = newWatchPage();
  const worker = new Worker(new URL("./isolate_worker.ts", import.meta.url), {
    type: "module",
    deno: { permissions: scenarioPermissions(dirname(fromFileUrl(url))) },
  } as WorkerOptions);
  worker.postMessage({
    module: url.href,
    page,
    loadMs: options.loadMs ?? DEFAULT_LOAD_MS,
    wallMs: options.wallMs ?? Infinity,
  });
  const end = await superviseWorker<
    { ok: true; result: RunResultJSON } | { ok: false; error: WorkerError }
  >(worker, page, options.graceMs ?? DEFAULT_GRACE_MS, (data, finish) => finish(data as never));
  if (end.kind === "overran") {
    throw new ScenarioError(
      "budget_exceeded",
      end.watch.hook ?? "wallMs",
      end.watch.limitMs,
      overrunMessage(end.watch, end.afterMs),
    );
  }
  if (end.kind === "crashed") throw new Error(`runIsolated: the worker failed: ${end.message}`);
  const out = end.value;
  if (out.ok) return new RunResult(out.result);
  throw rebuiltError(out.error);
}

/** The error a worker reported, rebuilt on this side. */
function rebuiltError(e: WorkerError): Error {
  if (e.scenario) {
    return new ScenarioError(e.code as never, e.call ?? "", e.value, e.message);
  }
  return new Error(e.message);
}
