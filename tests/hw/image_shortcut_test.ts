/**
 * The shortcut of `CacheStore.loadImage` (lib/hw/cache_store.ts): a cache
 * that has not changed since it saved or put back an image is left as it is
 * when that image is put back. It is only as good as the notes every change
 * leaves (`CacheStore.changed`), so this drives every mutating call of the
 * hardware model between loads and compares the model with one built
 * `staged`, which puts every cache back in full: the same reads, and after
 * each load the same slots (keys, states and stamps of every slot, tags and
 * data of the valid ones), resident order, clocks and DRAM.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { cacheStore } from "../../lib/hw/cache.ts";
import { CacheStore, CLEAN, DIRTY, StoreImage } from "../../lib/hw/cache_store.ts";
import { Hardware, HardwareImage } from "../../lib/hw/hardware.ts";
import { generic } from "../../lib/machines/mod.ts";
import { PAGE_SIZE } from "../../lib/hw/memory.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
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

/**
 * The shared ops with invalidates by VA, and the model's and its caches'
 * other calls that change caches or DRAM.
 */
type Step =
  | Op
  | { k: "line"; cpu: number; line: number; v: number }
  | { k: "spec"; cpu: number; line: number }
  | { k: "out"; cache: number; line: number }
  | { k: "all"; cpu: number; op: "csw" | "cisw" | "isw" }
  | { k: "zero"; line: number }
  | { k: "reset"; cache: number };

const line = fc.nat(LINES.length - 1);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: opArb },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("line" as const),
      cpu: fc.nat(),
      line,
      v: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("spec" as const), cpu: fc.nat(), line }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("out" as const), cache: fc.nat(), line }) },
  { weight: 1, arbitrary: invalidateArb },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("all" as const),
      cpu: fc.nat(),
      op: fc.constantFrom("csw" as const, "cisw" as const, "isw" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("zero" as const), line }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("reset" as const), cache: fc.nat() }) },
);

/** Runs the steps; returns what the reads, perturbations and castouts returned. */
function runSteps(hw: Hardware, steps: readonly Step[], seed: number): unknown[] {
  const seen: unknown[] = [];
  steps.forEach((s, i) => {
    const addr = "line" in s ? LINES[s.line] * LINE : 0;
    const cpu = "cpu" in s ? s.cpu % hw.cpuCount : 0;
    switch (s.k) {
      case "line":
        hw.writeLine(cpu, addr, s.v);
        break;
      case "spec":
        hw.speculativeFill(cpu, addr);
        break;
      case "out":
        seen.push(hw.castout(s.cache % hw.caches.length, addr));
        break;
      case "va":
        seen.push(hw.dcByVa(s.op, cpu, addr));
        break;
      case "all":
        seen.push(hw.setWayAll(cpu, s.op));
        break;
      case "zero":
        hw.memory.zeroFill(addr - (addr % PAGE_SIZE), PAGE_SIZE);
        break;
      case "reset":
        hw.caches[s.cache % hw.caches.length].reset();
        break;
      default:
        seen.push(runProgram(hw, [s], seed + i));
    }
  });
  return seen;
}

/** Every slot of every cache, the resident order and clock, and DRAM. */
function observe(hw: Hardware): unknown {
  const caches = hw.caches.map((c) => {
    const s = cacheStore(c);
    const resident = Array.from(s.resident.subarray(0, s.residentCount));
    return {
      clock: s.clock,
      resident,
      keys: Array.from(s.keys),
      states: Array.from(s.states),
      stamps: Array.from(s.stamps),
      valid: resident.map((slot) => [
        s.tags[slot],
        ...s.data.subarray(s.dataOffset(slot), s.dataOffset(slot) + s.wordsPerLine),
      ]),
    };
  });
  return { caches, state: hardwareState(hw, LINES) };
}

