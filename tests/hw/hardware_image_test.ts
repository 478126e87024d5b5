/**
 * A hardware image (`Hardware.saveImage`, `Hardware.loadImage`) is what an
 * exploration runs every child of a parent from: loading it must put back
 * everything a later step can see, whatever happened since it was saved.
 * tests/explore/parent_image_test.ts checks the explorations built on it;
 * this checks the round trip itself, on tiny machines where lines collide,
 * are cast out and reach every level dirty, and with DRAM zeroed in between
 * (the memory's zero ranges are part of its contents).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Hardware, HardwareImage } from "../../lib/hw/hardware.ts";
import { PAGE_SIZE } from "../../lib/hw/memory.ts";
import { LINE, LINES, machineArb, opArb, runProgram } from "../support/hardware_programs.ts";
import { hardwareState } from "../support/hardware_state.ts";

Deno.test("property: loading a hardware image puts back all a later program sees", () => {
  fc.assert(
    fc.property(
      machineArb,
      fc.array(opArb, { maxLength: 30 }),
      fc.array(opArb, { maxLength: 30 }),
      fc.array(opArb, { maxLength: 30 }),
      fc.option(fc.nat(LINES.length - 1), { nil: undefined }),
      fc.integer({ min: 1, max: 3 }),
      ({ machine }, before, between, after, zeroed, loads) => {
        // Images are of LRU caches only (Hardware.imageable).
        const saved = new Hardware(machine);
        const twin = new Hardware(machine);
        try {
          runProgram(saved, before, 1);
          runProgram(twin, before, 1);
          const image = new HardwareImage();
          saved.saveImage(image);
          const want = hardwareState(saved, LINES);
          // Loaded more than once, as an exploration loads a parent for each child.
          for (let i = 0; i < loads; i++) {
            runProgram(saved, between, 2 + i);
            if (zeroed !== undefined) {
              const addr = LINES[zeroed] * LINE;
              saved.memory.zeroFill(addr - (addr % PAGE_SIZE), PAGE_SIZE);
            }
            saved.loadImage(image);
            assert.deepEqual(hardwareState(saved, LINES), want);
          }
          // The same future as a model that never left that state: the same
          // reads and perturbations (LRU order, MRU hints, resident order and
          // never-written DRAM included), and the same state after.
          assert.deepEqual(runProgram(saved, after, 9), runProgram(twin, after, 9));
          assert.deepEqual(hardwareState(saved, LINES), hardwareState(twin, LINES));
        } finally {
          saved.release();
          twin.release();
        }
      },
    ),
    { seed: 2026, numRuns: 300 },
  );
});
