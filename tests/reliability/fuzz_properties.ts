/**
 * Every fuzz property `deno task fuzz` runs (fuzz_main.ts, fuzz_worker.ts),
 * with its number of cases in CI, which the driver scales up: the user's
 * mistakes (user_fuzz.ts) and the limits of runs and explorations
 * (limits_fuzz.ts).
 *
 * @module
 */

import type { FuzzProperty } from "./user_fuzz.ts";
import { PROPERTIES } from "./user_fuzz.ts";
import { LIMIT_PROPERTIES } from "./limits_fuzz.ts";

/** The properties, in a fixed order: the worker is told an index into it. */
export const FUZZ_PROPERTIES: readonly { property: FuzzProperty<unknown>; runs: number }[] = [
  ...PROPERTIES,
  ...LIMIT_PROPERTIES,
];
