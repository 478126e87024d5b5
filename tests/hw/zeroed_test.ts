import assert from "node:assert/strict";
import { ZEROED_THRESHOLD, zeroedBuffer } from "../../lib/hw/zeroed.ts";

const PAGE = 65536;

function allZero(buffer: ArrayBuffer): boolean {
  return new Uint8Array(buffer).every((b) => b === 0);
}

Deno.test("zeroedBuffer: below 256 KiB the buffer has exactly the size asked for", () => {
  assert.equal(ZEROED_THRESHOLD, 256 * 1024);
  for (const n of [0, 1, 100, 4096, 200_000, 256 * 1024 - 1]) {
    const b = zeroedBuffer(n);
    assert.equal(b.byteLength, n, `${n} bytes`);
    assert.ok(allZero(b));
  }
});

Deno.test("zeroedBuffer: from 256 KiB up, the size is rounded up to whole 64 KiB pages", () => {
  for (const n of [256 * 1024, 256 * 1024 + 1, 300_000, 1_000_000, 2 << 20]) {
    const b = zeroedBuffer(n);
    assert.equal(b.byteLength, Math.ceil(n / PAGE) * PAGE, `${n} bytes`);
    assert.ok(b.byteLength >= n && b.byteLength < n + PAGE);
    assert.ok(allZero(b), `${n} bytes are zero`);
  }
});

Deno.test("zeroedBuffer: every word of a large buffer is writable, and buffers are independent", () => {
  const a = new Int32Array(zeroedBuffer(300_000));
  const b = new Int32Array(zeroedBuffer(300_000));
  a[0] = 1;
  a[Math.floor(300_000 / 4) - 1] = 2;
  assert.equal(a[74_999], 2);
  assert.equal(b[0], 0);
  assert.equal(b[74_999], 0);
});
