/**
 * Set/way walks over a level that holds few lines: where a walk switches
 * from scanning every slot to taking the resident slots in walk order (one
 * resident line in 16 slots), and the level's last slot, which the kernel's
 * walk visits first, taken like any other.
 */

import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";

const A = 0x4000_0000;
const LINE = 64;

/** One CPU with a 32 KiB two-way L1 (256 sets, 512 slots) and nothing below it. */
const lonely: Machine = {
  name: "lonely",
  description: "one CPU, one L1 of 512 slots, no L2, no system cache",
  clusters: [{ cpus: 1, l1d: { size: 32768, ways: 2 } }],
  systemCache: null,
};

/** A model of `lonely` whose L1 holds `n` dirty lines, each in its own set. */
function withLines(n: number): Hardware {
  const hw = new Hardware(lonely);
  for (let i = 0; i < n; i++) hw.write(0, A + i * LINE, i + 1, true);
  assert.equal(hw.caches[0].residentCount, n);
  return hw;
}

Deno.test("setWayAll: a level with exactly one resident line in 16 slots is scanned slot by slot", () => {
  const dense = withLines(512 / 16);
  assert.equal(dense.setWayAll(0, "csw").cleaned, 32);
  assert.equal(dense.walkSlotsVisited, 512);
  dense.release();
  // One line fewer: only the resident slots are looked at.
  const sparse = withLines(512 / 16 - 1);
  assert.equal(sparse.setWayAll(0, "csw").cleaned, 31);
  assert.equal(sparse.walkSlotsVisited, 31);
  sparse.release();
});

/** A model of `lonely` with dirty lines in both ways of the last set only: slots 510 and 511. */
function lastSetFull(): Hardware {
  const hw = new Hardware(lonely);
  const last = A + 255 * LINE;
  hw.write(0, last, 0x11, true);
  hw.write(0, last + 256 * LINE, 0x22, true);
  const l1 = hw.caches[0];
  const slots = [last, last + 256 * LINE].map((a) => l1.lookup(l1.lineOf(a))).sort();
  assert.deepEqual(slots, [510, 511]);
  return hw;
}

Deno.test("setWayAll: a sparse level's last slot is cleaned like the others", () => {
  const hw = lastSetFull();
  const r = hw.setWayAll(0, "csw");
  assert.deepEqual(r, { cleaned: 2, invalidated: 0, slots: 512 });
  assert.equal(hw.walkSlotsVisited, 2);
  assert.equal(hw.memory.read(A + 255 * LINE), 0x11);
  assert.equal(hw.memory.read(A + 511 * LINE), 0x22);
  hw.release();
});

Deno.test("setWayRunsDownFrom: a sparse level's walk from a resident slot starts with that slot", () => {
  const hw = lastSetFull();
  // Slots 511 and 510 each clean and drop a line; the 510 slots below hold nothing.
  assert.deepEqual(hw.setWayRunsDownFrom(0, 1, "cisw", 511), [2, 1, 1, 510, 0, 0]);
  assert.equal(hw.caches[0].residentCount, 0);
  assert.equal(hw.memory.read(A + 511 * LINE), 0x22);
  hw.release();
  // From slot 510: slot 511 is left alone.
  const other = lastSetFull();
  assert.deepEqual(other.setWayRunsDownFrom(0, 1, "isw", 510), [1, 0, 1, 510, 0, 0]);
  assert.equal(other.caches[0].residentCount, 1);
  other.release();
});
