import assert from "node:assert/strict";
import fc from "fast-check";
import { Cache, CLEAN, DIRTY, INVALID } from "../../lib/hw/cache.ts";
import { lruAges } from "../support/hardware_state.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import { checkGeometry } from "../../lib/hw/cache_geometry.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { LOAD, STORE } from "../../lib/sim/access_trace.ts";

function assertGeometryError(geometry: unknown, text: RegExp): void {
  assert.throws(
    () => new TraceCache(geometry as { size: number; ways: number }, { name: "l1d" }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "bad_geometry" && e.call === "l1d" &&
      text.test(e.message),
  );
}

Deno.test("Cache: geometry derives sets and defaults the line size to 64", () => {
  const c = new TraceCache({ size: 32768, ways: 4 });
  assert.deepEqual([c.sets, c.ways, c.lineSize, c.slots, c.wordsPerLine], [128, 4, 64, 512, 16]);
  assert.deepEqual(checkGeometry({ size: 1 << 20, ways: 16, lineSize: 128 }), {
    size: 1 << 20,
    ways: 16,
    lineSize: 128,
    sets: 512,
  });
  // Fully associative and direct mapped are both fine.
  assert.equal(new TraceCache({ size: 1024, ways: 16 }).sets, 1);
  assert.equal(new TraceCache({ size: 1024, ways: 1 }).sets, 16);
});

Deno.test("Cache: bad geometries throw bad_geometry naming the value", () => {
  assertGeometryError({ size: 3000, ways: 4 }, /size 3000 must be a power of two/);
  assertGeometryError({ size: 4096, ways: 3 }, /ways 3/);
  assertGeometryError({ size: 4096, ways: 4, lineSize: 8 }, /lineSize 8/);
  assertGeometryError({ size: 4096, ways: 4, lineSize: 48 }, /lineSize 48/);
  assertGeometryError({ size: 1024, ways: 32 }, /exceeds size 1024/);
  // The limits of lib/limits.ts, the builders' (tests/machines/limits_test.ts).
  assertGeometryError({ size: 2 ** 29, ways: 16 }, /larger than 256 MiB/);
  assertGeometryError({ size: 2 ** 20, ways: 2048, lineSize: 64 }, /more than 1024/);
  assertGeometryError({ size: 2 ** 20, ways: 4, lineSize: 4096 }, /lineSize 4096/);
  assertGeometryError({ size: 0, ways: 1 }, /size 0/);
  assertGeometryError({ size: -4096, ways: 1 }, /size/);
  assertGeometryError({ size: 4096.5, ways: 1 }, /size/);
  assertGeometryError(undefined, /size/);
  assert.throws(
    () => new TraceCache({ size: 4096, ways: 4 }, { replacement: "fifo" as "lru" }),
    (e: unknown) => e instanceof ScenarioError && e.code === "invalid_value",
  );
});

Deno.test("Cache: zero is not a power of two, for the size or the ways", () => {
  // Zero ways would leave sets = size / 0; a zero size must be refused as
  // such, not only because no line fits in it.
  assertGeometryError({ size: 4096, ways: 0 }, /ways 0 must be a power of two/);
  assertGeometryError({ size: 0, ways: 1 }, /size 0 must be a power of two/);
  assertGeometryError({ size: 4096, ways: 4, lineSize: 0 }, /lineSize 0 must be a power of two/);
});

Deno.test("Cache: true LRU evicts the least recently used way", () => {
  // 2 sets x 4 ways x 64 B: lines 0, 2, 4, 6, 8 all map to set 0.
  const c = new TraceCache({ size: 512, ways: 4 });
  for (const line of [0, 2, 4, 6]) assert.equal(c.access(line * 64, false), false);
  assert.equal(c.access(0, false), true); // 0 becomes MRU: LRU order 2, 4, 6, 0
  assert.equal(c.access(8 * 64, false), false); // evicts 2
  assert.equal(c.lookup(2), -1);
  for (const line of [0, 4, 6, 8]) assert.ok(c.lookup(line) >= 0, `line ${line}`);
  assert.equal(c.access(4 * 64, false), true); // order 6, 0, 8, 4
  c.access(10 * 64, false); // evicts 6
  assert.equal(c.lookup(6), -1);
  assert.ok(c.lookup(0) >= 0);
  // The other set was never touched.
  assert.equal(c.lookup(1), -1);
  assert.equal(c.residentCount, 4);
});

Deno.test("Cache: LRU matches a reference model on random traces", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1, 2, 4, 8),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 63 }), fc.boolean()), { maxLength: 300 }),
      (ways, refs) => {
        const sets = 4;
        const c = new TraceCache({ size: sets * ways * 16, ways, lineSize: 16 });
        const lists: number[][] = Array.from({ length: sets }, () => []); // MRU first
        let misses = 0, writebacks = 0;
        const dirty = new Set<number>();
        for (const [line, w] of refs) {
          const set = lists[line % sets];
          const at = set.indexOf(line);
          if (at >= 0) set.splice(at, 1);
          else {
            misses++;
            if (set.length === ways) {
              const out = set.pop()!;
              if (dirty.delete(out)) writebacks++;
            }
          }
          set.unshift(line);
          if (w) dirty.add(line);
          c.access(line * 16 + 4, w, 4);
        }
        assert.equal(c.stats.misses, misses);
        assert.equal(c.stats.writebacks, writebacks);
        assert.equal(c.residentCount, lists.reduce((n, l) => n + l.length, 0));
      },
    ),
    { seed: 1, numRuns: 150 },
  );
});

