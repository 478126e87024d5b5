/**
 * The WebAssembly hierarchy core (lib/hw/hierarchy_core.ts) against the
 * JavaScript paths it replaces (`core: false`): after every step of a
 * random program, every store's arrays are equal word for word (head,
 * tags, keys, stamps, states, resident index, positions and data, those of
 * invalid slots too), and so are the values read, DRAM, and the events and
 * reads of whole runs. Programs mix the core's accesses with the
 * JavaScript steps that share its state (set/way and by-VA maintenance,
 * whole set/way walks and parts of them, by-VA flushes of the resident
 * lines, lines written whole, perturbations, images saved and put back),
 * lines on both sides of the stores' 32-bit keys, and LRU clocks small
 * enough to be renumbered.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { cacheStore } from "../../lib/hw/cache.ts";
import { newCaches } from "../../lib/hw/cache_pool.ts";
import type { CacheSpec } from "../../lib/hw/cache_pool.ts";
import { Coherence } from "../../lib/hw/coherence.ts";
import { Hardware, HardwareImage, runsInCore, trustedAccess } from "../../lib/hw/hardware.ts";
import { HierarchyCore } from "../../lib/hw/hierarchy_core.ts";
import type { CacheGeometry, Machine } from "../../lib/hw/machine.ts";
import { Memory } from "../../lib/hw/memory.ts";
import { StoreArena } from "../../lib/hw/store_arena.ts";
import { Topology } from "../../lib/hw/topology.ts";
import { xgene1 } from "../../lib/machines/xgene1.ts";
import {
  invalidateArb,
  LINE,
  LINES,
  machineArb,
  type Op,
  opArb,
  runProgram,
} from "../support/hardware_programs.ts";
import { hardwareState } from "../support/hardware_state.ts";
import { ANY_PROGRAM, assertRunsAgree, SET_WAY_PROGRAM } from "../support/model_runs.ts";

/** Every array of every store of a model, as plain numbers. */
function arrays(caches: Topology["caches"]): unknown {
  return caches.map((c) => {
    const s = cacheStore(c);
    return {
      name: c.name,
      head: [s.residentCount, s.clock, s.mruSlot, s.mruLine],
      tags: Array.from(s.tags),
      keys: Array.from(s.keys),
      stamps: Array.from(s.stamps),
      states: Array.from(s.states),
      resident: Array.from(s.resident),
      position: Array.from(s.position),
      data: Array.from(s.data),
    };
  });
}

/** Everything observable of a model, its stores' raw arrays included. */
function observe(hw: Hardware): unknown {
  return {
    arrays: arrays(hw.caches),
    state: hardwareState(hw, LINES),
    pages: hw.memory.pagesTouched,
  };
}

/** What the whole-run properties compare of a model at the end: every array, every line. */
function observeRun(hw: Hardware): unknown {
  return { arrays: arrays(hw.caches), state: hardwareState(hw) };
}

/** The model's whole-cache and whole-line operations, which the shared ops leave out. */
type Bulk =
  | { k: "swAll"; cpu: number; op: "csw" | "cisw" | "isw" }
  | { k: "swRuns"; cpu: number; level: number; from: number; op: "csw" | "cisw" | "isw" }
  | { k: "flushResident"; op: "cvac" | "civac" | "ivac"; kept: number }
  | { k: "writeLine"; cpu: number; line: number; v: number };

/**
 * A program step: the shared ops, an invalidate by VA, a whole set/way walk
 * or part of one, a by-VA flush of the resident lines, a line written whole,
 * and an image saved or put back.
 */
type Step = Op | Bulk | { k: "save" } | { k: "load" };

const swOp = fc.constantFrom("csw" as const, "cisw" as const, "isw" as const);
const steps: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: opArb },
  { weight: 1, arbitrary: invalidateArb },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("swAll" as const), cpu: fc.nat(), op: swOp }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("swRuns" as const),
      cpu: fc.nat(),
      level: fc.integer({ min: 1, max: 2 }),
      from: fc.nat(),
      op: swOp,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("flushResident" as const),
      op: fc.constantFrom("cvac" as const, "civac" as const, "ivac" as const),
      kept: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("writeLine" as const),
      cpu: fc.nat(),
      line: fc.nat(LINES.length - 1),
      v: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: "save" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "load" as const }) },
);

