// `explore` states its rates where timing belongs: one line on stderr after
// the report, run from a user's own project; the report on stdout (text or
// JSON) carries no timing, so it stays the same bytes on every run.
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliIn, inProcess, scratchProject } from "./helpers.ts";

const PROVE = [
  "explore",
  "--prove",
  "--machine",
  "generic",
  "--class",
  "maintains-by-va",
  "--ops",
  "write,read,dc_civac,mmuOn,mmuOff",
  "--workers",
  "0",
];

const RATE = /^explore: \d+\.\d s, \d+ runs\/s, \d+ abstract states\/s\n$/;

Deno.test("explore --prove: the report on stdout, then one rate line on stderr", async () => {
  const dir = await scratchProject("setway-rates-", {});
  try {
    const text = await cliIn(dir, PROVE);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^explore: kvm-4\.0 on generic/);
    assert.match(text.stdout, /answer: Never, for every length/);
    assert.doesNotMatch(text.stdout, /\/s\b/, "no rate in the report");
    assert.match(text.stderr, RATE);

    const json = await cliIn(dir, [...PROVE, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.proof.fixpoint, true);
    assert.doesNotMatch(json.stdout, /\/s\b|seconds|elapsed/i, "no timing in the JSON");
    assert.match(json.stderr, RATE);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore: exhaustive searches name states/s, random ones only runs/s", async () => {
  const dir = await scratchProject("setway-rates-", {});
  try {
    const exhaustive = await cliIn(dir, ["explore", "--max-ops", "2", "--workers", "0"]);
    assert.equal(exhaustive.code, 0, exhaustive.stderr);
    assert.match(exhaustive.stderr, /^explore: \d+\.\d s, \d+ runs\/s, \d+ states\/s\n$/);
    const random = await cliIn(dir, [
      "explore",
      "--mode",
      "random",
      "--executions",
      "200",
      "--max-ops",
      "3",
      "--workers",
      "0",
    ]);
    assert.equal(random.code, 0, random.stderr);
    assert.match(random.stderr, /^explore: \d+\.\d s, \d+ runs\/s\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore --merge: the parts are read from the working directory; no search, so no rate line", async () => {
  const dir = await scratchProject("setway-rates-", {});
  try {
    const question = ["explore", "--max-ops", "2", "--workers", "0", "--json"];
    for (const i of [0, 1]) {
      const part = await inProcess([...question, "--shard", `${i}/2`], dir);
      assert.equal(part.code, 0, part.io.stderr);
      await Deno.writeTextFile(join(dir, `part${i}.json`), part.io.stdout);
    }
    // In process, the working directory is the io's, not the process's.
    const merged = await inProcess(["explore", "--merge", "part0.json", "part1.json"], dir);
    assert.equal(merged.code, 0, merged.io.stderr);
    assert.match(merged.io.stdout, /^explore: kvm-4\.0 on generic/);
    assert.equal(merged.io.stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
