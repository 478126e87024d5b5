/**
 * Cache.lookup answers from two shortcuts (an empty cache, the most
 * recently used line) before its set scan: checked here against a scan of
 * every slot, after fills, evictions, touches, resets and trace-driven
 * accesses (which fill and evict through the store, not through Cache).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Cache, CLEAN, DIRTY, INVALID, retireCache } from "../../lib/hw/cache.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";

/** The slow path: the slot holding `line`, by looking at every slot. */
function scanAll(cache: Cache, line: number): number {
  for (let s = 0; s < cache.slots; s++) {
    if (cache.states[s] !== INVALID && cache.tags[s] === line) return s;
  }
  return -1;
}

type CacheOp =
  | { k: "fill"; line: number; dirty: boolean }
  | { k: "evict"; line: number }
  | { k: "touch"; line: number }
  | { k: "access"; line: number; write: boolean }
  | { k: "reset" };

const LINES = 24; // 3 lines per set of an 8-set cache: fills evict
const lineArb = fc.oneof(fc.nat(LINES - 1), fc.nat(LINES - 1).map((l) => 2 ** 34 + l));
const opArb: fc.Arbitrary<CacheOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ k: fc.constant("fill" as const), line: lineArb, dirty: fc.boolean() }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("evict" as const), line: lineArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("touch" as const), line: lineArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("access" as const), line: lineArb, write: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ k: "reset" as const }) },
);

Deno.test("property: Cache.lookup equals a scan of every slot, empty or not", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1, 2, 4),
      fc.constantFrom("lru" as const, "random" as const),
      fc.array(opArb, { maxLength: 120 }),
      (ways, replacement, ops) => {
        const lineSize = 16;
        const c = new TraceCache({ size: 8 * ways * lineSize, ways, lineSize }, { replacement });
        const check = () => {
          for (let l = 0; l < LINES; l++) {
            for (const line of [l, 2 ** 34 + l]) assert.equal(c.lookup(line), scanAll(c, line));
          }
        };
        check();
        for (const op of ops) {
          if (op.k === "fill") {
            if (c.lookup(op.line) < 0) {
              const slot = c.victim(op.line);
              if (c.states[slot] !== INVALID) c.evict(slot);
              c.install(slot, op.line, op.dirty ? DIRTY : CLEAN);
            }
          } else if (op.k === "evict") {
            const slot = c.lookup(op.line);
            if (slot >= 0) c.evict(slot);
          } else if (op.k === "touch") {
            const slot = c.lookup(op.line);
            if (slot >= 0) c.touch(slot);
          } else if (op.k === "access") {
            c.access(op.line * lineSize, op.write);
          } else {
            c.reset();
          }
          check();
        }
      },
    ),
    { seed: 17, numRuns: 300 },
  );
});

Deno.test("Cache.lookup of an empty cache is -1 for any line, and a retired cache still refuses", () => {
  const c = new Cache({ size: 1024, ways: 2 });
  assert.equal(c.residentCount, 0);
  for (const line of [0, 1, 7, 2 ** 31, 2 ** 40]) assert.equal(c.lookup(line), -1);
  c.install(c.victim(3), 3, CLEAN);
  assert.equal(c.lookup(3), scanAll(c, 3));
  c.evict(c.lookup(3));
  assert.equal(c.lookup(3), -1);
  retireCache(c);
  assert.throws(() => c.lookup(3), /released/);
});

/** Two clusters of two CPUs, each with an L2, and a system cache: most caches stay empty. */
const machine: Machine = {
  name: "mostly-idle",
  description: "4 CPUs in 2 clusters, a system cache",
  clusters: [
    { cpus: 2, l1d: { size: 512, ways: 2 }, l2: { size: 1024, ways: 4 } },
    { cpus: 2, l1d: { size: 512, ways: 2 }, l2: { size: 1024, ways: 4 } },
  ],
  systemCache: { size: 2048, ways: 4 },
};

Deno.test("property: snoops through lookup's shortcuts leave the machine as full scans would", () => {
  // The JavaScript hierarchy (`core: false`) is the one whose coherence and
  // maintenance code calls Cache.lookup; the WebAssembly core has lookups of
  // its own, compared with this path in hierarchy_core_test.ts. The reference
  // machine's caches answer every lookup by scanning each slot: the code
  // around them is the same, only lookup's shortcuts (the most recent line,
  // an empty cache) differ. The callers' own `residentCount === 0` skips stay
  // on both sides: they are what lookup's empty-cache answer would give.
  let scans = 0;
  const scanning = (hw: Hardware) => {
    for (const cache of hw.caches) {
      Object.defineProperty(cache, "lookup", {
        value: (line: number) => {
          scans++;
          return scanAll(cache, line);
        },
      });
    }
    return hw;
  };
  const state = (hw: Hardware) => ({
    caches: hw.caches.map((c) =>
      [...c.residentSlots()].sort((a, b) => a - b).map((s) => [
        s,
        c.tags[s],
        c.states[s],
        ...c.data.subarray(c.dataOffset(s), c.dataOffset(s) + c.wordsPerLine),
      ])
    ),
    // Every word of the 64 lines the programs use.
    dram: Array.from({ length: 64 * 16 }, (_, i) => hw.memory.read(0x1000 + i * 4)),
  });
  type Op = [kind: number, cpu: number, line: number, value: number];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(4), fc.nat(3), fc.nat(63), fc.integer({ min: 0, max: 99 })), {
        maxLength: 80,
      }),
      (ops: Op[]) => {
        const a = new Hardware(machine, { core: false });
        const b = scanning(new Hardware(machine, { core: false }));
        for (const [kind, cpu, line, value] of ops) {
          const addr = 0x1000 + line * 64;
          for (const hw of [a, b]) {
            if (kind === 0) hw.write(cpu, addr, value, true);
            else if (kind === 1) hw.writeLine(cpu, addr, value);
            else if (kind === 2) hw.read(cpu, addr, true);
            else if (kind === 3) hw.dcByVa("civac", cpu, addr);
            else hw.dcByVa("cvac", cpu, addr);
          }
          assert.deepEqual(state(a), state(b));
        }
      },
    ),
    { seed: 23, numRuns: 150 },
  );
  // The reference was consulted: the property compared something.
  assert.ok(scans > 1000, `${scans} lookups reached the scanning reference`);
});
