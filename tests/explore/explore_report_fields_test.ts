// What explore() puts in its report besides the search's counts: no counterexample when
// shrinking is off, the prove abstraction in the question, a policy object's counterexample
// replayed under that object even when it takes a built-in's name, a random part's
// counterexample the single run's, and the worker pool of a one-operation search, or of one
// that fails before it is up, put aside for the next one.
import assert from "node:assert/strict";
import { explore, type ExploreOptions } from "../../mod.ts";
import type { ShardExchange } from "../../lib/api/explore.ts";
import { closeIdleWorkers, WorkerPool } from "../../lib/engine/explore/pool.ts";
import { CRASHES_ON_CACHES_OFF, stepNames, TINY_L3 } from "./fixtures.ts";

const OPS: ExploreOptions["ops"] = ["write", "read", "mmuOn", "mmuOff"];

Deno.test("explore: with shrink: false every group keeps its witness and has no counterexample", async () => {
  for (const mode of ["exhaustive", "random"] as const) {
    const options: ExploreOptions = {
      policy: "trap-nothing",
      ops: OPS,
      maxOps: 4,
      mode,
      executions: mode === "random" ? 600 : undefined,
      progress: false,
      workers: 1,
    };
    const shrunk = await explore(options);
    assert.ok(shrunk.failures.length > 0, mode);
    assert.ok(shrunk.failures.every((f) => f.counterexample !== null), mode);
    const bare = await explore({ ...options, shrink: false });
    assert.deepEqual(bare.failures.map((f) => f.counterexample), bare.failures.map(() => null));
    assert.deepEqual(
      bare.failures.map((f) => [f.blame, f.kind, f.count, f.found, f.witness]),
      shrunk.failures.map((f) => [f.blame, f.kind, f.count, f.found, f.witness]),
      mode,
    );
  }
});

Deno.test("explore: a prove search's question names the verdicts abstraction, and only that one", async () => {
  const options: ExploreOptions = {
    mode: "prove",
    machine: "xgene1",
    policy: "xen",
    guestClass: "no-sw",
    ops: OPS,
    maxOps: 3,
    progress: false,
    workers: 1,
    shrink: false,
  };
  const verdicts = await explore({ ...options, abstraction: "verdicts" });
  assert.equal(verdicts.question.abstraction, "verdicts");
  assert.equal(verdicts.proof?.abstraction, "verdicts");
  const kinds = await explore(options);
  assert.equal("abstraction" in kinds.question, false);
  assert.notEqual(kinds.question.fingerprint, verdicts.question.fingerprint);
});

Deno.test("explore: a policy object named like a built-in has its counterexample replayed under the object", async () => {
  // The built-in kvm-4.0 never crashes a guest; this object of the same name does.
  const own = { ...CRASHES_ON_CACHES_OFF, name: "kvm-4.0" };
  const r = await explore({
    machine: "generic",
    policy: own,
    ops: OPS,
    maxOps: 2,
    speculation: false,
    progress: false,
  });
  assert.deepEqual(r.failures.map((f) => `${f.policy} ${f.blame}/${f.kind}`), [
    "kvm-4.0 hypervisor/crash",
  ]);
  const c = r.failures[0].counterexample!;
  assert.equal(c.reproduced, true);
  assert.match(c.violation, /^crash: vcpu0 at 0x[0-9a-f]+: caches turned off$/);
  // The snippet names a policy object, not the built-in's string.
  assert.doesNotMatch(c.snippet, /policy\("kvm-4\.0"\)/);
});

Deno.test("explore: workers asked for a one-operation search are put aside and taken back by the next", async () => {
  closeIdleWorkers();
  try {
    const r = await explore({ ops: OPS, maxOps: 1, progress: false, workers: 2 });
    assert.ok(r.stats.executions > 0);
    assert.equal(WorkerPool.idleWith(1), true);
    // The next search takes them back and gives what one thread gives.
    const options: ExploreOptions = { ops: OPS, maxOps: 3, progress: false, shrink: false };
    const two = await explore({ ...options, workers: 2 });
    const one = await explore({ ...options, workers: 1 });
    assert.equal(JSON.stringify(two), JSON.stringify(one));
  } finally {
    closeIdleWorkers();
  }
});

Deno.test("explore: every random part shrinks a group to the single run's counterexample", async () => {
  // kvm-3.18 with a system cache set/way never reaches: two programs of five operations escape
  // (the clean and the caches going off in either order). Each part's own executions may meet
  // either one; its last shrinking step searches every program up to that length, not only
  // the part's share of them, for the first in exhaustive order.
  const options: ExploreOptions = {
    machine: TINY_L3,
    policy: "kvm-3.18",
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    maxOps: 6,
    mode: "random",
    executions: 3000,
    speculation: false,
    progress: false,
    workers: 1,
  };
  const first = ["mmuOn", "write", "sw_csw", "mmuOff", "read"];
  for (const seed of [2, 3]) {
    for (const shard of ["0/1", "0/2", "1/2", "0/3", "1/3", "2/3"]) {
      const r = await explore({ ...options, seed, shard });
      const escape = r.failures.find((f) => f.blame === "hypervisor");
      assert.ok(escape !== undefined, `seed ${seed}, part ${shard}`);
      assert.deepEqual(stepNames(escape.counterexample!.steps), first, `seed ${seed}, ${shard}`);
    }
  }
});

Deno.test("explore: workers asked for a search that fails before they are up are put aside once up", async () => {
  closeIdleWorkers();
  // Part 0 of 2 whose exchange fails at once, as soon as this thread has run the first
  // length: no worker can be ready by then.
  const broken: ShardExchange = { exchange: () => Promise.reject(new Error("no partner")) };
  try {
    await assert.rejects(
      explore({ ops: OPS, maxOps: 3, progress: false, workers: 2, shard: "0/2", exchange: broken }),
      /no partner/,
    );
    // Left in use, the worker would keep the process alive and never be reused.
    assert.equal(WorkerPool.idleWith(1), true);
  } finally {
    closeIdleWorkers();
  }
});
