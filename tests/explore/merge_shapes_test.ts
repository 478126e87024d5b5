// mergeReports on parts read back from files: a part missing a count or its fingerprint is
// refused rather than summed into a wrong total, parts given in any order are checked against
// part 0, failure groups keep their kinds apart, and parts of a proof must agree on the proof.
import assert from "node:assert/strict";
import { explore, type ExploreOptions, type ExploreReport } from "../../mod.ts";
import { mergeReports } from "../../lib/api/explore.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { CRASHES_ON_CACHES_OFF, TINY } from "./fixtures.ts";

const SMALL: ExploreOptions = {
  ops: ["write", "read", "mmuOn", "mmuOff"],
  maxOps: 3,
  progress: false,
  workers: 1,
};

/** The `n` parts of an exploration, each run on its own. */
async function parts(options: ExploreOptions, n: number): Promise<ExploreReport[]> {
  const out: ExploreReport[] = [];
  for (let i = 0; i < n; i++) out.push(await explore({ ...options, shard: `${i}/${n}` }));
  return out;
}

/** Runs `f` and returns the message of the ScenarioError it throws. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.equal(e.call, "mergeReports");
    return e.message;
  }
  assert.fail("expected a ScenarioError");
}

Deno.test("mergeReports: a part whose fingerprint is empty is refused like one without", async () => {
  const [a0, a1] = await parts(SMALL, 2);
  const blank = { ...a1, question: { ...a1.question, fingerprint: "" } };
  assert.match(
    refusal(() => mergeReports([a0, blank], { names: ["a.json", "b.json"] })),
    /part 1\/2 \(b\.json\) carries no fingerprint/,
  );
});

Deno.test("mergeReports: a part missing any statistic it adds up is refused, not summed", async () => {
  const [a0, a1] = await parts(SMALL, 2);
  const keys = ["executions", "referenceRuns", "states", "merged", "rejected", "symmetric"];
  for (const key of keys) {
    const { [key as keyof ExploreReport["stats"]]: _, ...rest } = a1.stats;
    const cut = { ...a1, stats: rest } as unknown as ExploreReport;
    assert.match(
      refusal(() => mergeReports([a0, cut])),
      /part 1\/2 \(report 2\) is not a whole exploration report/,
      key,
    );
  }
  assert.ok(mergeReports([a0, a1]).complete);
});

Deno.test("mergeReports: a failure group without a count or with a bad position is refused", async () => {
  const options = { ...SMALL, maxOps: 4, shrink: false };
  const [a0, a1] = await parts(options, 2);
  const failing = a1.failures.length > 0 ? a1 : a0;
  assert.ok(failing.failures.length > 0, "a part with a failure group");
  const other = failing === a1 ? a0 : a1;
  const g = failing.failures[0];
  const { count: _, ...uncounted } = g;
  for (const bad of [uncounted, { ...g, count: -1 }, { ...g, found: [1.5] }]) {
    const edited = { ...failing, failures: [bad] } as unknown as ExploreReport;
    assert.match(
      refusal(() => mergeReports([other, edited])),
      /is not a whole exploration report/,
      JSON.stringify(bad),
    );
  }
});

Deno.test("mergeReports: parts given in any order are checked against part 0", async () => {
  const [a0, a1] = await parts(SMALL, 2);
  const edited = { ...a1, stats: { ...a1.stats, states: a1.stats.states + 1 } };
  // Part 1 given first: the message still names part 1 as the one that differs from part 0.
  assert.match(
    refusal(() => mergeReports([edited, a0], { names: ["b.json", "a.json"] })),
    /^mergeReports: part 1\/2 \(b\.json\) and part 0\/2 \(a\.json\) disagree/,
  );
});

Deno.test("mergeReports: failure groups of one blame and different kinds stay apart, counts added", async () => {
  // A policy that crashes the guest when it turns its caches off, and traps no set/way
  // operation: the hypervisor is blamed for crashes and for stale reads alike.
  const options: ExploreOptions = {
    machine: TINY,
    policy: CRASHES_ON_CACHES_OFF,
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    maxOps: 3,
    progress: false,
    workers: 1,
    shrink: false,
  };
  const single = await explore(options);
  assert.deepEqual(
    single.failures.map((f) => `${f.blame}/${f.kind}`),
    ["hypervisor/crash", "hypervisor/stale_read"],
  );
  for (const n of [2, 3]) {
    const merged = mergeReports(await parts(options, n));
    assert.equal(JSON.stringify(merged), JSON.stringify(single), `${n} parts`);
  }
});

Deno.test("mergeReports: exchanged parts of a proof that disagree on the proof are refused", async () => {
  const options: ExploreOptions = {
    mode: "prove",
    machine: "generic",
    policy: "kvm-4.0",
    guestClass: "cleans-by-va",
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    progress: false,
    workers: 0,
    shrink: false,
  };
  const dir = await Deno.makeTempDir({ prefix: "setway-levels-" });
  try {
    const [x0, x1] = await Promise.all(
      [0, 1].map((i) => explore({ ...options, shard: `${i}/2`, exchange: dir })),
    );
    assert.ok(x0.proof !== undefined && x1.proof !== undefined);
    assert.deepEqual(mergeReports([x0, x1]).proof, x0.proof);
    const edits = [
      { depth: x1.proof.depth + 1 },
      { states: x1.proof.states + 1 },
      { fixpoint: !x1.proof.fixpoint },
    ];
    for (const edit of edits) {
      const other = { ...x1, proof: { ...x1.proof, ...edit } };
      assert.match(
        refusal(() => mergeReports([x0, other])),
        /part 1\/2 \(report 2\) and part 0\/2 \(report 1\) disagree on the states of the whole search/,
        JSON.stringify(edit),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
