/**
 * The thread's question for every length (scenarios/prove_escape.ts),
 * pinned by a golden.
 *
 * Regenerate with `deno test -P tests/explore/prove_escape_test.ts -- --update`
 * and review the diff: each answer line is a claim about a policy.
 */

import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import * as prove from "../../scenarios/prove_escape.ts";

Deno.test("the thread's question for every length: answers and fixpoints", async () => {
  const text = await prove.story();
  await assertGolden(text, new URL("./golden/prove_escape.golden", import.meta.url));
  // Every question reached its fixpoint: none fell back to a bounded answer.
  assert.doesNotMatch(text, /not a proof/);
  for (const policy of prove.POLICIES) {
    assert.match(text, new RegExp(`class maintains-by-va[^]*${policy} +Never, for every length`));
  }
});
