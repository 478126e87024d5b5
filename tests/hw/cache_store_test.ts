import assert from "node:assert/strict";
import { CacheStore, CLEAN, DIRTY, KEY_WIDE } from "../../lib/hw/cache_store.ts";

Deno.test("CacheStore.dataOffset: the slots' lines tile the data words, way by way", () => {
  for (const [sets, ways, lineSize] of [[1, 1, 16], [4, 2, 16], [8, 16, 64], [128, 32, 64]]) {
    const s = new CacheStore({ sets, ways, lineSize }, null, 100);
    const wpl = lineSize / 4;
    const owner = new Int32Array(sets * ways * wpl).fill(-1);
    for (let slot = 0; slot < sets * ways; slot++) {
      const at = s.dataOffset(slot);
      assert.equal(at % wpl, 0);
      for (let w = 0; w < wpl; w++) {
        assert.equal(owner[at + w], -1, `slot ${slot} overlaps slot ${owner[at + w]}`);
        owner[at + w] = slot;
      }
    }
    assert.ok(owner.every((slot) => slot >= 0));
    // Way 0 of every set comes first: a sparsely filled cache writes a prefix.
    for (let set = 0; set < sets; set++) assert.equal(s.dataOffset(set * ways), set * wpl);
  }
});

Deno.test("CacheStore.refill: the new line takes the old one's slot and place in the resident index", () => {
  const s = new CacheStore({ sets: 1, ways: 4, lineSize: 64 }, null, 100);
  for (let slot = 0; slot < 3; slot++) s.occupy(slot, 10 + slot, CLEAN);
  const wide = 2 ** 31 + 5;
  s.refill(1, wide, DIRTY);
  assert.deepEqual(Array.from(s.resident.subarray(0, s.residentCount)), [0, 1, 2]);
  assert.deepEqual([s.lookup(11), s.lookup(wide)], [-1, 1]);
  assert.deepEqual([s.tags[1], s.keys[1], s.states[1]], [wide, KEY_WIDE, DIRTY]);
  // Most recently used, its stamp the clock's next.
  assert.deepEqual([s.stamps[1], s.clock, s.mruLine, s.mruSlot], [4, 4, wide, 1]);
  s.refill(2, 7, CLEAN);
  assert.deepEqual([s.keys[2], s.lookup(7), s.position[2]], [8, 2, 2]);
});
