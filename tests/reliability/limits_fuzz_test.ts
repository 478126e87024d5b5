// The limits fuzz (limits_fuzz_cases.ts: its two properties and the check
// that every case ran) in a child `deno test`, ended at a time limit: some of
// its steps loop without end unless a budget stops them, and no case in the
// same process could end such a loop. It takes about 3 s.
import { testInChild } from "../support/child_tests.ts";

Deno.test("fuzz: the limits, in a child ended after 120 s", () =>
  testInChild("tests/reliability/limits_fuzz_cases.ts", 3, 120_000));
