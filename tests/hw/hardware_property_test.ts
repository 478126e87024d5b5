/**
 * Property tests of the hardware model (seeded fast-check runs).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Hardware } from "../../lib/hw/hardware.ts";
import { lruAges } from "../support/hardware_state.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { POISON } from "../../lib/hw/memory.ts";
import { seededChooser } from "../../lib/hw/chooser.ts";

const BASE = 0x8000_0000;

/** Tiny caches, so that a short program evicts and casts out all the time. */
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
    name: "prop",
    description: "property-test machine",
    clusters: clusters.map((c) => ({
      cpus: c.cpus,
      l1d: { size: 256, ways: 2 }, // 2 sets
      ...(c.l2 ? { l2: { size: 512, ways: 2 } } : {}), // 4 sets
    })),
    systemCache: sys ? { size: 1024, ways: 4, snoopsNonCacheable } : null, // 4 sets
  };
  return { machine, replacement, cpus: clusters.reduce((n, c) => n + c.cpus, 0) };
});

/** 16 lines, two words each: enough to collide in every set. */
const ADDRS = Array.from({ length: 32 }, (_, i) => BASE + (i >> 1) * 0x440 + (i & 1) * 4);
/** The first word of each line: the candidates of perturbations. */
const LINE_ADDRS = ADDRS.filter((_, i) => i % 2 === 0);

type Op =
  | { k: "w"; cpu: number; a: number; v: number }
  | { k: "r"; cpu: number; a: number }
  | { k: "p" }
  | { k: "va"; op: "cvac" | "civac" | "cvau"; cpu: number; a: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("w" as const),
      cpu: fc.nat(),
      a: fc.nat(ADDRS.length - 1),
      v: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("r" as const),
      cpu: fc.nat(),
      a: fc.nat(ADDRS.length - 1),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ k: "p" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("va" as const),
      op: fc.constantFrom("cvac" as const, "civac" as const, "cvau" as const),
      cpu: fc.nat(),
      a: fc.nat(ADDRS.length - 1),
    }),
  },
);

/** Runs a program of coherent operations, checking every read against a flat map. */
function runCoherent(hw: Hardware, ops: Op[], seed: number): Map<number, number> {
  const ref = new Map<number, number>();
  const chooser = seededChooser(seed);
  for (const op of ops) {
    if (op.k === "p") {
      hw.perturb(chooser, LINE_ADDRS);
      continue;
    }
    const cpu = op.cpu % hw.cpuCount;
    const addr = ADDRS[op.a];
    if (op.k === "w") {
      hw.write(cpu, addr, op.v, true);
      ref.set(addr, op.v);
    } else if (op.k === "r") {
      assert.equal(
        hw.read(cpu, addr, true),
        ref.get(addr) ?? POISON,
        `read of ${addr.toString(16)}`,
      );
    } else {
      hw.dcByVa(op.op, cpu, addr);
    }
  }
  return ref;
}

Deno.test("property: cacheable reads return the last write, on any machine and any CPUs", () => {
  fc.assert(
    fc.property(machineArb, fc.array(opArb, { maxLength: 120 }), fc.nat(), (m, ops, seed) => {
      const hw = new Hardware(m.machine, { replacement: m.replacement, seed });
      const ref = runCoherent(hw, ops, seed);
      // Every value is still where a coherent read finds it, from every CPU.
      for (const [addr, v] of ref) {
        for (let cpu = 0; cpu < hw.cpuCount; cpu++) assert.equal(hw.read(cpu, addr, true), v);
      }
    }),
    { seed: 1, numRuns: 250 },
  );
});

