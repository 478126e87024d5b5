/**
 * `deno task test:mutants` as a user runs it, on a scratch project of its
 * own in a temporary directory: a mutant its tests catch, one they miss,
 * one that no longer applies, one that makes them hang, one that does not
 * load, one that kills their process; the exit codes, the lines, and the
 * project left as it was. Then the project's own list: every
 * mutant still applies to the code (its text is in its file once) and names
 * tests that exist, so the list cannot quietly drift away from the code.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCommand } from "../support/command.ts";
import { applyMutant, type Mutant, MutantListError, parseMutants } from "./mutants.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const SCRATCH_FILES: Record<string, string> = {
  "deno.json": JSON.stringify({ test: { permissions: { run: true } } }),
  "lib.ts": [
    "// add: the sum of two numbers",
    "export function add(a: number, b: number): number {",
    "  return a + b;",
    "}",
    "export function countdown(n: number): number {",
    "  let steps = 0;",
    "  while (n > 0) {",
    "    n -= 1;",
    "    steps++;",
    "  }",
    "  return steps;",
    "}",
    "",
  ].join("\n"),
  "lib_test.ts": [
    'import { add, countdown } from "./lib.ts";',
    'Deno.test("add", () => {',
    '  if (add(1, 2) !== 3) throw new Error("add");',
    "});",
    'Deno.test("countdown", () => {',
    '  if (countdown(3) !== 3) throw new Error("countdown");',
    "});",
    "",
  ].join("\n"),
};

const CAUGHT = {
  id: "A1",
  what: "add subtracts",
  file: "lib.ts",
  from: "a + b",
  to: "a - b",
  tests: ["lib_test.ts"],
};
const MISSED = {
  id: "A2",
  what: "a comment changed",
  file: "lib.ts",
  from: "// add: the sum",
  to: "// add: the total",
  tests: ["lib_test.ts"],
};
const STALE = {
  id: "A3",
  what: "text no longer there",
  file: "lib.ts",
  from: "a * b",
  to: "a / b",
  tests: ["lib_test.ts"],
};
const BROKEN = {
  id: "A5",
  what: "a syntax error",
  file: "lib.ts",
  from: "export function countdown",
  to: "export functio countdown",
  tests: ["lib_test.ts"],
};
const CRASHES = {
  id: "A6",
  what: "countdown kills its process",
  file: "lib.ts",
  from: "    steps++;",
  to: '    steps++;\n    Deno.kill(Deno.pid, "SIGKILL");',
  tests: ["lib_test.ts"],
};
const HANGS = {
  id: "A4",
  what: "countdown never counts down",
  file: "lib.ts",
  from: "n -= 1;",
  // Hangs, and leaves a process of its own that must not outlive the run.
  to: 'n -= 0;\n    if (steps === 0) new Deno.Command("sleep", { args: ["987"] }).spawn();',
  tests: ["lib_test.ts"],
  timeout: 3,
};

/**
 * The processes running `sleep 987` (the hanging mutant's), as `ps` lists
 * them; none where there is no `ps` (nor can the task find a run's processes there).
 */
function sleepers(): string[] {
  let out;
  try {
    out = new Deno.Command("ps", { args: ["-A", "-o", "args="], stdout: "piped" }).outputSync();
  } catch {
    return [];
  }
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => /(^|\/)sleep 987$/.test(l.trim()));
}

