import assert from "node:assert/strict";
import { explore, type ExploreOptions } from "../../mod.ts";
import { formatExploreReport, GUEST_CLASSES, matchesClass } from "../../lib/api/explore.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { judge, picksToPlan, shrink } from "../../lib/engine/explore/shrink.ts";
import { CRASHES_ON_STAGE2_FAULT, NO_OFF_FLUSH, stepNames, TINY } from "./fixtures.ts";

// The planted bug: kvm-4.0 without the flush at caches-off. The shortest guest
// it fails: caches on, a S/W walk (flush, TVM set again), a write, a second
// walk (deferred: TVM is set), caches off (trapped, but no flush), a read.
const MINIMAL = ["mmuOn", "sw_csw", "write", "sw_csw", "mmuOff", "read"];
const OPS = ["write", "read", "sw_clean", "mmuOn", "mmuOff"] as const;

/** An exploration context for `options`, its policy and guest class loaded. */
async function contextOf(options: ExploreOptions): Promise<ExploreContext> {
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  return new ExploreContext(config, policy, guestClass);
}

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
  const ctx = await contextOf({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
  });
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

Deno.test("shrinking stops at its deadline and keeps a counterexample that still fails", async () => {
  const ctx = await contextOf({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
  });
  const ops = [1, 2, 0, 1, 3, 1];
  const picks = ops.flatMap(() => [1, 1]);
  // A deadline already past: one candidate is tried, then shrinking ends where it is.
  const cut = shrink(ctx, ops, picks, "guest/stale_read", 0);
  // The given program is still judged once, and kept as it is.
  assert.equal(cut.attempts, 1);
  assert.deepEqual(cut.ops, ops);
  assert.deepEqual(cut.plan, picksToPlan(ctx, ops, picks));
  const full = shrink(ctx, ops, picks, "guest/stale_read");
  assert.ok(cut.ops.length + cut.plan.length > full.ops.length + full.plan.length);
  assert.ok(judge(ctx, cut.ops, cut.plan).groups.includes("guest/stale_read"));
});

Deno.test("explore: a random search bounded by seconds still reproduces what it shrank", async () => {
  // The bound on the whole call (search, then shrinking until the same deadline) is
  // measured, not asserted here: timing assertions fail on a loaded machine.
  const report = await explore({
    mode: "random",
    seconds: 1,
    policy: "kvm-3.18",
    maxOps: 12,
    progress: false,
  });
  assert.ok(report.failures.length > 0);
  for (const f of report.failures) {
    assert.equal(f.counterexample?.reproduced, true, `${f.blame}/${f.kind} reproduces`);
  }
});

Deno.test("shrinking drops a perturbation before the first step when that step stays", async () => {
  const ctx = await contextOf({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
  });
  // mmuOn, write, mmuOff, read (already minimal) with a fill before every step.
  const ops = [2, 0, 3, 1];
  const s = shrink(ctx, ops, ops.flatMap(() => [1, 1]), "guest/stale_read");
  assert.deepEqual(s.ops, ops);
  assert.deepEqual(s.plan, []);
});

Deno.test("shrinking reaches a one-step counterexample", async () => {
  const ctx = await contextOf({
    machine: TINY,
    policy: CRASHES_ON_STAGE2_FAULT,
    ops: ["write", "read"],
    prefault: false,
    speculation: false,
  });
  // write, write: the first write's stage-2 fault crashes the guest.
  const s = shrink(ctx, [0, 0], [], "hypervisor/crash");
  assert.deepEqual(stepNames(s.steps), ["write"]);
});

Deno.test("a shrunk counterexample stays in the guest class asked about", async () => {
  const r = await explore({
    machine: TINY,
    policy: "kvm-4.0",
    guestClass: "uses-sw",
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    maxOps: 5,
    speculation: false,
    progress: false,
  });
  const guest = r.failures.find((f) => f.blame === "guest" && f.kind === "stale_read");
  assert.ok(guest?.counterexample);
  assert.equal(guest.counterexample.reproduced, true);
  assert.ok(
    matchesClass(GUEST_CLASSES["uses-sw"], guest.counterexample.steps),
    stepNames(guest.counterexample.steps).join(", "),
  );
});