/** Runs one step; what it read or reported. */
function runStep(hw: Hardware, image: HardwareImage, saved: boolean, step: Step, seed: number) {
  switch (step.k) {
    case "save":
      hw.saveImage(image);
      return [];
    case "load":
      if (saved) hw.loadImage(image);
      return [];
    case "swAll":
      return hw.setWayAll(step.cpu % hw.cpuCount, step.op);
    case "swRuns": {
      const cpu = step.cpu % hw.cpuCount;
      const level = Math.min(step.level, hw.levels(cpu));
      const { ways, sets } = hw.geometry(cpu, level);
      return hw.setWayRunsDownFrom(cpu, level, step.op, step.from % (ways * sets));
    }
    case "flushResident":
      // The lines of LINES whose bit is set in `kept` (the rest, and every other line, stay).
      return hw.vaFlushResident(step.op, (a) => {
        const i = LINES.indexOf(a / LINE);
        return i >= 0 && ((step.kept >>> i) & 1) === 1;
      });
    case "writeLine":
      hw.writeLine(step.cpu % hw.cpuCount, LINES[step.line] * LINE, step.v);
      return null;
    default:
      return runProgram(hw, [step], seed);
  }
}

/** Compares a core model with a JavaScript one after every step of a program. */
function compareSteps(machine: Machine, program: readonly Step[], seed: number): void {
  const models = [true, false].map((core) => new Hardware(machine, { seed, core }));
  const images = [new HardwareImage(), new HardwareImage()];
  let saved = false;
  for (let i = 0; i < program.length; i++) {
    const [a, b] = models.map((hw, j) => runStep(hw, images[j], saved, program[i], seed + i));
    assert.deepEqual(a, b, `step ${i}: ${JSON.stringify(program[i])}`);
    assert.deepEqual(observe(models[0]), observe(models[1]), `after step ${i}`);
    saved ||= program[i].k === "save";
  }
  for (const hw of models) hw.release();
}

/**
 * The property of this file: on `machines`, programs of 1 to `maxLength`
 * steps leave the core and the JavaScript paths alike after every step.
 */
function coreAgrees(
  machines: fc.Arbitrary<Machine>,
  maxLength: number,
  run: { seed: number; numRuns: number },
): void {
  fc.assert(
    fc.property(
      machines,
      fc.array(steps, { minLength: 1, maxLength, size: "max" }),
      fc.nat(),
      (machine, program, seed) => compareSteps(machine, program, seed),
    ),
    run,
  );
}

Deno.test("property: the core leaves every array, every read and DRAM as the JavaScript paths do", () => {
  const lru = machineArb.filter((m) => m.replacement === "lru").map((m) => m.machine);
  coreAgrees(lru, 150, { seed: 20261206, numRuns: 200 });
});

/** `machine` with each cache's geometry replaced by `f` of it and its level. */
function reshaped(
  machine: Machine,
  f: (g: CacheGeometry, level: "l1d" | "l2" | "system") => CacheGeometry,
): Machine {
  const sys = machine.systemCache;
  return {
    ...machine,
    clusters: machine.clusters.map((c) => ({
      ...c,
      l1d: f(c.l1d, "l1d"),
      ...(c.l2 ? { l2: f(c.l2, "l2") } : {}),
    })),
    systemCache: sys ? { ...sys, ...f(sys, "system") } : null,
  };
}

/**
 * The shared machines with every cache 4, 8 or 16 ways of two or four
 * sets: where the core compares a set's keys and stamps four at a time.
 */
const wideMachines = fc.tuple(machineArb, fc.constantFrom(4, 8, 16)).map(([m, ways]) =>
  reshaped(m.machine, (_, level) => ({ size: LINE * ways * (level === "l1d" ? 2 : 4), ways }))
);

Deno.test("property: the core compares 4 to 16 ways four at a time as the JavaScript paths do one by one", () => {
  coreAgrees(wideMachines, 200, { seed: 20261210, numRuns: 120 });
});

/**
 * The shared machines with lines of 128 to 2048 bytes, every cache scaled
 * to keep its sets and ways: the core then moves lines through a buffer
 * that must hold the longest line the model allows.
 */
const bigLineMachines = fc.tuple(
  // The small machines only: every step compares every array, data included.
  machineArb.filter((m) => m.replacement === "lru" && m.machine.clusters[0].l1d.size === 256),
  fc.constantFrom(128, 256, 1024, 2048),
).map(([m, lineSize]) =>
  reshaped(m.machine, (g) => ({ size: (g.size / LINE) * lineSize, ways: g.ways, lineSize }))
);

Deno.test("property: the core with lines of 128 to 2048 bytes does what the JavaScript paths do", () => {
  coreAgrees(bigLineMachines, 100, { seed: 20261211, numRuns: 40 });
});

/** Lines on both sides of 2^31 - 2, where a store's 32-bit key gives way to its tag. */
const WIDE_LINES = [0x7fff_fff0, 0x7fff_fffc, 0x7fff_fffd, 0x7fff_fffe, 0x7fff_ffff, 0x8000_0000]
  .flatMap((l) => [l, l + 4, l + 1024]);

