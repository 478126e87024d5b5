import assert from "node:assert/strict";
import { CacheStore } from "../../lib/hw/cache_store.ts";

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
