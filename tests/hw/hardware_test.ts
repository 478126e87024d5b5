import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine, SystemCacheSpec } from "../../lib/hw/machine.ts";
import { POISON } from "../../lib/hw/memory.ts";
import { Cache, CLEAN } from "../../lib/hw/cache.ts";
import { type Chooser, quietChooser, seededChooser } from "../../lib/hw/chooser.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { decodeClidr } from "../../lib/hw/clidr.ts";

const A = 0x4000_0000;
const B = 0x4000_1000;

function machine(
  opts: { l2?: boolean; sys?: SystemCacheSpec | null; clusters?: number; cpus?: number } = {},
): Machine {
  const n = opts.clusters ?? 2;
  return {
    name: "test",
    description: "test machine",
    clusters: Array.from({ length: n }, () => ({
      cpus: opts.cpus ?? 2,
      l1d: { size: 1024, ways: 2 }, // 8 sets
      ...(opts.l2 === false ? {} : { l2: { size: 8192, ways: 4 } }), // 32 sets
    })),
    systemCache: opts.sys === undefined ? { size: 65536, ways: 8 } : opts.sys,
  };
}

/** "I", "C" or "D": the state of addr's line in the named cache. */
function state(hw: Hardware, cache: string, addr: number): string {
  const c = hw.caches.find((x) => x.name === cache);
  assert.ok(c, `no cache ${cache}`);
  const s = c.lookup(c.lineOf(addr));
  return s < 0 ? "I" : c.states[s] === 2 ? "D" : "C";
}

function word(hw: Hardware, cache: string, addr: number): number {
  const c = hw.caches.find((x) => x.name === cache)!;
  const s = c.lookup(c.lineOf(addr));
  assert.ok(s >= 0, `${cache} does not hold ${addr.toString(16)}`);
  return c.readWord(s, (addr % c.lineSize) / 4);
}

Deno.test("Hardware: topology, names and levels follow the machine", () => {
  const hw = new Hardware(machine({ clusters: 2, cpus: 3 }));
  assert.equal(hw.cpuCount, 6);
  assert.deepEqual(hw.caches.map((c) => c.name), [
    "cpu0.L1",
    "cpu1.L1",
    "cpu2.L1",
    "cpu3.L1",
    "cpu4.L1",
    "cpu5.L1",
    "cluster0.L2",
    "cluster1.L2",
    "system",
  ]);
  assert.equal(hw.clusterOf(4), 1);
  assert.equal(hw.levels(0), 2);
  assert.equal(hw.systemCacheIndex, 8);
  assert.equal(new Hardware(machine({ l2: false, sys: null })).levels(1), 1);
  assert.equal(decodeClidr(new Hardware(machine({ l2: false })).clidr(0)).loc, 1);
});

