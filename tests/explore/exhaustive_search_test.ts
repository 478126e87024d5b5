// The search loop driven by a scripted expansion: each parent gets the
// children a function decides, so lengths, budgets and parts are exact.
import assert from "node:assert/strict";
import { type LevelRunner, searchExhaustive } from "../../lib/engine/explore/exhaustive.ts";
import { CHILD_INTS, type ChildBatch } from "../../lib/engine/explore/expand.ts";
import { memoryExchange } from "../support/memory_exchange.ts";
import { type ExploreConfig, resolveExploreOptions } from "../../lib/engine/explore/options.ts";

/**
 * A runner whose every parent at `depth` has `children(depth)` children, each
 * a distinct exact state, and costs `executions(depth)` runs per parent.
 */
function scripted(
  children: (depth: number) => number,
  executions: (depth: number) => number = () => 1,
): LevelRunner {
  let next = 1;
  return (batches, depth) =>
    Promise.resolve(batches.map((packed): ChildBatch => {
      const parents = packed[0];
      const n = children(depth);
      const out = new Int32Array(parents * n * CHILD_INTS);
      for (let p = 0; p < parents; p++) {
        for (let k = 0; k < n; k++) {
          const o = (p * n + k) * CHILD_INTS;
          out.set([p, k, 0, 0, next, next * 7 + 1, 1], o);
          next++;
        }
      }
      return {
        children: out,
        count: parents * n,
        failures: [],
        executions: parents * executions(depth),
        referenceRuns: 0,
        rejected: 0,
        symmetric: 0,
      };
    }));
}

function config(maxOps: number, executions = 1_000_000): ExploreConfig {
  return resolveExploreOptions({ maxOps, executions, progress: false });
}

Deno.test("a search with no new state at some length stops there, counting no empty lengths", async () => {
  // The root has two children; they have none.
  const { stats } = await searchExhaustive(config(5), scripted((d) => d === 0 ? 2 : 0), false);
  assert.deepEqual(stats.levels, [1, 2, 0]);
  assert.equal(stats.states, 3);
  assert.equal(stats.completeLength, 2);
  assert.equal(stats.complete, true);
});

Deno.test("a search that runs every length counts all of them complete", async () => {
  const { stats } = await searchExhaustive(config(3), scripted(() => 2), false);
  assert.deepEqual(stats.levels, [1, 2, 4]);
  assert.equal(stats.executions, 1 + 2 + 4);
  assert.equal(stats.completeLength, 3);
  assert.equal(stats.complete, true);
});

Deno.test("progress names the length being run, counted from one, and the states done", async () => {
  const where: string[] = [];
  await searchExhaustive(
    config(3),
    scripted(() => 2),
    false,
    (_done, _failures, w) => where.push(w),
  );
  assert.deepEqual(where, [
    "length 1/3: 1/1 states",
    "length 2/3: 2/2 states",
    "length 3/3: 4/4 states",
  ]);
});

Deno.test("exchanged parts: a length one part stopped in is complete for none of them", async () => {
  const base = config(3, 100);
  const exchange = memoryExchange();
  // Part 1 spends the whole budget on its first parent of length 1; part 0 does not.
  const parts = await Promise.all([0, 1].map((index) =>
    searchExhaustive(
      { ...base, shard: { index, count: 2 } },
      scripted(() => 4, (d) => d === 1 && index === 1 ? 1000 : 1),
      false,
      undefined,
      exchange,
    )
  ));
  for (const { stats } of parts) {
    assert.equal(stats.complete, false);
    assert.equal(stats.completeLength, 1);
  }
});
