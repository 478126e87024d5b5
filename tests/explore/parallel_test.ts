import assert from "node:assert/strict";
import { definePolicy, explore, type ExploreOptions } from "../../mod.ts";
import { formatExploreReport, mergeReports } from "../../lib/api/explore.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { type ChildBatch, expandBatch } from "../../lib/engine/explore/expand.ts";
import { type LevelRunner, searchExhaustive } from "../../lib/engine/explore/exhaustive.ts";
import { randomTaskSize } from "../../lib/engine/explore/explore.ts";
import { RANDOM } from "./fixtures.ts";

const EXHAUSTIVE: ExploreOptions = {
  machine: "xgene1",
  policy: "kvm-3.18",
  maxOps: 4,
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
  progress: false,
};

Deno.test("workers report exactly what a single thread reports (exhaustive)", async () => {
  const single = await explore({ ...EXHAUSTIVE, workers: 1 });
  const parallel = await explore({ ...EXHAUSTIVE, workers: 2 });
  assert.ok(single.failures.length > 0);
  assert.equal(formatExploreReport(parallel), formatExploreReport(single));
  assert.deepEqual(parallel.stats, single.stats);
});

Deno.test("workers report exactly what a single thread reports (random)", async () => {
  const single = await explore({ ...RANDOM, workers: 1 });
  const parallel = await explore({ ...RANDOM, workers: 2 });
  assert.ok(single.failures.length > 0);
  assert.equal(formatExploreReport(parallel), formatExploreReport(single));
});

Deno.test("random tasks double from 512 to 4096 and shrink to each thread's share of the rest", () => {
  const sizes = (budget: number, threads: number) => {
    const out: number[] = [];
    for (let next = 0; next < budget;) {
      next += out[out.length] = randomTaskSize(out.length, budget - next, threads);
    }
    return out;
  };
  assert.deepEqual(
    sizes(20_000, 2),
    [512, 1024, 2048, 4096, 4096, 4096, 2064, 1032, 516, 512, 4],
  );
  assert.deepEqual(sizes(20_000, 1), [512, 1024, 2048, 4096, 4096, 4096, 4096, 32]);
  assert.deepEqual(sizes(300, 2), [300]);
  assert.equal(randomTaskSize(40, Infinity, 4), 4096);
});

Deno.test("random tasks that grow to their largest and shrink at the end report what one thread reports", async () => {
  // 20 000 executions: tasks of 512, 1024, 2048, then 4096 each, and the
  // last ones cut to each thread's share of what is left.
  const options = { ...RANDOM, executions: 20_000, shrink: false };
  const single = await explore({ ...options, workers: 1 });
  const parallel = await explore({ ...options, workers: 2 });
  assert.ok(single.failures.length > 0);
  assert.equal(parallel.stats.executions, 20_000);
  assert.deepEqual(parallel.stats, single.stats);
  assert.equal(formatExploreReport(parallel), formatExploreReport(single));
});

Deno.test("shards merge into the single run's failure groups and counterexamples", async () => {
  const single = await explore(EXHAUSTIVE);
  const parts = await Promise.all(
    [0, 1, 2].map((i) => explore({ ...EXHAUSTIVE, shard: `${i}/3` })),
  );
  for (const p of parts) assert.equal(p.complete, true);
  const merged = mergeReports(parts);
  assert.equal(merged.question.shard, "0/1");
  assert.equal(merged.complete, true);
  const view = (r: typeof single) =>
    r.failures.map((f) => ({ group: `${f.blame}/${f.kind}`, found: f.found, c: f.counterexample }));
  assert.deepEqual(view(merged), view(single));
  // Each part ran only its own share, and together exactly the single run's.
  assert.ok(parts.every((p) => p.stats.executions < single.stats.executions));
  assert.deepEqual(merged.stats, single.stats);
});

Deno.test("random shards split the executions and merge back", async () => {
  const single = await explore(RANDOM);
  const parts = await Promise.all([0, 1].map((i) => explore({ ...RANDOM, shard: `${i}/2` })));
  const merged = mergeReports(parts);
  assert.equal(merged.stats.executions, single.stats.executions);
  assert.deepEqual(
    merged.failures.map((f) => [f.blame, f.kind, f.count, f.found]),
    single.failures.map((f) => [f.blame, f.kind, f.count, f.found]),
  );
});

Deno.test("an execution budget stops the search at the same batch on any number of workers", async () => {
  const budget = { ...EXHAUSTIVE, executions: 3000, shrink: false };
  const single = await explore({ ...budget, workers: 1 });
  const parallel = await explore({ ...budget, workers: 2 });
  assert.equal(single.complete, false);
  assert.ok(single.stats.executions >= 3000);
  assert.deepEqual(parallel.stats, single.stats);
  assert.equal(formatExploreReport(parallel), formatExploreReport(single));
});