Deno.test("Hardware: bad machines and bad calls throw ScenarioError", () => {
  const mixed: Machine = {
    name: "mixed",
    description: "",
    clusters: [{
      cpus: 1,
      l1d: { size: 1024, ways: 2, lineSize: 32 },
      l2: { size: 8192, ways: 4 },
    }],
  };
  assert.throws(
    () => new Hardware(mixed),
    (e: unknown) => e instanceof ScenarioError && e.code === "bad_geometry",
  );
  assert.throws(
    () =>
      new Hardware({
        name: "x",
        description: "",
        clusters: [{ cpus: 0, l1d: { size: 1024, ways: 2 } }],
      }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "out_of_range" && e.call === "clusters[0].cpus",
  );
  assert.throws(
    () =>
      new Hardware({
        name: "x",
        description: "",
        clusters: [{ cpus: 1, l1d: { size: 1 << 24, ways: 1 } }],
      }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "bad_geometry" && /CCSIDR/.test(e.message),
  );
  const hw = new Hardware(machine());
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ScenarioError);
      return e.code;
    }
    return "none";
  };
  assert.equal(code(() => hw.read(4, A, true)), "out_of_range");
  assert.equal(code(() => hw.read(0, A + 2, true)), "bad_address");
  assert.equal(code(() => hw.write(0, A, 2 ** 33, true)), "invalid_value");
  assert.equal(code(() => hw.dcBySetWay(0, "csw", 3, 0, 0)), "out_of_range");
  assert.equal(code(() => hw.dcBySetWay(0, "csw", 1, 8, 0)), "out_of_range");
  assert.equal(code(() => hw.dcBySetWay(0, "csw", 2, 0, 4)), "out_of_range");
  assert.equal(code(() => hw.dcBySetWay(0, "dccsw" as "csw", 1, 0, 0)), "invalid_value");
  assert.equal(code(() => hw.dcByVa("dcivac" as "civac", 0, A)), "invalid_value");
  assert.equal(code(() => hw.castout(99, A)), "out_of_range");
  assert.equal(code(() => hw.dcBySetWay(0, "csw", 2, 31, 3)), "none");
  // The first value past each range, and values inside it that are not indices.
  assert.equal(code(() => hw.read(0.5, A, true)), "out_of_range");
  assert.equal(code(() => hw.write(-1, A, 1, true)), "out_of_range");
  assert.equal(code(() => hw.geometry(0, 0)), "out_of_range");
  assert.equal(code(() => hw.geometry(0, 1.5)), "out_of_range");
  assert.equal(code(() => hw.castout(hw.caches.length, A)), "out_of_range");
  assert.equal(code(() => hw.castout(hw.caches.length - 1, A)), "none");
  const l1 = hw.geometry(0, 1);
  const slots = l1.sets * l1.ways;
  assert.equal(code(() => hw.setWayRunsDownFrom(0, 1, "csw", slots)), "out_of_range");
  assert.equal(code(() => hw.setWayRunsDownFrom(0, 1, "csw", slots - 1)), "none");
  // hasSlot answers instead of throwing: levels 1 to the LoC, sets and ways of each.
  const l2 = hw.geometry(0, 2);
  assert.equal(hw.hasSlot(0, 2, l2.sets - 1, l2.ways - 1), true);
  assert.equal(hw.hasSlot(0, 3, 0, 0), false);
  assert.equal(hw.hasSlot(0, 0, 0, 0), false);
  assert.equal(hw.hasSlot(0, 1, l1.sets, 0), false);
});

Deno.test("Hardware: cacheable accesses are coherent between CPUs of a cluster", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 1, true);
  assert.equal(hw.read(1, A, true), 1);
  // The sibling's dirty line moved down to the L2; both L1s are clean.
  assert.deepEqual(
    [state(hw, "cpu0.L1", A), state(hw, "cpu1.L1", A), state(hw, "cluster0.L2", A)],
    [
      "C",
      "C",
      "D",
    ],
  );
  hw.write(1, A, 2, true);
  assert.equal(state(hw, "cpu0.L1", A), "I"); // invalidated by the write
  assert.equal(hw.read(0, A, true), 2);
  assert.equal(hw.memory.read(A), POISON); // nothing reached DRAM
});

Deno.test("Hardware: a read snoops a dirty line from another cluster into the system cache", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 7, true);
  assert.equal(hw.read(2, A, true), 7);
  assert.equal(state(hw, "cpu0.L1", A), "C");
  assert.equal(state(hw, "system", A), "D");
  assert.equal(word(hw, "system", A), 7);
  assert.equal(hw.memory.read(A), POISON);
  // Without a system cache the snooped data goes to DRAM.
  const bare = new Hardware(machine({ sys: null }));
  bare.write(1, A, 8, true);
  assert.equal(bare.read(3, A, true), 8);
  assert.equal(bare.memory.read(A), 8);
  // A write from the other cluster drops the first cluster's copies.
  hw.write(3, A, 9, true);
  assert.deepEqual(["cpu0.L1", "cluster0.L2", "cpu2.L1"].map((c) => state(hw, c, A)), [
    "I",
    "I",
    "I",
  ]);
  assert.equal(hw.read(0, A, true), 9);
});

Deno.test("Hardware: a snooped dirty L2 line is left clean: its castout cannot undo a later DRAM write", () => {
  const hw = new Hardware(machine({ sys: null }));
  const l1 = hw.cacheIndexOf(0, 1), l2 = hw.cacheIndexOf(0, 2);
  hw.write(0, A, 7, true);
  // The dirty line leaves cpu0's L1 for cluster 0's L2, then cluster 1 reads it.
  assert.equal(hw.castout(l1, A), true);
  assert.equal(state(hw, "cluster0.L2", A), "D");
  assert.equal(hw.read(2, A, true), 7);
  assert.equal(state(hw, "cluster0.L2", A), "C");
  assert.equal(hw.memory.read(A), 7);
  // A non-cacheable write reaches DRAM; the clean L2 copy is dropped, not written back.
  hw.write(1, A, 20, false);
  assert.equal(hw.castout(l2, A), true);
  assert.equal(state(hw, "cluster0.L2", A), "I");
  assert.equal(hw.memory.read(A), 20);
});

