/**
 * The Web Worker side of `story()` in prove_escape.ts: it answers one
 * question at a time, as the story prints it.
 *
 * Messages in: a {@linkcode Question}. Messages out: `{ answer }`, or
 * `{ error }` with the message of what went wrong.
 *
 * @module
 */

import { answer, type Question } from "./prove_escape.ts";

interface Scope {
  onmessage: ((e: MessageEvent<Question>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as Scope;

scope.onmessage = async (e: MessageEvent<Question>) => {
  try {
    scope.postMessage({ answer: await answer(e.data) });
  } catch (err) {
    scope.postMessage({ error: (err as Error)?.message ?? String(err) });
  }
};
