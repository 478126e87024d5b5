/**
 * The README's "a part waits up to an hour" for the other parts: the
 * default of `directoryExchange`, on a clock of the test's own (each pause
 * of the exchange's polling moves it on at once), so no hour passes.
 */

import assert from "node:assert/strict";
import { directoryExchange } from "../../lib/api/explore.ts";
import { ScenarioError } from "../../lib/errors.ts";

Deno.test("directoryExchange: by default a part waits an hour for a missing part, then names it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "setway-exchange-wait-" });
  const realSetTimeout = globalThis.setTimeout;
  let now = 0, pauses = 0;
  Object.defineProperty(performance, "now", { value: () => now, configurable: true });
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    now += ms ?? 0;
    pauses++;
    queueMicrotask(fn);
    return 0;
  }) as unknown as typeof setTimeout;
  try {
    const waited = directoryExchange(dir).exchange(0, 0, 2, new Uint8Array([1]));
    await assert.rejects(waited, (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.code, "budget_exceeded");
      assert.match(e.message, /part 0\/2 waited 3600 s for part 1\/2 at length 0/);
      return true;
    });
    // It gave up at the hour, not before, and not much later (the longest pause is a second).
    assert.ok(now >= 3600_000 && now < 3602_000, `gave up at ${now} ms`);
    assert.ok(pauses > 3000, `${pauses} looks`);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    delete (performance as { now?: unknown }).now;
    await Deno.remove(dir, { recursive: true });
  }
});
