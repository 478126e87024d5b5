/**
 * The Web Worker side of `runTasks()` in prove_escape.ts: it answers or
 * cross-checks one question at a time.
 *
 * Messages in: a {@linkcode Task}. Messages out: `{ result }`, or
 * `{ error }` with the message of what went wrong.
 *
 * @module
 */

import { runTask, type Task } from "./prove_escape.ts";

interface Scope {
  onmessage: ((e: MessageEvent<Task>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as Scope;

scope.onmessage = async (e: MessageEvent<Task>) => {
  try {
    scope.postMessage({ result: await runTask(e.data) });
  } catch (err) {
    scope.postMessage({ error: (err as Error)?.message ?? String(err) });
  }
};
