/**
 * A worker pool outlives its exploration (pool.ts): the next exploration
 * with as many workers takes it back and sends it its own configuration.
 * What a reused worker answers must be what a fresh thread answers, units
 * a finished exploration left offered must never be run for the next one,
 * and an idle pool must not keep the process alive. Randomized questions
 * check that one thread and two (the second one reused, warm) give the
 * same JSON report. Tasks and answers cross threads as bare buffers of
 * integers, which must give back what was packed.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { explore, type ExploreOptions } from "../../mod.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import type { ExploreOpName } from "../../lib/engine/explore/alphabet.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import {
  CHILD_INTS,
  type ChildBatch,
  expandBatch,
  packBatch,
  packWitnesses,
  unpackBatch,
} from "../../lib/engine/explore/expand.ts";
import {
  closeIdleWorkers,
  TASK_HEADER,
  taskBuffer,
  WorkerPool,
} from "../../lib/engine/explore/pool.ts";
import { TINY } from "./fixtures.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { scratchProject } from "../cli/helpers.ts";

const ROOT = () => packWitnesses([{ ops: [], picks: [] }]);

function plain(b: ChildBatch): unknown {
  return { ...b, children: Array.from(b.children) };
}

/** What this thread answers for the root's expansion under `options`. */
async function here(options: ExploreOptions): Promise<unknown> {
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  return plain(expandBatch(new ExploreContext(config, policy, guestClass), ROOT(), 0, 0));
}

const FIRST: ExploreOptions = {
  machine: "xgene1",
  policy: "kvm-4.0",
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
  workers: 2,
};
const SECOND: ExploreOptions = {
  machine: TINY,
  policy: "xen",
  guestClass: "no-sw",
  cpus: 2,
  ops: ["write", "read", "sw_clean_invalidate", "mmuOff", "migrate"],
  workers: 2,
};

Deno.test("a starting pool is told of before it is ready, and a worker's readiness waits among the answers until read", async () => {
  closeIdleWorkers();
  const seen: WorkerPool[] = [];
  const created = WorkerPool.create(1, resolveExploreOptions(FIRST), (p) => seen.push(p));
  try {
    const pool = seen[0];
    assert.ok(pool !== undefined, "not told of the pool before it was ready");
    // This thread busy, as with units of its own: the readiness shows without the event loop.
    const until = Date.now() + 30_000;
    while (!pool.answersWaiting && Date.now() < until) {
      // spin
    }
    assert.equal(pool.answersWaiting, true, "the worker's readiness is not counted");
    assert.equal(await created, pool);
    assert.equal(pool.answersWaiting, false, "the readiness read still waits");
    const a = await pool.offer({ type: "expand", packed: ROOT(), depth: 0, first: 0 }).result;
    assert.deepEqual(plain(a as ChildBatch), await here(FIRST));
    assert.equal(pool.answersWaiting, false);
  } finally {
    (await created).close();
    closeIdleWorkers();
  }
});

Deno.test("a pool put aside is taken back by the next exploration, with its configuration", async () => {
  closeIdleWorkers();
  const first = await WorkerPool.create(1, resolveExploreOptions(FIRST));
  try {
    const a = await first.offer({ type: "expand", packed: ROOT(), depth: 0, first: 0 }).result;
    assert.deepEqual(plain(a as ChildBatch), await here(FIRST));
  } finally {
    first.close();
  }
  // Put aside, it is there for an exploration of one worker, not of two.
  assert.equal(WorkerPool.idleWith(1), true);
  assert.equal(WorkerPool.idleWith(2), false);
  const second = await WorkerPool.create(1, resolveExploreOptions(SECOND));
  try {
    assert.equal(second, first, "the idle pool was not reused");
    const b = await second.offer({ type: "expand", packed: ROOT(), depth: 0, first: 0 }).result;
    const want = await here(SECOND);
    assert.notDeepEqual(want, await here(FIRST));
    assert.deepEqual(plain(b as ChildBatch), want);
  } finally {
    second.close();
  }
  // Another number of workers gets new ones.
  const third = await WorkerPool.create(2, resolveExploreOptions(FIRST));
  assert.notEqual(third, first);
  third.close();
  closeIdleWorkers();
});