Deno.test("Cache: random replacement is deterministic per seed and differs across seeds", () => {
  const run = (seed?: number) => {
    const options = seed === undefined ? {} : { seed };
    const c = new TraceCache({ size: 4096, ways: 8 }, { replacement: "random", ...options });
    const missAt: number[] = [];
    for (let i = 0; i < 4000; i++) {
      // A working set of 96 lines over a 64-line cache: hits depend on the victims.
      const addr = ((i * 37 + (i >> 3)) % 96) * 64;
      if (!c.access(addr, (i & 1) === 0)) missAt.push(i);
    }
    return { missAt, writebacks: c.stats.writebacks };
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7).missAt, run(8).missAt);
  // Without a seed: seed 1, as reset() and renewCache() also default to.
  assert.deepEqual(run(), run(1));
  // Invalid ways are used first: the first 64 distinct lines of a cold cache never evict.
  const c = new TraceCache({ size: 4096, ways: 8 }, { replacement: "random", seed: 3 });
  for (let i = 0; i < 64; i++) c.access(i * 64, false);
  assert.equal(c.residentCount, 64);
});

Deno.test("Cache: write-back counts only dirty evictions", () => {
  const c = new TraceCache({ size: 1024, ways: 2 }); // 8 sets, 16 lines
  for (let i = 0; i < 16; i++) c.access(i * 64, i % 2 === 0); // 8 dirty, 8 clean
  assert.equal(c.stats.writebacks, 0);
  for (let i = 16; i < 32; i++) c.access(i * 64, false); // evicts all 16
  assert.equal(c.stats.writebacks, 8);
  assert.deepEqual(
    [c.stats.reads, c.stats.writes, c.stats.hits, c.stats.misses],
    [24, 8, 0, 32],
  );
  c.access(16 * 64, true); // hit makes it dirty
  assert.equal(c.states[c.lookup(16)], DIRTY);
  c.resetStats();
  assert.equal(c.stats.misses + c.stats.writebacks + c.stats.reads, 0);
});

Deno.test("Cache: an access straddling two lines counts once, a miss if either line missed", () => {
  const c = new TraceCache({ size: 1024, ways: 2 });
  c.access(64, false, 4); // line 1 resident
  assert.equal(c.access(60, false, 8), false); // line 0 misses, line 1 hits
  assert.equal(c.stats.reads, 2);
  assert.equal(c.stats.misses, 2);
  assert.equal(c.access(62, true, 4), true); // both resident now
  assert.equal(c.states[c.lookup(0)], DIRTY);
  assert.equal(c.states[c.lookup(1)], DIRTY);
  assert.throws(() => c.access(0, false, 65), ScenarioError);
  assert.throws(() => c.access(-4, false), ScenarioError);
});

Deno.test("Cache: addresses above 2^40 keep their full line number", () => {
  const c = new TraceCache({ size: 4096, ways: 4 });
  const a = 2 ** 41 + 0x1240;
  const b = 2 ** 42 + 0x1240; // same set, different line
  c.access(a, true);
  c.access(b, false);
  assert.equal(c.lineAddress(c.lookup(c.lineOf(a))), a - 0x0);
  assert.equal(c.lineAddress(c.lookup(c.lineOf(b))), b);
  assert.notEqual(c.lookup(c.lineOf(a)), c.lookup(c.lineOf(b)));
  assert.equal(c.setOf(c.lineOf(a)), c.setOf(c.lineOf(0x1240)));
  assert.equal(c.access(a + 4, false), true);
});

