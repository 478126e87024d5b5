import assert from "node:assert/strict";
import { DEFAULT_IMAGE_BASE, imageLayout, imageValue } from "../../lib/guest/image.ts";
import { assertThrowsScenario as refusal } from "../support/scenario_error.ts";

Deno.test("imageLayout: by default 64 words over 8 pages from RAM + 0x8000, where a zImage decompresses", () => {
  // QEMU virt's RAM starts at 0x4000_0000; arch/arm/Makefile: textofs-y := 0x00008000.
  assert.equal(DEFAULT_IMAGE_BASE, 0x4000_8000);
  const image = imageLayout({}, "test");
  assert.equal(image.base, 0x4000_8000);
  assert.equal(image.pages, 8);
  assert.equal(image.words.length, 64);
  assert.equal(image.end, 0x4000_8000 + 8 * 4096);
});

Deno.test("imageLayout: words go round the pages, each page's words 0x104 bytes apart", () => {
  const image = imageLayout({ base: 0x4000_8000, pages: 2, words: 5 }, "test");
  assert.deepEqual(image.words.map((w) => [w.addr, w.page, w.slot]), [
    [0x4000_8000, 0, 0],
    [0x4000_9000, 1, 0],
    [0x4000_8104, 0, 1],
    [0x4000_9104, 1, 1],
    [0x4000_8208, 0, 2],
  ]);
  assert.equal(image.end, 0x4000_a000);
});

Deno.test("imageLayout: the slot offset wraps inside the page after the sixteenth word", () => {
  const image = imageLayout({ base: 0x4000_0000, pages: 1, words: 18 }, "test");
  // 15 * 0x104 = 0xf3c; 16 * 0x104 = 0x1040 wraps to 0x040; 17 * 0x104 = 0x1144 to 0x144.
  assert.deepEqual(image.words.slice(15).map((w) => w.addr - 0x4000_0000), [0xf3c, 0x040, 0x144]);
  assert.ok(image.words.every((w) => w.page === 0));
});

Deno.test("imageLayout: a page holds exactly 1024 words, all distinct", () => {
  const image = imageLayout({ base: 0x4000_0000, pages: 2, words: 2048 }, "test");
  assert.equal(new Set(image.words.map((w) => w.addr)).size, 2048);
  const over = refusal(() => imageLayout({ pages: 2, words: 2049 }, "test"));
  assert.equal(over.code, "out_of_range");
  assert.equal(over.value, 2049);
});

Deno.test("imageLayout: up to 4096 pages, and an image may end exactly at 4 GiB", () => {
  assert.equal(imageLayout({ base: 0, pages: 4096, words: 1 }, "test").end, 4096 * 4096);
  assert.equal(refusal(() => imageLayout({ base: 0, pages: 4097 }, "test")).code, "out_of_range");
  const top = imageLayout({ base: 0xffff_f000, pages: 1, words: 4 }, "test");
  assert.equal(top.end, 0x1_0000_0000);
  assert.equal(imageLayout({ base: 0xffff_e000, pages: 2, words: 4 }, "test").end, 0x1_0000_0000);
  const past = refusal(() => imageLayout({ base: 0xffff_f000, pages: 2 }, "test"));
  assert.equal(past.code, "bad_address");
  assert.equal(past.value, 0xffff_f000);
  assert.equal(refusal(() => imageLayout({ base: 0x1_0000_0000 }, "test")).code, "out_of_range");
});

Deno.test("imageLayout: a base that is word- but not page-aligned is refused, naming it", () => {
  const e = refusal(() => imageLayout({ base: 0x4000_8800 }, "somePreset"));
  assert.equal(e.code, "bad_address");
  assert.equal(e.call, "somePreset");
  assert.equal(e.value, 0x4000_8800);
  assert.match(e.message, /^somePreset\(base = 0x40008800\)/);
});

Deno.test("imageLayout: a number outside the range is out_of_range; anything else, null too, is invalid_value", () => {
  assert.equal(refusal(() => imageLayout({ words: 0 }, "test")).code, "out_of_range");
  const pages = refusal(() => imageLayout({ pages: 0 }, "test"));
  assert.equal(pages.code, "out_of_range");
  assert.equal(pages.message, "test(pages = 0): expected an integer from 1 to 4096");
  for (const bad of [1.5, "4", null, NaN]) {
    const e = refusal(() => imageLayout({ words: bad as number }, "test"));
    assert.equal(e.code, "invalid_value");
    assert.equal(
      refusal(() => imageLayout({ pages: bad as number }, "test")).code,
      "invalid_value",
    );
  }
});

Deno.test("imageValue: never 0, and the address bits above 4 GiB count too", () => {
  for (const addr of [0, 0x4000_8000, 0xffff_fffc]) {
    assert.notEqual(imageValue(addr), 0);
    assert.notEqual(imageValue(addr + 0x1_0000_0000), imageValue(addr));
    assert.ok(Number.isInteger(imageValue(addr)) && imageValue(addr) >= 0);
    assert.ok(imageValue(addr) <= 0xffff_ffff);
  }
});