Deno.test("units an exploration left offered when it ended are withdrawn, not run for the next", async () => {
  closeIdleWorkers();
  const pool = await WorkerPool.create(1, resolveExploreOptions(FIRST));
  // Units long enough that the worker is still in its first ones when the pool is closed.
  const units = Array.from(
    { length: 50 },
    () => pool.offer({ type: "random", from: 0, to: 2000 }),
  );
  pool.close();
  // The last unit is withdrawn: nobody, this thread included, can claim it any more.
  assert.equal(pool.claimHere(units.at(-1)!), false);
  const outcomes = await Promise.allSettled(units.map((u) => u.result));
  // Whatever the worker had not answered yet is refused, none is left pending.
  assert.ok(outcomes.some((o) => o.status === "rejected"));
  const again = await WorkerPool.create(1, resolveExploreOptions(SECOND));
  try {
    assert.equal(again, pool);
    const got = await again.offer({ type: "expand", packed: ROOT(), depth: 0, first: 0 }).result;
    assert.deepEqual(plain(got as ChildBatch), await here(SECOND));
    // The claims of the withdrawn units stay lost: this thread cannot claim one either.
    assert.equal(again.claimHere({ id: 3, result: Promise.resolve() }), false);
  } finally {
    again.close();
    closeIdleWorkers();
  }
});

Deno.test("default workers take a warm idle pool back at once, without waiting", async () => {
  closeIdleWorkers();
  const workers = resolveExploreOptions({}).workers;
  // One core: the default is this thread alone, there is no pool to take back.
  if (workers < 2) return;
  const question: ExploreOptions = {
    ...FIRST,
    maxOps: 2,
    progress: false,
  };
  const created: number[] = [];
  const create = WorkerPool.create;
  try {
    WorkerPool.create = (n, config, starting) => {
      created.push(n);
      return create.call(WorkerPool, n, config, starting);
    };
    // A short exploration with default workers ends before they would start.
    await explore({ ...question, workers: undefined });
    assert.deepEqual(created, [], "default workers started for a short exploration");
    // Workers given explicitly leave their pool idle and warm...
    await explore({ ...question, workers });
    assert.deepEqual(created, [workers - 1]);
    assert.equal(WorkerPool.idleWith(workers - 1), true);
    // ...and the next default exploration, however short, takes it back.
    await explore({ ...question, workers: undefined });
    assert.deepEqual(created, [workers - 1, workers - 1]);
  } finally {
    WorkerPool.create = create;
    closeIdleWorkers();
  }
  assert.equal(WorkerPool.idleWith(workers - 1), false);
});

Deno.test("an idle pool does not keep the process alive", async () => {
  // A user's project: its own deno.json, the explore entry, workers asked for.
  const entry = new URL("../../lib/api/explore.ts", import.meta.url).href;
  const dir = await scratchProject("setway-idle-", {
    "idle.ts": `import { explore } from ${JSON.stringify(entry)};
const r = await explore({ maxOps: 3, ops: ["write", "read", "mmuOn"], progress: false, workers: 2 });
console.log("explored", r.stats.executions > 0);
`,
  });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-R", "idle.ts"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    assert.equal(out.success, true, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout), "explored true\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const OPS: ExploreOpName[] = [
  "write",
  "read",
  "dc_civac",
  "dc_cvac",
  "mmuOn",
  "mmuOff",
  "vmReg",
  "sw_clean_invalidate",
];

const question = fc.record({
  machine: fc.constantFrom<ExploreOptions["machine"]>("generic", "xgene1", TINY),
  policy: fc.constantFrom("kvm-4.0", "kvm-3.18", "kvm-modern", "xen", "trap-nothing"),
  guestClass: fc.constantFrom("any", "no-sw", "cleans-by-va", "maintains-by-va"),
  ops: fc.subarray(OPS, { minLength: 3 }),
  maxOps: fc.integer({ min: 2, max: 4 }),
  mode: fc.constantFrom<"exhaustive" | "random">("exhaustive", "random"),
  seed: fc.integer({ min: 1, max: 1000 }),
  // A budget that may stop the search with units still offered.
  executions: fc.constantFrom(400, 3000, 20_000),
});

Deno.test("one thread and two (the second reused from question to question) give the same JSON", async () => {
  closeIdleWorkers();
  try {
    await fc.assert(
      fc.asyncProperty(question, async (q) => {
        const options: ExploreOptions = { ...q, progress: false, shrink: false };
        const single = await explore({ ...options, workers: 1 });
        const two = await explore({ ...options, workers: 2 });
        assert.equal(JSON.stringify(two), JSON.stringify(single));
      }),
      { numRuns: 8, seed: 17 },
    );
  } finally {
    closeIdleWorkers();
  }
});

const failure = fc.record({
  parent: fc.nat(1000),
  op: fc.nat(40),
  pick2: fc.constantFrom(0, 1),
  pickJ: fc.nat(100),
  blame: fc.constantFrom<("guest" | "hypervisor" | "machine")[]>("guest", "hypervisor", "machine"),
  kind: fc.constantFrom<("stale_read" | "lost_write" | "crash")[]>(
    "stale_read",
    "lost_write",
    "crash",
  ),
});

Deno.test("a batch packed into a buffer unpacks to the same batch and tag", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 40 }).chain((count) =>
        fc.record({
          count: fc.constant(count),
          children: fc.array(fc.integer(), {
            minLength: count * CHILD_INTS,
            maxLength: count * CHILD_INTS,
          }),
          failures: fc.array(failure, { maxLength: 12 }),
          executions: fc.nat(),
          referenceRuns: fc.nat(),
          rejected: fc.nat(),
          symmetric: fc.nat(),
          tag: fc.nat(),
        })
      ),
      ({ tag, ...b }) => {
        const batch: ChildBatch = { ...b, children: Int32Array.from(b.children) };
        const back = unpackBatch(packBatch(batch, tag));
        assert.equal(back.tag, tag);
        assert.deepEqual(plain(back.batch), plain(batch));
      },
    ),
  );
});

