/**
 * Hardware.holds, the oracle's test of a lost write: a value counts as held
 * wherever a copy of it is, in an L1, an L2, the system cache or DRAM alone,
 * and a value is the same 32 bits whether given signed or unsigned.
 */

import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { POISON } from "../../lib/hw/memory.ts";

const A = 0x4000_0000;

/** One cluster of two CPUs with an L2, and a system cache below it. */
const tiered: Machine = {
  name: "tiered",
  description: "two CPUs, an L2 and a system cache",
  clusters: [{ cpus: 2, l1d: { size: 1024, ways: 2 }, l2: { size: 8192, ways: 4 } }],
  systemCache: { size: 65536, ways: 8 },
};

/** Which caches of `hw` hold `addr`'s line, by name. */
function holders(hw: Hardware, addr: number): string[] {
  return hw.caches.filter((c) => c.lookup(c.lineOf(addr)) >= 0).map((c) => c.name);
}

Deno.test("Hardware.holds: a value DRAM alone holds is held", () => {
  const hw = new Hardware(tiered);
  hw.write(0, A, 5, true);
  hw.dcByVa("civac", 0, A);
  assert.deepEqual(holders(hw, A), []);
  assert.equal(hw.memory.read(A), 5);
  assert.equal(hw.holds(A, 5), true);
  assert.equal(hw.holds(A, 6), false);
  hw.release();
});

Deno.test("Hardware.holds: a value only an L2 or only the system cache holds is held", () => {
  const hw = new Hardware(tiered);
  hw.write(0, A, 7, true);
  // The dirty line leaves the L1 for the L2, then the L2 for the system cache.
  assert.equal(hw.castout(hw.cacheIndexOf(0, 1), A), true);
  assert.deepEqual(holders(hw, A), ["cluster0.L2", "system"]);
  assert.equal(hw.memory.read(A), POISON);
  assert.equal(hw.holds(A, 7), true);
  assert.equal(hw.castout(hw.cacheIndexOf(0, 2), A), true);
  assert.deepEqual(holders(hw, A), ["system"]);
  assert.equal(hw.memory.read(A), POISON);
  assert.equal(hw.holds(A, 7), true);
  assert.equal(hw.holds(A, 8), false);
  hw.release();
});

Deno.test("Hardware.holds: a cached value is looked for in its own word of the line", () => {
  const hw = new Hardware(tiered);
  hw.write(0, A + 8, 0x33, true);
  hw.write(0, A + 60, 0x44, true);
  assert.deepEqual(holders(hw, A), ["cpu0.L1", "cluster0.L2", "system"]);
  assert.equal(hw.holds(A + 8, 0x33), true);
  assert.equal(hw.holds(A + 60, 0x44), true);
  assert.equal(hw.holds(A + 4, 0x33), false);
  assert.equal(hw.holds(A + 56, 0x44), false);
  hw.release();
});

Deno.test("Hardware.holds: a value with its top bit set is found given signed or unsigned", () => {
  const hw = new Hardware(tiered);
  hw.write(0, A, -2, true);
  assert.equal(hw.holds(A, -2), true);
  assert.equal(hw.holds(A, 0xffff_fffe), true);
  // The same in DRAM alone.
  hw.write(1, A + 4, 0x8000_0001, true);
  hw.dcByVa("civac", 0, A);
  assert.deepEqual(holders(hw, A), []);
  assert.equal(hw.holds(A + 4, -0x7fff_ffff), true);
  assert.equal(hw.holds(A, -2), true);
  assert.equal(hw.holds(A, -3), false);
  hw.release();
});
