/**
 * Hardware.setWayAll (the fast path: resident lines only) against the
 * slot-by-slot walk in the kernel's order (walk_order.ts), on random
 * hardware states with dirty lines at every level.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Hardware } from "../../lib/hw/hardware.ts";
import { setWayAllSlotBySlot, walkSlot } from "../../lib/hw/walk_order.ts";
import { hardwareState } from "../support/hardware_state.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import {
  LINE,
  LINES,
  machineArb,
  type Op,
  opArb,
  runProgram,
} from "../support/hardware_programs.ts";

/** Counts dirty lines in L1s, L2s and the system cache. */
function dirtyLevels(hw: Hardware): { l1: number; l2: number; sys: number } {
  const n = { l1: 0, l2: 0, sys: 0 };
  hw.caches.forEach((c, i) => {
    let d = 0;
    for (let k = 0; k < c.residentCount; k++) if (c.states[c.residentSlot(k)] === 2) d++;
    if (i === hw.systemCacheIndex) n.sys += d;
    else if (i < hw.cpuCount) n.l1 += d;
    else n.l2 += d;
  });
  return n;
}

/** Two equal hardware models of `m`, each having run `before`: the fast path's and the slow path's. */
function twins(
  m: { machine: Machine; replacement: "lru" | "random" },
  before: readonly Op[],
  seed: number,
): { fast: Hardware; slow: Hardware } {
  const fast = new Hardware(m.machine, { replacement: m.replacement, seed });
  const slow = new Hardware(m.machine, { replacement: m.replacement, seed });
  assert.deepEqual(runProgram(fast, before, seed), runProgram(slow, before, seed));
  return { fast, slow };
}

/**
 * Asserts that the two models hold the same lines, then behave the same
 * afterwards (LRU order, random victims), running `after`.
 */
function assertAlikeFromHere(
  fast: Hardware,
  slow: Hardware,
  after: readonly Op[],
  seed: number,
): void {
  assert.deepEqual(hardwareState(fast, LINES), hardwareState(slow, LINES));
  assert.deepEqual(runProgram(fast, after, seed + 1), runProgram(slow, after, seed + 1));
  assert.deepEqual(hardwareState(fast, LINES), hardwareState(slow, LINES));
}

Deno.test("walkSlot: the last set's last way first, then down to set 0 way 0", () => {
  const ways = 4, sets = 3;
  const order = Array.from({ length: sets * ways }, (_, i) => {
    const s = walkSlot(i, sets * ways);
    return [Math.floor(s / ways), s % ways];
  });
  assert.deepEqual(order.slice(0, 5), [[2, 3], [2, 2], [2, 1], [2, 0], [1, 3]]);
  assert.deepEqual(order.at(-1), [0, 0]);
});

