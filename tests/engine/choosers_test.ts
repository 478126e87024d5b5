/**
 * The choosers that drive the hardware's choice points (lib/engine/choosers.ts):
 * a script replays picks and says where it ran out or did not fit, a random
 * chooser perturbs at its rate and records what it picked, a plan names each
 * perturbation by what it does and finds the option the hardware numbers it
 * by, and a point plan takes options at given choice points.
 */

import assert from "node:assert/strict";
import {
  PlanChooser,
  plannedFromEvent,
  type PlannedPerturbation,
  PointChooser,
  RandomChooser,
  ScriptChooser,
} from "../../lib/engine/choosers.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { Random } from "../../lib/hw/random.ts";
import { BASE, TWO_CLUSTERS_L3 } from "./fixtures.ts";

const A = BASE;

Deno.test("ScriptChooser: replays its picks, then records the first branching it was not told", () => {
  const c = new ScriptChooser();
  c.load([1, 2, 0], 3);
  assert.equal(c.unread, 3);
  assert.deepEqual([c.pick(2), c.pick(5), c.pick(2)], [1, 2, 0]);
  assert.deepEqual([c.unread, c.branching, c.mismatch], [0, -1, false]);
  // Past the script: 0, and the first such choice's number of options is kept.
  assert.deepEqual([c.pick(7), c.pick(2)], [0, 0]);
  assert.equal(c.branching, 7);
  // A scripted pick the choice point does not have: 0, and the replay is flagged.
  c.load([4], 1);
  assert.deepEqual([c.branching, c.mismatch], [-1, false]);
  assert.equal(c.pick(3), 0);
  assert.equal(c.mismatch, true);
  c.load([2], 1);
  assert.equal(c.pick(3), 2);
  assert.equal(c.mismatch, false);
});

Deno.test("RandomChooser: perturbs at its rate and records every pick", () => {
  const draws = (rate: number, n: number, count = 2000) => {
    const c = new RandomChooser(new Random(9), rate);
    const got = Array.from({ length: count }, () => c.pick(n));
    assert.deepEqual(c.picks, got);
    return got;
  };
  assert.ok(draws(0, 2).every((v) => v === 0));
  assert.ok(draws(1, 2).every((v) => v === 1));
  for (const rate of [0.1, 0.25, 0.9]) {
    const ones = draws(rate, 2).filter((v) => v === 1).length / 2000;
    assert.ok(Math.abs(ones - rate) < 0.05, `rate ${rate}: ${ones} of the picks perturbed`);
  }
  // Any other choice is uniform over its options, whatever the rate.
  const wide = draws(0, 5);
  assert.ok(wide.every((v) => Number.isInteger(v) && v >= 0 && v < 5));
  assert.deepEqual([...new Set(wide)].sort(), [0, 1, 2, 3, 4]);
});

Deno.test("RandomChooser.restart: the picks start again, drawn on from the generator", () => {
  const random = new Random(4);
  const c = new RandomChooser(random, 0.5);
  // More picks than the chooser first has room for.
  const first = Array.from({ length: 40 }, (_, i) => c.pick(i % 3 === 0 ? 2 : 7));
  assert.deepEqual(c.picks, first);
  c.restart();
  assert.deepEqual(c.picks, []);
  const again = Array.from({ length: 5 }, () => c.pick(7));
  assert.deepEqual(c.picks, again);
  // The same draws as a chooser made anew over a generator at the same point.
  const twin = new Random(4);
  const fresh = new RandomChooser(twin, 0.5);
  for (let i = 0; i < 40; i++) fresh.pick(i % 3 === 0 ? 2 : 7);
  const restarted = new RandomChooser(twin, 0.5);
  assert.deepEqual(Array.from({ length: 5 }, () => restarted.pick(7)), again);
});

/** What a plan of one perturbation at the first choice point makes the hardware do. */
function performed(
  hw: Hardware,
  candidates: Float64Array,
  extra: number[],
  p: PlannedPerturbation,
) {
  const chooser = new PlanChooser(hw, candidates);
  chooser.load([p]);
  const done = hw.perturb(chooser, candidates, extra);
  return { done, skipped: chooser.skipped };
}

