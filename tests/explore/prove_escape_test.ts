/**
 * The thread's question for every length (scenarios/prove_escape.ts),
 * pinned by goldens: the generic machine's proofs for the two classes that
 * clean by VA here, and the whole matrix (every class, X-Gene 1 with and
 * without its L3 too: several minutes) only with `deno task test:prove`.
 *
 * Regenerate with `deno test -P tests/explore/prove_escape_test.ts -- --update`
 * (with SETWAY_SLOW=1 for the matrix) and review the diff: each answer line
 * is a claim about a policy.
 */

import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import * as prove from "../../scenarios/prove_escape.ts";

const GENERIC = [prove.MACHINES[0]];
const BY_VA = prove.CLASSES.filter((c) => c.name.endsWith("-by-va"));

Deno.test("the thread's question for every length: answers and fixpoints", async () => {
  const text = await prove.story(GENERIC, BY_VA);
  await assertGolden(text, new URL("./golden/prove_escape.golden", import.meta.url));
  // Every question reached its fixpoint: none fell back to a bounded answer.
  assert.doesNotMatch(text, /Not proved|no fixpoint/);
  for (const policy of prove.POLICIES) {
    assert.match(text, new RegExp(`class maintains-by-va[^]*${policy} +Never, for every length`));
  }
});

Deno.test({
  name: "the thread's question for every length: the whole matrix",
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    const text = await prove.story();
    await assertGolden(text, new URL("./golden/prove_escape_matrix.golden", import.meta.url));
    const [generic, xgene] = text.split("X-Gene 1 with its L3");
    // The generic machine's answers are proofs (each names its fixpoint); X-Gene 1's are
    // bounded, and say so.
    const rows = generic.split("\n").filter((l) => /^ {4}\S/.test(l));
    assert.equal(rows.length, prove.CLASSES.length * prove.POLICIES.length);
    for (const row of rows) assert.match(row, /fixpoint at depth \d+\)?$/, row);
    assert.doesNotMatch(xgene.split("Shortest counterexample")[0], /for every length/);
  },
});

Deno.test({
  name: "the generic machine's proofs agree with the bounded search at every depth up to 6",
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    const questions = prove.CLASSES.flatMap((guestClass) =>
      prove.POLICIES.map((policy) => ({ machine: prove.MACHINES[0], guestClass, policy }))
    );
    const checks = await prove.runTasks<prove.CrossCheck>(
      questions.map((question) => ({ kind: "cross-check", question })),
      2,
    );
    for (let i = 0; i < questions.length; i++) {
      const { guestClass: c, policy } = questions[i];
      const check = checks[i];
      assert.equal(check.fixpoint, true, `${c.name} ${policy}`);
      assert.equal(check.bounded.length, Math.min(check.depth + 1, 6));
      check.bounded.forEach((b, k) => {
        const d = k + 1;
        assert.equal(b.complete, true);
        const want = check.shortest === null || d < check.shortest ? null : check.shortest;
        assert.equal(b.shortest, want, `${c.name} ${policy} at depth ${d}`);
      });
    }
  },
});
