import assert from "node:assert/strict";
import fc from "fast-check";
import { Cache, cacheStore, DIRTY, INVALID } from "../../lib/hw/cache.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import {
  type CacheSpec,
  giveBackCache,
  giveBackCaches,
  POOLED_PER_SHAPE,
  takeCache,
  takeCaches,
} from "../../lib/hw/cache_pool.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { seededChooser } from "../../lib/hw/chooser.ts";
import { xgene1 } from "../../lib/machines/xgene1.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { LINES, machineArb, opArb, runProgram } from "../support/hardware_programs.ts";
import { hardwareState } from "../support/hardware_state.ts";

type Access = readonly [addr: number, write: boolean, size: number];

const access = fc.tuple(
  fc.integer({ min: 0, max: 8 * 1024 - 1 }),
  fc.boolean(),
  fc.constantFrom(1, 4, 8),
);

/** What a cache answers to a trace: hit or miss per access, the stats, the resident lines. */
function observe(c: TraceCache, trace: readonly Access[]): unknown {
  const hits = trace.map(([addr, write, size]) => c.access(addr, write, size));
  const lines: number[] = [];
  for (const slot of c.residentSlots()) lines.push(c.tags[slot] * 4 + c.states[slot]);
  lines.sort((a, b) => a - b);
  return { hits, stats: { ...c.stats }, lines, resident: c.residentCount };
}

Deno.test("Cache.reset: a used cache behaves exactly as a new one (LRU and seeded random)", () => {
  fc.assert(
    fc.property(
      fc.array(access, { minLength: 100, maxLength: 300, size: "max" }),
      fc.array(access, { minLength: 100, maxLength: 300, size: "max" }),
      fc.constantFrom("lru" as const, "random" as const),
      fc.integer({ min: 1, max: 1000 }),
      (before, after, replacement, seed) => {
        const g = { size: 2048, ways: 4, lineSize: 32 };
        const used = new TraceCache(g, { replacement, seed: seed + 1, clockLimit: 64 });
        observe(used, before);
        used.reset(seed);
        const fresh = new TraceCache(g, { replacement, seed, clockLimit: 64 });
        assert.deepEqual(observe(used, after), observe(fresh, after));
      },
    ),
    { seed: 20261217, numRuns: 150 },
  );
});

Deno.test("takeCache: a cache given back is reused for the same shape only, reset", () => {
  const shape = { size: 4096, ways: 4 };
  const a = takeCache(shape, { name: "pool-test" });
  a.install(a.victim(1), 1, DIRTY);
  giveBackCache(a);
  const other = takeCache(shape, { name: "pool-test-other" });
  assert.notEqual(other.states, a.states, "name is part of the shape");
  assert.notEqual(takeCache({ size: 8192, ways: 4 }, { name: "pool-test" }).states, a.states);
  const b = takeCache(shape, { name: "pool-test" });
  assert.notEqual(b, a, "a new cache object");
  assert.equal(b.states, a.states, "over the storage given back");
  assert.deepEqual([b.residentCount, b.lookup(1)], [0, -1]);
  // Taken: not handed out twice.
  assert.notEqual(takeCache(shape, { name: "pool-test" }).states, b.states);
});

Deno.test("takeCache: a cache of another associativity, same size and line, is not reused", () => {
  const a = takeCache({ size: 4096, ways: 4 }, { name: "pool-ways" });
  giveBackCache(a);
  const b = takeCache({ size: 4096, ways: 8 }, { name: "pool-ways" });
  assert.equal(b.ways, 8);
  assert.equal(b.sets, 4096 / (8 * 64));
  assert.notEqual(b.states, a.states);
});

Deno.test("giveBackCache: a cache given back twice is handed out once", () => {
  const shape = { size: 2048, ways: 2 };
  const a = takeCache(shape, { name: "pool-twice" });
  giveBackCache(a);
  giveBackCache(a);
  const b = takeCache(shape, { name: "pool-twice" });
  const c = takeCache(shape, { name: "pool-twice" });
  assert.equal(b.states, a.states);
  assert.notEqual(c.states, b.states, "two models would share one storage");
});

Deno.test("takeCache: the pool keeps a bounded number per shape and ignores foreign caches", () => {
  const shape = { size: 1024, ways: 2 };
  const made = Array.from(
    { length: POOLED_PER_SHAPE + 3 },
    () => takeCache(shape, { name: "pool-bound" }),
  );
  for (const c of made) giveBackCache(c);
  giveBackCache(made[0]); // twice: still pooled once
  const foreign = new TraceCache(shape, { name: "pool-bound" });
  giveBackCache(foreign);
  const again = new Set(
    Array.from({ length: POOLED_PER_SHAPE + 1 }, () => takeCache(shape, { name: "pool-bound" })),
  );
  const reused = [...again].filter((c) => made.some((m) => m.states === c.states));
  assert.equal(reused.length, POOLED_PER_SHAPE);
  assert.ok(![...again].some((c) => c.states === foreign.states));
});

