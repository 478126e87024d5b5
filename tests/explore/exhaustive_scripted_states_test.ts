// The search loop driven by hand-written batches: which children count as
// the same state, where a budget leaves completeness, and what a failure's
// witness holds, each pinned on exact counts.
import assert from "node:assert/strict";
import { type LevelRunner, searchExhaustive } from "../../lib/engine/explore/exhaustive.ts";
import { CHILD_INTS, type ChildBatch, type FailureHit } from "../../lib/engine/explore/expand.ts";
import { memoryExchange } from "../support/memory_exchange.ts";
import { type ExploreConfig, resolveExploreOptions } from "../../lib/engine/explore/options.ts";

/** One child record: parent, operation, picks, hash words, exact. */
type Child = [number, number, number, number, number, number, number];

/** A batch of these children and failures, one execution per parent. */
function batch(parents: number, children: Child[], failures: FailureHit[] = []): ChildBatch {
  const out = new Int32Array(children.length * CHILD_INTS);
  children.forEach((c, i) => out.set(c, i * CHILD_INTS));
  return {
    children: out,
    count: children.length,
    failures,
    executions: parents,
    referenceRuns: 0,
    rejected: 0,
    symmetric: 0,
  };
}

/** A runner answering each batch with `answer(depth, parents, first)`. */
function runner(
  answer: (depth: number, parents: number, first: number) => ChildBatch,
): LevelRunner {
  return (batches, depth, firsts) =>
    Promise.resolve(batches.map((packed, i) => answer(depth, packed[0], firsts[i])));
}

function config(maxOps: number, executions = 1_000_000): ExploreConfig {
  return resolveExploreOptions({ maxOps, executions, progress: false });
}

Deno.test("exhaustive: children whose hashes share the high word but not the low are distinct states", async () => {
  // The root's three children: the first and third reach the same state, the second another.
  const { stats } = await searchExhaustive(
    config(2),
    runner((depth, parents) =>
      depth === 0
        ? batch(parents, [[0, 0, 0, 0, 5, 1, 1], [0, 1, 0, 0, 5, 2, 1], [0, 2, 0, 0, 5, 1, 1]])
        : batch(parents, [])
    ),
    false,
  );
  assert.deepEqual(stats.levels, [1, 2]);
  assert.equal(stats.merged, 1);
  assert.equal(stats.executions, 1 + 2);
});

Deno.test("exhaustive: a budget that stops a length before its last batch leaves it incomplete", async () => {
  // Length 1 has 100 states, 7 batches of 16; the budget is checked after the fourth.
  let next = 1;
  const wide = runner((depth, parents) => {
    const children: Child[] = [];
    const n = depth === 0 ? 100 : 1;
    for (let p = 0; p < parents; p++) {
      for (let k = 0; k < n; k++, next++) children.push([p, k, 0, 0, next, next, 1]);
    }
    return batch(parents, children);
  });
  const { stats } = await searchExhaustive(config(3, 50), wide, false);
  assert.equal(stats.complete, false);
  assert.equal(stats.executions, 1 + 64);
  assert.equal(stats.completeLength, 1);
});

Deno.test("exhaustive: a failure found at a perturbation keeps its index in the witness's picks", async () => {
  const hit: FailureHit = {
    parent: 1,
    op: 2,
    pick2: 1,
    pickJ: 3,
    blame: "hypervisor",
    kind: "stale_read",
  };
  const { failures } = await searchExhaustive(
    config(2),
    runner((depth, parents) =>
      depth === 0
        ? batch(parents, [[0, 0, 0, 0, 1, 1, 1], [0, 4, 1, 2, 2, 2, 1]])
        : batch(parents, [], [hit])
    ),
    true,
  );
  const f = failures.get("hypervisor/stale_read");
  assert.ok(f);
  // The parent is the root's second child (operation 4 at perturbation 2), then the failing step.
  assert.deepEqual(f.ops, [4, 2]);
  assert.deepEqual(f.picks, [1, 2, 1, 3]);
  assert.deepEqual(f.key, [2, 4, 1, 2, 2, 1, 3]);
  assert.equal(f.count, 1);
});

Deno.test("exhaustive: exchanged parts merge children that reach a state already seen", async () => {
  // The root's children: two reach one state, a third another; their children are all new.
  let next = 100;
  const answer = (depth: number, parents: number): ChildBatch => {
    if (depth === 0) {
      return batch(parents, [[0, 0, 0, 0, 7, 1, 1], [0, 1, 0, 0, 7, 1, 1], [0, 2, 0, 0, 8, 1, 1]]);
    }
    const children: Child[] = [];
    for (let p = 0; p < parents; p++, next++) children.push([p, 0, 0, 0, next, next, 1]);
    return batch(parents, children);
  };
  const exchange = memoryExchange();
  const parts = await Promise.all([0, 1].map((index) =>
    searchExhaustive(
      { ...config(3), shard: { index, count: 2 } },
      runner(answer),
      false,
      undefined,
      exchange,
    )
  ));
  for (const { stats } of parts) {
    assert.deepEqual(stats.levels, [1, 2, 2]);
    assert.equal(stats.merged, 1);
    assert.equal(stats.complete, true);
  }
  assert.equal(parts[0].stats.executions + parts[1].stats.executions, 1 + 2 + 2);
});
