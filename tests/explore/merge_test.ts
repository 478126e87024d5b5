import assert from "node:assert/strict";
import { explore, type ExploreOptions, type ExploreReport } from "../../mod.ts";
import { mergeReports } from "../../lib/api/explore.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { sharedStatEdits, TINY } from "./fixtures.ts";

/** Configurations whose merged parts must equal the single run, byte for byte. */
const CONFIGS: readonly (readonly [string, ExploreOptions])[] = [
  ["exhaustive, kvm-3.18 on xgene1", {
    machine: "xgene1",
    policy: "kvm-3.18",
    maxOps: 4,
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
  }],
  ["exhaustive, two vCPUs with migrations, quiet hardware", {
    machine: TINY,
    policy: "kvm-4.0",
    cpus: 2,
    maxOps: 3,
    speculation: false,
  }],
  ["exhaustive, one operation (the last length is the first)", {
    policy: "trap-nothing",
    maxOps: 1,
    ops: ["write", "read", "mmuOn", "mmuOff"],
  }],
  ["exhaustive, no state hashing, class cleans-by-va", {
    machine: "xgene1",
    policy: "kvm-4.0",
    guestClass: "cleans-by-va",
    maxOps: 3,
    stateHashing: false,
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
  }],
  ["random, kvm-3.18 with migrations", {
    policy: "kvm-3.18",
    mode: "random",
    seed: 3,
    executions: 600,
    maxOps: 5,
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff", "migrate"],
    shrink: false,
  }],
  ["random, an execution budget that the parts do not divide", {
    policy: "trap-nothing",
    mode: "random",
    seed: 11,
    executions: 301,
    maxOps: 4,
    ops: ["write", "read", "mmuOn", "mmuOff"],
  }],
];

async function parts(options: ExploreOptions, n: number): Promise<ExploreReport[]> {
  const out: ExploreReport[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await explore({ ...options, progress: false, shard: `${i}/${n}` }));
  }
  return out;
}

for (const [name, options] of CONFIGS) {
  Deno.test(`merged parts are the single run, 1 to 4 parts: ${name}`, async () => {
    const single = await explore({ ...options, progress: false });
    assert.ok(single.stats.executions > 0);
    for (let n = 1; n <= 4; n++) {
      const merged = mergeReports((await parts(options, n)).reverse());
      assert.equal(
        JSON.stringify(merged),
        JSON.stringify(single),
        `${n} parts: ${JSON.stringify(merged.stats)} vs ${JSON.stringify(single.stats)}`,
      );
    }
  });
}

Deno.test("the parts of an exhaustive search share the last length's runs out", async () => {
  const [, options] = CONFIGS[0];
  const single = await explore({ ...options, progress: false });
  const four = await parts(options, 4);
  const shares = four.map((p) => p.stats.executions);
  // Part 0 also counts the shorter programs; the others only their share of the last length.
  assert.ok(shares.every((e) => e > 0 && e < single.stats.executions), String(shares));
  assert.equal(shares.reduce((a, b) => a + b), single.stats.executions);
  for (const p of four) assert.equal(p.question.fingerprint, single.question.fingerprint);
});

/** Runs `f` and returns the ScenarioError it throws. */
function refusal(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.equal(e.call, "mergeReports");
    assert.doesNotMatch(e.message, /\n/);
    return e;
  }
  assert.fail("expected a ScenarioError");
}

const SMALL: ExploreOptions = { ops: ["write", "read", "mmuOn", "mmuOff"], maxOps: 3 };

Deno.test("mergeReports refuses a part given twice, naming it", async () => {
  const [a] = await parts(SMALL, 4);
  const e = refusal(() =>
    mergeReports(Array(16).fill(a), { names: Array.from({ length: 16 }, (_, i) => `p${i}.json`) })
  );
  assert.match(e.message, /part 0\/4 is given twice \(\(p0\.json\) and \(p1\.json\)\)/);
});

Deno.test("mergeReports refuses missing parts, naming them", async () => {
  const four = await parts(SMALL, 4);
  assert.match(
    refusal(() => mergeReports([four[0], four[2]])).message,
    /parts 1\/4, 3\/4 are missing/,
  );
  assert.match(refusal(() => mergeReports(four.slice(0, 3))).message, /part 3\/4 is missing/);
});

