/**
 * superviseWorker (lib/engine/supervise.ts) ends a worker only once its
 * published deadline is more than the grace period past: a worker a little
 * late is let finish. However it ends (finished, overran, crashed), the
 * worker is terminated and nothing it sent afterwards is handled.
 */

import assert from "node:assert/strict";
import { superviseWorker } from "../../lib/engine/supervise.ts";
import { installWatch, newWatchPage, watchDeadline } from "../../lib/hyp/watch.ts";

/** A worker from a line of JavaScript. */
function scriptWorker(source: string): Worker {
  return new Worker(`data:text/javascript,${encodeURIComponent(source)}`, { type: "module" });
}

Deno.test("superviseWorker: a worker past its deadline runs on for the grace period, then is ended", async () => {
  const page = newWatchPage();
  // A worker that never reports; this thread publishes its deadline for it.
  const worker = scriptWorker("");
  installWatch(page);
  const start = performance.now();
  watchDeadline(50, "a test");
  const end = await superviseWorker(worker, page, 500, () => {});
  const elapsed = performance.now() - start;
  assert.equal(end.kind, "overran");
  // The time it was given is the budget and the grace.
  assert.equal(end.kind === "overran" ? end.afterMs : null, 550);
  assert.ok(elapsed >= 550, `ended after ${elapsed.toFixed(0)} ms, before the deadline and grace`);
});

Deno.test("superviseWorker: a finished worker is terminated before the promise settles", async () => {
  // An echo: it answers every message for as long as it lives.
  const worker = scriptWorker(`postMessage("ready"); self.onmessage = (e) => postMessage(e.data);`);
  const end = await superviseWorker<string>(worker, newWatchPage(), 500, (d, finish) => {
    finish(String(d));
  });
  assert.deepEqual(end, { kind: "finished", value: "ready" });
  const echoes: unknown[] = [];
  worker.onmessage = (e: MessageEvent) => echoes.push(e.data);
  worker.postMessage("ping");
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(echoes, [], "a terminated worker answers nothing");
});

Deno.test("superviseWorker: messages queued behind the one that finished are not handled", async () => {
  const worker = scriptWorker(`postMessage("a"); postMessage("b");`);
  const handled: unknown[] = [];
  let bArrived!: () => void;
  const bQueued = new Promise<void>((resolve) => bArrived = resolve);
  const ending = superviseWorker<string>(worker, newWatchPage(), 500, async (d, finish) => {
    handled.push(d);
    // "a" finishes only once "b" has arrived and waits behind it.
    if (d === "a") {
      await bQueued;
      finish("a");
    }
  });
  const supervise = worker.onmessage!;
  worker.onmessage = (e: MessageEvent) => {
    supervise.call(worker, e);
    if (e.data === "b") bArrived();
  };
  assert.deepEqual(await ending, { kind: "finished", value: "a" });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(handled, ["a"]);
});

Deno.test("superviseWorker: a handler that throws ends the run as crashed, with the error's message", async () => {
  const worker = scriptWorker(`postMessage(1);`);
  const end = await superviseWorker(worker, newWatchPage(), 500, () => {
    throw new Error("unreadable result");
  });
  assert.deepEqual(end, { kind: "crashed", message: "unreadable result" });
});

Deno.test("superviseWorker: an error thrown in the worker is caught there and ends the run as crashed", async () => {
  const worker = scriptWorker(`throw new Error("top level failed");`);
  const end = await superviseWorker(worker, newWatchPage(), 500, () => {});
  assert.equal(end.kind, "crashed");
  assert.match(end.kind === "crashed" ? end.message : "", /top level failed/);
});