Deno.test("PlanChooser: each planned perturbation is the one the hardware performs", () => {
  const candidates = Float64Array.of(A, A + 0x1000, A + 0x2000);
  const extra = [2, 3, 1];
  const fresh = () => {
    const hw = new Hardware(TWO_CLUSTERS_L3);
    // Resident lines in several caches, more than one in cpu1's L1.
    hw.write(1, A + 0x40, 1, true);
    hw.write(1, A + 0x80, 2, true);
    hw.read(3, A + 0xc0, true);
    return hw;
  };
  for (let k = 0; k < candidates.length; k++) {
    for (let cpu = 0; cpu < 4; cpu++) {
      const { done } = performed(fresh(), candidates, extra, {
        before: 0,
        kind: "speculative_fill",
        cpu,
        addr: candidates[k],
      });
      assert.deepEqual(
        [done?.kind, (done as { cpu: number }).cpu, (done as { addr: number }).addr],
        [
          "speculative_fill",
          cpu,
          candidates[k],
        ],
      );
    }
  }
  const hw = fresh();
  for (const cache of hw.caches) {
    for (let i = 0; i < cache.residentCount; i++) {
      const addr = cache.lineAddress(cache.residentSlot(i));
      const { done } = performed(fresh(), candidates, extra, {
        before: 0,
        kind: "castout",
        cache: cache.name,
        addr,
      });
      assert.deepEqual(
        done && [done.kind, (done as { cache: string }).cache, (done as { addr: number }).addr],
        [
          "castout",
          cache.name,
          addr,
        ],
      );
    }
  }
  extra.forEach((cpu, index) => {
    const { done } = performed(fresh(), candidates, extra, { before: 0, kind: "preempt", cpu });
    assert.deepEqual(done, { kind: "extra", index, label: cpu });
  });
  // What the hardware cannot do is skipped and counted: nothing happens there.
  for (
    const p of [
      { before: 0, kind: "speculative_fill", cpu: 0, addr: A + 0x3000 },
      { before: 0, kind: "speculative_fill", cpu: 4, addr: A },
      { before: 0, kind: "castout", cache: "cpu0.L1", addr: A + 0x40 },
      { before: 0, kind: "castout", cache: "cpu9.L1", addr: A },
      { before: 0, kind: "preempt", cpu: 0 },
    ] as const
  ) {
    assert.deepEqual(performed(fresh(), candidates, extra, p), { done: null, skipped: 1 });
  }
});

Deno.test("plannedFromEvent: a logged perturbation or preemption is planned again; a scheduled migration is not", () => {
  assert.deepEqual(plannedFromEvent(3, "migrate", 0, { from: 0, to: 1, reason: "preempt" }), {
    before: 3,
    kind: "preempt",
    cpu: 1,
  });
  // The guest's own migrate step is part of the program, not a hardware choice.
  assert.equal(plannedFromEvent(3, "migrate", 0, { from: 0, to: 1 }), null);
  assert.deepEqual(plannedFromEvent(4, "speculative_fill", 2, { addr: A, cache: "cpu2.L1" }), {
    before: 4,
    kind: "speculative_fill",
    cpu: 2,
    addr: A,
  });
  assert.deepEqual(plannedFromEvent(5, "castout", null, { cache: "system", addr: A }), {
    before: 5,
    kind: "castout",
    cache: "system",
    addr: A,
  });
  assert.equal(plannedFromEvent(6, "read", 0, { addr: A }), null);
});

Deno.test("PointChooser: 1 then the option at planned points, 0 elsewhere, the tail hook after", () => {
  const c = new PointChooser();
  const tail: number[] = [];
  c.onTail = (p) => tail.push(p);
  c.load(Int32Array.of(1, 4, 3, 2));
  // Point 0: none; point 1: option 4 of 7; point 2: none; point 3: option 2 of 5; then the tail.
  const picks = [c.pick(2), c.pick(2), c.pick(7), c.pick(2), c.pick(2), c.pick(5), c.pick(2)];
  assert.deepEqual(picks, [0, 1, 4, 0, 1, 2, 0]);
  assert.deepEqual(tail, [4]);
  assert.equal(c.pick(2), 0);
  assert.deepEqual([c.point, c.mismatch, tail], [5, false, [4, 5]]);
  // A planned option the point does not have: 0, and the plan is flagged.
  c.load(Int32Array.of(0, 9));
  c.pick(2);
  assert.equal(c.pick(3), 0);
  assert.equal(c.mismatch, true);
  c.load(Int32Array.of(0, 2));
  assert.deepEqual([c.pick(2), c.pick(3), c.mismatch], [1, 2, false]);
});
