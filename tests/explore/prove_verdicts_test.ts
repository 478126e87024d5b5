/**
 * Prove mode's "verdicts" abstraction (state_hash.ts): idle caches encoded
 * by the lines they hold. Checked as the default abstraction is: equal
 * abstract states have the same verdicts along every continuation tried,
 * wrong abstractions are caught, and its answers agree with the default
 * abstraction's and with the bounded search's wherever both reach them.
 */

import assert from "node:assert/strict";
import { explore, type ExploreOptions } from "../../mod.ts";
import { shortestEscape } from "../../scenarios/prove_escape.ts";
import { answerLine } from "../../lib/api/explore.ts";
import { caughtInMost, checkFutures, soundnessContext } from "./futures.ts";

const VERDICTS_CONFIGS: ExploreOptions[] = [
  { machine: "xgene1", policy: "kvm-modern", guestClass: "maintains-by-va" },
  { machine: "xgene1", systemCache: false, policy: "kvm-4.0", guestClass: "cleans-by-va" },
  {
    machine: "xgene1",
    policy: "xen",
    guestClass: "no-sw",
    ops: ["write", "read", "mmuOn", "mmuOff"],
  },
  {
    machine: "xgene1",
    policy: "kvm-4.0",
    guestClass: "cleans-by-sw",
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
  },
  // A set/way invalidate drops the busy cluster's copies and leaves idle ones.
  {
    machine: "xgene1",
    systemCache: false,
    policy: "trap-nothing",
    guestClass: "any",
    ops: ["write", "read", "sw_invalidate", "mmuOn", "mmuOff"],
  },
];

for (const options of VERDICTS_CONFIGS) {
  Deno.test(
    `equal "verdicts" states have the same verdicts: ${options.policy}, ${options.machine}` +
      `${options.systemCache === false ? " without system cache" : ""}, ${options.guestClass}`,
    async () => {
      const { ctx, concrete } = await soundnessContext({ ...options, abstraction: "verdicts" });
      const r = checkFutures(ctx, concrete);
      assert.ok(
        r.pairs >= 4,
        `only ${r.pairs} pairs of distinct states with equal abstract states`,
      );
      assert.equal(r.difference, null);
    },
  );
}

/** The thread's guests on X-Gene 1 with its system cache, under the "verdicts" abstraction. */
const XGENE_NO_SW: ExploreOptions[] = ["kvm-4.0", "kvm-3.18", "kvm-modern"].map((policy) => ({
  machine: "xgene1",
  policy,
  guestClass: "no-sw",
  ops: ["write", "read", "mmuOn", "mmuOff"],
  abstraction: "verdicts",
}));

Deno.test('under "verdicts", the check catches an abstraction that forgets which lines idle caches hold', async () => {
  await caughtInMost("idle caches", XGENE_NO_SW);
});

Deno.test('under "verdicts", the check catches a wrong symmetry that pools idle L1s across clusters', async () => {
  await caughtInMost("idle L1s pooled across clusters", XGENE_NO_SW);
});

Deno.test('under "verdicts", the check catches an abstraction that forgets the system cache\'s dirtiness', async () => {
  await caughtInMost("system cache dirtiness", XGENE_NO_SW);
});

const GENERIC_CLASSES: ExploreOptions[] = [
  { guestClass: "no-sw", ops: ["write", "read", "mmuOn", "mmuOff"] },
  { guestClass: "maintains-by-va", ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"] },
  { guestClass: "cleans-by-sw", ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"] },
];

for (const policy of ["kvm-4.0", "xen"]) {
  Deno.test(`${policy}: "verdicts" and "kinds" give the same answers on the generic machine`, async () => {
    for (const c of GENERIC_CLASSES) {
      const base = { ...c, machine: "generic", policy, mode: "prove", progress: false } as const;
      const kinds = await explore({ ...base, shrink: false });
      const verdicts = await explore({ ...base, shrink: false, abstraction: "verdicts" });
      const what = `${c.guestClass}: ${answerLine(kinds)} / ${answerLine(verdicts)}`;
      assert.ok(kinds.proof?.fixpoint && verdicts.proof?.fixpoint, what);
      assert.equal(shortestEscape(verdicts), shortestEscape(kinds), what);
      assert.ok(verdicts.proof.states <= kinds.proof.states, what);
      assert.equal(verdicts.proof.abstraction, "verdicts");
      assert.equal(kinds.proof.abstraction, undefined);
      assert.equal(verdicts.question.abstraction, "verdicts");
      assert.notEqual(verdicts.question.fingerprint, kinds.question.fingerprint);
    }
  });
}

Deno.test('X-Gene 1 without its L3: "verdicts" proves maintains-by-va guests never escape kvm-4.0, and the bounded search agrees', async () => {
  const base = {
    machine: "xgene1",
    systemCache: false,
    policy: "kvm-4.0",
    guestClass: "maintains-by-va",
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    progress: false,
    workers: 0,
  } as const;
  const proof = await explore({ ...base, mode: "prove", abstraction: "verdicts" });
  assert.ok(proof.proof?.fixpoint, answerLine(proof));
  assert.equal(shortestEscape(proof), null);
  assert.match(answerLine(proof), /^Never, for every length: .*idle caches by the lines they hold/);
  // With idle caches' values, the same lengths hold more abstract states.
  const kinds = await explore({ ...base, mode: "prove", maxOps: 6 });
  const levels = proof.stats.levels.slice(0, kinds.stats.levels.length);
  assert.ok(
    levels.reduce((a, b) => a + b) < kinds.stats.levels.reduce((a, b) => a + b),
    `${levels} vs ${kinds.stats.levels}`,
  );
  const bounded = await explore({ ...base, mode: "exhaustive", maxOps: 5, shrink: false });
  assert.ok(bounded.complete);
  assert.equal(shortestEscape(bounded), null);
});

Deno.test('X-Gene 1: a "verdicts" counterexample is the bounded search\'s shortest', async () => {
  const base = {
    machine: "xgene1",
    systemCache: false,
    policy: "xen",
    guestClass: "no-sw",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    progress: false,
    workers: 0,
    shrink: false,
  } as const;
  // Capped: the escape is met long before the fixpoint.
  const proof = await explore({ ...base, mode: "prove", abstraction: "verdicts", maxOps: 4 });
  const bounded = await explore({ ...base, mode: "exhaustive", maxOps: 4 });
  assert.notEqual(shortestEscape(proof), null);
  assert.equal(shortestEscape(proof), shortestEscape(bounded));
  assert.match(answerLine(proof), /^Sometimes: shortest counterexample 3 operations/);
});

Deno.test('"verdicts" is refused outside prove mode', async () => {
  await assert.rejects(
    () => explore({ mode: "exhaustive", abstraction: "verdicts", progress: false }),
    /explore\.abstraction\("verdicts"\): invalid value: expected "kinds" outside prove mode/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => explore({ mode: "prove", abstraction: "values" as any, progress: false }),
    /explore\.abstraction\("values"\)/,
  );
});

Deno.test('"verdicts" gives the same report on two threads as on one', async () => {
  const base = {
    mode: "prove",
    abstraction: "verdicts",
    machine: "generic",
    policy: "xen",
    guestClass: "cleans-by-sw",
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    progress: false,
    shrink: false,
  } as const;
  const one = await explore({ ...base, workers: 0 });
  const two = await explore({ ...base, workers: 2 });
  assert.ok(one.proof?.fixpoint);
  assert.equal(JSON.stringify(two), JSON.stringify(one));
});
