// Sharded searches whose parts exchange each length's results (explore({ shard, exchange })):
// merged, the parts are the single run, their executions add up to its executions exactly, no
// part waits forever, and mergeReports tells them from independent parts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { explore, type ExploreOptions, type ExploreReport } from "../../mod.ts";
import { directoryExchange, mergeReports, type ShardExchange } from "../../lib/api/explore.ts";
import { decodeLevel, encodeLevel, levelFile } from "../../lib/engine/explore/exchange.ts";
import { sharedStatEdits } from "./fixtures.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { SCALING_EXHAUSTIVE } from "../../bench/explore_scaling.ts";
import { ROOT } from "../cli/helpers.ts";
import { runCommand } from "../support/command.ts";

const QUIET = { progress: false, workers: 0 } as const;

/** Runs the n parts at once, exchanging through a fresh directory (or `exchange`). */
async function exchanged(
  options: ExploreOptions,
  n: number,
  exchange?: (dir: string) => ShardExchange,
): Promise<ExploreReport[]> {
  const dir = await Deno.makeTempDir({ prefix: "setway-levels-" });
  try {
    return await Promise.all(
      Array.from({ length: n }, (_, i) =>
        explore({
          ...options,
          ...QUIET,
          shard: `${i}/${n}`,
          exchange: exchange ? exchange(dir) : dir,
        })),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function refusal(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    return e;
  }
  assert.fail("expected a ScenarioError");
}

const EXHAUSTIVE: ExploreOptions = {
  machine: "xgene1",
  policy: "kvm-3.18",
  maxOps: 4,
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
};

const PROVE: ExploreOptions = {
  mode: "prove",
  machine: "generic",
  policy: "kvm-4.0",
  guestClass: "cleans-by-va",
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
};

for (const [name, options] of [["exhaustive", EXHAUSTIVE], ["prove", PROVE]] as const) {
  Deno.test(`exchanged parts merge into the single run, 2 and 4 parts: ${name}`, async () => {
    const single = await explore({ ...options, ...QUIET });
    assert.ok(single.failures.length > 0, "a question with counterexamples to merge");
    if (options.mode === "prove") assert.equal(single.proof?.fixpoint, true);
    for (const n of [2, 4]) {
      const parts = await exchanged(options, n);
      for (const p of parts) {
        // Every part knows the whole search's states; its runs are its own.
        assert.deepEqual(p.stats.levels, single.stats.levels);
        assert.equal(p.question.exchange, true);
        assert.ok(p.stats.executions < single.stats.executions);
      }
      assert.equal(
        parts.reduce((a, p) => a + p.stats.executions, 0),
        single.stats.executions,
        "no execution runs twice",
      );
      // Only the part that met a group's first counterexample shrinks it.
      for (const g of single.failures) {
        const shrunk = parts.flatMap((p) =>
          p.failures.filter((f) => f.kind === g.kind && f.blame === g.blame && f.counterexample)
        );
        assert.equal(shrunk.length, 1, `${g.blame}/${g.kind} shrunk once`);
        assert.deepEqual(shrunk[0].found, g.found);
      }
      assert.deepEqual(mergeReports(parts.reverse()), single);
    }
  });
}

Deno.test("exchanged parts of the bench's search: 4 parts, the largest runs at most 30 %", async () => {
  const options = { ...SCALING_EXHAUSTIVE, maxOps: 5 };
  const single = await explore({ ...options, ...QUIET });
  const parts = await exchanged(options, 4);
  const runs = parts.map((p) => p.stats.executions);
  assert.equal(runs.reduce((a, b) => a + b, 0), single.stats.executions);
  assert.ok(
    Math.max(...runs) <= 0.3 * single.stats.executions,
    `${runs} of ${single.stats.executions}`,
  );
  assert.deepEqual(mergeReports(parts), single);
});

Deno.test("a part whose partner never comes gives up with an error naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const error = await explore({
      ...EXHAUSTIVE,
      ...QUIET,
      shard: "0/3",
      exchange: directoryExchange(dir, { timeoutSeconds: 0.2 }),
    }).then(() => null, (x) => x);
    assert.ok(error instanceof ScenarioError);
    assert.match(
      error.message,
      /^explore: part 0\/3 waited 0\.2 s for parts 1\/3, 2\/3 at length 0 \(no .*level-0\.part-1\)/,
    );
    assert.doesNotMatch(error.message, /\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a level file of another exploration, or of another length, is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const stranger = {
      fingerprint: "0123456789abcdef",
      level: 0,
      part: 1,
      count: 2,
      executions: 1,
      stopped: false,
      firsts: [],
      children: new Int32Array(0),
    };
    await Deno.writeFile(levelFile(dir, 0, 1), encodeLevel(stranger));
    const error = await explore({ ...EXHAUSTIVE, ...QUIET, shard: "0/2", exchange: dir })
      .then(() => null, (x) => x);
    assert.ok(error instanceof ScenarioError);
    assert.match(error.message, /belongs to another exploration .*empty --exchange directory/);
    const expected = { fingerprint: stranger.fingerprint, level: 1, part: 1, count: 2 };
    assert.match(
      refusal(() => decodeLevel(encodeLevel(stranger), expected, "f")).message,
      /f holds length 0 of part 1\/2, not length 1 of part 1\/2/,
    );
    assert.match(
      refusal(() => decodeLevel(encodeLevel(stranger).subarray(0, 20), expected, "f")).message,
      /f is not a level result/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a budget that stops one exchanged part stops them all, and the merge refuses them", async () => {
  const parts = await exchanged({ ...EXHAUSTIVE, executions: 200 }, 2);
  assert.ok(parts.every((p) => !p.complete));
  assert.match(
    refusal(() => mergeReports(parts)).message,
    /part \d\/2 \(report \d\) was stopped by a budget/,
  );
});

Deno.test("exchanged parts stop on the whole search's executions, where each part's own stay under the budget", async () => {
  // 3000 stops the single search at its last length; each part runs about
  // half of that length, under 3000 on its own.
  const options = { ...EXHAUSTIVE, executions: 3000, shrink: false };
  const single = await explore({ ...options, ...QUIET, workers: 1 });
  assert.equal(single.complete, false);
  const parts = await exchanged(options, 2);
  assert.ok(parts.every((p) => !p.complete), JSON.stringify(parts.map((p) => p.stats.executions)));
});

Deno.test("mergeReports refuses exchanged parts mixed with independent ones, twice or missing", async () => {
  const small = { ...EXHAUSTIVE, maxOps: 3 };
  const [x0, x1] = await exchanged(small, 2);
  const i1 = await explore({ ...small, ...QUIET, shard: "1/2" });
  const names = { names: ["x0.json", "i1.json"] };
  assert.match(
    refusal(() => mergeReports([x0, i1], names)).message,
    /^mergeReports: part 0\/2 \(x0\.json\) exchanged its lengths with the other parts \(--exchange\) but part 1\/2 \(i1\.json\) did not/,
  );
  assert.match(refusal(() => mergeReports([x0, x0])).message, /part 0\/2 is given twice/);
  assert.match(refusal(() => mergeReports([x1])).message, /part 0\/2 is missing/);
});

Deno.test("mergeReports refuses exchanged parts that disagree on the whole search's states", async () => {
  const [x0, x1] = await exchanged({ ...EXHAUSTIVE, maxOps: 3 }, 2);
  for (const edit of sharedStatEdits(x1.stats)) {
    const other = { ...x1, stats: { ...x1.stats, ...edit } };
    assert.match(
      refusal(() => mergeReports([x0, other])).message,
      /part 1\/2 \(report 2\) and part 0\/2 \(report 1\) disagree on the states of the whole search/,
      JSON.stringify(edit),
    );
  }
  assert.ok(mergeReports([x0, x1]).complete);
});

Deno.test("the exchange is refused where it cannot apply", async () => {
  const bad = (o: ExploreOptions) => explore({ ...o, ...QUIET }).then(() => null, (x) => x);
  const random = await bad({ ...EXHAUSTIVE, mode: "random", shard: "0/2", exchange: "/tmp/x" });
  assert.match(String(random), /exchange.*random parts need none/);
  const prove = await bad({ ...PROVE, shard: "0/2" });
  assert.match(String(prove), /prove mode splits only with an exchange/);
  const odd = await bad({ ...EXHAUSTIVE, shard: "0/2", exchange: 3 as unknown as string });
  assert.match(String(odd), /a directory path or a ShardExchange/);
});

Deno.test("explore --shard i/n --exchange DIR from the command line: parts at once, then --merge", async () => {
  const dir = await Deno.makeTempDir();
  const args = ["--policy", "trap-nothing", "--max-ops", "3", "--ops", "write,read,mmuOn,mmuOff"];
  const run = (extra: string[], question = args) =>
    runCommand([
      Deno.execPath(),
      "run",
      "-R",
      "-W",
      join(ROOT, "cli.ts"),
      "explore",
      ...question,
      ...extra,
    ], {
      cwd: dir,
    });
  try {
    const parts = await Promise.all(
      [0, 1].map((i) => run(["--shard", `${i}/2`, "--exchange", "levels", "--json"])),
    );
    for (const [i, p] of parts.entries()) {
      assert.equal(p.code, 0, p.stderr);
      await Deno.writeTextFile(join(dir, `part${i}.json`), p.stdout);
    }
    const merged = await run(["--merge", "part1.json", "part0.json"], []);
    const single = await run([]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(merged.stdout, single.stdout);
    const alone = await run(["--shard", "0/2", "--exchange", "alone", "--exchange-timeout", "0.3"]);
    assert.equal(alone.code, 2, alone.stderr);
    assert.match(alone.stderr, /^setway: explore: part 0\/2 waited 0\.3 s for part 1\/2 [^\n]*\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an exchanged part on workers is the same part as on one thread", async () => {
  const small = { ...EXHAUSTIVE, maxOps: 3 };
  const one = await exchanged(small, 2);
  const dir = await Deno.makeTempDir({ prefix: "setway-levels-" });
  try {
    const two = await Promise.all(
      [0, 1].map((i) =>
        explore({ ...small, progress: false, workers: 2, shard: `${i}/2`, exchange: dir })
      ),
    );
    assert.deepEqual(two, one);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a level result reads back as written: counts, the stop, the first keys and signed children", () => {
  // Fingerprints of 1 to 4 characters: the header is padded to 4 bytes whatever its length.
  for (const fingerprint of ["f", "ff", "fff", "ffff"]) {
    const r = {
      fingerprint,
      level: 3,
      part: 1,
      count: 3,
      executions: 12345,
      stopped: true,
      firsts: [{ group: "hypervisor/stale_read", key: [2, 4, 0, 0, 1, 0, 0] }],
      children: Int32Array.of(0, 2, 1, 5, -2, 0x7fff_ffff, 1, 3, 0, 0, 0, -(2 ** 31), 65536, 0),
    };
    const bytes = encodeLevel(r);
    assert.equal(bytes.length % 4, 0);
    assert.deepEqual(decodeLevel(bytes, { fingerprint, level: 3, part: 1, count: 3 }, "f"), r);
    const quiet = { ...r, stopped: false, firsts: [], executions: 0 };
    assert.deepEqual(
      decodeLevel(encodeLevel(quiet), { fingerprint, level: 3, part: 1, count: 3 }, "f"),
      quiet,
    );
  }
});

Deno.test("a level result cut short, padded out, split otherwise or of another part count is refused", () => {
  const r = {
    fingerprint: "0123456789abcdef",
    level: 2,
    part: 1,
    count: 2,
    executions: 4,
    stopped: false,
    firsts: [],
    children: Int32Array.of(0, 1, 0, 0, 5, 6, 1, 1, 2, 0, 0, 7, 8, 1),
  };
  const expected = { fingerprint: r.fingerprint, level: 2, part: 1, count: 2 };
  const bytes = encodeLevel(r);
  const notResult = /f is not a level result of a sharded exploration/;
  // One child short of its last integer: the header's count says 14, the bytes hold 13.
  assert.match(
    refusal(() => decodeLevel(bytes.subarray(0, bytes.length - 4), expected, "f")).message,
    notResult,
  );
  const longer = new Uint8Array(bytes.length + 4);
  longer.set(bytes);
  assert.match(refusal(() => decodeLevel(longer, expected, "f")).message, notResult);
  // Children that are not whole records of 7 integers.
  const ragged = encodeLevel({ ...r, children: r.children.subarray(0, 13) });
  assert.match(refusal(() => decodeLevel(ragged, expected, "f")).message, notResult);
  assert.match(
    refusal(() => decodeLevel(bytes, { ...expected, count: 3 }, "f")).message,
    /f holds length 2 of part 1\/2, not length 2 of part 1\/3/,
  );
  assert.match(
    refusal(() => decodeLevel(bytes, { ...expected, part: 0 }, "f")).message,
    /f holds length 2 of part 1\/2, not length 2 of part 0\/2/,
  );
});

Deno.test("directoryExchange waits for a part that comes late, within its timeout", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const early = directoryExchange(dir, { timeoutSeconds: 30 });
    const late = directoryExchange(dir, { timeoutSeconds: 30 });
    const first = early.exchange(4, 0, 2, Uint8Array.of(1, 2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = late.exchange(4, 1, 2, Uint8Array.of(3));
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(a.map((x) => Array.from(x)), [[1, 2], [3]]);
    assert.deepEqual(b.map((x) => Array.from(x)), [[1, 2], [3]]);
    assert.deepEqual(Array.from(await Deno.readFile(levelFile(dir, 4, 1))), [3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("directoryExchange fails at once on a part's file it cannot read, and refuses bad options", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A directory where part 1's file should be: an error to report, not a file to wait for.
    await Deno.mkdir(levelFile(dir, 0, 1));
    const started = performance.now();
    const error = await directoryExchange(dir, { timeoutSeconds: 20 })
      .exchange(0, 0, 2, new Uint8Array(1)).then(() => null, (x) => x);
    assert.ok(error !== null && !(error instanceof ScenarioError), String(error));
    assert.equal((error as { code?: string }).code, "EISDIR");
    assert.ok(performance.now() - started < 10_000, "it does not wait for the timeout");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  for (const timeoutSeconds of [0, -1, NaN, "5" as unknown as number]) {
    const e = refusal(() => directoryExchange("/tmp/levels", { timeoutSeconds }));
    assert.equal(e.call, "explore.exchange.timeoutSeconds", String(timeoutSeconds));
  }
  assert.equal(refusal(() => directoryExchange("")).call, "explore.exchange");
});