Deno.test("property: setWayAll leaves exactly what a dcBySetWay loop in the kernel's order leaves", () => {
  let allLevelsDirty = 0;
  fc.assert(
    fc.property(
      machineArb,
      fc.array(opArb, { minLength: 20, maxLength: 160 }),
      fc.array(opArb, { maxLength: 40 }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom("csw" as const, "cisw" as const, "isw" as const),
      (m, before, after, seed, who, op) => {
        const { fast, slow } = twins(m, before, seed);
        assert.deepEqual(hardwareState(fast, LINES), hardwareState(slow, LINES));
        const d = dirtyLevels(fast);
        if (d.l1 > 0 && d.l2 > 0 && d.sys > 0) allLevelsDirty++;
        const cpu = who % fast.cpuCount;
        assert.deepEqual(fast.setWayAll(cpu, op), setWayAllSlotBySlot(slow, cpu, op));
        assertAlikeFromHere(fast, slow, after, seed);
      },
    ),
    { seed: 15, numRuns: 400 },
  );
  assert.ok(allLevelsDirty >= 40, `only ${allLevelsDirty} states had dirty lines at every level`);
});

/**
 * The property that vaFlushResident, keeping the units of `size` bytes that
 * hold `LINES` (lines or pages) at random, leaves what one dcByVa per line
 * of every kept unit, in address order, leaves: the lines no cache holds
 * included.
 */
function vaFlushMatchesWalk(size: number, run: { seed: number; numRuns: number }): void {
  const units = [...new Set(LINES.map((l) => Math.floor((l * LINE) / size)))];
  fc.assert(
    fc.property(
      machineArb,
      fc.array(opArb, { minLength: 20, maxLength: 160 }),
      fc.array(opArb, { maxLength: 40 }),
      fc.nat(),
      fc.constantFrom("cvac" as const, "civac" as const, "ivac" as const),
      fc.array(fc.boolean(), { minLength: units.length, maxLength: units.length }),
      (m, before, after, seed, op, chosen) => {
        const { fast, slow } = twins(m, before, seed);
        const kept = units.filter((_, i) => chosen[i]);
        const r = fast.vaFlushResident(op, (a) => kept.includes(Math.floor(a / size)));
        let cleaned = 0, invalidated = 0;
        for (const unit of kept) {
          for (let a = unit * size; a < (unit + 1) * size; a += LINE) {
            const one = slow.dcByVa(op, 0, a);
            cleaned += one.cleaned;
            invalidated += one.invalidated;
          }
        }
        assert.deepEqual(r, { cleaned, invalidated });
        assertAlikeFromHere(fast, slow, after, seed);
      },
    ),
    run,
  );
}

Deno.test("property: vaFlushResident leaves exactly what one dcByVa per kept line, in address order, leaves", () => {
  vaFlushMatchesWalk(LINE, { seed: 15, numRuns: 300 });
});

Deno.test("property: vaFlushResident over mapped pages leaves what a walk of every line of every mapped page leaves", () => {
  // stage2_flush_vm's model: the kernel issues DC CIVAC to every line of
  // every mapped page, in address order; vaFlushResident visits only the
  // resident lines the predicate keeps.
  vaFlushMatchesWalk(4096, { seed: 16, numRuns: 200 });
});

/** The results of one dcBySetWay per slot from `from` down, run-length encoded as triples. */
function runsSlotBySlot(
  hw: Hardware,
  cpu: number,
  level: number,
  op: "csw" | "cisw" | "isw",
  from: number,
): number[] {
  const { ways } = hw.geometry(cpu, level);
  const runs: number[] = [];
  for (let slot = from; slot >= 0; slot--) {
    const r = hw.dcBySetWay(cpu, op, level, Math.floor(slot / ways), slot % ways);
    const last = runs.length - 3;
    if (last >= 0 && runs[last + 1] === r.cleaned && runs[last + 2] === r.invalidated) {
      runs[last]++;
    } else runs.push(1, r.cleaned, r.invalidated);
  }
  return runs;
}

Deno.test("property: setWayRunsDownFrom leaves and reports what a dcBySetWay per slot from there down leaves", () => {
  let dense = 0, sparse = 0;
  fc.assert(
    fc.property(
      machineArb,
      fc.array(opArb, { minLength: 0, maxLength: 160 }),
      fc.array(opArb, { maxLength: 40 }),
      fc.nat(),
      fc.nat(),
      fc.nat(),
      fc.nat(),
      fc.constantFrom("csw" as const, "cisw" as const, "isw" as const),
      (m, before, after, seed, who, at, start, op) => {
        const { fast, slow } = twins(m, before, seed);
        const cpu = who % fast.cpuCount;
        const level = 1 + at % fast.levels(cpu);
        const { sets, ways } = fast.geometry(cpu, level);
        const from = start % (sets * ways);
        const cache = fast.caches[fast.cacheIndexOf(cpu, level)];
        if (cache.residentCount * 16 >= cache.slots) dense++;
        else sparse++;
        const runs = fast.setWayRunsDownFrom(cpu, level, op, from);
        assert.deepEqual(runs, runsSlotBySlot(slow, cpu, level, op, from));
        assertAlikeFromHere(fast, slow, after, seed);
      },
    ),
    { seed: 15, numRuns: 300 },
  );
  assert.ok(dense >= 20 && sparse >= 20, `dense ${dense}, sparse ${sparse}: both paths taken`);
});
