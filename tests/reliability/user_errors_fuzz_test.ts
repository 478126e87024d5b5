// The user's mistakes, fuzzed: option objects, odd documents, misbehaving
// policies, and two invariants of well-formed runs (see user_fuzz.ts): 5 800
// cases (with fuzz_test.ts's 10 500, CI fuzzes over 16 000 scenarios), seeded
// and reproducible. Set SETWAY_FUZZ_SEED to explore other seeds,
// or run `deno task fuzz` for 10^6.
import { PROPERTIES } from "./user_fuzz.ts";
import { fuzzSuite } from "./fuzz_suite.ts";

fuzzSuite("the user's mistakes", PROPERTIES, 0x16, 5_000);
