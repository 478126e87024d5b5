/**
 * When an exploration's addresses can fill a cache set (as many of their
 * lines map to one set as it has ways), LRU ages steer later victims: a
 * fill of a line already held is then a real choice, and addresses are no
 * longer interchangeable.
 */

import assert from "node:assert/strict";
import type { ExploreOptions } from "../../mod.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";

const A = 0x4000_0000;
/** The generic machine's L1: 32 KiB, 4 ways, 64-byte lines: lines 8 KiB apart share a set. */
const SET_STRIDE = 8 * 1024;

/** A context for `options`, with its policy and class loaded. */
async function contextOf(options: ExploreOptions): Promise<ExploreContext> {
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  return new ExploreContext(config, policy, guestClass);
}

/** `n` addresses whose lines all map to one L1 set of the generic machine. */
function sameSet(n: number): number[] {
  return Array.from({ length: n }, (_, i) => A + i * SET_STRIDE);
}

Deno.test("context: addresses are interchangeable only while no L1 set can fill up", async () => {
  const three = await contextOf({ ops: ["write", "read"], addresses: sameSet(3) });
  assert.equal(three.addressSymmetric, true);
  // Four lines in one 4-way set: the set fills, and which line is evicted depends on ages.
  const four = await contextOf({ ops: ["write", "read"], addresses: sameSet(4) });
  assert.equal(four.addressSymmetric, false);
});

/** The mask entry of a fill of the first address's line into CPU 0 after `[mmuOn, read]`. */
async function refillKept(addresses: number[]): Promise<number | null> {
  const ctx = await contextOf({ ops: ["mmuOn", "read"], addresses });
  const on = ctx.alphabet.instances.findIndex((op) => op.name === "mmuOn");
  const read = ctx.alphabet.instances.findIndex((op) => op.name === "read" && op.addr === A);
  ctx.runReal(ctx.steps([on, read], 2), null);
  assert.ok(ctx.hw.caches[0].lookup(Math.floor(A / ctx.hw.lineSize)) >= 0, "line A held");
  const mask = ctx.symmetricChoiceMask();
  // Fills come line by line, each line's CPUs in order: line A's fill into CPU 0 is first.
  return mask === null ? null : mask[0];
}

Deno.test("context: a fill of a line the L1 holds is skipped only when no set can fill up", async () => {
  // Three lines in a 4-way set: the fill only refreshes an age that never decides a victim.
  assert.equal(await refillKept(sameSet(3)), 0);
  // Four: the refreshed age decides which line the next fill evicts, so the fill is run.
  assert.equal(await refillKept(sameSet(4)), 1);
});