Deno.test("an expansion task's buffer holds its id, depth, first position and parents", async () => {
  // Every program of three operations: a batch with children and failures.
  const parents = [];
  for (let a = 0; a < 5; a++) {
    for (let b = 0; b < 5; b++) {
      for (let c = 0; c < 5; c++) parents.push({ ops: [a, b, c], picks: [0, 0, 0] });
    }
  }
  const packed = packWitnesses(parents);
  const b = new Int32Array(taskBuffer(41, { type: "expand", packed, depth: 3, first: 80 }));
  assert.deepEqual(Array.from(b.subarray(0, TASK_HEADER)), [41, 3, 80]);
  assert.deepEqual(Array.from(b.subarray(TASK_HEADER)), Array.from(packed));
  // A worker expands it as this thread does.
  const config = resolveExploreOptions({ ...FIRST, policy: "kvm-3.18", maxOps: 5 });
  const { policy, guestClass } = await loadParts(config);
  const want = expandBatch(new ExploreContext(config, policy, guestClass), packed, 3, 80);
  assert.ok(want.failures.length > 0 && want.count > 0);
  const pool = await WorkerPool.create(1, config);
  try {
    const got = await pool.offer({ type: "expand", packed, depth: 3, first: 80 }).result;
    assert.deepEqual(plain(got as ChildBatch), plain(want));
  } finally {
    pool.close();
    closeIdleWorkers();
  }
});

/** Explores with two threads under a policy of worker_failing_policies.ts; fails if it hangs. */
async function exploreFailing(name: string): Promise<unknown> {
  const policy = {
    module: new URL("./worker_failing_policies.ts", import.meta.url).href,
    export: name,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the exploration waited for a dead worker")), 60_000);
  });
  try {
    return await Promise.race([
      explore({
        maxOps: 4,
        ops: ["write", "read", "mmuOn", "mmuOff"],
        progress: false,
        workers: 2,
        policy,
      }),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("a worker that ends in the middle of a unit fails the exploration, which does not wait for it", async () => {
  closeIdleWorkers();
  try {
    await assert.rejects(exploreFailing("exiting"), /explore worker: the worker stopped/);
    // The broken pool is not kept for the next exploration.
    assert.equal(WorkerPool.idleWith(1), false);
  } finally {
    closeIdleWorkers();
  }
});

Deno.test("a ScenarioError in a worker's unit reaches the caller as that ScenarioError", async () => {
  closeIdleWorkers();
  try {
    // What the command line prints in one line and exits 2 for, not an internal error.
    await assert.rejects(exploreFailing("refused"), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.code, "invalid_value");
      assert.equal(e.call, "hcr.tvm");
      // The message as the guard worded it on the worker, nothing added.
      assert.equal(
        e.message,
        'policy "refused-in-workers": onVmRegWrite wrote hcr.tvm = 1; an HCR bit is true or false',
      );
      return true;
    });
  } finally {
    closeIdleWorkers();
  }
});

Deno.test("a worker that refuses its configuration fails the pool's start", async () => {
  closeIdleWorkers();
  try {
    await assert.rejects(exploreFailing("refusedAtStart"), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.call, "explore.workers");
      assert.match(e.message, /explore\.workers\(2\): a worker failed to start: .*not a policy/);
      return true;
    });
  } finally {
    closeIdleWorkers();
  }
});