Deno.test("takeCache: a bad geometry is refused as by new Cache, pooled or not", () => {
  const ok = takeCache({ size: 1024, ways: 2 }, { name: "pool-bad" });
  giveBackCache(ok);
  assert.throws(
    () => takeCache({ size: "1024", ways: 2 } as never, { name: "pool-bad" }),
    ScenarioError,
  );
  assert.throws(() => takeCache({ size: 3000, ways: 2 }, { name: "pool-bad" }), ScenarioError);
});

Deno.test("Hardware.release: the next model of the machine starts empty and reads DRAM", () => {
  const first = new Hardware(xgene1, { seed: 5 });
  for (let i = 0; i < 64; i++) first.write(i % 4, 0x40000000 + i * 64, i + 1, true);
  first.release();
  const second = new Hardware(xgene1, { seed: 5 });
  for (const cache of second.caches) assert.equal(cache.residentCount, 0, cache.name);
  assert.equal(second.read(0, 0x40000040, true) >>> 0, 0xdeadbeef);
});

Deno.test("property: a model built from pooled caches behaves as one built from new caches", () => {
  fc.assert(
    fc.property(
      machineArb,
      fc.array(opArb, { maxLength: 120 }),
      fc.array(opArb, { minLength: 1, maxLength: 120 }),
      fc.nat(),
      fc.nat(),
      (m, earlier, program, seedA, seedB) => {
        const options = { replacement: m.replacement, seed: seedB };
        // An earlier run leaves its caches full, dirty and out of LRU order, then gives them back.
        const used = new Hardware(m.machine, { replacement: m.replacement, seed: seedA });
        runProgram(used, earlier, seedA);
        const given = used.caches.slice();
        used.release();
        const pooled = new Hardware(m.machine, options);
        const fresh = new Hardware(m.machine, { ...options, pooled: false });
        const reuses = (c: Cache) => given.some((g) => g.states === c.states);
        assert.ok(pooled.caches.every(reuses), "the used caches' storage is reused");
        assert.ok(!fresh.caches.some(reuses), "pooled: false builds new caches");
        assert.deepEqual(hardwareState(pooled, LINES), hardwareState(fresh, LINES));
        assert.deepEqual(runProgram(pooled, program, seedB), runProgram(fresh, program, seedB));
        assert.deepEqual(hardwareState(pooled, LINES), hardwareState(fresh, LINES));
        pooled.release();
        fresh.release();
      },
    ),
    { seed: 15, numRuns: 300 },
  );
});

Deno.test("the pool hands a released model's caches to the next model of the same machine", () => {
  const m = { name: "p", description: "", clusters: [{ cpus: 1, l1d: { size: 256, ways: 2 } }] };
  const a = new Hardware(m);
  a.write(0, 0x1000, 1, true);
  const caches = a.caches.slice();
  a.release();
  const b = new Hardware(m);
  assert.ok(b.caches.every((c, i) => c.states === caches[i].states), "reused");
  assert.equal(b.residentLines(), 0);
  b.release();
  const fresh = new Hardware(m, { pooled: false });
  assert.ok(fresh.caches.every((c) => !caches.some((x) => x.states === c.states)));
});

Deno.test("a released model refuses every use, and a second release gives nothing back twice", () => {
  const m = { name: "p", description: "", clusters: [{ cpus: 2, l1d: { size: 256, ways: 2 } }] };
  const a = new Hardware(m);
  a.write(0, 0x1000, 1, true);
  a.release();
  const uses: [string, () => unknown][] = [
    ["read", () => a.read(0, 0x1000, true)],
    ["write", () => a.write(0, 0x1000, 2, true)],
    ["writeLine", () => a.writeLine(0, 0x1000, 2)],
    ["speculativeFill", () => a.speculativeFill(0, 0x1000)],
    ["castout", () => a.castout(0, 0x1000)],
    ["dcByVa", () => a.dcByVa("civac", 0, 0x1000)],
    ["vaFlushResident", () => a.vaFlushResident("civac", () => true)],
    ["dcBySetWay", () => a.dcBySetWay(0, "cisw", 1, 0, 0)],
    ["hasSlot", () => a.hasSlot(0, 1, 0, 0)],
    ["setWayRunsDownFrom", () => a.setWayRunsDownFrom(0, 1, "cisw", 3)],
    ["setWayAll", () => a.setWayAll(0, "cisw")],
    ["perturb", () => a.perturb(seededChooser(1), [0x1000])],
    ["holds", () => a.holds(0x1000, 1)],
    ["residentLines", () => a.residentLines()],
    ["caches", () => a.caches],
  ];
  for (const [call, use] of uses) {
    assert.throws(use, (e: unknown) => {
      assert.ok(!(e instanceof ScenarioError), call);
      assert.match(
        (e as Error).message,
        new RegExp(`^Hardware\\.${call}: this model was released`),
      );
      return true;
    });
  }
  const b = new Hardware(m);
  a.release();
  const c = new Hardware(m);
  assert.ok(
    c.caches.every((x) => !b.caches.some((y) => y.states === x.states)),
    "b's caches were not given away by a",
  );
  b.write(1, 0x2000, 3, true);
  assert.equal(c.residentLines(), 0);
});

