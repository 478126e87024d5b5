import assert from "node:assert/strict";
import { explore } from "../../mod.ts";
import { formatExploreReport } from "../../lib/api/explore.ts";
import { symmetryAllows } from "../../lib/engine/explore/expand.ts";
import {
  CRASHES_ON_CACHES_OFF,
  CRASHES_ON_STAGE2_FAULT,
  NOT_PLAIN_STATE,
  stepNames,
  TINY,
  TINY_L3,
} from "./fixtures.ts";

Deno.test("a guest that never cleans fails, blamed on itself, in four operations", async () => {
  const r = await explore({
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    progress: false,
  });
  assert.equal(r.complete, true);
  assert.deepEqual(r.failures.map((f) => `${f.blame}/${f.kind}`), ["guest/stale_read"]);
  const c = r.failures[0].counterexample!;
  assert.deepEqual(stepNames(c.steps), ["mmuOn", "write", "mmuOff", "read"]);
  assert.equal(c.reproduced, true);
  assert.equal(c.failsNatively, true);
  assert.equal(c.perturbations.length, 0);
});

Deno.test("up to three operations nothing can fail: the same guest needs four", async () => {
  const r = await explore({
    policy: "kvm-4.0",
    maxOps: 3,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    progress: false,
  });
  assert.deepEqual(r.failures, []);
  assert.equal(r.stats.levels.length, 3); // lengths 0 to 2 are expanded; length 3 is only run
  assert.equal(r.stats.levels[0], 1);
});

