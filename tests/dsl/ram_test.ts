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
  );
});
