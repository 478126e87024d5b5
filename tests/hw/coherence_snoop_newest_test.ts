/**
 * A read that snoops another cluster takes that cluster's newest copy: its
 * L1's dirty line, not an older dirty copy its L2 still holds (the hierarchy
 * is not inclusive, so a write leaves the writer's own L2 copy behind). On
 * the WebAssembly core and on the JavaScript paths.
 */

import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine, SystemCacheSpec } from "../../lib/hw/machine.ts";

const A = 0x4000_0000;

/** Two clusters of one CPU, each with an L2, and the system cache `sys`. */
function twoClusters(sys: SystemCacheSpec | null): Machine {
  const cluster = { cpus: 1, l1d: { size: 1024, ways: 2 }, l2: { size: 8192, ways: 4 } };
  return {
    name: "two",
    description: "two clusters",
    clusters: [cluster, cluster],
    systemCache: sys,
  };
}

/** The word at `addr` in the named cache, or null when it does not hold the line. */
function cached(hw: Hardware, name: string, addr: number): number | null {
  const c = hw.caches.find((x) => x.name === name)!;
  const s = c.lookup(c.lineOf(addr));
  return s < 0 ? null : c.readWord(s, (addr % c.lineSize) / 4);
}

/** A model where CPU 0's L1 holds A dirty with 2 and its L2 holds A dirty with the older 1. */
function newerAboveOlder(sys: SystemCacheSpec | null, core: boolean): Hardware {
  const hw = new Hardware(twoClusters(sys), { core });
  hw.write(0, A, 1, true);
  assert.equal(hw.castout(hw.cacheIndexOf(0, 1), A), true);
  assert.equal(hw.read(0, A, true), 1);
  hw.write(0, A, 2, true);
  assert.deepEqual([cached(hw, "cpu0.L1", A), cached(hw, "cluster0.L2", A)], [2, 1]);
  return hw;
}

for (const core of [true, false]) {
  Deno.test(`Coherence: a snoop of another cluster returns its L1's newer data over its L2's (core: ${core})`, () => {
    const hw = newerAboveOlder({ size: 65536, ways: 8 }, core);
    assert.equal(hw.read(1, A, true), 2);
    // The snooped cluster's copies are made equal to the newest, and it goes below.
    assert.deepEqual(["cpu0.L1", "cluster0.L2", "system"].map((c) => cached(hw, c, A)), [2, 2, 2]);
    hw.release();
  });

  Deno.test(`Coherence: without a system cache the snooped newest data reaches DRAM (core: ${core})`, () => {
    const hw = newerAboveOlder(null, core);
    assert.equal(hw.read(1, A, true), 2);
    assert.equal(hw.memory.read(A), 2);
    // The L2's copy, now clean, cannot put the old value back.
    assert.equal(hw.castout(hw.cacheIndexOf(0, 2), A), true);
    assert.equal(hw.memory.read(A), 2);
    hw.release();
  });
}