Deno.test("property: the core takes lines above 32-bit keys as the JavaScript paths do", () => {
  const access = fc.record({
    cpu: fc.nat(),
    line: fc.nat(WIDE_LINES.length - 1),
    word: fc.nat(15),
    write: fc.boolean(),
    cacheable: fc.nat(4).map((n) => n !== 0),
    value: fc.integer({ min: 0, max: 0xffff_ffff }),
  });
  fc.assert(
    fc.property(
      machineArb.filter((m) => m.replacement === "lru"),
      fc.array(access, { minLength: 1, maxLength: 120 }),
      (m, program) => {
        const models = [true, false].map((core) => new Hardware(m.machine, { core }));
        for (const a of program) {
          const addr = WIDE_LINES[a.line] * LINE + a.word * 4;
          const got = models.map((hw) => {
            const cpu = a.cpu % hw.cpuCount;
            if (!a.write) return hw.read(cpu, addr, a.cacheable);
            hw.write(cpu, addr, a.value, a.cacheable);
            return -1;
          });
          assert.equal(got[0], got[1]);
          assert.deepEqual(arrays(models[0].caches), arrays(models[1].caches));
        }
        assert.deepEqual(
          hardwareState(models[0], WIDE_LINES),
          hardwareState(models[1], WIDE_LINES),
        );
        for (const hw of models) hw.release();
      },
    ),
    { seed: 20261207, numRuns: 150 },
  );
});

Deno.test("property: the core renumbers LRU stamps at the clock's limit as the stores do", () => {
  const access = fc.record({
    cpu: fc.nat(),
    line: fc.nat(LINES.length - 1),
    write: fc.boolean(),
    value: fc.integer({ min: 0, max: 0xffff_ffff }),
  });
  fc.assert(
    fc.property(
      machineArb.filter((m) => m.replacement === "lru"),
      fc.integer({ min: 40, max: 90 }),
      fc.array(access, { minLength: 50, maxLength: 300 }),
      (m, clockLimit, program) => {
        // The stores' clocks stop at `clockLimit`: every few accesses renumber a store.
        const take = (specs: readonly CacheSpec[]) =>
          newCaches(specs.map((s) => ({ ...s, options: { ...s.options, clockLimit } })));
        const sides = [true, false].map((withCore) => {
          const topology = new Topology(m.machine, LINE, take, "lru", 1);
          const memory = new Memory();
          const core = withCore ? HierarchyCore.over(topology, memory, null) : null;
          assert.equal(core !== null, withCore);
          return { topology, coherence: new Coherence(topology, memory, false, core) };
        });
        for (const a of program) {
          const got = sides.map(({ topology, coherence }) => {
            const cpu = a.cpu % topology.cpuCount;
            const addr = LINES[a.line] * LINE;
            if (!a.write) return coherence.read(cpu, addr, true);
            coherence.write(cpu, addr, a.value, true);
            return -1;
          });
          assert.equal(got[0], got[1]);
        }
        assert.deepEqual(arrays(sides[0].topology.caches), arrays(sides[1].topology.caches));
      },
    ),
    { seed: 20261208, numRuns: 100 },
  );
});

Deno.test("property: a run through the core logs and reads what a run in JavaScript does", () => {
  const ran = assertRunsAgree(
    { core: true },
    { core: false },
    observeRun,
    { seed: 20261209, numRuns: 120 },
  );
  // Cacheable programs run to their end: no error stood in for a run.
  assert.equal(ran.completed, 120);
});

Deno.test("property: runs of every kind of step, and set/way walks with caches on, under every policy, log through the core what they log in JavaScript", () => {
  for (const [shape, seed] of [[ANY_PROGRAM, 20261206], [SET_WAY_PROGRAM, 20261207]] as const) {
    const ran = assertRunsAgree(
      { core: true },
      { core: false },
      observeRun,
      { seed, numRuns: 120 },
      shape,
    );
    // Seeded: the same programs every time, many of them counting lines.
    assert.ok(ran.completed >= 100 && ran.counted >= 20, `${shape.mix}: ${JSON.stringify(ran)}`);
  }
});

Deno.test("HierarchyCore.over: no core for random replacement or caches outside one arena", () => {
  const random = new Topology(xgene1, 64, newCaches, "random", 1);
  assert.equal(HierarchyCore.over(random, new Memory(), null), null);
  const apart = (specs: readonly CacheSpec[]) => specs.flatMap((s) => newCaches([s]));
  const scattered = new Topology(xgene1, 64, apart, "lru", 1);
  assert.equal(HierarchyCore.over(scattered, new Memory(), null), null);
  const together = new Topology(xgene1, 64, newCaches, "lru", 1);
  assert.notEqual(HierarchyCore.over(together, new Memory(), null), null);
});