async function scratch(list: unknown[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-mutants-test-" });
  for (const [name, text] of Object.entries(SCRATCH_FILES)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  await Deno.writeTextFile(`${dir}/mutants.json`, JSON.stringify(list));
  return dir;
}

function runTask(dir: string, ...extra: string[]) {
  return runCommand(
    [
      Deno.execPath(),
      "task",
      "--quiet",
      "test:mutants",
      "--root",
      dir,
      "--list",
      `${dir}/mutants.json`,
      ...extra,
    ],
    { cwd: ROOT },
  );
}

Deno.test("test:mutants: caught, missed, stale, hanging, broken and crashing mutants, and the project untouched", async () => {
  const dir = await scratch([CAUGHT, MISSED, STALE, HANGS, BROKEN, CRASHES]);
  try {
    const before = await Deno.readTextFile(`${dir}/lib.ts`);
    const { code, stdout } = await runTask(dir);
    assert.equal(code, 1, stdout);
    const lines = stdout.trimEnd().split("\n");
    assert.match(lines[0], /^caught A1: add subtracts \(1 of 2 failed, [\d.]+ s\)$/);
    assert.match(lines[1], /^MISSED A2: a comment changed \(2 passed, [\d.]+ s\)$/);
    assert.equal(
      lines[2],
      "STALE  A3: text no longer there (the text to replace is not in lib.ts)",
    );
    assert.equal(lines[3], "caught A4: countdown never counts down (no answer in 3 s)");
    assert.match(
      lines[4],
      /^BROKEN A5: a syntax error \(exit 1 before any test failed, [\d.]+ s\)$/,
    );
    assert.match(
      lines[5],
      /^caught A6: countdown kills its process \(the tests crashed, exit 137, [\d.]+ s\)$/,
    );
    assert.equal(lines.at(-1), "3 caught, 1 missed, 1 broken, 1 stale");
    assert.equal(await Deno.readTextFile(`${dir}/lib.ts`), before);
    assert.deepEqual(sleepers(), [], "the hanging mutant's own process was ended with it");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "deno.json",
      "lib.ts",
      "lib_test.ts",
      "mutants.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("test:mutants: a mutant that kills its process before any test starts is caught, not broken", async () => {
  // Killed as its module loads: the run prints no "running" line, and only the signal tells.
  const killsAtLoad = {
    id: "A7",
    what: "lib.ts kills its process as it loads",
    file: "lib.ts",
    from: "// add: the sum of two numbers",
    to: 'Deno.kill(Deno.pid, "SIGKILL");',
    tests: ["lib_test.ts"],
  };
  const dir = await scratch([killsAtLoad, BROKEN]);
  try {
    const { code, stdout } = await runTask(dir);
    assert.equal(code, 1, stdout);
    const lines = stdout.trimEnd().split("\n");
    assert.match(
      lines[0],
      /^caught A7: lib\.ts kills its process as it loads \(the tests crashed, exit 137, [\d.]+ s\)$/,
    );
    assert.match(lines[1], /^BROKEN A5: a syntax error \(exit 1 before any test failed/);
    assert.equal(lines.at(-1), "1 caught, 0 missed, 1 broken, 0 stale");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("test:mutants: a mutant whose tests fail without it is broken, not caught", async () => {
  // A test that fails on the project as it is (a tool the machine lacks, say)
  // would call any mutant caught: its list is run once without a mutant first.
  const dir = await scratch([{ ...CAUGHT, id: "A8", tests: ["failing_test.ts"] }, CAUGHT]);
  try {
    await Deno.writeTextFile(
      `${dir}/failing_test.ts`,
      'Deno.test("needs a tool", () => {\n  throw new Error("no such tool");\n});\n',
    );
    const { code, stdout } = await runTask(dir);
    assert.equal(code, 1, stdout);
    const lines = stdout.trimEnd().split("\n");
    assert.match(
      lines[0],
      /^BROKEN A8: add subtracts \(its tests fail without the mutant: 1 of 1 failed, [\d.]+ s\)$/,
    );
    assert.match(lines[1], /^caught A1: add subtracts \(1 of 2 failed, [\d.]+ s\)$/);
    assert.equal(lines.at(-1), "1 caught, 0 missed, 1 broken, 0 stale");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("test:mutants: exit 0 when every mutant chosen is caught; equivalent ones only with --all", async () => {
  const equivalent = { ...MISSED, equivalent: "a comment is not behaviour" };
  const dir = await scratch([CAUGHT, equivalent]);
  try {
    const some = await runTask(dir);
    assert.equal(some.code, 0, some.stdout);
    assert.equal(
      some.stdout.trimEnd().split("\n").at(-1),
      "1 caught, 0 missed, 0 broken, 0 stale",
    );
    const all = await runTask(dir, "--all", "--jobs", "2");
    assert.equal(all.code, 1, all.stdout);
    assert.match(all.stdout, /^MISSED A2: a comment changed \(.*\) \[listed as equivalent\]$/m);
    const only = await runTask(dir, "--all", "--only", "A1");
    assert.equal(only.code, 0, only.stdout);
    assert.equal(only.stdout.trimEnd().split("\n").length, 2);
    const area = await runTask(dir, "--all", "--only", "A");
    assert.equal(area.stdout.trimEnd().split("\n").length, 3, area.stdout);
    // The README's form: ids and areas, comma-separated.
    const list = await runTask(dir, "--all", "--only", "A2,A1");
    assert.match(
      list.stdout,
      /^caught A1: .*\nMISSED A2: .*\n1 caught, 1 missed, 0 broken, 0 stale\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("test:mutants: a bad list or option is one line and exit 2", async () => {
  const dir = await scratch([{ ...CAUGHT, tests: [] }]);
  try {
    const bad = await runTask(dir);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr.trim(),
      `test:mutants: ${dir}/mutants.json[0].tests: expected a non-empty list of paths`,
    );
    const jobs = await runTask(dir, "--jobs", "0");
    assert.equal(jobs.code, 2);
    assert.equal(jobs.stderr.trim(), "test:mutants: --jobs 0: expected a count");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseMutants refuses repeated ids, unknown fields and no-op changes", () => {
  assert.throws(() => parseMutants([CAUGHT, CAUGHT], "l"), {
    name: "MutantListError",
    message: 'l[1].id: "A1" appears twice',
  });
  assert.throws(() => parseMutants([{ ...CAUGHT, test: [] }], "l"), {
    message: 'l[0]: unknown field "test"',
  });
  assert.throws(
    () => parseMutants([{ ...CAUGHT, to: CAUGHT.from }], "l"),
    MutantListError,
  );
  assert.throws(() => parseMutants([{ ...CAUGHT, timeout: 0 }], "l"), {
    message: "l[0].timeout: expected a positive number of seconds",
  });
});

Deno.test("applyMutant: the text must be there exactly once", () => {
  const m = parseMutants([CAUGHT], "l")[0];
  assert.deepEqual(applyMutant("a + b; a + b;", m), {
    stale: "the text to replace occurs more than once in lib.ts",
  });
});

Deno.test("the project's mutants still apply to its code and name tests that exist", async () => {
  const list: Mutant[] = parseMutants(
    JSON.parse(await Deno.readTextFile(`${ROOT}tests/mutants/mutants.json`)),
    "tests/mutants/mutants.json",
  );
  assert.ok(list.length >= 100, `${list.length} mutants`);
  const problems: string[] = [];
  for (const m of list) {
    const changed = applyMutant(await Deno.readTextFile(`${ROOT}${m.file}`), m);
    if ("stale" in changed) problems.push(`${m.id}: ${changed.stale}`);
    for (const t of m.tests) {
      try {
        await Deno.stat(`${ROOT}${t}`);
      } catch {
        problems.push(`${m.id}: no test ${t}`);
      }
    }
  }
  assert.deepEqual(
    problems,
    [],
    "a change to the code moved a mutant's text: update tests/mutants/mutants.json " +
      "and run `deno task test:mutants --only <id>`",
  );
});
