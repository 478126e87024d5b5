/**
 * The worker of `runIsolated()`: publishes on the watch page it is given,
 * imports the scenario module under a load deadline, runs it, and posts the
 * result or the error (see isolate.ts).
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { ScenarioError } from "../errors.ts";
import { clearDeadline, installWatch, watchDeadline } from "../hyp/watch.ts";
import type { WorkerError } from "./isolate.ts";
import type { RunResult } from "./result.ts";
import { run } from "./run.ts";
import type { Scenario } from "./scenario.ts";
import { importModule } from "../import_module.ts";

interface Start {
  readonly module: string;
  readonly page: SharedArrayBuffer;
  readonly loadMs: number;
  readonly wallMs: number;
}

/** Something with `run()`: a builder. */
function isRunnable(x: unknown): x is { run(): Promise<RunResult> | RunResult } {
  return x !== null && typeof x === "object" && typeof (x as { run?: unknown }).run === "function";
}

function describe(e: unknown): WorkerError {
  if (e instanceof ScenarioError) {
    let value: unknown = e.value;
    try {
      structuredClone(value);
    } catch {
      value = String(value);
    }
    return { scenario: true, code: e.code, call: e.call, value, message: e.message };
  }
  return { scenario: false, message: e instanceof Error ? e.message : String(e) };
}

self.onmessage = async (e: MessageEvent<Start>) => {
  const { module, page, loadMs, wallMs } = e.data;
  installWatch(page, wallMs);
  try {
    watchDeadline(loadMs, `loading ${module}`);
    // The user's own module, named at run time: there is nothing to analyze before then.
    const mod = await importModule(module);
    clearDeadline();
    const exported: unknown = mod.default;
    const result = isRunnable(exported) ? await exported.run() : run(exported as Scenario);
    self.postMessage({ ok: true, result: result.toJSON() });
  } catch (err) {
    self.postMessage({ ok: false, error: describe(err) });
  }
};
