/**
 * StoreArena (lib/hw/store_arena.ts): regions are taken from 64-byte
 * boundaries after the model region, up to the arena's last byte and not
 * one byte further.
 */

import assert from "node:assert/strict";
import { modelRegionBytes, StoreArena } from "../../lib/hw/store_arena.ts";

Deno.test("StoreArena: regions fill the arena to its last byte, and the next one is refused", () => {
  const arena = new StoreArena(65536);
  assert.equal(arena.buffer.byteLength, 65536);
  assert.equal(arena.take(65536 - 64), 0);
  assert.equal(arena.take(64), 65536 - 64);
  assert.throws(() => arena.take(1), /StoreArena\.take\(1\): 0 bytes left/);
});

Deno.test("StoreArena: each region starts on a 64-byte boundary, after the model region", () => {
  const arena = new StoreArena(4096, 3);
  const model = modelRegionBytes(3);
  assert.equal(model % 64, 0);
  assert.equal(arena.take(10), model);
  assert.equal(arena.take(65), model + 64);
  assert.equal(arena.take(1), model + 192);
});
