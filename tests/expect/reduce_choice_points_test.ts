/**
 * Which fills and castouts the choice filter keeps at a choice point: an
 * idle CPU that holds lines, or that follows a busy one, is no twin of
 * anything; clusters of different shapes are never twins; castouts are only
 * skipped when no set can fill; the scheduler's options always come last.
 */

import assert from "node:assert/strict";
import { type Chooser, Hardware } from "../../lib/api/hw.ts";
import type { Machine } from "../../mod.ts";
import { xgene1 } from "../../lib/machines/mod.ts";
import { ChoiceFilter } from "../../lib/engine/expect/reduce.ts";
import { tiny } from "./helpers.ts";

const FIRST = 0x4000_0000;
const SECOND = 0x4000_0040;

/** The option indices a filter offers now. */
function options(f: ChoiceFilter): number[] {
  const o: number[] = [];
  f.options((x) => o.push(x));
  return o;
}

Deno.test("ChoiceFilter: an idle CPU that holds lines is filled, though an earlier idle CPU is empty", () => {
  // X-Gene 1: four clusters of two. cpu3 holds FIRST; cpu2 beside it is idle and empty.
  const hw = new Hardware(xgene1);
  const f = new ChoiceFilter(hw, Float64Array.of(FIRST, SECOND), { cpus: 1, steps: [] });
  hw.speculativeFill(3, FIRST);
  // FIRST into cpu0, cpu1, cpu2, cpu4 (cpu3 holds it already); SECOND into cpu0..cpu4 (8..12);
  // then the castouts of FIRST from cpu3's L1, cluster1's L2 and the system cache.
  assert.deepEqual(options(f), [0, 1, 2, 4, 8, 9, 10, 11, 12, 16, 17, 18]);
});

Deno.test("ChoiceFilter: the first idle CPU after a busy one in its cluster is filled", () => {
  const hw = new Hardware(xgene1);
  const steps = [{ kind: "migrate", vcpu: 0, pcpu: 2 }] as const;
  const f = new ChoiceFilter(hw, Float64Array.of(FIRST), { cpus: 1, steps });
  // cpu0, cpu1 (busy), cpu2 (the migration's target), cpu3 (idle, no idle CPU before it in its
  // cluster), cpu4 for the two idle clusters left.
  assert.deepEqual(options(f), [0, 1, 2, 3, 4]);
});

Deno.test("ChoiceFilter: idle clusters of different shapes are all filled", () => {
  const l1d = { size: 4096, ways: 2 };
  const mixed: Machine = {
    name: "mixed",
    description: "five single-CPU clusters: three alike, one with a larger L1, one with an L2",
    clusters: [
      { cpus: 1, l1d },
      { cpus: 1, l1d },
      { cpus: 1, l1d },
      { cpus: 1, l1d: { size: 8192, ways: 2 } },
      { cpus: 1, l1d, l2: { size: 16384, ways: 4 } },
    ],
  };
  const hw = new Hardware(mixed);
  const f = new ChoiceFilter(hw, Float64Array.of(FIRST), { cpus: 1, steps: [] });
  // cpu0 and cpu1 busy; cpu2 the first idle cluster; cpu3 and cpu4 differ from it.
  assert.deepEqual(options(f), [0, 1, 2, 3, 4]);
});

Deno.test("ChoiceFilter: when a set can fill, a castout of a line no step touches is still run", () => {
  // tiny's 1 KiB L1: one page crowds its sets, so replacement may matter.
  const hw = new Hardware(tiny);
  const steps = [{ kind: "read", vcpu: 0, addr: FIRST }] as const;
  const f = new ChoiceFilter(hw, Float64Array.of(FIRST), { cpus: 1, steps });
  assert.equal(f.noFullSet, false);
  hw.speculativeFill(0, FIRST + 0x2000);
  // Fills into cpu0..cpu2 (cpu3 is cpu2's twin), then the castouts of the other line from
  // cpu0's L1 and cluster0's L2.
  assert.deepEqual(options(f), [0, 1, 2, 4, 5]);
});

Deno.test("ChoiceFilter: the scheduler's options come after the hardware's, every one", () => {
  const hw = new Hardware(tiny);
  const f = new ChoiceFilter(hw, Float64Array.of(FIRST), { cpus: 1, steps: [] });
  const nothing: Chooser = { mode: "explore", pick: () => 0 };
  hw.perturb(nothing, [FIRST], [5, 6]);
  assert.deepEqual(hw.extraOptions, [5, 6]);
  // Fills into cpu0..cpu2 (cpu3 is cpu2's twin), nothing resident, then the two preemptions.
  assert.deepEqual(options(f), [0, 1, 2, 4, 5]);
});
