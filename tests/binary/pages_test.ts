// changedPages at its edges: the first and last byte of a page, the pages on
// both sides of a 1 MiB chunk boundary, the last page of memory, and
// snapshots that are views into larger buffers. Both ways of comparing
// (libc's memcmp and the JavaScript loop) give the same pages.
import assert from "node:assert/strict";
import { changedPages, PAGE } from "../../lib/binary/pages.ts";

const MIB = 1 << 20;

Deno.test("changedPages: a byte at either edge of a page, of a 1 MiB chunk, or of memory marks its page only", () => {
  const size = 2 * MIB + 3 * PAGE;
  const cases: [number, number][] = [
    [0, 0],
    [PAGE - 1, 0],
    [PAGE, PAGE],
    [MIB - 1, MIB - PAGE],
    [MIB, MIB],
    [2 * MIB + PAGE, 2 * MIB + PAGE],
    [size - 1, size - PAGE],
  ];
  for (const how of ["memcmp", "js"] as const) {
    const before = new Uint8Array(size);
    assert.deepEqual(changedPages(new Uint8Array(size), before, how), [], how);
    for (const [at, page] of cases) {
      const now = new Uint8Array(size);
      now[at] = 0x80;
      assert.deepEqual(changedPages(now, before, how), [page], `${how}: byte ${at}`);
    }
    const now = new Uint8Array(size);
    for (const [at] of cases) now[at] = 1;
    assert.deepEqual(
      changedPages(now, before, how),
      [0, PAGE, MIB - PAGE, MIB, 2 * MIB + PAGE, size - PAGE],
      how,
    );
  }
});

Deno.test("changedPages: snapshots that are views into larger buffers compare their own bytes", () => {
  // Each view starts a page into its buffer; the bytes before it differ.
  const nowBuffer = new Uint8Array(5 * PAGE);
  const beforeBuffer = new Uint8Array(5 * PAGE);
  nowBuffer[10] = 1;
  beforeBuffer[20] = 2;
  const now = nowBuffer.subarray(PAGE, 4 * PAGE);
  const before = beforeBuffer.subarray(PAGE, 4 * PAGE);
  now[2 * PAGE + 8] = 3;
  for (const how of ["memcmp", "js"] as const) {
    assert.deepEqual(changedPages(now, before, how), [2 * PAGE], how);
  }
});
