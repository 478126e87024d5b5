import assert from "node:assert/strict";
import { SCALING_EXHAUSTIVE, shardRuns } from "../../bench/explore_scaling.ts";
import { explore } from "../../mod.ts";

// Row (f) counts the runs of whole programs each shard's context makes: a
// run the context makes under another name would go uncounted, and the row
// would read 0 of 0. Exchanging shards split the unsharded search's runs
// between them, none run twice; independent parts each repeat the shorter
// programs.

const options = { ...SCALING_EXHAUSTIVE, maxOps: 3 };

Deno.test("shardRuns counts the runs of every shard, and exchanging shards share the unsharded search's", async () => {
  const whole = await explore({ ...options, progress: false, shrink: false, workers: 1 });
  const exchanged = await shardRuns(options, 2, true);
  assert.ok(exchanged.whole > 0, `unsharded runs ${exchanged.whole}`);
  assert.ok(exchanged.whole <= whole.stats.executions, "runs are among the executions");
  assert.equal(exchanged.parts.length, 2);
  assert.ok(exchanged.parts.every((n) => n > 0), `shards' runs ${exchanged.parts}`);
  assert.equal(exchanged.parts[0] + exchanged.parts[1], exchanged.whole);
  const parts = await shardRuns(options, 2, false);
  assert.equal(parts.whole, exchanged.whole);
  assert.ok(parts.parts.every((n) => n > 0 && n <= parts.whole), `parts' runs ${parts.parts}`);
});