Deno.test("Cache: the resident index enumerates exactly the valid slots", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom("access", "evict", "clean"), fc.integer({ min: 0, max: 40 })),
        { maxLength: 200 },
      ),
      (ops) => {
        const c = new TraceCache({ size: 1024, ways: 4 }); // 4 sets, 16 slots
        for (const [op, line] of ops) {
          if (op === "access") c.access(line * 64, line % 3 === 0);
          else {
            const s = c.lookup(line);
            if (s >= 0) {
              if (op === "evict") assert.equal(c.evict(s), line % 3 === 0 && c.states[s] !== CLEAN);
              else c.setState(s, CLEAN);
            }
          }
        }
        const listed = Array.from(c.residentSlots()).sort((x, y) => x - y);
        const valid = [];
        for (let s = 0; s < c.slots; s++) if (c.states[s] !== INVALID) valid.push(s);
        assert.deepEqual(listed, valid);
        assert.equal(c.residentCount, valid.length);
        for (let i = 0; i < c.residentCount; i++) {
          assert.equal(listed.includes(c.residentSlot(i)), true);
        }
      },
    ),
    { seed: 1, numRuns: 200 },
  );
  // residentSlots() is a copy: what the cache does afterwards leaves it as it was.
  const c = new TraceCache({ size: 1024, ways: 4 });
  c.access(0, false);
  c.access(64, false);
  const taken = c.residentSlots();
  const kept = Array.from(taken);
  c.evict(c.lookup(0));
  c.access(128, true);
  assert.deepEqual(Array.from(taken), kept);
});

Deno.test("Cache: slot-level fill, word access and eviction keep data", () => {
  const c = new TraceCache({ size: 1024, ways: 2, lineSize: 16 });
  const line = c.lineOf(0x30);
  const slot = c.victim(line);
  assert.equal(c.states[slot], INVALID);
  c.install(slot, line, CLEAN, Int32Array.of(1, -2, 3, 4));
  assert.equal(c.lookup(line), slot);
  assert.equal(c.readWord(slot, 1), 0xffff_fffe);
  c.writeWord(slot, 3, 0xdead_beef);
  assert.equal(c.readWord(slot, 3), 0xdead_beef);
  assert.equal(c.slotOf(c.setOf(line), slot % 2), slot);
  c.setState(slot, DIRTY);
  assert.equal(c.evict(slot), true);
  assert.equal(c.lookup(line), -1);
  assert.equal(c.evict(slot), false);
  assert.equal(c.residentCount, 0);
  // Only a valid slot takes a state: an invalid one stays invalid and unlisted.
  c.setState(slot, DIRTY);
  assert.equal(c.states[slot], INVALID);
  assert.equal(c.residentCount, 0);
  assert.equal(c.lookup(line), -1);
});

Deno.test("property: access() and replay() answer each access as a reference LRU does", () => {
  const lineSize = 16;
  // Small lines, lines near 2^40 (wide keys) and accesses that straddle two lines.
  const addr = fc.oneof(
    fc.integer({ min: 0, max: 64 * lineSize - 1 }),
    fc.integer({ min: 0, max: 64 * lineSize - 1 }).map((a) => 2 ** 40 + a),
  );
  const ref = fc.tuple(addr, fc.boolean(), fc.integer({ min: 1, max: lineSize }));
  fc.assert(
    fc.property(
      fc.constantFrom(1, 2, 4, 8, 16, 32),
      fc.constantFrom(undefined, 0),
      fc.array(ref, { minLength: 1, maxLength: 400, size: "max" }),
      (ways, tinyClock, refs) => {
        const sets = 4;
        const g = { size: sets * ways * lineSize, ways, lineSize };
        const clockLimit = tinyClock === undefined ? undefined : 2 * ways + 2;
        const c = new TraceCache(g, { clockLimit });
        const lists: number[][] = Array.from({ length: sets }, () => []); // MRU first
        const touch = (line: number): boolean => {
          const set = lists[line % sets];
          const at = set.indexOf(line);
          if (at >= 0) set.splice(at, 1);
          else if (set.length === ways) set.pop();
          set.unshift(line);
          return at >= 0;
        };
        for (const [a, w, size] of refs) {
          const line = Math.floor(a / lineSize);
          let hit = touch(line);
          if ((a % lineSize) + size > lineSize) hit = touch(line + 1) && hit;
          assert.equal(c.access(a, w, size), hit, `access(${a}, ${w}, ${size})`);
        }
        // replay() of the same trace on a new cache: the same misses and lines.
        const trace = {
          length: refs.length,
          addrs: Float64Array.from(refs, (r) => r[0]),
          kinds: Uint8Array.from(refs, (r) => (r[1] ? STORE : LOAD)),
          sizes: Uint8Array.from(refs, (r) => r[2]),
        };
        const d = new TraceCache(g, { clockLimit });
        assert.equal(d.replay(trace), c.stats.misses);
        assert.deepEqual({ ...d.stats }, { ...c.stats });
        const lines = (x: Cache) => [...x.residentSlots()].map((s) => x.tags[s]).sort();
        assert.deepEqual(lines(d), lines(c));
      },
    ),
    { seed: 20261218, numRuns: 200 },
  );
});

