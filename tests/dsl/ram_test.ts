import fc from "fast-check";
import { parseRam } from "../../lib/dsl/mod.ts";
import { assertEquals, assertThrowsScenario } from "./helpers.ts";

Deno.test("parseRam: binary units, QEMU-style shorthands, bytes", () => {
  const cases: [number | string, number][] = [
    ["1GiB", 2 ** 30],
    ["512MiB", 512 * 2 ** 20],
    ["64GiB", 64 * 2 ** 30],
    ["1TiB", 2 ** 40],
    ["4KiB", 4096],
    ["2G", 2 * 2 ** 30],
    ["256m", 256 * 2 ** 20],
    [" 8 MiB ", 8 * 2 ** 20],
    ["1.5GiB", 1.5 * 2 ** 30],
    ["65536", 65536],
    ["8192B", 8192],
    [4096, 4096],
  ];
  for (const [input, bytes] of cases) assertEquals(parseRam(input), bytes, String(input));
});

Deno.test("parseRam: refusals name the call and the value", () => {
  for (const bad of ["", "GiB", "1GB", "1 gigabyte", "-1GiB", "0x1000", "1e9"]) {
    const err = assertThrowsScenario(() => parseRam(bad));
    assertEquals([err.code, err.call, err.value], ["invalid_value", "ram", bad]);
  }
  assertEquals(assertThrowsScenario(() => parseRam("6KiB")).code, "invalid_value");
  assertEquals(assertThrowsScenario(() => parseRam(null)).code, "invalid_value");
  assertEquals(assertThrowsScenario(() => parseRam("0KiB")).code, "out_of_range");
  assertEquals(assertThrowsScenario(() => parseRam("1025GiB")).code, "out_of_range");
});

Deno.test("parseRam: any whole number of pages round-trips through every unit (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 28 }), (pages) => {
      const bytes = pages * 4096;
      assertEquals(parseRam(bytes), bytes);
      assertEquals(parseRam(`${pages * 4}KiB`), bytes);
      if (bytes % 2 ** 20 === 0) assertEquals(parseRam(`${bytes / 2 ** 20}MiB`), bytes);
    }),
    { seed: 20261306 },
  );
});

Deno.test("parseRam: K, M, G and T are binary units, as QEMU's -m reads them", () => {
  assertEquals(parseRam("4K"), 4096);
  assertEquals(parseRam("12k"), 12288);
  assertEquals(parseRam("3M"), 3145728);
  assertEquals(parseRam("1T"), 1099511627776);
});

Deno.test("parseRam: a size out of range names the given call and the value as written", () => {
  const big = assertThrowsScenario(() => parseRam("1025GiB", "explore.ram"));
  assertEquals([big.code, big.call, big.value], ["out_of_range", "explore.ram", "1025GiB"]);
  const odd = assertThrowsScenario(() => parseRam("6KiB", "explore.ram"));
  assertEquals([odd.code, odd.call, odd.value], ["invalid_value", "explore.ram", "6KiB"]);
});

Deno.test("parseRam: a number of bytes is checked like a string", () => {
  // One page more than 1 TiB, one byte less than a page, half a page.
  const over = assertThrowsScenario(() => parseRam(1_099_511_631_872));
  assertEquals([over.code, over.call, over.value], ["out_of_range", "ram", 1_099_511_631_872]);
  assertEquals(assertThrowsScenario(() => parseRam(4095)).code, "out_of_range");
  assertEquals(assertThrowsScenario(() => parseRam(6144)).code, "invalid_value");
  assertEquals(assertThrowsScenario(() => parseRam(4096.5)).code, "invalid_value");
});
