/**
 * `deno task test:mutants`: checks that the tests can fail. Each mutant of
 * tests/mutants/mutants.json (see mutants.ts) is made, one at a time, in a
 * copy of the project (the working tree is never touched), and its tests
 * are run there with `deno test -P --no-check` (a mutant must be caught by
 * a test, not by the type checker). A line per mutant: `caught` when a
 * test fails, the tests run out of time, or their process dies under them
 * (killed by a signal, or out of memory once they started), `MISSED` when they pass,
 * `BROKEN` when they fail before any test does (the mutated code does not
 * load: the mutant says nothing of the tests) or when they fail without the
 * mutant too (each list of tests is first run once on the project as it is),
 * `STALE` when its text is no longer in the file once. Exits 0 when every mutant is caught, 1
 * otherwise, 2 for a bad list or option.
 *
 * ```sh
 * deno task test:mutants                # every mutant not listed as equivalent
 * deno task test:mutants --only E,F1    # every E mutant, and F1
 * deno task test:mutants --all --jobs 2 # equivalent ones too, two copies at once
 * deno task test:mutants --list my.json --root ../my-project
 * ```
 *
 * It takes long (each mutant runs its tests, and each list of tests runs once
 * more without a mutant: hours for the whole list on two cores); CI runs only
 * its own test, on a scratch project.
 *
 * @example Usage
 * ```ts ignore
 * import { runMutants } from "./main.ts";
 * const { missed } = await runMutants({ root: ".", list: "tests/mutants/mutants.json" });
 * console.log(missed); // 0
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { applyMutant, type Mutant, MutantListError, parseMutants } from "./mutants.ts";

/** What {@linkcode runMutants} does. */
export interface MutantRunOptions {
  /** The project's root (its deno.json), copied before any change. */
  readonly root: string;
  /** The mutant list (JSON), a path from the current directory. */
  readonly list: string;
  /**
   * Only these mutants (all when empty or absent): an id names one mutant,
   * letters alone an area (`E`: every id made of E and a number).
   */
  readonly only?: readonly string[];
  /** Run the mutants listed as equivalent too. */
  readonly all?: boolean;
  /** Copies of the project run at once (default 1). */
  readonly jobs?: number;
  /** Seconds a mutant's tests may take when the mutant does not say (default 600). */
  readonly timeout?: number;
  /** Where each mutant's line goes (default: standard output). */
  readonly log?: (line: string) => void;
}

/** One mutant's outcome. */
export interface MutantOutcome {
  /** The mutant. */
  readonly mutant: Mutant;
  /**
   * `caught` (a test failed, the tests ran out of time, or their process
   * died under them), `missed` (they passed), `broken` (they
   * failed before any test ran: the mutant does not load; or they fail
   * without the mutant too) or `stale` (its text is not in its file once).
   */
  readonly result: "caught" | "missed" | "broken" | "stale";
  /** Why, in a few words: the exit code and time, or why it is stale. */
  readonly detail: string;
}

/** The counts of a run, and each mutant's outcome in the list's order. */
export interface MutantRun {
  /** Mutants the tests caught. */
  readonly caught: number;
  /** Mutants the tests passed. */
  readonly missed: number;
  /** Mutants whose tests failed before any test did, or fail without the mutant too. */
  readonly broken: number;
  /** Mutants whose text is not in their file once. */
  readonly stale: number;
  /** Every mutant run. */
  readonly outcomes: readonly MutantOutcome[];
}

/** Whether `--only`'s `name` chooses mutant `id`: the id itself, or its letters. */
function chosenBy(name: string, id: string): boolean {
  return id === name || (/^[A-Za-z]+$/.test(name) && id.replace(/\d.*$/, "") === name);
}

/** The project's files as the working tree has them: git's view, or every file but .git's. */
async function projectFiles(root: string): Promise<string[]> {
  try {
    const out = await new Deno.Command("git", {
      args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      cwd: root,
      stdout: "piped",
      stderr: "null",
    }).output();
    if (out.success) {
      return new TextDecoder().decode(out.stdout).split("\0").filter((f) => f !== "");
    }
  } catch {
    // No git: walk the tree.
  }
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== ".git" && entry.name !== "node_modules") await walk(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  await walk("");
  return files;
}

