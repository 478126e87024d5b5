/**
 * The thread's question for every length (scenarios/prove_escape.ts),
 * pinned by goldens: the generic machine's proofs for the two classes that
 * clean by VA here, and the whole matrix (every class, X-Gene 1 with and
 * without its L3 too: a few minutes) only with `deno task test:prove`.
 *
 * Regenerate with `deno test -P tests/explore/prove_escape_test.ts -- --update`
 * (with SETWAY_SLOW=1 for the matrix) and review the diff: each answer line
 * is a claim about a policy.
 *
 * With SETWAY_SLOW=1 every question is answered once, and every test that
 * needs an answer takes it from that one matrix: the by-VA golden, the
 * matrix golden and the cross-check with the bounded search (which runs
 * only the bounded searches, against the matrix's own proofs).
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { assertGolden, explore } from "../../mod.ts";
import { answerLine } from "../../lib/api/explore.ts";
import * as prove from "../../scenarios/prove_escape.ts";
import { runCommand } from "../support/command.ts";

const GENERIC = [prove.MACHINES[0]];
const BY_VA = prove.CLASSES.filter((c) => c.name.endsWith("-by-va"));
const SLOW = Deno.env.get("SETWAY_SLOW") === "1";

let matrix: Promise<prove.Answer[]> | undefined;

/** Every question's answer, in `questionsOf()` order, computed once. */
function matrixAnswers(): Promise<prove.Answer[]> {
  return matrix ??= prove.answerAll(prove.questionsOf(), 2);
}

/** The answers to some questions: the matrix's when the slow tests run, else computed here. */
async function answersTo(
  machines: readonly prove.AskedMachine[],
  classes: readonly prove.AskedClass[] = prove.CLASSES,
): Promise<{ questions: prove.Question[]; answers: prove.Answer[] }> {
  const questions = prove.questionsOf(machines, classes);
  if (!SLOW) return { questions, answers: await prove.answerAll(questions, 2) };
  const all = prove.questionsOf();
  const answers = await matrixAnswers();
  return {
    questions,
    answers: questions.map((q) => {
      const i = all.findIndex((a) =>
        a.machine === q.machine && a.guestClass === q.guestClass && a.policy === q.policy
      );
      assert.ok(i >= 0, `${q.guestClass.name} ${q.policy} is in the matrix`);
      return answers[i];
    }),
  };
}

Deno.test("the thread's question for every length: answers and fixpoints", async () => {
  const { questions, answers } = await answersTo(GENERIC, BY_VA);
  const text = prove.storyText(GENERIC, BY_VA, answers);
  await assertGolden(text, new URL("./golden/prove_escape.golden", import.meta.url));
  // Every question reached its fixpoint: none fell back to a bounded answer.
  assert.doesNotMatch(text, /Not proved|no fixpoint/);
  for (const policy of prove.POLICIES) {
    assert.match(text, new RegExp(`class maintains-by-va[^]*${policy} +Never, for every length`));
  }
  // Each question's rates are stated apart from the story (on stderr with --rates).
  const rates = prove.rateLines(questions, answers);
  assert.equal(rates.length, questions.length);
  questions.forEach((q, i) => {
    assert.match(
      rates[i],
      new RegExp(
        `^generic ${q.guestClass.name} ${q.policy}: \\d+\\.\\d\\d s, \\d+ runs/s, ` +
          `\\d+ abstract states/s$`,
      ),
    );
  });
  assert.doesNotMatch(text, /\/s\b/);
});

Deno.test({
  name: "the thread's question for every length: the whole matrix",
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    const text = prove.storyText(prove.MACHINES, prove.CLASSES, await matrixAnswers());
    await assertGolden(text, new URL("./golden/prove_escape_matrix.golden", import.meta.url));
    const [generic, xgene] = text.split("X-Gene 1 with its L3");
    // The generic machine's answers are proofs (each names its fixpoint).
    const rows = generic.split("\n").filter((l) => /^ {4}\S/.test(l));
    assert.equal(rows.length, prove.CLASSES.length * prove.POLICIES.length);
    for (const row of rows) assert.match(row, /fixpoint at depth \d+\)?$/, row);
    // X-Gene 1's are an escape met up to 5 operations, which says no fixpoint was sought, or a
    // proof under the "verdicts" abstraction, which says so; every maintains-by-va row is one.
    const xrows = xgene.split("Shortest counterexample")[0].split("\n")
      .filter((l) => /^ {4}\S/.test(l));
    assert.equal(xrows.length, 2 * prove.CLASSES.length * prove.POLICIES.length);
    for (const row of xrows) {
      assert.match(
        row,
        /^ +\S+ +(Sometimes: .*; no fixpoint: the depth cap stopped the abstract search at depth 5 |Never, for every length: .*fixpoint at depth \d+, idle caches by the lines they hold\)$)/,
        row,
      );
    }
    for (const part of xgene.split("class ").filter((p) => p.startsWith("maintains-by-va"))) {
      assert.equal(part.match(/Never, for every length/g)?.length, prove.POLICIES.length);
    }
  },
});

