/**
 * Hardware.setWayAll (the fast path: resident lines only) against the
 * slot-by-slot walk in the kernel's order (walk_order.ts), on random
 * hardware states with dirty lines at every level.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { seededChooser } from "../../lib/hw/chooser.ts";
import { setWayAllSlotBySlot, walkSlot } from "../../lib/hw/walk_order.ts";
import { hardwareState } from "../support/hardware_state.ts";

const BASE = 0x8000_0000;
const LINE = 64;
/** 24 lines that collide in every set of every cache below. */
const LINES = Array.from({ length: 24 }, (_, i) => BASE / LINE + i * 17);

const machineArb = fc.record({
  clusters: fc.array(fc.record({ cpus: fc.integer({ min: 1, max: 3 }), l2: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
  }),
  sys: fc.boolean(),
  snoopsNonCacheable: fc.boolean(),
  replacement: fc.constantFrom("lru" as const, "random" as const),
}).map(({ clusters, sys, snoopsNonCacheable, replacement }) => {
  const machine: Machine = {
    name: "walk",
    description: "set/way walk property machine",
    clusters: clusters.map((c) => ({
      cpus: c.cpus,
      l1d: { size: 256, ways: 2 }, // 2 sets
      ...(c.l2 ? { l2: { size: 512, ways: 2 } } : {}), // 4 sets
    })),
    systemCache: sys ? { size: 512, ways: 2, snoopsNonCacheable } : null, // 4 sets
  };
  return { machine, replacement };
});

type Op =
  | { k: "w"; cpu: number; line: number; word: number; v: number; nc: boolean }
  | { k: "r"; cpu: number; line: number; nc: boolean }
  | { k: "sw"; cpu: number; level: number; slot: number; op: "csw" | "cisw" | "isw" }
  | { k: "va"; cpu: number; line: number; op: "cvac" | "civac" | "cvau" }
  | { k: "p" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant("w" as const),
      cpu: fc.nat(),
      line: fc.nat(LINES.length - 1),
      word: fc.nat(LINE / 4 - 1),
      v: fc.integer({ min: 0, max: 0xffff_ffff }),
      nc: fc.nat(3).map((n) => n === 0), // one write in four is non-cacheable
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("r" as const),
      cpu: fc.nat(),
      line: fc.nat(LINES.length - 1),
      nc: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("sw" as const),
      cpu: fc.nat(),
      level: fc.integer({ min: 1, max: 2 }),
      slot: fc.nat(),
      op: fc.constantFrom("csw" as const, "cisw" as const, "isw" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("va" as const),
      cpu: fc.nat(),
      line: fc.nat(LINES.length - 1),
      op: fc.constantFrom("cvac" as const, "civac" as const, "cvau" as const),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ k: "p" as const }) },
);

/** Runs a program; returns every value a read returned, in order. */
function runProgram(hw: Hardware, ops: readonly Op[], seed: number): number[] {
  const chooser = seededChooser(seed);
  const addrs = LINES.map((l) => l * LINE);
  const seen: number[] = [];
  for (const op of ops) {
    if (op.k === "p") {
      const p = hw.perturb(chooser, addrs);
      seen.push(p === null ? -1 : p.addr);
      continue;
    }
    const cpu = op.cpu % hw.cpuCount;
    if (op.k === "w") {
      hw.write(cpu, LINES[op.line] * LINE + op.word * 4, op.v, !op.nc);
    } else if (op.k === "r") {
      seen.push(hw.read(cpu, LINES[op.line] * LINE, !op.nc));
    } else if (op.k === "sw") {
      const level = Math.min(op.level, hw.levels(cpu));
      const { ways, sets } = hw.geometry(cpu, level);
      const slot = op.slot % (sets * ways);
      hw.dcBySetWay(cpu, op.op, level, Math.floor(slot / ways), slot % ways);
    } else {
      hw.dcByVa(op.op, cpu, LINES[op.line] * LINE);
    }
  }
  return seen;
}

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
        const build = () => new Hardware(m.machine, { replacement: m.replacement, seed });
        const fast = build(), slow = build();
        assert.deepEqual(runProgram(fast, before, seed), runProgram(slow, before, seed));
        assert.deepEqual(hardwareState(fast, LINES), hardwareState(slow, LINES));
        const d = dirtyLevels(fast);
        if (d.l1 > 0 && d.l2 > 0 && d.sys > 0) allLevelsDirty++;
        const cpu = who % fast.cpuCount;
        assert.deepEqual(fast.setWayAll(cpu, op), setWayAllSlotBySlot(slow, cpu, op));
        assert.deepEqual(hardwareState(fast, LINES), hardwareState(slow, LINES));
        // What the walk left also behaves the same afterwards (LRU order, random victims).
        assert.deepEqual(runProgram(fast, after, seed + 1), runProgram(slow, after, seed + 1));
        assert.deepEqual(hardwareState(fast, LINES), hardwareState(slow, LINES));
      },
    ),
    { seed: 15, numRuns: 400 },
  );
  assert.ok(allLevelsDirty >= 40, `only ${allLevelsDirty} states had dirty lines at every level`);
});
