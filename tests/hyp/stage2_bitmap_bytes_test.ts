import assert from "node:assert/strict";
import { PAGE_SIZE, Stage2 } from "../../lib/hyp/stage2.ts";
import { BASE } from "./fixtures.ts";

const CHUNK_BYTES = (1 << 15) * PAGE_SIZE;

Deno.test("stage2: bitmapBytes counts the bitmaps of both records, mapped and populated", () => {
  const s2 = new Stage2(BASE, 2 * CHUNK_BYTES);
  s2.populate(BASE + 0x3000);
  assert.equal(s2.bitmapBytes, 4096, "one populated page: one bitmap");
  s2.map(BASE + 0x3000);
  assert.equal(s2.bitmapBytes, 8192, "the same chunk mapped too: a bitmap per record");
  s2.populate(BASE + CHUNK_BYTES);
  assert.equal(s2.bitmapBytes, 3 * 4096, "a page of the second chunk: its own bitmap");
  s2.mapAll();
  assert.equal(s2.bitmapBytes, 0, "every chunk all set again");
});
