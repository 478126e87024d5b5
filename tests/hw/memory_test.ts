import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ADDRESS_LIMIT,
  checkByteAddress,
  checkWordAddress,
  Memory,
  MemoryImage,
  PAGE_SIZE,
  POISON,
} from "../../lib/hw/memory.ts";
import { addressProblem, MAX_PHYS } from "../../lib/engine/rules/values.ts";
import { ScenarioError } from "../../lib/errors.ts";

Deno.test("Memory: never-written words read POISON and reading allocates nothing", () => {
  const m = new Memory();
  assert.equal(POISON, 0xdeadbeef);
  for (const a of [0, 4, 0x4000_0000, 2 ** 40, 2 ** 52 - 4]) assert.equal(m.read(a), POISON);
  const line = new Int32Array(16);
  m.readBlock(0x8000, line, 0, 16);
  assert.ok(line.every((w) => w >>> 0 === POISON));
  assert.equal(m.pagesTouched, 0);
});

Deno.test("Memory: writes are stored per word as unsigned 32-bit values", () => {
  const m = new Memory();
  m.write(0x1000, -1);
  m.write(0x1004, 0xffff_fffe);
  m.write(0x100c, -0x8000_0000); // the smallest signed 32-bit value
  m.write(2 ** 44 + 8, 123);
  assert.equal(m.read(0x1000), 0xffff_ffff);
  assert.equal(m.read(0x1004), 0xffff_fffe);
  assert.equal(m.read(0x100c), 0x8000_0000);
  assert.equal(m.read(0x1008), POISON); // same page, other word
  assert.equal(m.read(2 ** 44 + 8), 123);
  assert.equal(m.read(2 ** 45 + 8), POISON); // no aliasing above 2^32
  assert.equal(m.pagesTouched, 2);
});

Deno.test("Memory: bad addresses and values throw ScenarioError naming the call", () => {
  const m = new Memory();
  for (const a of [2, -4, 4.5, 2 ** 52, NaN]) {
    assert.throws(
      () => m.read(a),
      (e: unknown) =>
        e instanceof ScenarioError && e.code === "bad_address" && e.call === "Memory.read",
    );
  }
  assert.throws(
    () => m.write(0, 2 ** 32),
    (e: unknown) => e instanceof ScenarioError && e.code === "invalid_value",
  );
  assert.throws(() => m.write(0, 1.5), ScenarioError);
  assert.throws(() => m.write(0, -0x8000_0001), ScenarioError);
  assert.throws(() => m.zeroFill(0, 6), ScenarioError);
  // A zero fill may end at the address limit itself, not beyond.
  m.zeroFill(2 ** 52 - 4096, 4096);
  assert.equal(m.read(2 ** 52 - 4), 0);
  assert.throws(() => m.zeroFill(2 ** 52 - 4096, 4100), ScenarioError);
});

Deno.test("Memory.loadImage: an image saved before another was loaded is loaded again in full", () => {
  const m = new Memory();
  const first = new MemoryImage(), second = new MemoryImage();
  m.write(0x1000, 7);
  m.saveImage(first);
  m.write(0x1000, 8);
  m.saveImage(second);
  m.loadImage(first);
  assert.equal(m.read(0x1000), 7);
  // The memory changed since `second` was saved: loading it is not a no-op.
  m.loadImage(second);
  assert.equal(m.read(0x1000), 8);
});

/** Numbers near every edge of the address checks: subnormals, limits, multiples of 4 and not. */
const addressLike = fc.oneof(
  fc.double(),
  fc.double({ min: 0, max: 1e-300 }),
  fc.constantFrom(Number.MIN_VALUE, 2 * Number.MIN_VALUE, 3 * Number.MIN_VALUE, -0, 2 ** 52),
  fc.integer({ min: -8, max: 2 ** 31 }).map((n) => n * 4),
  fc.tuple(fc.nat(2 ** 50 - 1), fc.integer({ min: -3, max: 3 })).map(([q, d]) => q * 4 + d),
  fc.integer({ min: -8, max: 8 }).map((d) => 2 ** 52 + d * 4),
  fc.integer({ min: -8, max: 8 }).map((d) => MAX_PHYS + d * 4),
);

Deno.test("property: the word-address checks accept what the floating-point remainder accepts", () => {
  fc.assert(
    fc.property(addressLike, (addr) => {
      let refused = false;
      try {
        checkWordAddress(addr, "check");
      } catch (e) {
        assert.ok(e instanceof ScenarioError);
        refused = true;
      }
      assert.equal(refused, !(addr >= 0 && addr < 2 ** 52 && addr % 4 === 0), `${addr}`);
      const problem = addressProblem(addr);
      const accepted = Number.isSafeInteger(addr) && addr >= 0 && addr < MAX_PHYS && addr % 4 === 0;
      assert.equal(problem === null, accepted, `${addr}`);
    }),
    { seed: 20261219, numRuns: 2000 },
  );
});

