// The limits of a run and of an exploration, fuzzed (see limits_fuzz.ts):
// budgets inside single expensive steps, and sets of exploration parts with
// duplicates, gaps, strangers and tampering: 340 cases, about 3 s (with
// fuzz_test.ts's 10 500 and user_errors_fuzz_test.ts's 5 800, CI fuzzes
// 16 640 scenarios; each file checks that all its cases ran). Seeded and
// reproducible; set SETWAY_FUZZ_SEED to explore other seeds, or run
// `deno task fuzz` for more.
import assert from "node:assert/strict";
import fc from "fast-check";
import { LIMIT_PROPERTIES } from "./limits_fuzz.ts";

const SEED = Number(Deno.env.get("SETWAY_FUZZ_SEED") ?? 0x1f);
if (Deno.env.get("SETWAY_FUZZ_SEED")) console.log(`fuzz seed ${SEED}`);
let executed = 0;

for (const [i, { property, runs }] of LIMIT_PROPERTIES.entries()) {
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

Deno.test("fuzz: every case of the limits ran", () => {
  const planned = LIMIT_PROPERTIES.reduce((n, p) => n + p.runs, 0);
  assert.equal(executed, planned);
});
