import assert from "node:assert/strict";
import { explore, formatExploreReport } from "../../mod.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { judge, picksToPlan, shrink } from "../../lib/engine/explore/shrink.ts";
import { NO_OFF_FLUSH, stepNames, TINY } from "./fixtures.ts";

// The planted bug: kvm-4.0 without the flush at caches-off. The shortest guest
// it fails: caches on, a S/W walk (flush, TVM set again), a write, a second
// walk (deferred: TVM is set), caches off (trapped, but no flush), a read.
const MINIMAL = ["mmuOn", "sw_csw", "write", "sw_csw", "mmuOff", "read"];
const OPS = ["write", "read", "sw_clean", "mmuOn", "mmuOff"] as const;

Deno.test("the planted bug is found by exhaustive search, already minimal", async () => {
  const r = await explore({
    machine: TINY,
    policy: NO_OFF_FLUSH,
    maxOps: 6,
    speculation: false,
    ops: [...OPS],
    progress: false,
  });
  const bug = r.failures.find((f) => f.blame === "hypervisor" && f.kind === "stale_read");
  assert.ok(bug, formatExploreReport(r));
  assert.equal(bug.policy, "kvm-4.0-no-off-flush");
  assert.deepEqual(stepNames(bug.counterexample!.steps), MINIMAL);
  assert.equal(bug.counterexample!.reproduced, true);
  // The genuine kvm-4.0 passes the same search: the flush at caches-off is what catches it.
  const fixed = await explore({
    machine: TINY,
    policy: "kvm-4.0",
    maxOps: 6,
    speculation: false,
    ops: [...OPS],
    progress: false,
  });
  assert.equal(fixed.failures.some((f) => f.blame === "hypervisor"), false);
});

Deno.test("the planted bug is found by random search and shrunk to the known minimal guest", async () => {
  const r = await explore({
    machine: TINY,
    policy: NO_OFF_FLUSH,
    mode: "random",
    seed: 7,
    executions: 4000,
    maxOps: 12,
    speculation: false,
    ops: [...OPS],
    progress: false,
  });
  const bug = r.failures.find((f) => f.blame === "hypervisor" && f.kind === "stale_read");
  assert.ok(bug, formatExploreReport(r));
  assert.ok(bug.witness!.ops.length > MINIMAL.length, "the random witness should need shrinking");
  assert.deepEqual(stepNames(bug.counterexample!.steps), MINIMAL);
  assert.match(
    bug.counterexample!.snippet,
    /\.guest\(\(g\) => g\.mmuOn\(\)\.sw_clean\(\)\.write\(0x40000000, 1\)\.sw_clean\(\)\.mmuOff\(\)\.read\(0x40000000\)\)/,
  );
});

Deno.test("shrinking keeps the failure and drops perturbations that do not matter", async () => {
  const config = resolveExploreOptions({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
  });
  const { policy, guestClass } = await loadParts(config);
  const ctx = new ExploreContext(config, policy, guestClass);
  // read, mmuOn, write, read, mmuOff, read with a fill before every step.
  const ops = [1, 2, 0, 1, 3, 1];
  const picks = ops.flatMap(() => [1, 1]);
  assert.equal(picksToPlan(ctx, ops, picks).length, 6);
  assert.ok(judge(ctx, ops, picksToPlan(ctx, ops, picks)).groups.includes("guest/stale_read"));
  const s = shrink(ctx, ops, picks, "guest/stale_read");
  assert.deepEqual(s.ops, [2, 0, 3, 1]);
  assert.deepEqual(s.plan, []);
  assert.ok(judge(ctx, s.ops, s.plan).groups.includes("guest/stale_read"));
});

Deno.test("explore: seconds bounds the whole call, shrinking included", async () => {
  const started = performance.now();
  const report = await explore({
    mode: "random",
    seconds: 1,
    policy: "kvm-3.18",
    maxOps: 12,
    progress: false,
  });
  const took = performance.now() - started;
  // Without the bound, shrinking these groups takes several seconds more.
  assert.ok(took < 2500, `took ${Math.round(took)} ms`);
  assert.ok(report.failures.length > 0);
  for (const f of report.failures) {
    assert.equal(f.counterexample?.reproduced, true, `${f.blame}/${f.kind} reproduces`);
  }
});
