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
import { assertGolden, explore } from "../../mod.ts";
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

/** The first length at which a failure group blamed on the hypervisor appears, or null. */
function shortestEscape(r: { failures: readonly { blame: string; found: readonly number[] }[] }) {
  const lengths = r.failures.filter((f) => f.blame === "hypervisor").map((f) => f.found[0]);
  return lengths.length === 0 ? null : Math.min(...lengths);
}

Deno.test({
  name: "the generic machine's proofs agree with the bounded search at every depth up to 6",
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    for (const c of prove.CLASSES) {
      for (const policy of prove.POLICIES) {
        const proof = await prove.ask(policy, c);
        assert.equal(proof.proof?.fixpoint, true, `${c.name} ${policy}`);
        const shortest = shortestEscape(proof);
        for (let d = 1; d <= Math.min(proof.proof!.depth + 1, 6); d++) {
          const bounded = await explore({
            machine: "generic",
            policy,
            guestClass: c.name,
            ops: [...c.ops],
            maxOps: d,
            shrink: false,
            progress: false,
            // Each search is short: a worker's start would cost more than it saves.
            workers: 0,
          });
          assert.equal(bounded.complete, true);
          const b = shortestEscape(bounded);
          const want = shortest === null || d < shortest ? null : shortest;
          assert.equal(b, want, `${c.name} ${policy} at depth ${d}`);
        }
      }
    }
  },
});
