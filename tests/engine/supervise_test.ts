/**
 * superviseWorker (lib/engine/supervise.ts) ends a worker only once its
 * published deadline is more than the grace period past: a worker a little
 * late is let finish.
 */

import assert from "node:assert/strict";
import { superviseWorker } from "../../lib/engine/supervise.ts";
import { installWatch, newWatchPage, watchDeadline } from "../../lib/hyp/watch.ts";

Deno.test("superviseWorker: a worker past its deadline runs on for the grace period, then is ended", async () => {
  const page = newWatchPage();
  // A worker that never reports; this thread publishes its deadline for it.
  const worker = new Worker("data:text/javascript,", { type: "module" });
  installWatch(page);
  const start = performance.now();
  watchDeadline(50, "a test");
  const end = await superviseWorker(worker, page, 500, () => {});
  const elapsed = performance.now() - start;
  assert.equal(end.kind, "overran");
  assert.ok(elapsed >= 550, `ended after ${elapsed.toFixed(0)} ms, before the deadline and grace`);
});
