/**
 * The choosers at the edges of their choices (lib/engine/choosers.ts): a
 * pick equal to the number of outcomes does not fit, a plan of one pair
 * still has a last point, a plan chooser whose option pick has two
 * outcomes is not at a new choice point, and a reloaded plan starts again
 * at the first choice point.
 */

import assert from "node:assert/strict";
import { PlanChooser, PointChooser, ScriptChooser } from "../../lib/engine/choosers.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { BASE } from "./fixtures.ts";

/** One cluster of two CPUs, each with a small L1 only. */
const TWO_CPUS: Machine = {
  name: "two-cpus",
  description: "2 CPUs, 4 KiB L1D",
  clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }],
};

Deno.test("ScriptChooser: a scripted pick equal to the number of outcomes does not fit", () => {
  const c = new ScriptChooser();
  c.load([3], 1);
  assert.equal(c.pick(3), 0);
  assert.equal(c.mismatch, true);
  c.load([2], 1);
  assert.deepEqual([c.pick(3), c.mismatch], [2, false]);
});

Deno.test("PointChooser: a planned option equal to the number of outcomes does not fit", () => {
  const c = new PointChooser();
  c.load(Int32Array.of(0, 3));
  assert.equal(c.pick(2), 1);
  assert.equal(c.pick(3), 0);
  assert.equal(c.mismatch, true);
});

Deno.test("PointChooser: with a plan of one pair the tail starts after that pair's point", () => {
  const c = new PointChooser();
  const tail: number[] = [];
  c.onTail = (p) => tail.push(p);
  c.load(Int32Array.of(2, 1));
  // Points 0 and 1 come before the planned point: they are not the tail.
  assert.deepEqual([c.pick(2), c.pick(2)], [0, 0]);
  assert.deepEqual(tail, []);
  assert.deepEqual([c.pick(2), c.pick(4)], [1, 1]);
  assert.deepEqual(tail, []);
  assert.deepEqual([c.pick(2), c.pick(2)], [0, 0]);
  assert.deepEqual(tail, [3, 4]);
  // An empty plan: every point is the tail.
  tail.length = 0;
  c.load(Int32Array.of());
  c.pick(2);
  c.pick(2);
  assert.deepEqual(tail, [0, 1]);
});

Deno.test("PlanChooser: a choice point with exactly two options performs the planned one", () => {
  // One candidate line, two CPUs, nothing resident: the options are the
  // line's fill into cpu0 (0) and into cpu1 (1), so the second pick also has two outcomes.
  const hw = new Hardware(TWO_CPUS);
  const candidates = Float64Array.of(BASE);
  const c = new PlanChooser(hw, candidates);
  c.load([{ before: 0, kind: "speculative_fill", cpu: 1, addr: BASE }]);
  const p = hw.perturb(c, candidates);
  assert.deepEqual(
    p && [p.kind, (p as { cpu: number }).cpu, (p as { addr: number }).addr],
    ["speculative_fill", 1, BASE],
  );
  assert.equal(c.skipped, 0);
  // The next choice point has nothing planned.
  assert.equal(hw.perturb(c, candidates), null);
});

Deno.test("PlanChooser: a plan loaded again counts its choice points from the first", () => {
  const hw = new Hardware(TWO_CPUS);
  const candidates = Float64Array.of(BASE, BASE + 0x40);
  const c = new PlanChooser(hw, candidates);
  const plan = [{ before: 0, kind: "speculative_fill", cpu: 0, addr: BASE + 0x40 } as const];
  for (let run = 0; run < 3; run++) {
    c.load(plan);
    const p = hw.perturb(c, candidates);
    assert.deepEqual(
      p && [p.kind, (p as { cpu: number }).cpu, (p as { addr: number }).addr],
      ["speculative_fill", 0, BASE + 0x40],
      `run ${run}`,
    );
    assert.equal(hw.perturb(c, candidates), null, `run ${run}`);
  }
});
