import assert from "node:assert/strict";
import { copyWords } from "../../lib/hw/words.ts";

Deno.test("copyWords: copies n words between offsets and touches nothing else", () => {
  const src = Int32Array.of(10, 11, 12, 13, 14, 15);
  const dst = new Int32Array(8).fill(-1);
  copyWords(src, 2, dst, 3, 3);
  assert.deepEqual(Array.from(dst), [-1, -1, -1, 12, 13, 14, -1, -1]);
  copyWords(src, 0, dst, 0, 0);
  assert.deepEqual(Array.from(dst), [-1, -1, -1, 12, 13, 14, -1, -1], "n = 0 copies nothing");
  copyWords(src, 5, dst, 0, 1);
  assert.equal(dst[0], 15);
});

Deno.test("copyWords: a move down within one array keeps the source order", () => {
  // The documented overlap: same array, destination at or below the source.
  const a = Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7);
  copyWords(a, 2, a, 0, 6);
  assert.deepEqual(Array.from(a), [2, 3, 4, 5, 6, 7, 6, 7]);
  const b = Int32Array.of(0, 1, 2, 3, 4);
  copyWords(b, 1, b, 0, 4);
  assert.deepEqual(Array.from(b), [1, 2, 3, 4, 4]);
});