Deno.test("property: an image put back by the shortcut leaves what a full copy leaves", () => {
  fc.assert(
    fc.property(
      machineArb,
      fc.array(stepArb, { maxLength: 20 }),
      fc.array(fc.array(stepArb, { maxLength: 4 }), { minLength: 1, maxLength: 8 }),
      fc.nat(8),
      fc.boolean(),
      fc.boolean(),
      ({ machine }, before, children, resaveAt, loadFirst, core) => {
        // Images are of LRU caches only (Hardware.imageable): the default.
        // The shortcut is taken with the hierarchy core and without it (the
        // JavaScript paths, each of which must tell its stores of a change).
        const fast = new Hardware(machine, { core });
        const full = new Hardware(machine, { staged: true });
        try {
          assert.deepEqual(runSteps(fast, before, 1), runSteps(full, before, 1));
          const images = [new HardwareImage(), new HardwareImage()];
          fast.saveImage(images[0]);
          full.saveImage(images[1]);
          children.forEach((child, i) => {
            // As an exploration runs each child of a parent from its image;
            // once, a child's state becomes the image (a new parent). The
            // first child may run straight after the save: a change that
            // follows a save, with the most-recently-used hints still set,
            // must be seen as well as one that follows a load.
            if (i > 0 || loadFirst) {
              fast.loadImage(images[0]);
              full.loadImage(images[1]);
              assert.deepEqual(observe(fast), observe(full));
            }
            assert.deepEqual(runSteps(fast, child, 2 + i), runSteps(full, child, 2 + i));
            assert.deepEqual(observe(fast), observe(full));
            if (i === resaveAt) {
              fast.saveImage(images[0]);
              full.saveImage(images[1]);
            }
          });
          fast.loadImage(images[0]);
          full.loadImage(images[1]);
          assert.deepEqual(observe(fast), observe(full));
        } finally {
          fast.release();
          full.release();
        }
      },
    ),
    { seed: 2027, numRuns: 400 },
  );
});

/** What the interleaving property does next: a save, a put back, steps, or another model's save. */
type Action =
  | { k: "save" | "load"; which: number }
  | { k: "steps"; steps: Step[] }
  | { k: "other"; which: number; steps: Step[] };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant("save" as const), which: fc.nat(1) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("load" as const), which: fc.nat(1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("steps" as const),
      steps: fc.array(stepArb, { maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("other" as const),
      which: fc.nat(1),
      steps: fc.array(stepArb, { maxLength: 6 }),
    }),
  },
);

Deno.test("property: saves and put backs of two images, in any order, leave what full copies leave", () => {
  fc.assert(
    fc.property(
      machineArb,
      fc.array(stepArb, { maxLength: 15 }),
      fc.array(actionArb, { minLength: 1, maxLength: 16 }),
      fc.boolean(),
      ({ machine }, first, actions, core) => {
        // Each side: a model, another model of the same machine that may
        // save into the same images, and the two images; the fast side with
        // the hierarchy core or on the JavaScript paths.
        const side = (staged: boolean) => ({
          hw: new Hardware(machine, { staged, core }),
          other: new Hardware(machine, { staged, core }),
          images: [new HardwareImage(), new HardwareImage()],
          saved: [false, false],
        });
        const fast = side(false), full = side(true);
        try {
          for (const s of [fast, full]) runSteps(s.hw, first, 1);
          actions.forEach((a, i) => {
            const seen = [fast, full].map((s) => {
              if (a.k === "save") {
                s.hw.saveImage(s.images[a.which]);
                s.saved[a.which] = true;
              } else if (a.k === "load") {
                if (s.saved[a.which]) s.hw.loadImage(s.images[a.which]);
              } else if (a.k === "steps") {
                return runSteps(s.hw, a.steps, 2 + i);
              } else if (a.k === "other") {
                runSteps(s.other, a.steps, 2 + i);
                s.other.saveImage(s.images[a.which]);
                s.saved[a.which] = true;
              }
              return null;
            });
            assert.deepEqual(seen[0], seen[1]);
            assert.deepEqual(observe(fast.hw), observe(full.hw));
          });
        } finally {
          for (const s of [fast, full]) {
            s.hw.release();
            s.other.release();
          }
        }
      },
    ),
    { seed: 2028, numRuns: 300 },
  );
});

