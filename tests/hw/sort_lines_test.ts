/**
 * sortLines against a sort of a plain array, on both of its paths (an
 * insertion sort for short lists, the typed array's sort for long ones).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { sortLines } from "../../lib/hw/sort_lines.ts";

Deno.test("sortLines: the first n lines end in ascending order, the rest untouched, for every n up to 100", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 0, maxLength: 120 }),
      fc.nat(120),
      (values, k) => {
        const n = Math.min(k, values.length);
        const lines = Float64Array.from(values);
        sortLines(lines, n);
        const expected = [...values.slice(0, n)].sort((a, b) => a - b).concat(values.slice(n));
        assert.deepEqual(Array.from(lines), expected);
      },
    ),
    { seed: 20261216, numRuns: 300 },
  );
});

Deno.test("sortLines: the smallest line last moves to the front, on a short list and on a long one", () => {
  for (const n of [2, 32, 33, 64]) {
    const lines = Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 1000 - i));
    sortLines(lines, n);
    assert.equal(lines[0], 0, `n = ${n}`);
    assert.equal(lines[n - 1], 1000, `n = ${n}`);
  }
});