Deno.test("a Cache kept from a released model refuses every use, and the model now using its storage is untouched", () => {
  const m = { name: "p", description: "", clusters: [{ cpus: 1, l1d: { size: 256, ways: 2 } }] };
  for (const pooled of [true, false]) {
    const a = new Hardware(m, { pooled });
    a.write(0, 0x1000, 1, true);
    const kept = a.caches[0];
    const slot = kept.lookup(kept.lineOf(0x1000));
    assert.ok(slot >= 0);
    a.release();
    const b = new Hardware(m, { pooled });
    b.write(0, 0x1000, 2, true);
    const before = hardwareState(b, [0x1000 / 64]);
    const uses: [string, () => unknown][] = [
      ["residentCount", () => kept.residentCount],
      ["residentSlot", () => kept.residentSlot(0)],
      ["residentSlots", () => kept.residentSlots()],
      ["lineOf", () => kept.lineOf(0x1000)],
      ["setOf", () => kept.setOf(1)],
      ["slotOf", () => kept.slotOf(0, 1)],
      ["lineAddress", () => kept.lineAddress(slot)],
      ["dataOffset", () => kept.dataOffset(slot)],
      ["lookup", () => kept.lookup(0x1000 / 64)],
      ["touch", () => kept.touch(slot)],
      ["victim", () => kept.victim(7)],
      ["install", () => kept.install(kept.slots - 1, 7, DIRTY)],
      ["evict", () => kept.evict(slot)],
      ["setState", () => kept.setState(slot, INVALID)],
      ["readWord", () => kept.readWord(slot, 0)],
      ["writeWord", () => kept.writeWord(slot, 0, 9)],
      ["reset", () => kept.reset()],
    ];
    for (const [call, use] of uses) {
      assert.throws(
        use,
        /^Error: Cache cpu0\.L1: this cache was released/,
        `${call} pooled=${pooled}`,
      );
    }
    assert.deepEqual(hardwareState(b, [0x1000 / 64]), before);
    assert.equal(b.read(0, 0x1000, true), 2);
    b.release();
  }
});

Deno.test("giveBackCache retires any cache, a trace-driven one too, once", () => {
  const t = new TraceCache({ size: 1024, ways: 2 }, { name: "D1" });
  t.access(0, true);
  giveBackCache(t);
  giveBackCache(t); // twice: nothing more
  const trace = {
    length: 1,
    addrs: Float64Array.of(64),
    kinds: Uint8Array.of(0),
    sizes: Uint8Array.of(4),
  };
  for (
    const use of [
      () => t.access(0, false),
      () => t.access(63, false, 2),
      () => t.replay(trace),
      () => t.lookup(0),
    ]
  ) {
    assert.throws(use, /Cache D1: this cache was released/);
  }
  const c = takeCache({ size: 1024, ways: 2 }, { name: "D1" });
  assert.notEqual(c.states, t.states, "a cache the pool did not make is not reused");
});

Deno.test("takeCaches: a group shares one arena and is pooled again only given back whole, in order", () => {
  const specs: CacheSpec[] = [
    { geometry: { size: 4096, ways: 4 }, options: { name: "group-a" } },
    { geometry: { size: 8192, ways: 2 }, options: { name: "group-b" } },
  ];
  const storage = (caches: readonly Cache[]) => caches.map((c) => c.states);
  const first = takeCaches(specs);
  const [a, b] = first.map(cacheStore);
  assert.ok(a.arena !== null && a.arena === b.arena, "one arena for the group");
  assert.ok(a.arena.memory !== null, "a WebAssembly memory");
  // Given back whole: the next group of the shape takes its storage.
  giveBackCaches(first);
  const second = takeCaches(specs);
  assert.deepEqual(storage(second), storage(first));
  // Given back in part, then whole: not pooled (a core needs the whole group).
  giveBackCache(second[0]);
  giveBackCaches(second);
  const third = takeCaches(specs);
  assert.ok(storage(third).every((s, i) => s !== storage(second)[i]));
  // Given back out of order: not pooled.
  giveBackCaches([third[1], third[0]]);
  const fourth = takeCaches(specs);
  assert.ok(storage(fourth).every((s, i) => s !== storage(third)[i]));
  // A list of caches from two groups: not pooled.
  const other = takeCaches(specs);
  giveBackCaches([fourth[0], other[1]]);
  const fifth = takeCaches(specs);
  assert.ok(storage(fifth).every((s, i) => s !== storage(fourth)[i] && s !== storage(other)[i]));
});
