// A worker pool across explorations: taken back, it is put aside again when its exploration
// ends; closing it refuses the answers still expected; and each unit a worker answers is
// counted once.
import assert from "node:assert/strict";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { packWitnesses } from "../../lib/engine/explore/expand.ts";
import { closeIdleWorkers, unitsRunByWorkers, WorkerPool } from "../../lib/engine/explore/pool.ts";

const CONFIG = resolveExploreOptions({
  policy: "kvm-4.0",
  ops: ["write", "read", "mmuOn", "mmuOff"],
  workers: 2,
});

/** The expansion of the empty program, a unit any thread can run. */
function rootUnit() {
  return {
    type: "expand" as const,
    packed: packWitnesses([{ ops: [], picks: [] }]),
    depth: 0,
    first: 0,
  };
}

Deno.test("pool: a pool taken back is put aside again when its second exploration ends", async () => {
  closeIdleWorkers();
  try {
    const first = await WorkerPool.create(1, CONFIG);
    first.close();
    assert.equal(WorkerPool.idleWith(1), true);
    const second = await WorkerPool.create(1, CONFIG);
    assert.equal(second, first);
    assert.equal(WorkerPool.idleWith(1), false, "a pool in use is not idle");
    await second.offer(rootUnit()).result;
    second.close();
    assert.equal(WorkerPool.idleWith(1), true, "the reused pool was not put aside again");
    const third = await WorkerPool.create(1, CONFIG);
    assert.equal(third, first);
    third.close();
  } finally {
    closeIdleWorkers();
  }
});

Deno.test("pool: closing refuses the answers of units still offered", async () => {
  closeIdleWorkers();
  try {
    const pool = await WorkerPool.create(1, CONFIG);
    // Closed before the event loop runs: no answer can have been read yet.
    const unit = pool.offer({ type: "random", from: 0, to: 50 });
    pool.close();
    await assert.rejects(unit.result, /the worker pool was closed/);
  } finally {
    closeIdleWorkers();
  }
});

Deno.test("pool: each unit a worker answers is counted once", async () => {
  closeIdleWorkers();
  try {
    const pool = await WorkerPool.create(1, CONFIG);
    const before = unitsRunByWorkers();
    // Nobody else claims these units: the worker runs all three.
    await pool.offer(rootUnit()).result;
    await pool.offer({ type: "random", from: 0, to: 20 }).result;
    await pool.offer(rootUnit()).result;
    assert.equal(unitsRunByWorkers(), before + 3);
    pool.close();
  } finally {
    closeIdleWorkers();
  }
});
