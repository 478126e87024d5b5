// `explore --shard`, `explore --merge` and `explore --class` through the real command line: a
// subprocess per command, run from a temporary directory holding the parts' reports.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../cli/helpers.ts";
import { explore as exploreIn } from "../../mod.ts";
import { type Outcome, runCommand } from "../support/command.ts";

const CLI = join(ROOT, "cli.ts");

/** `deno run -R -W cli.ts explore <args>` from `cwd`. */
function explore(cwd: string, args: string[]): Promise<Outcome> {
  return runCommand([Deno.execPath(), "run", "-R", "-W", CLI, "explore", ...args], { cwd });
}

/** Bad input: status 2, nothing on stdout, one `setway: ...` line on stderr, no stack trace. */
function assertRefused(o: Outcome, pattern: RegExp): void {
  assert.equal(o.code, 2, `stdout: ${o.stdout}\nstderr: ${o.stderr}`);
  assert.equal(o.stdout, "");
  assert.match(o.stderr, /^setway: [^\n]*\n$/, `one line expected: ${JSON.stringify(o.stderr)}`);
  assert.match(o.stderr, pattern);
  assert.doesNotMatch(o.stderr, /\bat .*:\d+:\d+/);
}

const QUESTION = [
  "--policy",
  "trap-nothing",
  "--max-ops",
  "3",
  "--ops",
  "write,read,mmuOn,mmuOff",
  "--no-trace",
];

/** Writes the parts' JSON reports into `dir` as part<i>.json (relative names). */
async function writeParts(dir: string, n: number, extra: string[] = []): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = await explore(dir, [...QUESTION, ...extra, "--shard", `${i}/${n}`, "--json"]);
    assert.equal(o.code, 0, o.stderr);
    names.push(`part${i}.json`);
    await Deno.writeTextFile(join(dir, names[i]), o.stdout);
  }
  return names;
}

Deno.test("explore --merge a.json b.json prints what the unsharded run prints", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const single = await explore(dir, QUESTION);
    assert.equal(single.code, 0, single.stderr);
    assert.match(single.stdout, /answer: hypervisor stale_read/);
    for (const n of [2, 3]) {
      const names = await writeParts(dir, n);
      const merged = await explore(dir, ["--merge", ...names.reverse(), "--no-trace"]);
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(merged.stderr, "");
      assert.equal(merged.stdout, single.stdout);
      const check = await explore(dir, ["--merge", ...names, "--check", "--json"]);
      assert.equal(check.code, 1, check.stderr); // a violation blamed on the hypervisor
      assert.equal(JSON.parse(check.stdout).question.shard, "0/1");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore --merge refuses duplicates, gaps and strangers in one line, status 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [a, b, c] = await writeParts(dir, 3);
    assertRefused(
      await explore(dir, ["--merge", a, a, a]),
      /part 0\/3 is given twice \(\(part0\.json\) and \(part0\.json\)\)/,
    );
    assertRefused(await explore(dir, ["--merge", b]), /parts 0\/3, 2\/3 are missing/);
    await Deno.rename(join(dir, c), join(dir, "other.json"));
    await writeParts(dir, 3, ["--addresses", "2"]); // parts 0 to 2 of another question
    assertRefused(
      await explore(dir, ["--merge", a, b, "other.json"]),
      /part 2\/3 \(other\.json\) explores another configuration than part 0\/3 \(part0\.json\)/,
    );
    await writeParts(dir, 2);
    assertRefused(
      await explore(dir, ["--merge", "part0.json", "part1.json", "other.json"]),
      /part 2\/3 \(other\.json\) is one of 3 parts but part 0\/2 \(part0\.json\) is one of 2/,
    );
    assertRefused(await explore(dir, ["--merge"]), /--merge: give the parts' JSON reports/);
    assertRefused(
      await explore(dir, ["--merge", a, "--max-ops", "5"]),
      /--merge: --max-ops cannot be given with --merge/,
    );
    assertRefused(await explore(dir, ["--merge", "nowhere.json"]), /cannot read nowhere\.json/);
    await Deno.writeTextFile(join(dir, "text.json"), "[]");
    assertRefused(
      await explore(dir, ["--merge", "text.json"]),
      /text\.json is not an exploration report/,
    );
    assertRefused(await explore(dir, ["part0.json"]), /unexpected argument "part0\.json"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore --class takes the comma-separated list its help documents", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const o = await explore(dir, [...QUESTION, "--class", "no-sw,cleans-by-va"]);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stdout, /class: no-sw\+cleans-by-va;/);
    const help = await explore(dir, ["--help"]);
    assert.match(help.stdout, /comma-separated guest classes/);
    assert.match(help.stdout, /\[report\.\.\.\]/);
    assertRefused(
      await explore(dir, [...QUESTION, "--class", "no-sw,bogus"]),
      /--class: unknown guest class "bogus"; valid: any, no-sw/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore --merge refuses unfingerprinted, unfinished and time-bounded parts in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The parts are written in process (the command line reads them as any JSON report).
    const options = {
      policy: "trap-nothing",
      maxOps: 2,
      ops: ["write", "read", "mmuOn", "mmuOff"] as const,
      progress: false,
    };
    const parts = [
      await exploreIn({ ...options, shard: "0/2" }),
      await exploreIn({ ...options, shard: "1/2" }),
    ];
    const write = (
      name: string,
      change: (r: { question: Record<string, unknown>; complete: boolean }) => void,
    ) => {
      const r = JSON.parse(JSON.stringify(parts[1]));
      change(r);
      return Deno.writeTextFile(join(dir, name), JSON.stringify(r));
    };
    await Deno.writeTextFile(join(dir, "a.json"), JSON.stringify(parts[0]));
    await write("old.json", (r) => delete r.question.fingerprint);
    await write("stopped.json", (r) => (r.complete = false));
    await write("timed.json", (r) => {
      r.question.mode = "random";
      r.question.executions = null;
    });
    assertRefused(
      await explore(dir, ["--merge", "a.json", "old.json"]),
      /part 1\/2 \(old\.json\) carries no fingerprint of its configuration/,
    );
    assertRefused(
      await explore(dir, ["--merge", "a.json", "stopped.json"]),
      /part 1\/2 \(stopped\.json\) was stopped by a budget before it explored its share/,
    );
    assertRefused(
      await explore(dir, ["--merge", "timed.json", "a.json"]),
      /part 1\/2 \(timed\.json\) ran for a time budget/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