Deno.test({
  name: "the generic machine's proofs agree with the bounded search at every depth up to 6",
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    // The proofs are the matrix's own; only the bounded searches run here.
    const { questions, answers } = await answersTo(GENERIC);
    assert.equal(questions.length, prove.CLASSES.length * prove.POLICIES.length);
    const proofs = answers.map((a) => a.proof!);
    const bounded = await prove.runTasks<prove.BoundedRuns>(
      questions.map((question, i) => ({ kind: "bounded", question, depth: proofs[i].depth })),
      2,
    );
    for (let i = 0; i < questions.length; i++) {
      const { guestClass: c, policy } = questions[i];
      const check: prove.CrossCheck = { ...proofs[i], bounded: bounded[i] };
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

Deno.test({
  name: "X-Gene 1's proofs agree with the bounded search at every depth up to 6",
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    // The proofs are the matrix's own ("verdicts" fixpoints); only the bounded searches run here.
    const { questions, answers } = await answersTo(prove.MACHINES.slice(1));
    const proved = questions.map((q, i) => ({ q, p: answers[i].proof! }))
      .filter(({ p }) => p.fixpoint);
    assert.equal(proved.length, 2 * prove.POLICIES.length);
    const bounded = await prove.runTasks<prove.BoundedRuns>(
      proved.map(({ q, p }) => ({ kind: "bounded", question: q, depth: p.depth })),
      2,
    );
    proved.forEach(({ q, p }, i) => {
      const what = `${q.machine.label} ${q.guestClass.name} ${q.policy}`;
      assert.equal(p.shortest, null, what);
      assert.equal(bounded[i].length, 6, what);
      for (const b of bounded[i]) assert.deepEqual(b, { complete: true, shortest: null }, what);
    });
  },
});

Deno.test({
  name: 'X-Gene 1 without its L3: the default abstraction proves what "verdicts" proves',
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    // An independent check of one "verdicts" proof: the full encoding (idle caches with their
    // values, kinds kept) reaches its own, larger fixpoint with the same answer.
    const machine = prove.MACHINES[2];
    const guestClass = prove.CLASSES.find((c) => c.name === "maintains-by-va")!;
    const kinds = await explore({
      mode: "prove",
      ...machine.options,
      policy: "kvm-4.0",
      guestClass: guestClass.name,
      ops: [...guestClass.ops],
      progress: false,
      workers: 2,
    });
    const verdicts = await prove.ask("kvm-4.0", guestClass, machine, 2);
    assert.ok(kinds.proof?.fixpoint, answerLine(kinds));
    assert.ok(verdicts.proof?.fixpoint, answerLine(verdicts));
    assert.equal(verdicts.proof.abstraction, "verdicts");
    assert.equal(prove.shortestEscape(kinds), null);
    assert.equal(prove.shortestEscape(verdicts), null);
    assert.ok(kinds.proof.states > verdicts.proof.states);
  },
});

/** `deno run -R scenarios/prove_escape.ts <args>` from the checkout, as the README runs it. */
const proveEscape = (...args: string[]) =>
  runCommand([Deno.execPath(), "run", "-R", "scenarios/prove_escape.ts", ...args], {
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
  });

Deno.test({
  name:
    "deno run -R scenarios/prove_escape.ts --rates: the matrix on stdout, a rate per question on stderr",
  ignore: Deno.env.get("SETWAY_SLOW") !== "1",
  async fn() {
    // The README's command, run as a user runs it, from the checkout.
    const out = await proveEscape("--rates");
    const stderr = out.stderr;
    assert.equal(out.code, 0, stderr);
    const story = prove.storyText(prove.MACHINES, prove.CLASSES, await matrixAnswers());
    assert.equal(out.stdout, story + "\n");
    const lines = stderr.trimEnd().split("\n").filter((l) => / runs\/s, /.test(l));
    assert.equal(lines.length, prove.questionsOf().length);
    for (const line of lines) {
      assert.match(line, /: \d+\.\d\d s, \d+ runs\/s, \d+ abstract states\/s$/);
    }
  },
});

Deno.test("deno run -R scenarios/prove_escape.ts refuses an argument it does not take, before any search", async () => {
  const out = await proveEscape("--rate");
  assert.equal(out.code, 2);
  assert.equal(out.stdout, "");
  assert.equal(
    out.stderr,
    "prove_escape: unknown argument --rate; usage: deno run -R scenarios/prove_escape.ts [--rates]\n",
  );
});
