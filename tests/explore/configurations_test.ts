/**
 * Explorations on random configurations. The answer of one thread equals,
 * byte for byte in JSON: that of two or three shards merged; that of
 * exhaustive shards that exchange each length's results; and, on random
 * searches long enough to be cut into several units, that of two threads
 * (a worker pulling units from the shared queue, and running some of them
 * in most searches). An exhaustive search with its pruning (state hashing,
 * symmetry) finds the failure groups the full search finds, each first
 * found at the same place. The fixed
 * configurations of parallel_test.ts, merge_test.ts and exchange_test.ts
 * pin the same equalities on chosen questions; these draw the machine,
 * policy, vCPUs, operations, length, mode and pruning switches at random.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { explore, type ExploreOptions, type ExploreReport, policies } from "../../mod.ts";
import { mergeReports } from "../../lib/api/explore.ts";
import { randomTaskSize } from "../../lib/engine/explore/explore.ts";
import { unitsRunByWorkers } from "../../lib/engine/explore/pool.ts";
import { TINY, TINY_L3 } from "./fixtures.ts";

const OPS = [
  "dc_cvac",
  "dc_civac",
  "dc_ivac",
  "sw_clean",
  "sw_clean_invalidate",
  "mmuOn",
  "mmuOff",
  "migrate",
  "host_write",
  "host_unmap",
] as const;

/** A small question: few operations, short programs, so that each answer takes milliseconds. */
const configuration: fc.Arbitrary<ExploreOptions> = fc.record({
  machine: fc.constantFrom<ExploreOptions["machine"]>(TINY, TINY_L3, "generic"),
  policy: fc.constantFrom(...Object.keys(policies)),
  cpus: fc.integer({ min: 1, max: 2 }),
  more: fc.uniqueArray(fc.constantFrom(...OPS), { minLength: 1, maxLength: 3 }),
  speculation: fc.boolean(),
  stateHashing: fc.boolean(),
  random: fc.option(
    fc.record({ seed: fc.nat(1000), executions: fc.integer({ min: 1, max: 300 }) }),
  ),
  maxOps: fc.integer({ min: 2, max: 4 }),
}).map(({ more, random, ...rest }) => ({
  ...rest,
  ops: ["write", "read", ...more],
  ...(random === null ? {} : { mode: "random" as const, ...random, shrink: false, maxOps: 4 }),
  progress: false as const,
}));

/**
 * The exhaustive search of a configuration (random mode's fields dropped),
 * on one thread and of at most three operations: the properties below run
 * it more than once, unpruned or in parts that wait on each other at every
 * length, where four operations can take seconds.
 */
function exhaustiveOf(q: ExploreOptions): ExploreOptions {
  const { mode: _mode, seed: _seed, executions: _executions, ...exhaustive } = q;
  return { ...exhaustive, maxOps: Math.min(exhaustive.maxOps ?? 3, 3), workers: 1 };
}

function json(report: ExploreReport): string {
  return JSON.stringify(report);
}

Deno.test("property: merged shards give the answer of the whole search", async () => {
  let failing = 0, executions = 0;
  await fc.assert(
    fc.asyncProperty(configuration, fc.integer({ min: 2, max: 3 }), async (options, n) => {
      const one = await explore({ ...options, workers: 1 });
      const parts: ExploreReport[] = [];
      for (let i = 0; i < n; i++) {
        parts.push(await explore({ ...options, workers: 1, shard: `${i}/${n}` }));
      }
      assert.equal(json(mergeReports(parts)), json(one), `${n} shards merged`);
      executions += one.stats.executions;
      if (one.failures.length > 0) failing++;
    }),
    { seed: 20261206, numRuns: 40 },
  );
  // Seeded: the same questions every time, some of them answered with failures.
  assert.ok(failing >= 5 && executions >= 20_000, `${failing} failing, ${executions} executions`);
});

Deno.test("property: two threads give the answer of one, on random searches of several units", async () => {
  // Random searches of 1500 executions or more are cut into two units or
  // more (randomTaskSize), so there is work to share; the worker, started
  // by the first search, is warm for the others.
  let failing = 0, shared = 0;
  await fc.assert(
    fc.asyncProperty(configuration, fc.integer({ min: 1500, max: 4000 }), async (q, executions) => {
      const options = {
        ...q,
        mode: "random" as const,
        seed: 7,
        executions,
        shrink: false,
        maxOps: 4,
      };
      assert.ok(randomTaskSize(0, executions, 2) < executions);
      const one = await explore({ ...options, workers: 1 });
      const before = unitsRunByWorkers();
      const two = await explore({ ...options, workers: 2 });
      if (unitsRunByWorkers() > before) shared++;
      assert.equal(json(two), json(one));
      if (one.failures.length > 0) failing++;
    }),
    { seed: 20261207, numRuns: 8 },
  );
  assert.ok(failing >= 2, `${failing} failing`);
  // Which thread claims a unit depends on timing: the worker need not take part in every search.
  assert.ok(shared >= 1, `the worker ran units in ${shared} of 8 searches`);
});

Deno.test("property: pruning (state hashing, symmetry) finds every failure group a full search finds", async () => {
  let failing = 0, pruned = 0;
  await fc.assert(
    fc.asyncProperty(configuration, async (q) => {
      const options = { ...exhaustiveOf(q), stateHashing: true, shrink: false };
      const fast = await explore(options);
      const full = await explore({ ...options, stateHashing: false, symmetry: false });
      const groups = (r: ExploreReport) =>
        r.failures.map((f) => [`${f.blame}/${f.kind}`, f.found.join(",")]);
      assert.deepEqual(groups(fast), groups(full));
      if (full.failures.length > 0) failing++;
      if (fast.stats.executions < full.stats.executions) pruned++;
    }),
    { seed: 20261208, numRuns: 80 },
  );
  // Seeded: the same questions every time, some failing, most pruned.
  assert.ok(failing >= 5 && pruned >= 20, `${failing} failing, ${pruned} pruned`);
});

Deno.test("property: exhaustive shards that exchange each length's results merge to the whole search", async () => {
  let failing = 0, split = 0;
  await fc.assert(
    fc.asyncProperty(configuration, fc.integer({ min: 2, max: 3 }), async (q, n) => {
      const options = exhaustiveOf(q);
      const one = await explore(options);
      const dir = await Deno.makeTempDir({ prefix: "setway-levels-" });
      try {
        // The parts run at once: each waits for the others' results of a length.
        const parts = await Promise.all(
          Array.from(
            { length: n },
            (_, i) => explore({ ...options, shard: `${i}/${n}`, exchange: dir }),
          ),
        );
        assert.equal(json(mergeReports(parts)), json(one), `${n} exchanging parts`);
        const runs = parts.map((p) => p.stats.executions);
        assert.equal(runs.reduce((a, b) => a + b, 0), one.stats.executions);
        if (runs.every((r) => r < one.stats.executions)) split++;
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
      if (one.failures.length > 0) failing++;
    }),
    { seed: 20261209, numRuns: 25 },
  );
  // Seeded: the same questions every time, some failing, most split between the parts.
  assert.ok(failing >= 3 && split >= 10, `${failing} failing, ${split} split`);
});
