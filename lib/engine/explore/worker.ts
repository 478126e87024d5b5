/**
 * The worker side of a parallel exploration: it builds its own
 * {@linkcode ExploreContext} from the configuration it is sent, then
 * expands batches of states, or runs ranges of random executions, on
 * request. Each answer is a pure function of the configuration and the
 * request, which is why workers and a single thread report the same thing.
 * Every unit is offered to every worker and to the calling thread: a
 * worker runs one only if it claims it first (`claimSlot` in pool.ts), and
 * skips it otherwise, without an answer.
 *
 * A worker outlives the exploration that started it (see pool.ts): it
 * drops its context on `release`, and builds a new one on the next `init`.
 *
 * Messages in: `{ type: "init", config, claims, index }`, an expansion
 * as a buffer (`taskBuffer` in pool.ts), `{ type: "random", id, from, to
 * }`, `{ type: "release" }`. Messages out: `{ type: "ready" }`, an
 * expansion's result as a buffer (`packBatch` in expand.ts, its tag the
 * unit's id), `{ type: "done", id, result }` (random), `{ type: "error",
 * id, message, code, call }`.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { ScenarioError } from "../../errors.ts";
import { ExploreContext, loadParts } from "./context.ts";
import { expandBatch, packBatch } from "./expand.ts";
import type { ExploreConfig } from "./options.ts";
import { ANSWERS, claimSlot, TASK_HEADER } from "./pool.ts";
import { randomBatch } from "./random_mode.ts";

/** The messages a worker accepts. */
export type WorkerRequest =
  | {
    readonly type: "init";
    readonly config: ExploreConfig;
    /** The claim slots (`CLAIM_SLOTS` Int32 on shared memory), then the count of answers sent. */
    readonly claims: Int32Array;
    /** This worker's index in the pool. */
    readonly index: number;
  }
  | ArrayBuffer
  | { readonly type: "random"; readonly id: number; readonly from: number; readonly to: number }
  | { readonly type: "release" };

const scope = parentPort!;
let ctx: ExploreContext | null = null;
let claims: Int32Array | null = null;
let me = -2;

function fail(id: number, e: unknown): void {
  const err = e as Error;
  scope.postMessage({
    type: "error",
    id,
    message: err?.message ?? String(e),
    code: e instanceof ScenarioError ? e.code : null,
    call: e instanceof ScenarioError ? e.call : null,
  });
}

scope.on("message", async (m: WorkerRequest) => {
  if (m instanceof ArrayBuffer) {
    expand(new Int32Array(m));
    return;
  }
  if (m.type === "release") {
    ctx = null;
    return;
  }
  if (m.type === "init") {
    try {
      const { policy, guestClass } = await loadParts(m.config);
      ctx = new ExploreContext(m.config, policy, guestClass);
      claims = m.claims;
      me = -2 - m.index;
      scope.postMessage({ type: "ready" });
      // Counted as an answer: a calling thread busy with units lets its event loop run for it.
      answered();
    } catch (err) {
      fail(-1, err);
    }
    return;
  }
  try {
    if (claims === null) throw new Error("explore worker: not initialised");
    // Another thread came to this unit first, or its exploration ended.
    if (!claimSlot(claims, m.id, me)) return;
    if (ctx === null) throw new Error("explore worker: not initialised");
    scope.postMessage({ type: "done", id: m.id, result: randomBatch(ctx, m.from, m.to) });
  } catch (err) {
    fail(m.id, err);
  }
  answered();
});

/** Runs an expansion task (`taskBuffer` in pool.ts) if this worker claims it. */
function expand(task: Int32Array): void {
  const id = task[0];
  try {
    if (claims === null) throw new Error("explore worker: not initialised");
    // Another thread came to this unit first, or its exploration ended.
    if (!claimSlot(claims, id, me)) return;
    if (ctx === null) throw new Error("explore worker: not initialised");
    const result = expandBatch(ctx, task.subarray(TASK_HEADER), task[1], task[2]);
    const packed = packBatch(result, id);
    scope.postMessage(packed, [packed]);
  } catch (err) {
    fail(id, err);
  }
  answered();
}

/** Tells the calling thread, busy with units of its own, that an answer waits for it. */
function answered(): void {
  if (claims !== null) Atomics.add(claims, ANSWERS, 1);
}
