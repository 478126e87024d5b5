// The limits of a run and of an exploration, fuzzed (see limits_fuzz.ts):
// budgets inside single expensive steps, and sets of exploration parts with
// duplicates, gaps, strangers and tampering: 340 cases, about 3 s (with
// fuzz_test.ts's 10 500 and user_errors_fuzz_test.ts's 5 800, CI fuzzes
// 16 640 scenarios; each file checks that all its cases ran). Seeded and
// reproducible; set SETWAY_FUZZ_SEED to explore other seeds, or run
// `deno task fuzz` for more. Not a test file of its own: limits_fuzz_test.ts
// runs it in a child `deno test` with a time limit, since a budget that
// stopped nothing would leave a case looping where no test could end it.
import { LIMIT_PROPERTIES } from "./limits_fuzz.ts";
import { fuzzSuite } from "./fuzz_suite.ts";

fuzzSuite("the limits", LIMIT_PROPERTIES, 0x1f);
