/**
 * DC CVAC writes a dirty line into every copy below it on the way to DRAM:
 * a system cache copy under an L2 that no longer holds the line is brought
 * up to date too, so that a non-cacheable read served by a snooping system
 * cache sees the cleaned data. On the WebAssembly core and on the
 * JavaScript paths.
 */

import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { POISON } from "../../lib/hw/memory.ts";

const A = 0x4000_0000;

/** One CPU, an L2 and a system cache that snoops non-cacheable accesses. */
const snooping: Machine = {
  name: "snooping",
  description: "one CPU, an L2 and a snooping system cache",
  clusters: [{ cpus: 1, l1d: { size: 1024, ways: 2 }, l2: { size: 8192, ways: 4 } }],
  systemCache: { size: 65536, ways: 8, snoopsNonCacheable: true },
};

/** The word at `addr` in the named cache, or null when it does not hold the line. */
function cached(hw: Hardware, name: string, addr: number): number | null {
  const c = hw.caches.find((x) => x.name === name)!;
  const s = c.lookup(c.lineOf(addr));
  return s < 0 ? null : c.readWord(s, (addr % c.lineSize) / 4);
}

for (const core of [true, false]) {
  Deno.test(`Maintenance: CVAC updates a system cache copy the L2 above it no longer holds (core: ${core})`, () => {
    const hw = new Hardware(snooping, { core });
    hw.write(0, A, 9, true);
    // The L2's clean copy is dropped; the system cache keeps the one filled from DRAM.
    assert.equal(hw.castout(hw.cacheIndexOf(0, 2), A), true);
    assert.deepEqual(["cpu0.L1", "cluster0.L2", "system"].map((c) => cached(hw, c, A)), [
      9,
      null,
      POISON,
    ]);
    assert.deepEqual(hw.dcByVa("cvac", 0, A), { cleaned: 1, invalidated: 0 });
    assert.equal(cached(hw, "system", A), 9);
    assert.equal(hw.memory.read(A), 9);
    assert.equal(hw.read(0, A, false), 9);
    hw.release();
  });
}
