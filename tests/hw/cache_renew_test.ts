import assert from "node:assert/strict";
import { Cache, CLEAN } from "../../lib/hw/cache.ts";
import { giveBackCache, takeCache } from "../../lib/hw/cache_pool.ts";

/** A random-replacement cache of one set of 4 ways, 64-byte lines. */
const ONE_SET = { size: 256, ways: 4, lineSize: 64 };

/** The ways a cache fills for `n` new lines, each over the victim it picks. */
function victims(c: Cache, n: number): number[] {
  const out: number[] = [];
  for (let line = 0; line < n; line++) {
    const slot = c.victim(line);
    if (c.states[slot] !== 0) c.evict(slot);
    c.install(slot, line, CLEAN);
    out.push(slot);
  }
  return out;
}

Deno.test("takeCache: a pooled random cache given no seed replaces as a new one does (seed 1)", () => {
  const fresh = victims(new Cache(ONE_SET, { name: "r", replacement: "random" }), 24);
  const first = takeCache(ONE_SET, { name: "pooled-r", replacement: "random", seed: 9 });
  victims(first, 24);
  giveBackCache(first);
  // Same shape, so the pooled store comes back: emptied and reseeded as a new cache is seeded.
  const again = takeCache(ONE_SET, { name: "pooled-r", replacement: "random" });
  try {
    assert.deepEqual(victims(again, 24), fresh);
  } finally {
    giveBackCache(again);
  }
});

Deno.test("Cache.lineOf: every byte of a line maps to that line", () => {
  const c = new Cache({ size: 4096, ways: 2, lineSize: 64 });
  for (const addr of [0, 31, 32, 63]) assert.equal(c.lineOf(0x4000_0000 + addr), 0x4000_0000 / 64);
  assert.equal(c.lineOf(0x4000_0040), 0x4000_0000 / 64 + 1);
});