Deno.test("the next length starts before this one ends, and the search stays the same", async () => {
  const config = resolveExploreOptions({ ...EXHAUSTIVE, maxOps: 5 });
  const { policy, guestClass } = await loadParts(config);
  const ctx = new ExploreContext(config, policy, guestClass);
  const inOrder: LevelRunner = (bs, d, firsts) =>
    Promise.resolve(bs.map((b, i) => expandBatch(ctx, b, d, firsts[i])));
  // Answers come back out of order, a few milliseconds late, as from busy threads.
  const events: string[] = [];
  let handedOut = 0;
  const late: LevelRunner = Object.assign(
    (bs: Int32Array[], d: number, firsts: number[]) => {
      events.push(`out ${d}`);
      const answer = bs.map((b, i) => expandBatch(ctx, b, d, firsts[i]));
      return new Promise<ChildBatch[]>((resolve) =>
        setTimeout(() => {
          events.push(`in ${d}`);
          resolve(answer);
        }, handedOut++ % 3)
      );
    },
    { inFlight: () => 8 },
  );
  const speculation = config.speculation && ctx.candidates.length > 0;
  const expected = await searchExhaustive(config, inOrder, speculation);
  const got = await searchExhaustive(config, late, speculation);
  assert.deepEqual(got.stats, expected.stats);
  assert.deepEqual([...got.failures], [...expected.failures]);
  // Some batch of length 4's parents went out before length 3's last answer came in.
  assert.ok(events.indexOf("out 4") < events.lastIndexOf("in 3"), events.join(", "));
  for (const executions of [700, 2500, 6000]) {
    const cut = { ...config, executions };
    const a = await searchExhaustive(cut, inOrder, speculation);
    const b = await searchExhaustive(cut, late, speculation);
    assert.equal(a.stats.complete, false);
    assert.deepEqual(b.stats, a.stats);
    assert.deepEqual([...b.failures], [...a.failures]);
  }
});

Deno.test("the default number of workers reports what one thread reports", async () => {
  // Long enough for the default workers to start (after 0.3 s on this thread): 5 ops take
  // less than that on a fast machine once the explorer is compiled.
  const options = { ...EXHAUSTIVE, maxOps: 6, shrink: false };
  const single = await explore({ ...options, workers: 1 });
  const byDefault = await explore(options);
  assert.deepEqual(byDefault.stats, single.stats);
  assert.equal(formatExploreReport(byDefault), formatExploreReport(single));
});

Deno.test("a policy object keeps the default search on this thread, even under a built-in's name", async () => {
  // A user's own kvm-4.0 that traps nothing, under the built-in's name. Workers cannot be
  // sent an object: were default workers started, they would load the built-in instead.
  const own = definePolicy({ name: "kvm-4.0" });
  // Long enough for default workers to start (after 0.3 s on this thread), were they started.
  const options = { ...EXHAUSTIVE, policy: "kvm-4.0", maxOps: 6, shrink: false };
  const single = await explore({ ...options, policy: own, workers: 1 });
  const byDefault = await explore({ ...options, policy: own });
  assert.deepEqual(byDefault.stats, single.stats);
  assert.equal(formatExploreReport(byDefault), formatExploreReport(single));
  // The built-in answers otherwise, so a search that mixed the two would show.
  const builtIn = await explore({ ...options, workers: 1 });
  assert.notDeepEqual(builtIn.failures, single.failures);
});

Deno.test("three threads (two workers claiming units) report what one reports", async () => {
  const options = { ...EXHAUSTIVE, shrink: false };
  const single = await explore({ ...options, workers: 1 });
  const three = await explore({ ...options, workers: 3 });
  assert.deepEqual(three.stats, single.stats);
  assert.equal(formatExploreReport(three), formatExploreReport(single));
  const random = { ...RANDOM, shrink: false };
  assert.equal(
    formatExploreReport(await explore({ ...random, workers: 3 })),
    formatExploreReport(await explore({ ...random, workers: 1 })),
  );
});

Deno.test("explicit workers that cannot start are an error, even when the search ends first", async () => {
  // Without read permission no worker can load its module; this thread runs
  // the units meanwhile, and the error still comes, whatever the search's size.
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/no_read.ts`;
    await Deno.writeTextFile(
      file,
      `import { explore } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
for (const maxOps of [1, 4]) {
  try {
    await explore({ maxOps, ops: ["write", "read", "mmuOn"], progress: false, workers: 2 });
    console.log("no error");
  } catch (e) {
    console.log(e.name, e.call, e.value, e.message.split(":")[0]);
  }
}
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-prompt", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(
      stdout,
      // The error names the call and the value the user gave, not the workers started.
      "ScenarioError explore.workers 2 explore.workers(2)\n".repeat(2),
      new TextDecoder().decode(out.stderr),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
