import assert from "node:assert/strict";
import { comparePairs } from "../../bench/cold_ab.ts";

Deno.test("comparePairs: medians, the median of B - A per pair, and B's wins", () => {
  const c = comparePairs([100, 90, 120, 80], [95, 91, 100, 80]);
  assert.equal(c.pairs, 4);
  assert.equal(c.medianA, 95);
  assert.equal(c.medianB, 93);
  // Differences -5, 1, -20, 0: the median is -2.5, not the difference of the medians.
  assert.equal(c.medianDiff, -2.5);
  assert.equal(c.bLower, 2); // a tie is not a win
});

Deno.test("comparePairs: runs without a partner are left out; no pair gives NaN medians", () => {
  assert.deepEqual(comparePairs([1, 2, 50], [3, 4]), {
    pairs: 2,
    medianA: 1.5,
    medianB: 3.5,
    medianDiff: 2,
    bLower: 0,
  });
  const none = comparePairs([], [1]);
  assert.equal(none.pairs, 0);
  assert.ok(Number.isNaN(none.medianA) && Number.isNaN(none.medianDiff));
});
