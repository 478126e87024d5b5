/**
 * Test support: random hardware programs on tiny machines (every cache a
 * few sets, so lines collide, get cast out and reach every level dirty),
 * for property tests that compare a fast path with its slow path.
 *
 * @module
 */

import fc from "fast-check";
import type { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { seededChooser } from "../../lib/hw/chooser.ts";

const BASE = 0x8000_0000;
/** The line size of every machine here. */
export const LINE = 64;
/** 24 lines spread over every set of every cache here, several per set. */
export const LINES = Array.from({ length: 24 }, (_, i) => BASE / LINE + i * 17);

/** A machine of 1 to 3 clusters of 1 to 3 CPUs, maybe L2s and a system cache, and a replacement policy. */
export const machineArb = fc.record({
  clusters: fc.array(fc.record({ cpus: fc.integer({ min: 1, max: 3 }), l2: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
  }),
  sys: fc.boolean(),
  snoopsNonCacheable: fc.boolean(),
  replacement: fc.constantFrom("lru" as const, "random" as const),
  big: fc.nat(3).map((n) => n === 0),
}).map(({ clusters, sys, snoopsNonCacheable, replacement, big }) => {
  // One machine in four has large L1s and L2s that the lines here leave
  // sparse (a set/way walk then sorts the resident lines instead of scanning).
  const machine: Machine = {
    name: "tiny",
    description: "a tiny machine for property tests",
    clusters: clusters.map((c) => ({
      cpus: c.cpus,
      l1d: big ? { size: 32768, ways: 2 } : { size: 256, ways: 2 }, // 256 or 2 sets
      ...(c.l2 ? { l2: big ? { size: 65536, ways: 4 } : { size: 512, ways: 2 } } : {}), // 256 or 4 sets
    })),
    systemCache: sys ? { size: 512, ways: 2, snoopsNonCacheable } : null, // 4 sets
  };
  return { machine, replacement };
});

/** One step of a hardware program. */
export type Op =
  | { k: "w"; cpu: number; line: number; word: number; v: number; nc: boolean }
  | { k: "r"; cpu: number; line: number; nc: boolean }
  | { k: "sw"; cpu: number; level: number; slot: number; op: "csw" | "cisw" | "isw" }
  | { k: "va"; cpu: number; line: number; op: "cvac" | "civac" | "ivac" | "cvau" }
  | { k: "p" };

/** Writes (one in four non-cacheable), reads, single set/way ops, by-VA ops and perturbations. */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
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

/**
 * An invalidate by VA, which {@linkcode opArb} leaves out (it drops the
 * last write, so a program of them mostly loses its writes).
 */
export const invalidateArb: fc.Arbitrary<Op> = fc.record({
  k: fc.constant("va" as const),
  cpu: fc.nat(),
  line: fc.nat(LINES.length - 1),
  op: fc.constant("ivac" as const),
});

/**
 * Runs a program; returns, in order, every value a read returned, what each
 * perturbation did, and the lines each maintenance op cleaned and
 * invalidated (two numbers per op).
 */
export function runProgram(hw: Hardware, ops: readonly Op[], seed: number): number[] {
  const chooser = seededChooser(seed);
  const addrs = LINES.map((l) => l * LINE);
  const seen: number[] = [];
  for (const op of ops) {
    if (op.k === "p") {
      const p = hw.perturb(chooser, addrs);
      seen.push(p === null || p.kind === "extra" ? -1 : p.addr);
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
      const done = hw.dcBySetWay(cpu, op.op, level, Math.floor(slot / ways), slot % ways);
      seen.push(done.cleaned, done.invalidated);
    } else {
      const done = hw.dcByVa(op.op, cpu, LINES[op.line] * LINE);
      seen.push(done.cleaned, done.invalidated);
    }
  }
  return seen;
}
