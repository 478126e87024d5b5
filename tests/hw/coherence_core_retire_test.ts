/**
 * HierarchyCore.retire: a retired core refuses every operation, the
 * maintenance and castouts as well as the reads and writes, so that one kept
 * past its model's release cannot change the caches its arena now serves to
 * the next model.
 */

import assert from "node:assert/strict";
import { newCaches } from "../../lib/hw/cache_pool.ts";
import { DIRTY } from "../../lib/hw/cache.ts";
import { HierarchyCore } from "../../lib/hw/hierarchy_core.ts";
import { Memory } from "../../lib/hw/memory.ts";
import { Topology } from "../../lib/hw/topology.ts";
import { xgene1 } from "../../lib/machines/xgene1.ts";

const A = 0x4000_0000;

/** Every operation of a core, each called with valid arguments (`slot` a slot of cache 0). */
function everyCall(core: HierarchyCore, slot: number): [string, () => unknown][] {
  return [
    ["read", () => core.read(0, A, true)],
    ["write", () => core.write(0, A, 1, true)],
    ["writeLine", () => core.writeLine(0, A, 1)],
    ["speculativeFill", () => core.speculativeFill(0, A)],
    ["dcByVa", () => core.dcByVa(1, A)],
    ["pocLine", () => core.pocLine(1, A / 64)],
    ["swSlot", () => core.swSlot(0, slot, true, true)],
    ["castout", () => core.castout(0, slot)],
  ];
}

Deno.test("HierarchyCore.retire: every operation of a retired core throws and changes nothing", () => {
  const t = new Topology(xgene1, 64, newCaches, "lru", 1);
  const earlier = HierarchyCore.over(t, new Memory(), null)!;
  const memory = new Memory();
  const later = HierarchyCore.over(t, memory, null)!;
  later.write(0, A, 7, true);
  const l1 = t.caches[0];
  const slot = l1.lookup(l1.lineOf(A));
  assert.ok(slot >= 0);
  earlier.retire();
  for (const [name, call] of everyCall(earlier, slot)) {
    assert.throws(call, /released/, name);
    // The line the arena's current model wrote stays in its L1, dirty and unchanged.
    assert.equal(l1.lookup(l1.lineOf(A)), slot, name);
    assert.equal(l1.states[slot], DIRTY, name);
    assert.equal(l1.readWord(slot, 0), 7, name);
  }
  assert.equal(later.read(0, A, true), 7);
  assert.equal(later.castout(0, slot), 1);
  assert.equal(l1.lookup(l1.lineOf(A)), -1);
});
