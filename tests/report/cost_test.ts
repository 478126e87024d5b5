// The cost line: counts grouped by thousands, cycles and their split by category.
import assert from "node:assert/strict";
import { formatCost } from "../../lib/report/cost.ts";

Deno.test("formatCost: one line, every count grouped by thousands with commas", () => {
  assert.equal(
    formatCost({ exits: 1_234_567, flushes: 1_234, linesFlushed: 65_536 }),
    "cost: 1,234,567 exits, 1,234 flushes, 65,536 lines flushed\n",
  );
});

Deno.test("formatCost: a count of one takes the singular, as the CLI's cost line does", () => {
  assert.equal(
    formatCost({ exits: 1, flushes: 1, linesFlushed: 1, cycles: 1 }),
    "cost: 1 exit, 1 flush, 1 line flushed, 1 cycle\n",
  );
});

Deno.test("formatCost: cycles are printed when known, even 0", () => {
  assert.equal(
    formatCost({ exits: 0, flushes: 0, linesFlushed: 0, cycles: 0 }),
    "cost: 0 exits, 0 flushes, 0 lines flushed, 0 cycles\n",
  );
  assert.equal(
    formatCost({ exits: 3, flushes: 1, linesFlushed: 64, cycles: 20_780 }),
    "cost: 3 exits, 1 flush, 64 lines flushed, 20,780 cycles\n",
  );
});

Deno.test("formatCost: a second, indented line splits the cycles by category, zeros left out", () => {
  assert.equal(
    formatCost({
      exits: 2,
      flushes: 1,
      linesFlushed: 64,
      cycles: 1_014_280,
      cyclesByCategory: { trap: 1_013_000, sw: 0, flush: 1_280 },
    }),
    "cost: 2 exits, 1 flush, 64 lines flushed, 1,014,280 cycles\n" +
      "  cycles by category: trap 1,013,000, flush 1,280\n",
  );
});

Deno.test("formatCost: no category line when every category is 0", () => {
  assert.equal(
    formatCost({
      exits: 1,
      flushes: 0,
      linesFlushed: 0,
      cycles: 0,
      cyclesByCategory: { trap: 0, flush: 0 },
    }),
    "cost: 1 exit, 0 flushes, 0 lines flushed, 0 cycles\n",
  );
});
