import assert from "node:assert/strict";
import { addressProblem, toU32, u32Problem } from "../../lib/engine/rules/values.ts";

Deno.test("values: 2^48 is past the last guest physical address, refused as such, not as outside RAM", () => {
  assert.equal(addressProblem(2 ** 48 - 4), null);
  assert.deepEqual(addressProblem(2 ** 48), {
    code: "bad_address",
    expected: "a non-negative integer address below 0x1000000000000",
  });
});

Deno.test("values: every negative 32-bit integer, down to -2^31, becomes its unsigned form", () => {
  assert.equal(toU32(-1), 0xffff_ffff);
  assert.equal(toU32(-0x8000_0000), 0x8000_0000);
  assert.equal(u32Problem(toU32(-0x8000_0000)), null);
  // One below is not a 32-bit value: left as it is, for u32Problem to refuse.
  assert.equal(toU32(-0x8000_0001), -0x8000_0001);
  assert.equal(u32Problem(toU32(-0x8000_0001))?.code, "invalid_value");
});
