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
import { CacheStore, CLEAN, StoreImage } from "../../lib/hw/cache_store.ts";
import { Hardware, HardwareImage } from "../../lib/hw/hardware.ts";
import { generic } from "../../lib/machines/mod.ts";
import { PAGE_SIZE } from "../../lib/hw/memory.ts";
import { TraceCache } from "../../lib/sim/replay.ts";
import {
  LINE,
  LINES,
  machineArb,
  type Op,
  opArb,
  runProgram,
} from "../support/hardware_programs.ts";
import { hardwareState } from "../support/hardware_state.ts";

/** The shared ops, and the model's and its caches' other calls that change caches or DRAM. */
type Step =
  | Op
  | { k: "line"; cpu: number; line: number; v: number }
  | { k: "spec"; cpu: number; line: number }
  | { k: "out"; cache: number; line: number }
  | { k: "ivac"; cpu: number; line: number }
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
  { weight: 1, arbitrary: fc.record({ k: fc.constant("ivac" as const), cpu: fc.nat(), line }) },
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
      case "ivac":
        seen.push(hw.dcByVa("ivac", cpu, addr));
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
      ({ machine }, before, children, resaveAt, loadFirst) => {
        // Images are of LRU caches only (Hardware.imageable): the default.
        const fast = new Hardware(machine);
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

Deno.test("property: two images of one model put back by turns are each put back", () => {
  fc.assert(
    fc.property(
      machineArb,
      fc.array(stepArb, { maxLength: 15 }),
      fc.array(stepArb, { maxLength: 15 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
      ({ machine }, first, second, order) => {
        const hw = new Hardware(machine);
        try {
          const a = new HardwareImage(), b = new HardwareImage();
          runSteps(hw, first, 1);
          hw.saveImage(a);
          const wantA = observe(hw);
          runSteps(hw, second, 2);
          hw.saveImage(b);
          const wantB = observe(hw);
          for (const useA of order) {
            hw.loadImage(useA ? a : b);
            assert.deepEqual(observe(hw), useA ? wantA : wantB);
          }
        } finally {
          hw.release();
        }
      },
    ),
    { seed: 2028, numRuns: 200 },
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
      // Behind the model's back, which Hardware.loadImage's doc forbids:
      // only the copy undoes it.
      l1.data[l1.dataOffset(l1.lookup(l1.lineOf(0x4000_0000)))] = 6;
      hw.loadImage(image);
      assert.equal(hw.read(0, 0x4000_0000, true), staged ? 5 : 6);
    } finally {
      hw.release();
    }
  }
});

Deno.test("CacheStore.saveImage: the trace-driven simulator's stores are not imaged", () => {
  const c = new TraceCache({ size: 1024, ways: 2 });
  c.access(0x40, true);
  assert.throws(() => cacheStore(c).saveImage(new StoreImage()), /not imaged/);
});