Deno.test("CacheStore.loadImage: a store unchanged since its image is not copied; a changed one is", () => {
  const s = new CacheStore({ sets: 4, ways: 2, lineSize: 16 }, null, 100);
  s.occupy(0, 4, CLEAN);
  const image = new StoreImage();
  s.saveImage(image);
  // A write the store is not told of: the shortcut does not see it, which
  // is why every writer tells it (the property above).
  s.data[0] = 7;
  s.loadImage(image);
  assert.equal(s.data[0], 7);
  s.loadImage(image, true);
  assert.equal(s.data[0], 0);
  // Put back in full, the store is the image again.
  s.data[0] = 8;
  s.loadImage(image);
  assert.equal(s.data[0], 8);
  s.data[0] = 7;
  s.changed();
  s.loadImage(image);
  assert.equal(s.data[0], 0);
  // Saved again from another store: the copy is no longer this store's.
  const other = new CacheStore({ sets: 4, ways: 2, lineSize: 16 }, null, 100);
  other.saveImage(image);
  s.loadImage(image);
  assert.equal(s.residentCount, 0);
});

Deno.test("Hardware.loadImage: an unchanged cache is left as it is, unless the model is staged", () => {
  for (const staged of [false, true]) {
    const hw = new Hardware(generic, { staged });
    try {
      hw.write(0, 0x4000_0000, 5, true);
      const image = new HardwareImage();
      hw.saveImage(image);
      const l1 = hw.caches[0];
      const word = () => l1.dataOffset(l1.lookup(l1.lineOf(0x4000_0000)));
      // Behind the model's back, which Hardware.loadImage's doc forbids:
      // only the copy undoes it, after a save and after a put back.
      l1.data[word()] = 6;
      hw.loadImage(image);
      assert.equal(l1.data[word()], staged ? 5 : 6);
      l1.data[word()] = 7;
      hw.loadImage(image);
      assert.equal(l1.data[word()], staged ? 5 : 7);
    } finally {
      hw.release();
    }
  }
});

Deno.test("Hardware.loadImage: a change list that overflowed puts every store back", () => {
  const hw = new Hardware(generic);
  try {
    hw.write(0, 0x4000_0000, 5, true);
    hw.write(1, 0x4000_1000, 6, true);
    const image = new HardwareImage();
    hw.saveImage(image);
    hw.loadImage(image);
    // Saves the model does not make (only its own saves empty its list):
    // each lets the first cache list itself again, until the list is full.
    const first = cacheStore(hw.caches[0]);
    for (let i = 0; i < hw.caches.length; i++) {
      first.saveImage(new StoreImage());
      first.changed();
    }
    // The second CPU's cache changes now, past the end of the list.
    hw.write(1, 0x4000_1000, 7, true);
    hw.loadImage(image);
    assert.equal(hw.read(1, 0x4000_1000, true), 6);
  } finally {
    hw.release();
  }
});

Deno.test("CacheStore.saveImage: the trace-driven simulator's stores are not imaged", () => {
  const c = new TraceCache({ size: 1024, ways: 2 });
  c.access(0x40, true);
  assert.throws(() => cacheStore(c).saveImage(new StoreImage()), /not imaged/);
});