/** Copies the project into a new temporary directory and returns it. */
async function copyProject(root: string, files: readonly string[]): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), "setway-mutants-"));
  for (const file of files) {
    await mkdir(dirname(join(copy, file)), { recursive: true });
    try {
      await copyFile(join(root, file), join(copy, file));
    } catch (e) {
      // A file git still lists but the working tree has deleted.
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return copy;
}

/** How a mutant's tests ended. */
type TestsResult = "caught" | "missed" | "broken";

/**
 * The counts of `deno test`'s summary line (`ok | 4 passed | 0 failed`), or
 * null when it printed none (a module that does not load fails before any test).
 */
function summary(output: string): { passed: number; failed: number } | null {
  const m = /\| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output);
  return m === null ? null : { passed: Number(m[1]), failed: Number(m[2]) };
}

/**
 * The processes below `pid`, children first, as `ps` lists them (none where
 * there is no `ps`): Deno reads /proc only with every permission.
 */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  try {
    const out = new Deno.Command("ps", {
      args: ["-A", "-o", "pid=,ppid="],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
      const [p, parent] = line.trim().split(/\s+/).map(Number);
      if (Number.isInteger(p) && Number.isInteger(parent)) {
        children.set(parent, [...children.get(parent) ?? [], p]);
      }
    }
  } catch {
    return [];
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const below = children.get(queue.shift()!) ?? [];
    out.push(...below);
    queue.push(...below);
  }
  return out;
}

/**
 * Ends a timed-out test run and everything it started: a mutant that stops
 * a watchdog leaves a test's subprocess spinning after `deno test` is gone,
 * on a CPU the next mutants need. Descendants are listed before any dies
 * (an orphan's parent is no longer the test run's).
 */
function killTree(pid: number): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Runs a mutant's tests in `dir`: how they ended, in a word and a few more. */
async function runTests(
  dir: string,
  mutant: Mutant,
  timeout: number,
): Promise<{ result: TestsResult; detail: string }> {
  const args = ["test", "-P", "--no-check", "--quiet"];
  if (mutant.filter !== undefined) args.push("--filter", mutant.filter);
  args.push(...mutant.tests);
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(child.pid);
  }, timeout * 1000);
  const out = await child.output();
  clearTimeout(timer);
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (timedOut) return { result: "caught", detail: `no answer in ${timeout} s` };
  const dec = new TextDecoder();
  const output = dec.decode(out.stdout) + dec.decode(out.stderr);
  const counts = summary(output);
  if (out.success) {
    return { result: "missed", detail: `${counts?.passed ?? "all"} passed, ${seconds} s` };
  }
  if (counts === null && (out.signal !== null || /^running \d+ tests? from /m.test(output))) {
    // The process died under the tests (out of memory, a signal): the mutant's doing. A
    // signal is enough to tell: a module that does not load exits with an error, never
    // by a signal, while a test killed at once may not have flushed its "running" line.
    return { result: "caught", detail: `the tests crashed, exit ${out.code}, ${seconds} s` };
  }
  if (counts === null || counts.failed === 0) {
    // Not a test that failed: the mutated code does not load, or the tests cannot run.
    return { result: "broken", detail: `exit ${out.code} before any test failed, ${seconds} s` };
  }
  return {
    result: "caught",
    detail: `${counts.failed} of ${counts.passed + counts.failed} failed, ${seconds} s`,
  };
}

/**
 * Whether a mutant's tests pass on the project as it is, asked once per list
 * of tests (and filter) whichever copy asks: tests that fail without any
 * mutant (a tool the machine lacks, a test already broken) would call every
 * mutant they run caught.
 */
type Baseline = (dir: string, mutant: Mutant, timeout: number) => Promise<string | null>;

function baselines(): Baseline {
  const seen = new Map<string, Promise<string | null>>();
  return (dir, mutant, timeout) => {
    const key = JSON.stringify([mutant.tests, mutant.filter ?? null]);
    let known = seen.get(key);
    if (known === undefined) {
      known = runTests(dir, mutant, timeout).then((r) => r.result === "missed" ? null : r.detail);
      seen.set(key, known);
    }
    return known;
  };
}