Deno.test("property: clean by VA to PoC, then a non-cacheable read returns the last write", () => {
  fc.assert(
    fc.property(
      machineArb,
      fc.array(opArb, { maxLength: 100 }),
      fc.nat(),
      fc.array(fc.tuple(fc.constantFrom("cvac" as const, "civac" as const), fc.nat()), {
        minLength: ADDRS.length,
        maxLength: ADDRS.length,
      }),
      (m, ops, seed, cleans) => {
        const hw = new Hardware(m.machine, { replacement: m.replacement, seed });
        const ref = runCoherent(hw, ops, seed);
        ADDRS.forEach((addr, i) => {
          const [op, cpu] = cleans[i];
          hw.dcByVa(op, cpu % hw.cpuCount, addr);
        });
        for (const addr of ADDRS) {
          const want = ref.get(addr) ?? POISON;
          assert.equal(hw.read(0, addr, false), want);
          assert.equal(hw.memory.read(addr), want); // DRAM itself, snooping or not
        }
      },
    ),
    { seed: 1, numRuns: 200 },
  );
});

Deno.test("property: a S/W clean of one CPU's levels leaves other CPUs' caches, the system cache and DRAM alone", () => {
  const roomySystem = (m: Machine): Machine => ({
    ...m,
    // Large enough that nothing is evicted from it during the test.
    systemCache: { size: 65536, ways: 16, snoopsNonCacheable: m.systemCache?.snoopsNonCacheable },
  });
  fc.assert(
    fc.property(
      machineArb,
      fc.array(opArb, { maxLength: 120 }),
      fc.nat(),
      fc.nat(),
      (m, ops, seed, who) => {
        const hw = new Hardware(roomySystem(m.machine), { replacement: m.replacement, seed });
        runCoherent(hw, ops, seed);
        const cpu = who % hw.cpuCount;
        const own = new Set([cpu, hw.levels(cpu) === 2 ? hw.cacheIndexOf(cpu, 2) : -1]);
        const snapshot = (i: number) => {
          const c = hw.caches[i];
          return { tags: c.tags.slice(), states: c.states.slice(), data: c.data.slice() };
        };
        const others = hw.caches.map((_, i) =>
          own.has(i) || i === hw.systemCacheIndex ? null : snapshot(i)
        );
        const sys = hw.caches[hw.systemCacheIndex];
        const sysDirty: number[] = [];
        for (let i = 0; i < sys.residentCount; i++) {
          const s = sys.residentSlot(i);
          if (sys.states[s] === 2) sysDirty.push(sys.tags[s]);
        }
        const dram = ADDRS.map((a) => hw.memory.read(a));

        const r = hw.setWayAll(cpu, "csw");
        assert.equal(r.invalidated, 0);

        others.forEach((snap, i) => {
          if (snap !== null) assert.deepEqual(snapshot(i), snap, hw.caches[i].name);
        });
        // The walk may write newer data into the system cache, never clean it.
        for (const line of sysDirty) {
          const s = sys.lookup(line);
          assert.ok(s >= 0 && sys.states[s] === 2, "a dirty system-cache line was cleaned");
        }
        assert.deepEqual(ADDRS.map((a) => hw.memory.read(a)), dram);
        for (const i of own) {
          if (i < 0) continue;
          const c = hw.caches[i];
          for (let k = 0; k < c.residentCount; k++) assert.notEqual(c.states[c.residentSlot(k)], 2);
        }
      },
    ),
    { seed: 1, numRuns: 200 },
  );
});

/** One step of a program whose non-cacheable lines are read cacheably but written only non-cacheably. */
type NcOp =
  | { k: "ncw"; cpu: number; a: number; v: number }
  | { k: "ncr"; cpu: number; a: number }
  | { k: "fill"; cpu: number; a: number }
  | { k: "w"; cpu: number; a: number; v: number }
  | { k: "p" };

/** Lines 0-7 of ADDRS: non-cacheable writes; lines 8-15: cacheable traffic that evicts them. */
const NC_WORDS = ADDRS.slice(0, 16);
const CACHED_WORDS = ADDRS.slice(16);

const ncOpArb: fc.Arbitrary<NcOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("ncw" as const),
      cpu: fc.nat(),
      a: fc.nat(NC_WORDS.length - 1),
      v: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("ncr" as const),
      cpu: fc.nat(),
      a: fc.nat(NC_WORDS.length - 1),
    }),
  },
  {
    // A cacheable read: brings the line into the caches, clean (the system cache included).
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("fill" as const),
      cpu: fc.nat(),
      a: fc.nat(NC_WORDS.length - 1),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("w" as const),
      cpu: fc.nat(),
      a: fc.nat(CACHED_WORDS.length - 1),
      v: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ k: "p" as const }) },
);

