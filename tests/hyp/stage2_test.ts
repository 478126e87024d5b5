import assert from "node:assert/strict";
import { PAGE_SIZE, Stage2 } from "../../lib/hyp/stage2.ts";
import { BASE } from "./fixtures.ts";

Deno.test("stage2: 64 GiB of RAM is 16 M pages, mapped and counted without a walk", () => {
  const ram = 64 * 2 ** 30;
  const s2 = new Stage2(BASE, ram);
  assert.equal(s2.pages, 16 * 2 ** 20);
  assert.equal(s2.mappedPages, 0);
  s2.mapAll();
  assert.equal(s2.mappedPages, 16 * 2 ** 20);
  assert.equal(s2.populatedPages, 16 * 2 ** 20);
  const last = BASE + ram - 4;
  assert.ok(s2.isMapped(last));
  assert.equal(s2.isMapped(BASE + ram), false, "one past the end is outside RAM");
  assert.equal(s2.isMapped(BASE - 4), false);
  assert.ok(s2.unmap(last));
  assert.equal(s2.unmap(last), false, "already unmapped");
  assert.equal(s2.mappedPages, 16 * 2 ** 20 - 1);
  assert.ok(s2.isPopulated(last), "unmapping keeps the host page");
});

Deno.test("stage2: map and populate are separate records, per page", () => {
  const s2 = new Stage2(BASE, 1 << 20);
  assert.ok(s2.populate(BASE + 0x1234));
  assert.equal(s2.populate(BASE + 0x1000), false, "same page");
  assert.equal(s2.isMapped(BASE + 0x1000), false);
  assert.ok(s2.map(BASE + 0x1ffc));
  assert.equal(s2.pageBase(BASE + 0x1ffc), BASE + 0x1000);
  assert.equal(s2.pageIndex(BASE + 3 * PAGE_SIZE), 3);
  assert.equal(s2.pageIndex(BASE + (1 << 20)), -1);
  assert.deepEqual([s2.mappedPages, s2.populatedPages], [1, 1]);
  assert.throws(() => s2.map(BASE + (1 << 20)), RangeError);
});

Deno.test("stage2: addresses above 4 GiB index correctly (no 32-bit truncation)", () => {
  const base = 0x8_0000_0000;
  const s2 = new Stage2(base, 8 * 2 ** 30);
  const high = base + 5 * 2 ** 30 + 0x3000;
  s2.map(high);
  assert.ok(s2.isMapped(high));
  assert.equal(s2.isMapped(high - 2 ** 32), false);
  assert.equal(s2.pageIndex(high), (5 * 2 ** 30 + 0x3000) / PAGE_SIZE);
});

Deno.test("stage2: mapping or populating a page of a prefaulted VM makes no bitmap", () => {
  // A fully mapped chunk stays a single mark: setting a page that is already
  // set must not materialize a 4 KiB bitmap for it.
  const s2 = new Stage2(BASE, 1 << 30);
  s2.mapAll();
  assert.equal(s2.map(BASE + 0x5000), false, "already mapped");
  assert.equal(s2.populate(BASE + 0x5000), false, "already populated");
  assert.equal(s2.bitmapBytes, 0);
  assert.equal(s2.mappedPages, (1 << 30) / PAGE_SIZE);
  // Likewise unmapping a page of a VM with nothing mapped.
  s2.clear();
  assert.equal(s2.unmap(BASE + 0x5000), false, "not mapped");
  assert.equal(s2.bitmapBytes, 0);
});
