import assert from "node:assert/strict";
import fc from "fast-check";
import { hex32, hex64, hexAddr, hexAlt, hexPad } from "../../lib/report/hex.ts";
import { ScenarioError } from "../../lib/errors.ts";

Deno.test("hex32 and hex64 pad to 8 and 16 digits and grow past them", () => {
  assert.equal(hex32(0), "0x00000000");
  assert.equal(hex32(0xdead_beef), "0xdeadbeef");
  assert.equal(hex32(0x1_0000_0000), "0x100000000");
  assert.equal(hex64(0x4000_8234), "0x0000000040008234");
  assert.equal(hexPad(0x18, 4), "0x0018");
});

Deno.test("hexAddr switches to 16 digits above 32 bits", () => {
  assert.equal(hexAddr(0xffff_ffff), "0xffffffff");
  assert.equal(hexAddr(0x1_0000_0000), "0x0000000100000000");
});

Deno.test("hexAlt follows the kernel's %#0Nx: the prefix counts and zero keeps it", () => {
  assert.equal(hexAlt(0, 8), "0x000000");
  assert.equal(hexAlt(0x1234, 8), "0x001234");
  assert.equal(hexAlt(0x9200_0046, 8), "0x92000046");
  assert.equal(hexAlt(0, 0), "0x0");
});

Deno.test("hex helpers round-trip every safe integer", () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), (n) => {
      for (const s of [hex32(n), hex64(n), hexAddr(n), hexAlt(n, 8)]) {
        assert.match(s, /^0x[0-9a-f]+$/);
        assert.equal(Number.parseInt(s.slice(2), 16), n);
      }
      assert.ok(hex32(n).length >= 10);
      assert.ok(hex64(n).length === 18);
      assert.ok(hexAlt(n, 8).length >= 8);
    }),
    { seed: 20261309 },
  );
});

Deno.test("hex helpers refuse negative, fractional and unsafe numbers with ScenarioError", () => {
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, "12" as unknown as number]) {
    assert.throws(() => hex32(bad), (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.call, "hex32");
      assert.match(e.message, /hex32\(/);
      return true;
    });
  }
});

Deno.test("hexAddr pads a short address with zeros to 8 digits", () => {
  assert.equal(hexAddr(0), "0x00000000");
  assert.equal(hexAddr(0xffff), "0x0000ffff");
  assert.equal(hexAddr(0x4000_8234), "0x40008234");
});

Deno.test("each hex helper's error names the helper called", () => {
  const calls: [string, (n: number) => string][] = [
    ["hex64", hex64],
    ["hexAddr", hexAddr],
    ["hexPad", (n) => hexPad(n, 4)],
    ["hexAlt", (n) => hexAlt(n, 8)],
  ];
  for (const [name, f] of calls) {
    assert.throws(() => f(-1), (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.call, name);
      assert.match(e.message, new RegExp(`^${name}\\(-1\\)`));
      return true;
    });
  }
});