Deno.test("mergeReports refuses parts of different sizes or configurations", async () => {
  const [a0, a1] = await parts(SMALL, 2);
  const [, b1] = await parts({ ...SMALL, maxOps: 2 }, 2);
  const [, , c2] = await parts(SMALL, 3);
  const [, d1] = await parts({ ...SMALL, symmetry: false }, 2);
  const names = { names: ["a.json", "b.json"] };
  assert.match(
    refusal(() => mergeReports([a0, c2], names)).message,
    /part 2\/3 \(b\.json\) is one of 3 parts but part 0\/2 \(a\.json\) is one of 2/,
  );
  for (const other of [b1, d1]) {
    assert.match(
      refusal(() => mergeReports([a0, other], names)).message,
      /part 1\/2 \(b\.json\) explores another configuration than part 0\/2 \(a\.json\)/,
    );
  }
  // A report edited to claim the same question under another fingerprint is refused too.
  const forged = { ...a1, question: { ...a1.question, fingerprint: "0000000000000000" } };
  assert.match(refusal(() => mergeReports([a0, forged])).message, /another configuration/);
});

Deno.test("mergeReports refuses parts a budget stopped, and merges a single run would not give", async () => {
  const cut = await parts({ ...SMALL, maxOps: 4, executions: 40 }, 2);
  assert.equal(cut.some((p) => !p.complete), true);
  assert.match(
    refusal(() => mergeReports(cut)).message,
    /part \d\/2 \(report \d\) was stopped by a budget/,
  );
  // Each part within its budget, but together over it: a single run would have stopped.
  const single = await explore({ ...SMALL, maxOps: 4, progress: false });
  const budget = single.stats.executions;
  const within = await parts({ ...SMALL, maxOps: 4, executions: budget }, 2);
  assert.ok(within.every((p) => p.complete));
  assert.equal(
    (await explore({ ...SMALL, maxOps: 4, executions: budget, progress: false })).complete,
    false,
  );
  assert.match(
    refusal(() => mergeReports(within)).message,
    /a single run would have stopped early/,
  );
  // Random parts merge only under an execution budget they all ran in full.
  const timed = await parts({ ...SMALL, mode: "random", seconds: 0.05, shrink: false }, 2);
  assert.match(refusal(() => mergeReports(timed)).message, /execution budget/);
});

Deno.test("mergeReports refuses parts that disagree on the shorter programs every part explores", async () => {
  // Parts of one exploration report the same states, merges, levels and exactness for the
  // programs shorter than the last length; parts that do not (another version of setway under
  // the same fingerprint, an edited report) are refused, naming both.
  const [a0, a1] = await parts(SMALL, 2);
  for (const edit of sharedStatEdits(a1.stats)) {
    const other = { ...a1, stats: { ...a1.stats, ...edit } };
    assert.match(
      refusal(() => mergeReports([a0, other], { names: ["a.json", "b.json"] })).message,
      /part 1\/2 \(b\.json\) and part 0\/2 \(a\.json\) disagree on the states of the shorter programs/,
      JSON.stringify(edit),
    );
  }
  assert.ok(mergeReports([a0, a1]).complete);
});

Deno.test("mergeReports refuses what is not a part of a report", async () => {
  const [a0, a1] = await parts(SMALL, 2);
  assert.match(refusal(() => mergeReports([])).message, /no reports/);
  const bad = (r: unknown) =>
    refusal(() => mergeReports([a0, r as ExploreReport], { names: ["a", "b.json"] }));
  assert.match(bad({}).message, /b\.json is not an exploration report/);
  assert.match(bad({ ...a1, question: { ...a1.question, shard: "2/2" } }).message, /b\.json/);
  const old = { ...a1, question: { ...a1.question, fingerprint: undefined } };
  assert.match(bad(old).message, /part 1\/2 \(b\.json\) carries no fingerprint/);
  assert.match(bad({ ...a1, stats: null }).message, /not a whole exploration report/);
});

Deno.test("a part on workers is the same part as on one thread", async () => {
  const [, options] = CONFIGS[0];
  const one = await explore({ ...options, progress: false, shard: "1/3" });
  const two = await explore({ ...options, progress: false, shard: "1/3", workers: 2 });
  assert.equal(JSON.stringify(two), JSON.stringify(one));
});