Deno.test("HierarchyCore.retire: retiring a core its caches have since been given to another leaves that one working", () => {
  // Two cores over the same caches share one instance; the later one serves
  // it now, so retiring the earlier must not cut the instance off its DRAM
  // and stores.
  const t = new Topology(xgene1, 64, newCaches, "lru", 1);
  const earlier = HierarchyCore.over(t, new Memory(), null)!;
  const memory = new Memory();
  memory.write(0x4000_0000, 41);
  memory.write(0x4000_1000, 42);
  const later = HierarchyCore.over(t, memory, null)!;
  earlier.retire();
  assert.throws(() => earlier.read(0, 0x4000_0000, true), /released/);
  assert.equal(later.read(0, 0x4000_0000, true), 41);
  assert.equal(later.read(1, 0x4000_1000, false), 42);
  later.write(2, 0x4000_2000, 43, false);
  assert.equal(memory.read(0x4000_2000), 43);
});

Deno.test("HierarchyCore.changeLog: the log is handed out empty, also over an arena a model used before", () => {
  const arena = new StoreArena(0, 3);
  const used = HierarchyCore.changeLog(arena, 3)!;
  used.set([2, 0, 2, 0]);
  // The next model over the arena gets the same words, emptied: a count
  // left over would make it put back stores by the last model's list.
  const log = HierarchyCore.changeLog(arena, 3)!;
  assert.equal(log.buffer, used.buffer);
  assert.deepEqual(Array.from(log), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(used), [0, 0, 0, 0]);
});

Deno.test("HierarchyCore.over: no core when the caches or the change log are not all in the first cache's arena", () => {
  // The first cache's arena has room for every cache of the machine, but
  // the others live in a second arena: a core over the first would work on
  // that arena's own stores, not the model's.
  const mixed = (specs: readonly CacheSpec[]) => {
    const first = newCaches(specs), second = newCaches(specs);
    return [first[0], ...second.slice(1)];
  };
  const split = new Topology(xgene1, 64, mixed, "lru", 1);
  assert.equal(HierarchyCore.over(split, new Memory(), null), null);
  // A change log outside the arena: the core writes its log into the arena.
  const together = new Topology(xgene1, 64, newCaches, "lru", 1);
  const foreign = new Int32Array(together.caches.length + 1);
  assert.equal(HierarchyCore.over(together, new Memory(), foreign), null);
  const arena = cacheStore(together.caches[0]).arena;
  const log = HierarchyCore.changeLog(arena, together.caches.length);
  assert.notEqual(HierarchyCore.over(together, new Memory(), log), null);
});

Deno.test("Hardware: a pooled model's core reads what a new model's does", () => {
  const first = new Hardware(xgene1, { seed: 3 });
  for (let i = 0; i < 256; i++) first.write(i % 8, 0x4000_0000 + i * 64, i + 1, true);
  first.release();
  const pooled = new Hardware(xgene1, { seed: 3 });
  const fresh = new Hardware(xgene1, { seed: 3, pooled: false });
  for (const hw of [pooled, fresh]) {
    for (let i = 0; i < 64; i++) hw.write(i % 8, 0x4000_0000 + i * 128, i, true);
  }
  // Invalid slots of a pooled store keep the old data words: compare the lines.
  assert.deepEqual(hardwareState(pooled), hardwareState(fresh));
  assert.equal(pooled.read(3, 0x4000_0080, true), 1);
  assert.equal(pooled.read(3, 0x4000_0040, true), 0xdeadbeef);
  pooled.release();
  fresh.release();
});

Deno.test("Hardware: accesses run in the core unless core: false, staged, or random replacement", () => {
  const models = [
    new Hardware(xgene1),
    new Hardware(xgene1, { pooled: false }),
    new Hardware(xgene1, { core: false }),
    new Hardware(xgene1, { staged: true }),
    new Hardware(xgene1, { replacement: "random" }),
  ];
  assert.deepEqual(models.map(runsInCore), [true, true, false, false, false]);
  for (const hw of models) hw.release();
});

Deno.test("trustedAccess kept past release throws, and leaves the model that took the memory alone", () => {
  for (const core of [true, false]) {
    const first = new Hardware(xgene1, { core });
    const kept = trustedAccess(first);
    kept.write(0, 0x4000_0000, 1, true);
    first.release();
    const next = new Hardware(xgene1, { core });
    next.write(1, 0x4000_0040, 2, true);
    const before = arrays(next.caches);
    assert.throws(() => kept.write(0, 0x4000_0040, 3, true), /released/);
    assert.throws(() => kept.read(0, 0x4000_0040, true), /released/);
    assert.deepEqual(arrays(next.caches), before, `core: ${core}`);
    assert.equal(next.read(2, 0x4000_0040, true), 2);
    next.release();
  }
});

Deno.test("a released model's DRAM is not kept alive by its arena's core waiting in the pool", async () => {
  const probe = new URL("../support/released_model_probe.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--v8-flags=--expose-gc", probe],
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), { collected: true, next: 41 });
});
