/**
 * The direct copies of coherence.ts (a fill from an L2 or a sibling L1
 * straight into the L1's slot, a castout from the evicted slot's own words,
 * no lookup before a fill that cannot hit, a PoC by-VA operation's one
 * lookup per cache) against the staged slow path (`staged: true`: every
 * line through a buffer, every cache looked up before it is filled and
 * before each phase of a by-VA operation): the same reads, the same lines with the same data,
 * states, resident order and LRU stamps in every cache, the same DRAM, and
 * the same events of a run.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { cacheStore } from "../../lib/hw/cache.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import {
  invalidateArb,
  LINES,
  machineArb,
  type Op,
  opArb,
  runProgram,
} from "../support/hardware_programs.ts";
import { hardwareState } from "../support/hardware_state.ts";
import { ANY_PROGRAM, assertRunsAgree, SET_WAY_PROGRAM } from "../support/model_runs.ts";

/** Every cache's LRU clock and each resident slot's stamp, which steer later victims. */
function stamps(hw: Hardware): number[][] {
  return hw.caches.map((c) => {
    const s = cacheStore(c);
    return [s.clock, ...Array.from(c.residentSlots(), (slot) => s.stamps[slot])];
  });
}

/** Everything observable of a model. */
function observe(hw: Hardware): unknown {
  return { state: hardwareState(hw, LINES), stamps: stamps(hw), pages: hw.memory.pagesTouched };
}

/**
 * The tiny machines of the shared arbitrary, and the same with one-way
 * caches: there a dirty L1 victim cast out into the L2 always takes the
 * slot the fill's data comes from, the case the buffer is kept for.
 */
const machines = fc.tuple(machineArb, fc.boolean()).map(([m, direct]) => {
  if (!direct) return m;
  const oneWay = (g: { size: number; ways: number }) => ({ size: g.size / g.ways, ways: 1 });
  const machine: Machine = {
    ...m.machine,
    clusters: m.machine.clusters.map((c) => ({
      ...c,
      l1d: oneWay(c.l1d),
      ...(c.l2 ? { l2: oneWay(c.l2) } : {}),
    })),
    systemCache: m.machine.systemCache ? { ...m.machine.systemCache, size: 256, ways: 1 } : null,
  };
  return { ...m, machine };
});

/**
 * The shared ops and an invalidate by VA, which the shared arbitrary leaves
 * out (it drops the last write): a PoC operation's single lookup per cache
 * (maintenance.ts) is compared with a lookup before each of its phases.
 */
const withInvalidates: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: opArb },
  { weight: 1, arbitrary: invalidateArb },
);

Deno.test("property: direct fills and castouts leave what the staged ones leave, on any machine", () => {
  fc.assert(
    fc.property(
      machines,
      fc.array(withInvalidates, { minLength: 1, maxLength: 120, size: "max" }),
      fc.nat(),
      (m, program, seed) => {
        const options = { replacement: m.replacement, seed };
        const direct = new Hardware(m.machine, options);
        const staged = new Hardware(m.machine, { ...options, staged: true });
        // Op by op: a wrong line may be dropped clean before the program ends.
        for (let i = 0; i < program.length; i++) {
          const op = program.slice(i, i + 1);
          assert.deepEqual(runProgram(direct, op, seed + i), runProgram(staged, op, seed + i));
          assert.deepEqual(observe(direct), observe(staged));
        }
        direct.release();
        staged.release();
      },
    ),
    { seed: 17, numRuns: 250 },
  );
});

Deno.test("property: a run on direct fills logs and reads what a run on staged ones does", () => {
  const ran = assertRunsAgree({ staged: false }, { staged: true }, observe, {
    seed: 18,
    numRuns: 150,
  });
  // Cacheable programs run to their end: no error stood in for a run.
  assert.equal(ran.completed, 150);
});

Deno.test("property: runs of every kind of step, and set/way walks with caches on, under every policy, on direct fills log what they log on staged ones", () => {
  for (const [shape, seed] of [[ANY_PROGRAM, 19], [SET_WAY_PROGRAM, 20]] as const) {
    const ran = assertRunsAgree({ staged: false }, { staged: true }, observe, {
      seed,
      numRuns: 120,
    }, shape);
    // Seeded: the same programs every time, many of them counting lines.
    assert.ok(ran.completed >= 100 && ran.counted >= 20, `${shape.mix}: ${JSON.stringify(ran)}`);
  }
});