Deno.test("Memory: zero-filled ranges read 0, merge, and clear written words", () => {
  const m = new Memory();
  m.write(0x2000, 7);
  m.write(0x2ffc, 8);
  m.write(0x3000, 9);
  m.zeroFill(0x2000, 0x1000);
  assert.equal(m.read(0x2000), 0);
  assert.equal(m.read(0x2ffc), 0);
  assert.equal(m.read(0x3000), 9); // just past the range
  assert.equal(m.read(0x1ffc), POISON); // just before it
  assert.equal(m.read(0x2800), 0);
  // A partial-page range, then a page allocated across its edge.
  m.zeroFill(0x10010, 0x20);
  m.write(0x10000, 1);
  assert.equal(m.read(0x1000c), POISON);
  assert.equal(m.read(0x10010), 0);
  assert.equal(m.read(0x1002c), 0);
  assert.equal(m.read(0x10030), POISON);
  // Adjacent and overlapping ranges merge into one.
  m.zeroFill(0x3000, 0x1000);
  m.zeroFill(0x1000, 0x1800);
  assert.equal(m.zeroRangeCount, 2);
  assert.equal(m.read(0x3000), 0);
  assert.equal(m.read(0x1000), 0);
  const block = new Int32Array(8);
  m.readBlock(0x1000c, block, 0, 8);
  assert.deepEqual(Array.from(block, (w) => w >>> 0), [POISON, 0, 0, 0, 0, 0, 0, 0]);
  m.write(0x2000, 5); // writing inside a zero range still works
  assert.equal(m.read(0x2000), 5);
});

Deno.test("Memory: a 64 GiB zero fill costs what is allocated: no page allocated, one visited", () => {
  const m = new Memory();
  m.write(0x4000_0000 + 0x123_4000, 77);
  m.zeroFill(0x4000_0000, 2 ** 36);
  // The one written page is cleared; none of the range's 2^24 pages is looked up.
  assert.equal(m.zeroFillVisits, 1);
  assert.equal(m.zeroRangeCount, 1);
  assert.equal(m.pagesTouched, 1);
  assert.equal(m.read(0x4000_0000 + 0x123_4000), 0);
  assert.equal(m.read(0x4000_0000 + 2 ** 36 - 4), 0);
  assert.equal(m.read(0x4000_0000 + 2 ** 36), POISON);
  assert.equal(m.read(0x4000_0000 - 4), POISON);
});

Deno.test("Memory: zeroFill option makes all memory read 0", () => {
  const m = new Memory({ zeroFill: true });
  assert.equal(m.read(0x9999_0000), 0);
  m.write(0x9999_0004, 3);
  assert.equal(m.read(0x9999_0000), 0);
  assert.equal(m.read(0x9999_0004), 3);
});

Deno.test("Memory: block copies cross page boundaries", () => {
  const m = new Memory();
  const src = Int32Array.from({ length: 16 }, (_, i) => i + 100);
  const base = PAGE_SIZE * 5 - 32; // 8 words in page 4, 8 in page 5
  m.writeBlock(base, src, 0, 16);
  assert.equal(m.pagesTouched, 2);
  assert.equal(m.read(base + 28), 107);
  assert.equal(m.read(base + 32), 108);
  const out = new Int32Array(20);
  m.readBlock(base, out, 2, 16);
  assert.deepEqual(Array.from(out.subarray(2, 18)), Array.from(src));
  assert.equal(out[0], 0);
});

Deno.test("Memory.saveImage over an image of more pages and zero ranges: it holds only this memory's", () => {
  const big = new Memory();
  big.zeroFill(0x10_0000, 2 * PAGE_SIZE);
  for (const a of [0x1000, 0x5000, 0x9000]) big.write(a, 1);
  const small = new Memory();
  small.write(0x5000, 2);
  const image = new MemoryImage();
  big.saveImage(image);
  small.saveImage(image);
  assert.deepEqual(image.pages, [5]);
  assert.deepEqual(image.zeroRanges, []);
  const m = new Memory();
  m.write(0x1000, 9);
  m.loadImage(image);
  assert.equal(m.pagesTouched, 1);
  assert.equal(m.read(0x5000), 2);
  assert.equal(m.read(0x1000), POISON);
  assert.equal(m.read(0x10_0000), POISON);
});

Deno.test("Memory.zeroFill: a range that ends where another starts merges with it, in either order", () => {
  const up = new Memory();
  up.zeroFill(0x1000, 0x1000);
  up.zeroFill(0x2000, 0x1000);
  assert.equal(up.zeroRangeCount, 1);
  const down = new Memory();
  down.zeroFill(0x2000, 0x1000);
  down.zeroFill(0x1000, 0x1000);
  assert.equal(down.zeroRangeCount, 1);
  for (const m of [up, down]) {
    assert.equal(m.read(0x0ffc), POISON);
    assert.equal(m.read(0x1000), 0);
    assert.equal(m.read(0x2ffc), 0);
    assert.equal(m.read(0x3000), POISON);
  }
});

Deno.test("Memory.zeroFillVisits: a range of fewer pages than are allocated visits each of its pages", () => {
  const m = new Memory();
  for (const a of [0x1000, 0x2000, 0x3000]) m.write(a, 7);
  // Two pages in the range, three allocated: the range's pages are visited.
  m.zeroFill(0x1000, 2 * 4096);
  assert.equal(m.zeroFillVisits, 2);
  assert.deepEqual([m.read(0x1000), m.read(0x2000), m.read(0x3000)], [0, 0, 7]);
});

Deno.test("checkByteAddress: accepts the last byte below 2^52 and refuses 2^52", () => {
  checkByteAddress(ADDRESS_LIMIT - 1, "dcByVa");
  assert.throws(
    () => checkByteAddress(ADDRESS_LIMIT, "dcByVa"),
    (e: unknown) => e instanceof ScenarioError && e.code === "bad_address",
  );
});