Deno.test("Hardware: under random replacement cache i draws its victims from seed + i", () => {
  const seed = 5;
  const hw = new Hardware(machine(), { replacement: "random", seed });
  const victims = (c: Cache): number[] => {
    // Fill set 0, then draw: a full set's victim is the random source's pick.
    for (let way = 0; way < c.ways; way++) {
      const line = way * c.sets;
      c.install(c.victim(line), line, CLEAN);
    }
    return Array.from({ length: 32 }, () => c.victim(c.ways * c.sets));
  };
  const drawn = hw.caches.map(victims);
  hw.caches.forEach((c, i) => {
    const alone = new Cache(
      { size: c.size, ways: c.ways, lineSize: c.lineSize },
      { replacement: "random", seed: seed + i },
    );
    assert.deepEqual(drawn[i], victims(alone), c.name);
  });
  // Two L1s of one geometry, two seeds: their draws differ.
  assert.notDeepEqual(drawn[0], drawn[1]);
});

Deno.test("Hardware: dirty victims are cast out level by level down to DRAM", () => {
  const hw = new Hardware(machine());
  // L1: 8 sets x 2 ways; lines 8 KiB apart share L1 set 0 and L2 set 0.
  const addrs = [0, 1, 2].map((i) => A + i * 0x2000);
  addrs.forEach((a, i) => hw.write(0, a, 100 + i, true));
  assert.equal(state(hw, "cpu0.L1", addrs[0]), "I"); // LRU victim
  assert.equal(state(hw, "cluster0.L2", addrs[0]), "D");
  assert.equal(word(hw, "cluster0.L2", addrs[0]), 100);
  assert.equal(state(hw, "system", addrs[0]), "C"); // filled clean on the way up
  assert.equal(hw.castout(hw.caches.findIndex((c) => c.name === "cluster0.L2"), addrs[0]), true);
  assert.equal(state(hw, "system", addrs[0]), "D");
  assert.equal(word(hw, "system", addrs[0]), 100);
  assert.equal(hw.memory.read(addrs[0]), POISON);
  assert.equal(hw.castout(hw.systemCacheIndex, addrs[0]), true);
  assert.equal(hw.memory.read(addrs[0]), 100);
  assert.equal(hw.castout(hw.systemCacheIndex, addrs[0]), false);
  // Every value is still readable coherently.
  addrs.forEach((a, i) => assert.equal(hw.read(3, a, true), 100 + i));
});

Deno.test("Hardware: set/way clean writes to the next level only and never cleans the system cache", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 5, true);
  assert.deepEqual(hw.dcBySetWay(0, "csw", 2, 0, 0), { cleaned: 0, invalidated: 0 }); // L2 empty there
  const l1 = hw.caches[0];
  const slot = l1.lookup(l1.lineOf(A));
  const set = Math.floor(slot / l1.ways), way = slot % l1.ways;
  assert.deepEqual(hw.dcBySetWay(0, "csw", 1, set, way), { cleaned: 1, invalidated: 0 });
  assert.deepEqual(["cpu0.L1", "cluster0.L2", "system"].map((c) => state(hw, c, A)), [
    "C",
    "D",
    "C",
  ]);
  assert.equal(word(hw, "cluster0.L2", A), 5);
  // Level 2: the data goes to the system cache (dirty), not to DRAM.
  const walk = hw.setWayAll(0, "cisw");
  assert.equal(walk.cleaned, 1);
  assert.equal(walk.invalidated, 2);
  assert.equal(state(hw, "system", A), "D");
  assert.equal(hw.memory.read(A), POISON);
  assert.equal(hw.read(0, A, false), POISON); // a caches-off reader sees stale DRAM
  // Another full walk cannot reach it.
  assert.deepEqual(hw.setWayAll(0, "cisw").cleaned, 0);
  assert.equal(state(hw, "system", A), "D");
  // Without a system cache the last level writes to DRAM.
  const bare = new Hardware(machine({ sys: null }));
  bare.write(0, A, 6, true);
  bare.setWayAll(0, "csw");
  assert.equal(bare.read(1, A, false), 6);
});

