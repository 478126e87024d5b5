// The user's mistakes, fuzzed: option objects, odd documents, misbehaving
// policies, and two invariants of well-formed runs (see user_fuzz.ts): 5 800
// cases (with fuzz_test.ts's 10 500, CI fuzzes over 16 000 scenarios), seeded
// and reproducible. Set SETWAY_FUZZ_SEED to explore other seeds,
// or run `deno task fuzz` for 10^6.
import assert from "node:assert/strict";
import fc from "fast-check";
import { PROPERTIES } from "./user_fuzz.ts";

const SEED = Number(Deno.env.get("SETWAY_FUZZ_SEED") ?? 0x16);
if (Deno.env.get("SETWAY_FUZZ_SEED")) console.log(`fuzz seed ${SEED}`);
let executed = 0;

for (const [i, { property, runs }] of PROPERTIES.entries()) {
  Deno.test(`fuzz: ${property.name}`, async () => {
    await fc.assert(
      fc.asyncProperty(property.arbitrary, async (value) => {
        executed++;
        await property.check(value);
      }),
      { seed: SEED + i, numRuns: runs },
    );
  });
}

Deno.test("fuzz: every case of the user's mistakes ran", () => {
  const planned = PROPERTIES.reduce((n, p) => n + p.runs, 0);
  assert.ok(planned >= 5_000, `only ${planned} planned`);
  assert.equal(executed, planned);
});