Deno.test("property: a non-cacheable write is never lost, whether a snooping system cache holds the line or not", () => {
  fc.assert(
    fc.property(
      machineArb,
      fc.boolean(),
      fc.array(ncOpArb, { maxLength: 120 }),
      fc.nat(),
      (m, snoops, ops, seed) => {
        const machine: Machine = {
          ...m.machine,
          systemCache: { size: 1024, ways: 4, snoopsNonCacheable: snoops },
        };
        const hw = new Hardware(machine, { replacement: m.replacement, seed });
        const chooser = seededChooser(seed);
        // The last non-cacheable write to each word: what a non-cacheable read returns,
        // from a system cache that snoops and holds the line, or from DRAM. The cached
        // copies of these lines are never written, so none is ever dirty.
        const ref = new Map<number, number>();
        for (const op of ops) {
          if (op.k === "p") {
            hw.perturb(chooser, LINE_ADDRS);
            continue;
          }
          const cpu = op.cpu % hw.cpuCount;
          if (op.k === "ncw") {
            hw.write(cpu, NC_WORDS[op.a], op.v, false);
            ref.set(NC_WORDS[op.a], op.v);
          } else if (op.k === "ncr") {
            const addr = NC_WORDS[op.a];
            assert.equal(
              hw.read(cpu, addr, false),
              ref.get(addr) ?? POISON,
              `read of ${addr.toString(16)}`,
            );
          } else if (op.k === "fill") {
            hw.read(cpu, NC_WORDS[op.a], true);
          } else {
            hw.write(cpu, CACHED_WORDS[op.a], op.v, true);
          }
        }
        // Cleaned and invalidated to the PoC: DRAM itself holds every last write.
        for (const addr of NC_WORDS) hw.dcByVa("civac", 0, addr);
        for (const addr of NC_WORDS) assert.equal(hw.memory.read(addr), ref.get(addr) ?? POISON);
      },
    ),
    { seed: 3, numRuns: 300 },
  );
});

Deno.test("property: perturbTransient makes perturb's choices, leaves the same caches, and perturb's results stay as they were", () => {
  fc.assert(
    fc.property(machineArb, fc.array(opArb, { maxLength: 80 }), fc.nat(), (m, ops, seed) => {
      const fresh = new Hardware(m.machine, { replacement: m.replacement, seed });
      const transient = new Hardware(m.machine, { replacement: m.replacement, seed });
      const a = seededChooser(seed), b = seededChooser(seed);
      const kept: unknown[] = [], seen: string[] = [], copied: string[] = [];
      for (const op of ops) {
        if (op.k === "p") {
          const p = fresh.perturb(a, LINE_ADDRS, [7]);
          kept.push(p);
          seen.push(JSON.stringify(p));
          const q = transient.perturbTransient(b, LINE_ADDRS, [7]);
          copied.push(JSON.stringify(q));
          continue;
        }
        for (const hw of [fresh, transient]) {
          const cpu = op.cpu % hw.cpuCount;
          if (op.k === "w") hw.write(cpu, ADDRS[op.a], op.v, true);
          else if (op.k === "r") hw.read(cpu, ADDRS[op.a], true);
          else hw.dcByVa(op.op, cpu, ADDRS[op.a]);
        }
      }
      assert.deepEqual(copied, seen);
      assert.deepEqual(kept.map((p) => JSON.stringify(p)), seen);
      fresh.caches.forEach((c, i) => {
        const d = transient.caches[i];
        assert.deepEqual(
          [c.tags, c.states, lruAges(c), c.data],
          [d.tags, d.states, lruAges(d), d.data],
          c.name,
        );
      });
    }),
    { numRuns: 200, seed: 5 },
  );
});
