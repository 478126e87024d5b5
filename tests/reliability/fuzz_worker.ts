/**
 * One fuzz property (fuzz_properties.ts), run in a worker for `deno task fuzz`
 * (fuzz_main.ts): every case is announced before it runs, so the main
 * thread can name a case that hangs; a case that fails is recorded and the
 * run goes on, so that one run reports every kind of failure.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import fc from "fast-check";
import { FUZZ_PROPERTIES as PROPERTIES } from "./fuzz_properties.ts";

/** What the main thread asks for. */
export interface FuzzJob {
  /** Index into PROPERTIES. */
  readonly property: number;
  /** fast-check's seed. */
  readonly seed: number;
  /** How many cases. */
  readonly runs: number;
}

/** Announces one case (by number, and as fast-check prints it). */
export interface CaseMessage {
  readonly type: "case";
  readonly index: number;
  readonly value: string;
}

/** A case that failed: a crash that is not a ScenarioError, or a broken invariant. */
export interface FailureMessage {
  readonly type: "failure";
  readonly index: number;
  readonly value: string;
  readonly error: string;
}

/** Every case ran. */
export interface DoneMessage {
  readonly type: "done";
  readonly runs: number;
}

self.onmessage = async (e: MessageEvent<FuzzJob>) => {
  const { property: which, seed, runs } = e.data;
  const { property } = PROPERTIES[which];
  let index = 0;
  await fc.assert(
    fc.asyncProperty(property.arbitrary, async (value) => {
      const shown = fc.stringify(value);
      self.postMessage({ type: "case", index, value: shown } satisfies CaseMessage);
      try {
        await property.check(value);
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        self.postMessage(
          { type: "failure", index, value: shown, error: text } satisfies FailureMessage,
        );
      }
      index++;
    }),
    { seed, numRuns: runs },
  );
  self.postMessage({ type: "done", runs: index } satisfies DoneMessage);
};