Deno.test("Hardware: set/way ops never touch another CPU's caches", () => {
  const hw = new Hardware(machine());
  hw.write(1, A, 11, true); // sibling, same cluster
  hw.write(2, B, 12, true); // other cluster
  const r = hw.setWayAll(0, "cisw");
  // Only the shared L2's clean copy of A (filled on cpu1's way) is cpu0's to drop.
  assert.deepEqual([r.cleaned, r.invalidated], [0, 1]);
  assert.equal(state(hw, "cpu1.L1", A), "D");
  assert.equal(state(hw, "cpu2.L1", B), "D");
  // The owner's walk cleans its line twice: L1 into the L2, then the L2 into the system cache.
  assert.equal(hw.setWayAll(1, "csw").cleaned, 2);
  assert.deepEqual(["cpu1.L1", "cluster0.L2", "system"].map((c) => state(hw, c, A)), [
    "C",
    "C",
    "D",
  ]);
});

Deno.test("Hardware: set/way invalidate loses a dirty line (the write is gone everywhere)", () => {
  const hw = new Hardware(machine(), { zeroFill: true });
  hw.write(0, A, 41, true);
  hw.dcByVa("cvac", 0, A); // DRAM: 41
  hw.write(0, A, 42, true);
  assert.ok(hw.holds(A, 42));
  const r = hw.setWayAll(0, "isw");
  assert.equal(r.cleaned, 0);
  assert.ok(r.invalidated >= 1);
  assert.equal(hw.holds(A, 42), false); // lost write
  assert.equal(hw.read(0, A, true), 41); // the older value comes back
  assert.ok(hw.holds(A, 41));
});

Deno.test("Hardware: VA clean to PoC reaches DRAM through every level, the system cache included", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 3, true);
  hw.read(2, A, true); // now dirty in the system cache, clean in the L1s
  hw.write(2, A, 4, true); // dirty in cpu2.L1, older copies below
  assert.deepEqual(hw.dcByVa("cvac", 1, A), { cleaned: 2, invalidated: 0 });
  assert.equal(hw.memory.read(A), 4);
  for (const c of ["cpu2.L1", "cluster1.L2", "system"]) assert.equal(state(hw, c, A), "C", c);
  assert.equal(word(hw, "system", A), 4);
  assert.equal(word(hw, "cluster1.L2", A), 4);
  assert.deepEqual(hw.dcByVa("civac", 0, A), { cleaned: 0, invalidated: 3 });
  assert.equal(hw.residentLines(), 0);
  assert.equal(hw.read(0, A, true), 4);
});

Deno.test("Hardware: IVAC discards dirty data; CVAU cleans only to the L2", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 1, true);
  hw.dcByVa("cvac", 0, A);
  hw.write(0, A, 2, true);
  assert.deepEqual(hw.dcByVa("ivac", 0, A), { cleaned: 0, invalidated: 3 });
  assert.equal(hw.holds(A, 2), false);
  assert.equal(hw.read(0, A, true), 1);
  hw.write(1, B, 9, true);
  assert.deepEqual(hw.dcByVa("cvau", 0, B), { cleaned: 1, invalidated: 0 });
  assert.deepEqual(["cpu1.L1", "cluster0.L2"].map((c) => state(hw, c, B)), ["C", "D"]);
  assert.equal(hw.memory.read(B), POISON);
});

Deno.test("Hardware: non-cacheable accesses see DRAM, or a snooping system cache", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 10, true);
  assert.equal(hw.read(1, A, false), POISON);
  hw.write(1, A, 20, false); // straight to DRAM; the cached copy is now stale
  assert.equal(hw.memory.read(A), 20);
  assert.equal(hw.read(0, A, true), 10);
  const snoop = new Hardware(machine({ sys: { size: 65536, ways: 8, snoopsNonCacheable: true } }));
  snoop.write(0, A, 10, true);
  snoop.read(2, A, true); // the snoop left it dirty in the system cache
  assert.equal(snoop.read(1, A, false), 10);
  snoop.write(1, A, 30, false);
  assert.equal(word(snoop, "system", A), 30);
  assert.equal(snoop.memory.read(A), POISON);
  assert.equal(snoop.read(3, A, false), 30);
  // Not held by the system cache: DRAM.
  snoop.write(1, B, 31, false);
  assert.equal(snoop.memory.read(B), 31);
});

