/**
 * The ideal machine's choices (lib/engine/ideal_choices.ts): what a
 * coherent read leaves in the reader's own cache, and how a kept list
 * replays.
 */

import assert from "node:assert/strict";
import { IdealChoices } from "../../lib/engine/ideal_choices.ts";
import { DIRTY } from "../../lib/hw/cache.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { generic } from "../../lib/machines/mod.ts";

const A = 0x4000_0000, B = 0x4000_1000;

Deno.test("a coherent read on the ideal machine leaves the reader's own dirty copy in its L1", () => {
  const hw = new Hardware(generic);
  hw.write(0, A, 7, true); // dirty in cpu0.L1
  const l1 = hw.caches[0], l2 = hw.caches[hw.cacheIndexOf(0, 2)];
  const line = Math.floor(A / hw.lineSize);
  const l2Before = l2.states[l2.lookup(line)];
  assert.notEqual(l2Before, DIRTY);
  const own = new IdealChoices();
  own.push({ step: 0, kind: "writeback", cpu: 0, addr: A });
  own.apply(0, hw);
  assert.equal(l1.states[l1.lookup(line)], DIRTY, "a CPU reading its own line moves nothing");
  assert.equal(l2.states[l2.lookup(line)], l2Before, "and the L2's copy stays as it was");
  // The same read by another CPU of the cluster writes the copy back one level.
  const other = new IdealChoices();
  other.push({ step: 0, kind: "writeback", cpu: 1, addr: A });
  other.apply(0, hw);
  assert.equal(l1.lookup(line), -1);
  assert.equal(l2.states[l2.lookup(line)], DIRTY);
});

Deno.test("IdealChoices.keep rewinds: the kept choices replay from the first", () => {
  const choices = new IdealChoices();
  choices.push({ step: 0, kind: "fill", cpu: 0, addr: A });
  choices.push({ step: 1, kind: "fill", cpu: 1, addr: B });
  choices.apply(1, new Hardware(generic)); // replayed to the end once
  choices.keep(1);
  assert.equal(choices.length, 1);
  const hw = new Hardware(generic);
  choices.apply(1, hw);
  assert.ok(hw.caches[0].lookup(Math.floor(A / hw.lineSize)) >= 0, "the kept fill is made again");
  assert.equal(hw.caches[1].residentCount, 0, "the dropped one is not");
});