Deno.test("property: Cache.lookup finds what a scan of every slot finds, empty cache included", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom("access", "evict"), fc.integer({ min: 0, max: 40 })),
        { maxLength: 120 },
      ),
      (ops) => {
        const c = new TraceCache({ size: 1024, ways: 4 }); // 4 sets, 16 slots
        const scan = (line: number): number => {
          for (let s = 0; s < c.slots; s++) {
            if (c.states[s] !== INVALID && c.tags[s] === line) return s;
          }
          return -1;
        };
        for (const [op, line] of ops) {
          if (op === "access") c.access(line * 64, line % 3 === 0);
          else if (c.lookup(line) >= 0) c.evict(c.lookup(line));
          for (let probe = 0; probe <= 40; probe += 7) assert.equal(c.lookup(probe), scan(probe));
        }
      },
    ),
    { seed: 3, numRuns: 200 },
  );
});

Deno.test("property: access()'s general path (lines of 2^31 and above) does what its inlined path does", () => {
  // The same trace twice, once on lines below 2^31 (the inlined path, keys
  // in 32 bits) and once shifted by 2^31 lines (every access through
  // #refGeneral): the same answers, counters (write-backs included), and
  // slot by slot the same lines, states and LRU ages, and the resident
  // index in the same order (both paths refill a victim's slot in place).
  const lineSize = 16, sets = 4;
  const ref = fc.tuple(
    fc.integer({ min: 0, max: 48 * lineSize - 1 }),
    fc.boolean(),
    fc.integer({ min: 1, max: lineSize }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(1, 2, 4, 8),
      fc.array(ref, { minLength: 1, maxLength: 400, size: "max" }),
      (ways, refs) => {
        const g = { size: sets * ways * lineSize, ways, lineSize };
        const low = new TraceCache(g), high = new TraceCache(g);
        const shift = 2 ** 31 * lineSize;
        for (const [a, w, size] of refs) {
          assert.equal(high.access(a + shift, w, size), low.access(a, w, size));
        }
        assert.deepEqual({ ...high.stats }, { ...low.stats });
        // Slot by slot: its line, state and LRU age in its set.
        const slots = (c: TraceCache, offset: number) => {
          const ages = lruAges(c);
          return Array.from(
            { length: c.slots },
            (_, s) => c.states[s] === INVALID ? null : [c.tags[s] - offset, c.states[s], ages[s]],
          );
        };
        assert.deepEqual(slots(high, 2 ** 31), slots(low, 0));
        assert.deepEqual(high.residentSlots(), low.residentSlots());
      },
    ),
    { seed: 20261206, numRuns: 200 },
  );
});

Deno.test("Cache.setState to INVALID evicts: the line leaves the resident index and lookup", () => {
  const c = new Cache({ size: 1024, ways: 2 });
  c.install(c.victim(0), 0, DIRTY);
  c.install(c.victim(1), 1, CLEAN);
  const slot = c.lookup(0);
  c.setState(slot, INVALID);
  assert.equal(c.states[slot], INVALID);
  // Enumerating the resident lines must not still yield the invalidated one.
  assert.equal(c.residentCount, 1);
  assert.deepEqual([...c.residentSlots()], [c.lookup(1)]);
  assert.equal(c.lookup(0), -1);
  // The slot is free again: the next fill of its set takes it.
  assert.equal(c.victim(8), slot);
});
