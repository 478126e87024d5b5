/**
 * Registers a list of fuzz properties as `deno test` cases, seeded and
 * reproducible, with a last case checking that every planned case ran.
 * Set SETWAY_FUZZ_SEED to explore other seeds.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { FuzzProperty } from "./user_fuzz.ts";

/**
 * One `deno test` per property (`runs` cases each), then "fuzz: every case of
 * `what` ran", which also asks for at least `minPlanned` cases in all.
 *
 * @example Usage
 * ```ts ignore
 * import { fuzzSuite } from "./fuzz_suite.ts";
 * import { PROPERTIES } from "./user_fuzz.ts";
 * fuzzSuite("the user's mistakes", PROPERTIES, 0x16, 5_000);
 * ```
 * @param what what the properties fuzz, for the last case's name
 * @param properties the properties and their number of cases
 * @param defaultSeed the seed when SETWAY_FUZZ_SEED is not set
 * @param minPlanned the fewest cases the list may plan in all
 */
export function fuzzSuite(
  what: string,
  properties: readonly { property: FuzzProperty<unknown>; runs: number }[],
  defaultSeed: number,
  minPlanned = 0,
): void {
  const seed = Number(Deno.env.get("SETWAY_FUZZ_SEED") ?? defaultSeed);
  if (Deno.env.get("SETWAY_FUZZ_SEED")) console.log(`fuzz seed ${seed}`);
  let executed = 0;
  for (const [i, { property, runs }] of properties.entries()) {
    Deno.test(`fuzz: ${property.name}`, async () => {
      await fc.assert(
        fc.asyncProperty(property.arbitrary, async (value) => {
          executed++;
          await property.check(value);
        }),
        { seed: seed + i, numRuns: runs },
      );
    });
  }
  Deno.test(`fuzz: every case of ${what} ran`, () => {
    const planned = properties.reduce((n, p) => n + p.runs, 0);
    assert.ok(planned >= minPlanned, `only ${planned} planned`);
    assert.equal(executed, planned);
  });
}