Deno.test("Hardware: vaFlushResident flushes only the lines `keep` accepts", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 1, true);
  hw.write(2, B, 2, true);
  hw.write(3, B + 0x40, 3, true);
  const seen: number[] = [];
  const r = hw.vaFlushResident("civac", (a) => {
    seen.push(a);
    return a >= B;
  });
  assert.deepEqual(r, { cleaned: 2, invalidated: 6 });
  assert.ok(seen.includes(A) && seen.includes(B + 0x40));
  assert.equal(hw.memory.read(B), 2);
  assert.equal(hw.memory.read(B + 0x40), 3);
  assert.equal(hw.memory.read(A), POISON);
  assert.equal(state(hw, "cpu0.L1", A), "D");
  assert.deepEqual(hw.vaFlushResident("cvac", () => true), { cleaned: 1, invalidated: 0 });
});

Deno.test("Hardware: a full set/way walk reports the real instruction count and costs O(resident)", () => {
  const big: Machine = {
    name: "big",
    description: "",
    clusters: [{ cpus: 2, l1d: { size: 32768, ways: 2 }, l2: { size: 1 << 20, ways: 16 } }],
    systemCache: { size: 8 << 20, ways: 16 },
  };
  const hw = new Hardware(big);
  for (let i = 0; i < 64; i++) hw.write(0, A + i * 64, i, true);
  let r = hw.setWayAll(0, "cisw");
  // 64 lines in 512 L1 slots: dense enough to scan every slot; in the L2 only
  // its 64 lines are looked at, not its 16384 slots.
  assert.equal(hw.walkSlotsVisited, 512 + 64);
  for (let i = 0; i < 200; i++) r = hw.setWayAll(1, "csw");
  assert.equal(r.slots, 512 + 16384);
  assert.equal(hw.walkSlotsVisited, 512 + 64, "walks over empty caches look at no slot");
  assert.equal(hw.caches[0].residentCount, 0);
  for (let i = 0; i < 64; i++) assert.equal(hw.read(1, A + i * 64, true), i);
});

Deno.test("Hardware: perturb is free with a quiet chooser and deterministic with a seeded one", () => {
  const hw = new Hardware(machine());
  const throwing: Chooser = {
    mode: "quiet",
    pick: () => {
      throw new Error("a quiet chooser must not be asked");
    },
  };
  assert.equal(hw.perturb(throwing, [A]), null);
  assert.equal(hw.perturb(quietChooser(), [A]), null);
  const run = (seed: number) => {
    const h = new Hardware(machine());
    const c = seededChooser(seed);
    const log = [];
    for (let i = 0; i < 200; i++) {
      h.write(i % 4, A + (i % 5) * 0x2000, i, true);
      log.push(h.perturb(c, [A, B + 4]));
    }
    // Perturbations never break coherence.
    for (let i = 195; i < 200; i++) assert.equal(h.read(0, A + (i % 5) * 0x2000, true), i);
    return log;
  };
  const a = run(5);
  assert.deepEqual(a, run(5));
  assert.notDeepEqual(a, run(6));
  const kinds = new Set(a.map((p) => p?.kind ?? "none"));
  assert.deepEqual([...kinds].sort(), ["castout", "none", "speculative_fill"]);
  for (const p of a) {
    if (p?.kind === "speculative_fill") {
      assert.ok(p.addr === A || p.addr === B, `fill of ${p.addr.toString(16)}`);
      assert.equal(p.cache, `cpu${p.cpu}.L1`);
    }
  }
});

Deno.test("Hardware: addresses above 4 GiB and 2^40 are distinct lines", () => {
  const hw = new Hardware(machine());
  const hi = 2 ** 40 + A;
  hw.write(0, hi, 1, true);
  hw.write(0, A, 2, true);
  hw.write(0, 2 ** 32 + A, 3, true);
  assert.deepEqual([hw.read(3, hi, true), hw.read(3, A, true), hw.read(3, 2 ** 32 + A, true)], [
    1,
    2,
    3,
  ]);
  hw.dcByVa("civac", 0, hi);
  assert.equal(hw.memory.read(hi), 1);
  assert.equal(hw.memory.read(A), POISON);
});
