// The set of explored states' 64-bit hashes: a key it wrongly thinks it has seen prunes a state
// the search never explores, so every key must be told from every other, across growth.
import assert from "node:assert/strict";
import { HashSet64 } from "../../lib/engine/explore/hash_set.ts";

Deno.test("keys that share one half are different keys", () => {
  const s = new HashSet64();
  // A column and a row of keys through (7, 7): each shares a half with many others.
  for (let i = 0; i < 64; i++) {
    assert.equal(s.add(7, i), true, `(7, ${i})`);
    if (i !== 7) assert.equal(s.add(i, 7), true, `(${i}, 7)`);
  }
  assert.equal(s.size, 127);
  assert.equal(s.has(7, 64), false);
  assert.equal(s.has(64, 7), false);
  assert.equal(s.has(8, 8), false);
  assert.equal(s.add(8, 8), true);
});

Deno.test("halves are 32-bit words: -1 and 0xffffffff are the same half, in add and in has", () => {
  // State hashes come from an Int32Array, so a half can arrive signed.
  const s = new HashSet64();
  assert.equal(s.add(-1, -2), true);
  assert.equal(s.add(0xffff_ffff, 0xffff_fffe), false);
  assert.equal(s.add(-1, -2), false);
  assert.equal(s.has(-1, -2), true);
  assert.equal(s.has(0xffff_ffff, 0xffff_fffe), true);
  assert.equal(s.add(5, -7), true);
  assert.equal(s.has(5, 2 ** 32 - 7), true);
  assert.equal(s.add(5, 2 ** 32 - 7), false);
  assert.equal(s.size, 2);
});

Deno.test("every key survives every growth, from any initial capacity", () => {
  for (const capacity of [1, 4, 16, 100, 1000]) {
    const s = new HashSet64(capacity);
    const keys: [number, number][] = [];
    for (let i = 0; i < 3000; i++) {
      keys.push([(i * 0x9e37_79b9) | 0, (i * 0x85eb_ca6b) ^ (i << 7)]);
      const [hi, lo] = keys[i];
      assert.equal(s.add(hi, lo), true, `capacity ${capacity}: key ${i} is new`);
      // Every key added so far is still there after the growth this one may have caused.
      if ((i & (i - 1)) === 0) {
        for (const [h, l] of keys) assert.equal(s.has(h, l), true, `capacity ${capacity}: ${i}`);
      }
    }
    assert.equal(s.size, 3000);
    for (const [h, l] of keys) assert.equal(s.add(h, l), false);
    // A key one bit away from each is not there, unless it is one of the keys.
    const written = new Set(keys.map(([h, l]) => `${h >>> 0}:${l >>> 0}`));
    for (const [h, l] of keys) {
      assert.equal(s.has(h, l ^ 1), written.has(`${h >>> 0}:${(l ^ 1) >>> 0}`));
    }
  }
});