/** Makes one mutant in `dir`, runs its tests, and puts the file back. */
async function runOne(
  dir: string,
  mutant: Mutant,
  timeout: number,
  baseline: Baseline,
): Promise<MutantOutcome> {
  const path = join(dir, mutant.file);
  let original: string;
  try {
    original = await readFile(path, "utf8");
  } catch {
    return { mutant, result: "stale", detail: `${mutant.file} is not in the project` };
  }
  const changed = applyMutant(original, mutant);
  if ("stale" in changed) return { mutant, result: "stale", detail: changed.stale };
  const unmutated = await baseline(dir, mutant, mutant.timeout ?? timeout);
  if (unmutated !== null) {
    return { mutant, result: "broken", detail: `its tests fail without the mutant: ${unmutated}` };
  }
  await writeFile(path, changed.text);
  try {
    return { mutant, ...await runTests(dir, mutant, mutant.timeout ?? timeout) };
  } finally {
    await writeFile(path, original);
  }
}

/**
 * A mutant's line: its outcome, id, mistake and detail.
 *
 * @example Usage
 * ```ts
 * import { formatOutcome } from "./main.ts";
 * const mutant = { id: "A1", what: "add subtracts", file: "lib.ts", from: "+", to: "-", tests: ["t.ts"] };
 * console.log(formatOutcome({ mutant, result: "missed", detail: "2 passed, 0.1 s" }));
 * // MISSED A1: add subtracts (2 passed, 0.1 s)
 * ```
 * @param o the outcome
 * @returns the line, without a line end
 */
export function formatOutcome(o: MutantOutcome): string {
  const word = o.result === "caught" ? "caught" : o.result.toUpperCase().padEnd(6);
  const note = o.mutant.equivalent !== undefined ? " [listed as equivalent]" : "";
  return `${word} ${o.mutant.id}: ${o.mutant.what} (${o.detail})${note}`;
}

/**
 * Runs the mutants of a list against a copy of the project.
 *
 * @param options the project, the list, and which mutants
 * @returns the counts and every outcome
 * @throws {MutantListError} for a list that cannot be read or is not a list of mutants
 */
export async function runMutants(options: MutantRunOptions): Promise<MutantRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  let text: string;
  try {
    text = await readFile(options.list, "utf8");
  } catch (e) {
    throw new MutantListError(`${options.list}: cannot be read (${(e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MutantListError(`${options.list}: not JSON (${(e as Error).message})`);
  }
  const only = options.only ?? [];
  const chosen = parseMutants(parsed, options.list).filter((m) =>
    (options.all === true || m.equivalent === undefined) &&
    (only.length === 0 || only.some((name) => chosenBy(name, m.id)))
  );
  const root = resolve(options.root);
  const files = await projectFiles(root);
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, chosen.length));
  const copies: string[] = [];
  const outcomes: MutantOutcome[] = new Array(chosen.length);
  try {
    for (let j = 0; j < jobs; j++) copies.push(await copyProject(root, files));
    let next = 0;
    const baseline = baselines();
    await Promise.all(copies.map(async (dir) => {
      while (next < chosen.length) {
        const i = next++;
        outcomes[i] = await runOne(dir, chosen[i], options.timeout ?? 600, baseline);
        log(formatOutcome(outcomes[i]));
      }
    }));
  } finally {
    for (const dir of copies) await rm(dir, { recursive: true, force: true });
  }
  const count = (r: MutantOutcome["result"]) => outcomes.filter((o) => o.result === r).length;
  return {
    caught: count("caught"),
    missed: count("missed"),
    broken: count("broken"),
    stale: count("stale"),
    outcomes,
  };
}

function usage(message: string): never {
  console.error(`test:mutants: ${message}`);
  Deno.exit(2);
}

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        list: { type: "string" },
        root: { type: "string", default: "." },
        only: { type: "string" },
        all: { type: "boolean", default: false },
        jobs: { type: "string", default: "1" },
        timeout: { type: "string", default: "600" },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  const jobs = Number(values.jobs), timeout = Number(values.timeout);
  if (!Number.isInteger(jobs) || jobs < 1) usage(`--jobs ${values.jobs}: expected a count`);
  if (!(timeout > 0)) usage(`--timeout ${values.timeout}: expected seconds`);
  const root = values.root;
  const list = values.list ??
    relative(Deno.cwd(), join(root, "tests", "mutants", "mutants.json"));
  try {
    const run = await runMutants({
      root,
      list,
      only: values.only?.split(",").filter((s) => s !== ""),
      all: values.all,
      jobs,
      timeout,
    });
    console.log(
      `${run.caught} caught, ${run.missed} missed, ${run.broken} broken, ${run.stale} stale`,
    );
    Deno.exit(run.caught === run.outcomes.length ? 0 : 1);
  } catch (e) {
    if (e instanceof MutantListError) usage(e.message);
    throw e;
  }
}