Deno.test("Hardware.loadImage: a dirty line that only turned clean is put back dirty", () => {
  // A line's state is all that changes in CPU 0's L1 (Cache.setState): a
  // sibling's read takes the dirty line, or a clean by VA or by set/way
  // pushes it below. The put back must see that change too.
  const machine = {
    name: "pair",
    description: "one cluster of two CPUs",
    clusters: [{ cpus: 2, l1d: { size: 256, ways: 2 }, l2: { size: 512, ways: 2 } }],
  };
  const A = 0x8000_0000;
  const cleans: [string, (m: Hardware) => void][] = [
    ["a sibling's read", (m) => assert.equal(m.read(1, A, true), 5)],
    ["DC CVAC", (m) => m.dcByVa("cvac", 0, A)],
    ["DC CVAU", (m) => m.dcByVa("cvau", 0, A)],
    ["DC CSW", (m) => {
      const l1 = m.caches[0];
      const slot = l1.lookup(l1.lineOf(A));
      const { ways } = m.geometry(0, 1);
      m.dcBySetWay(0, "csw", 1, Math.floor(slot / ways), slot % ways);
    }],
  ];
  for (const [what, clean] of cleans) {
    for (const at of ["after a save", "after a put back"]) {
      const hw = new Hardware(machine);
      const full = new Hardware(machine, { staged: true });
      try {
        for (const m of [hw, full]) {
          m.write(0, A, 5, true);
          const image = new HardwareImage();
          m.saveImage(image);
          if (at === "after a put back") m.loadImage(image);
          clean(m);
          const l1 = m.caches[0];
          assert.equal(l1.states[l1.lookup(l1.lineOf(A))], CLEAN, `${what}, ${at}`);
          m.loadImage(image);
        }
        assert.deepEqual(observe(hw), observe(full), `${what}, ${at}`);
        const l1 = hw.caches[0];
        assert.equal(l1.states[l1.lookup(l1.lineOf(A))], DIRTY, `${what}, ${at}`);
      } finally {
        hw.release();
        full.release();
      }
    }
  }
});

Deno.test("Hardware.loadImage: a change made through a cache's own methods is put back", () => {
  // The doc's promise: changes are seen through the model's and the caches'
  // methods. The model's fast paths do not call these (the hierarchy core
  // does their work), so each is called here on one of its caches.
  const A = 0x8000_0000;
  const changes: [string, (c: Hardware["caches"][number], slot: number) => void][] = [
    ["setState", (c, slot) => c.setState(slot, CLEAN)],
    ["writeWord", (c, slot) => c.writeWord(slot, 0, 9)],
    ["copyIn", (c, slot) => c.copyIn(slot, new Int32Array(c.wordsPerLine).fill(9), 0)],
    ["evict", (c, slot) => c.evict(slot)],
    ["touch", (c, slot) => c.touch(slot)],
  ];
  for (const [what, change] of changes) {
    for (const at of ["after a save", "after a put back"]) {
      const hw = new Hardware(generic);
      try {
        hw.write(0, A + 0x40, 4, true);
        hw.write(0, A, 5, true);
        const before = observe(hw);
        const image = new HardwareImage();
        hw.saveImage(image);
        if (at === "after a put back") hw.loadImage(image);
        const l1 = hw.caches[0];
        // touch makes the line of A + 0x40 the newest, where A was.
        change(l1, l1.lookup(l1.lineOf(what === "touch" ? A + 0x40 : A)));
        assert.notDeepEqual(observe(hw), before, `${what} changed nothing`);
        hw.loadImage(image);
        assert.deepEqual(observe(hw), before, `${what}, ${at}`);
      } finally {
        hw.release();
      }
    }
  }
});

Deno.test("Hardware.loadImage: a write to the newest line of an L1, right after a save or a put back, is put back", () => {
  // The write hits a dirty line that is already its set's most recent, so
  // no new stamp tells the L1 it changed: the word written must.
  const A = 0x8000_0000;
  for (const core of [true, false]) {
    for (const at of ["after a save", "after a put back"]) {
      const hw = new Hardware(generic, { core });
      try {
        hw.write(0, A, 5, true);
        const image = new HardwareImage();
        hw.saveImage(image);
        if (at === "after a put back") hw.loadImage(image);
        hw.write(0, A, 6, true);
        hw.loadImage(image);
        const l1 = hw.caches[0];
        const what = `core ${core}, ${at}`;
        assert.equal(l1.data[l1.dataOffset(l1.lookup(l1.lineOf(A)))], 5, what);
        assert.equal(hw.read(0, A, true), 5, what);
      } finally {
        hw.release();
      }
    }
  }
});