Deno.test("kvm-4.0: a guest that cleans by VA still escapes on its way back to caches on", async () => {
  const r = await explore({
    machine: "xgene1",
    policy: "kvm-4.0",
    guestClass: "cleans-by-va",
    maxOps: 5,
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    progress: false,
  });
  const escape = r.failures.find((f) => f.blame === "hypervisor");
  assert.ok(escape, formatExploreReport(r));
  const c = escape.counterexample!;
  assert.deepEqual(stepNames(c.steps), ["mmuOn", "mmuOff", "write", "mmuOn", "read"]);
  assert.deepEqual(c.perturbations, [
    { before: 2, kind: "speculative_fill", cpu: 0, addr: 0x4000_0000 },
  ]);
  assert.equal(c.reproduced, true);
  assert.match(c.trace, /speculative_fill: 0x40000000 into cpu0\.L1/);
  assert.match(c.snippet, /replay\(scenario, \[/);
});

Deno.test("without hardware choices the same guest is safe", async () => {
  const r = await explore({
    machine: "xgene1",
    policy: "kvm-4.0",
    guestClass: "cleans-by-va",
    maxOps: 5,
    speculation: false,
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    progress: false,
  });
  assert.deepEqual(r.failures.filter((f) => f.blame !== "guest"), []);
  assert.equal(r.stats.executions, r.stats.referenceRuns);
});

Deno.test("kvm-3.18: a migration before the walk leaves the old CPU's L1 dirty", async () => {
  const r = await explore({
    machine: TINY,
    policy: "kvm-3.18",
    cpus: 1,
    migrateTo: [0, 1],
    guestClass: "uses-sw",
    maxOps: 6,
    speculation: false,
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff", "migrate"],
    progress: false,
  });
  const escape = r.failures.find((f) => f.blame === "hypervisor");
  assert.ok(escape, formatExploreReport(r));
  assert.deepEqual(stepNames(escape.counterexample!.steps), [
    "mmuOn",
    "write",
    "mmuOff",
    "migrate",
    "sw_csw",
    "read",
  ]);
});

Deno.test("an execution budget stops the search and says so", async () => {
  const r = await explore({
    executions: 50,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    progress: false,
  });
  assert.equal(r.complete, false);
  assert.match(formatExploreReport(r), /incomplete/);
});

Deno.test("symmetry: the second vCPU and address only come after the first", async () => {
  const base = {
    machine: TINY,
    cpus: 2,
    addresses: 2,
    maxOps: 2,
    speculation: false,
    ops: ["write" as const, "read" as const],
    progress: false,
  };
  const sym = await explore(base);
  const all = await explore({ ...base, symmetry: false });
  // 8 instances; at length 1 symmetry keeps write and read on vCPU 0 and address 0.
  assert.equal(sym.stats.symmetric > 0, true);
  assert.equal(all.stats.symmetric, 0);
  assert.ok(sym.stats.executions < all.stats.executions);
});

Deno.test("symmetry orders only vCPUs that share a class: none when no vCPU has one", async () => {
  // A vCPU without a class (-1) is not interchangeable with any other.
  assert.equal(
    symmetryAllows(Int32Array.of(-1, -1), false, { vcpus: 0, addresses: 0 }, 1, -1),
    true,
  );
  // Neither home CPU is a migration target, so neither vCPU has a class.
  const r = await explore({
    machine: "generic",
    cpus: 2,
    migrateTo: [2, 3],
    policy: "kvm-4.0",
    ops: ["write", "read", "migrate"],
    maxOps: 2,
    speculation: false,
    progress: false,
    shrink: false,
  });
  assert.equal(r.stats.symmetric, 0);
});

Deno.test("without prefault, a last write is tried: its stage-2 fault runs the policy", async () => {
  // A last write or DC by VA cannot fail a read, but without prefault its
  // page's first touch takes a stage-2 fault, where a policy can crash the guest.
  const r = await explore({
    machine: TINY,
    policy: CRASHES_ON_STAGE2_FAULT,
    ops: ["write", "read"],
    maxOps: 1,
    prefault: false,
    speculation: false,
    progress: false,
  });
  assert.deepEqual(r.failures.map((f) => `${f.blame}/${f.kind}`), ["hypervisor/crash"]);
  assert.equal(r.stats.executions, 2);
  assert.deepEqual(stepNames(r.failures[0].counterexample!.steps), ["write"]);
});

Deno.test("a run that crashes the guest is not a state to go on from", async () => {
  const r = await explore({
    machine: TINY_L3,
    policy: CRASHES_ON_CACHES_OFF,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 3,
    speculation: false,
    stateHashing: false,
    progress: false,
    shrink: false,
  });
  // Of length 2's 16 programs, [mmuOn, mmuOff] crashed and is not a state.
  assert.deepEqual(r.stats.levels, [1, 4, 15]);
  // [mmuOn, mmuOff], [x, mmuOn, mmuOff] for each of the 4 operations, and
  // [mmuOn, write, mmuOff] and [mmuOn, read, mmuOff].
  assert.equal(r.failures[0].count, 7);
});

Deno.test("the operations the guest class rejects are counted", async () => {
  const r = await explore({
    machine: TINY,
    policy: "kvm-4.0",
    guestClass: "no-sw",
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    maxOps: 2,
    speculation: false,
    stateHashing: false,
    symmetry: false,
    progress: false,
    shrink: false,
  });
  // sw_clean after the empty program, and after each of the 4 programs of length 1.
  assert.equal(r.stats.rejected, 5);
});

Deno.test("a budget that stops the search keeps the states of the length it stopped in", async () => {
  const r = await explore({
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    speculation: false,
    progress: false,
    workers: 1,
    maxOps: 4,
    stateHashing: false,
    executions: 30,
    shrink: false,
  });
  assert.equal(r.complete, false);
  // 4 + 16 runs, then length 3's one batch of 64 passes the budget: its 64 states count.
  assert.equal(r.stats.executions, 84);
  assert.deepEqual(r.stats.levels, [1, 4, 16, 64]);
  assert.equal(r.stats.states, 85);
});

Deno.test("a policy state that is not plain data merges nothing and says the search was inexact", async () => {
  const r = await explore({
    machine: TINY,
    policy: NOT_PLAIN_STATE,
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    maxOps: 3,
    speculation: false,
    progress: false,
    shrink: false,
  });
  assert.equal(r.stats.exact, false);
  assert.equal(r.stats.merged, 0);
});
