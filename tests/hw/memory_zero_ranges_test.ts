import assert from "node:assert/strict";
import { checkByteAddress, Memory, MemoryImage, PAGE_SIZE, POISON } from "../../lib/hw/memory.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { ScenarioError } from "../../lib/errors.ts";

/** Whether `fn` throws a ScenarioError with the given code. */
function refuses(fn: () => unknown, code: string): boolean {
  try {
    fn();
  } catch (e) {
    return e instanceof ScenarioError && e.code === code;
  }
  return false;
}

/** The words of `block` as unsigned numbers. */
function unsigned(block: Int32Array): number[] {
  return Array.from(block, (w) => w >>> 0);
}

Deno.test("Memory.write: every unsigned 32-bit value is stored, 0xffffffff included", () => {
  const m = new Memory();
  m.write(0x1000, 0xffff_ffff);
  assert.equal(m.read(0x1000), 0xffff_ffff);
  m.write(0x1004, 0x8000_0000);
  assert.equal(m.read(0x1004), 0x8000_0000);
  assert.ok(refuses(() => m.write(0x1008, 0x1_0000_0000), "invalid_value"));
});

Deno.test("Memory.zeroFill: a length of 0 is accepted and changes nothing", () => {
  const m = new Memory();
  m.write(0x2000, 5);
  const image = new MemoryImage();
  m.saveImage(image);
  for (const addr of [0x2000, 0x2004, 0x3000]) m.zeroFill(addr, 0);
  assert.equal(m.zeroRangeCount, 0);
  assert.equal(m.read(0x2000), 5);
  assert.equal(m.read(0x3000), POISON);
  m.saveImage(image);
  assert.deepEqual(image.zeroRanges, []);
});

Deno.test("Memory.zeroFill: a memory that reads 0 everywhere keeps no zero ranges, yet clears written words", () => {
  const m = new Memory({ zeroFill: true });
  m.write(0x1000, 9);
  m.zeroFill(0x1000, PAGE_SIZE);
  m.zeroFill(0x10_0000, 2 ** 30);
  assert.equal(m.zeroRangeCount, 0);
  assert.equal(m.read(0x1000), 0);
  const image = new MemoryImage();
  m.saveImage(image);
  assert.deepEqual(image.zeroRanges, []);
});

Deno.test("Memory.readBlock: zeroed words of never-written memory land at the destination offset", () => {
  const m = new Memory();
  m.zeroFill(0x5010, 0x10); // words 4..7 of the block below
  const out = new Int32Array(12).fill(1);
  m.readBlock(0x5000, out, 4, 8);
  const expected = [...Array(4).fill(1), ...Array(4).fill(POISON), ...Array(4).fill(0)];
  assert.deepEqual(unsigned(out), expected);
  assert.equal(m.pagesTouched, 0);
});

Deno.test("Memory.readBlock: a misaligned or out-of-range start address is refused", () => {
  const m = new Memory();
  const out = new Int32Array(4);
  for (const addr of [2, -4, 2 ** 52, 0x1000 + 0.5]) {
    assert.ok(refuses(() => m.readBlock(addr, out, 0, 4), "bad_address"), `${addr}`);
  }
});

Deno.test("checkByteAddress: a fractional address is refused, by Hardware.dcByVa too", () => {
  assert.ok(refuses(() => checkByteAddress(0x4000_0000 + 0.5, "dcByVa"), "bad_address"));
  const hw = new Hardware({
    name: "m",
    description: "",
    clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }],
  });
  assert.ok(refuses(() => hw.dcByVa("civac", 0, 0x4000_0000 + 0.5), "bad_address"));
});

Deno.test("Memory.zeroFill: a range of more pages than are allocated clears its last page too", () => {
  const m = new Memory();
  for (const a of [0x1000, 0x5000, 0x5ffc, 0x6000]) m.write(a, 7);
  // Pages 2..5 are in the range: four, more than the three allocated, so the allocated are scanned.
  m.zeroFill(0x2000, 4 * PAGE_SIZE);
  assert.deepEqual([m.read(0x1000), m.read(0x5000), m.read(0x5ffc), m.read(0x6000)], [7, 0, 0, 7]);
});

Deno.test("Memory.loadImage: a zero range that grew since the save is put back to its saved bounds", () => {
  const m = new Memory();
  m.zeroFill(0x1000, PAGE_SIZE);
  const image = new MemoryImage();
  m.saveImage(image);
  m.zeroFill(0x2000, PAGE_SIZE); // merges: still one range, now [0x1000, 0x3000)
  assert.equal(m.zeroRangeCount, 1);
  assert.equal(m.read(0x2000), 0);
  m.loadImage(image);
  assert.equal(m.read(0x1000), 0);
  assert.equal(m.read(0x2000), POISON);
  assert.equal(m.read(0x2ffc), POISON);
});
