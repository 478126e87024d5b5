/**
 * Golden-trace assertions for your own `deno test` suites.
 *
 * {@linkcode assertGolden} compares a text (or a run's flush-event trace) with
 * a plain-text golden file checked in next to your tests. A difference fails
 * the test with a unified line diff and the command that accepts the new
 * text; a missing golden fails with the command that creates it.
 *
 * Adopting it in a suite:
 *
 * ```ts ignore
 * // tests/zimage_test.ts
 * import { assertGolden, vm } from "@setway/setway";
 *
 * Deno.test("zImage on X-Gene under KVM 4.0", async () => {
 *   const run = vm().machine("xgene1").policy("kvm-4.0").guest((g) => g.zImage32()).run();
 *   // Compares run.trace({ filter: "flush" }) with the file.
 *   await assertGolden(run, new URL("./golden/zimage_kvm40.golden", import.meta.url));
 * });
 * ```
 *
 * ```sh
 * deno test --allow-read=tests/golden                 # compare with the goldens
 * deno test --allow-read=tests/golden --allow-write=tests/golden --allow-env=CI \
 *   tests/zimage_test.ts -- --update                   # (re)write them, then review `git diff`
 * ```
 *
 * An update prints, when the test file ends (`unload`), a summary: how many
 * goldens it updated, created and found unchanged, one line per written
 * golden, and the orphans: goldens in the directories it used that none of
 * its assertions touched (a directory other test files beside it name is
 * shared, and not judged). `--remove-orphans` after `--update` removes them.
 * A failure names the command that updates the one test file, with the
 * flags for the golden's directory ({@linkcode updateCommand}).
 *
 * Update mode is decided once per process: on when `--update` or `-u` follows
 * `--` on the command line (it is in `Deno.args`); an explicit `update`
 * option beats the flag. Under `CI=true` nothing is ever written: an update
 * behaves as a comparison and its failure says CI forbids updates, so a
 * missing or stale golden fails the build. Updates are atomic (a temporary
 * file in the same directory, then a rename), and a golden that already
 * matches is left untouched.
 *
 * Golden files carry a first line `# setway golden v1` and a last line
 * `# end` (see `file.ts`); a file that lost its end, is not UTF-8, or holds a
 * NUL byte is reported as corrupt rather than diffed.
 *
 * Text a golden file cannot hold faithfully is refused with a
 * `GoldenError` (`unrepresentable`) rather than written: a `\r\n` (golden
 * files read it as a line end, since checkouts may convert line endings)
 * and a lone UTF-16 surrogate (UTF-8 cannot encode it). An update also
 * removes the temporary files an earlier, killed update of the same golden
 * left behind.
 *
 * Permissions: comparing needs `--allow-read=<golden dir>`, updating
 * `--allow-read=<golden dir> --allow-write=<golden dir>` and `--allow-env=CI`
 * (an update that would write, but cannot tell whether it runs under CI, is
 * refused, so the CI guard cannot switch itself off; a golden that already
 * matches passes). Without them `assertGolden` fails with
 * a `GoldenError` (`permission`) that names the flags to add.
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { diffLines, formatUnifiedDiff } from "../report/diff.ts";
import { GOLDEN_FIRST_LINE, parseGolden, serializeGolden } from "./file.ts";
import { GoldenError, type GoldenErrorCode } from "./error.ts";

export { GoldenError, type GoldenErrorCode };

/**
 * The command that accepts new goldens, in general: the messages name the
 * flags and the test file (see {@linkcode updateCommand}).
 *
 * @example Usage
 * ```ts
 * import { UPDATE_COMMAND } from "@setway/setway/golden";
 * console.log(UPDATE_COMMAND); // "deno test -P -- --update"
 * ```
 */
export const UPDATE_COMMAND = "deno test -P -- --update";

/**
 * The command that updates the goldens of one test file: the flags an
 * update needs, scoped to the golden's directory, then the test file (the
 * module `deno test` runs, when this process knows it) and `-- --update`.
 *
 * @example Usage
 * ```ts
 * import { updateCommand } from "./golden.ts";
 * console.log(updateCommand("golden", "zimage_test.ts"));
 * // "deno test --allow-read=golden --allow-write=golden --allow-env=CI zimage_test.ts -- --update"
 * ```
 * @param dir the golden's directory, as shown
 * @param testFile the test file, as shown, or null
 * @returns the command line
 */
export function updateCommand(dir: string, testFile: string | null): string {
  const d = shellWord(dir);
  const file = testFile === null ? "" : ` ${shellWord(testFile)}`;
  return `deno test --allow-read=${d} --allow-write=${d} --allow-env=CI${file} -- --update`;
}

/**
 * Something with a text trace: a run result.
 *
 * @example Usage
 * ```ts
 * import type { Traceable } from "@setway/setway";
 * const fake: Traceable = { trace: (o) => `trace with filter ${o?.filter ?? "all"}\n` };
 * ```
 */
export interface Traceable {
  /** The run's text trace; `filter` picks the events. */
  trace(options?: { filter?: "flush" | "all" }): string;
}

/**
 * Options of {@linkcode assertGolden}.
 *
 * @example Usage
 * ```ts
 * import type { GoldenOptions } from "@setway/setway";
 * const options: GoldenOptions = { filter: "all", msg: "zImage" };
 * ```
 */
export interface GoldenOptions {
  /**
   * Write the golden instead of failing when it differs or is missing.
   * Default: whether `--update` or `-u` is in `Deno.args` (read once per
   * process). An explicit value beats the flag; `CI=true` beats both.
   */
  readonly update?: boolean;
  /**
   * The events of a run's trace: `"flush"` (the default) or `"all"`.
   * Ignored when `actual` is already a string.
   */
  readonly filter?: "flush" | "all";
  /** Put in front of every failure message, e.g. the case's name. Default none. */
  readonly msg?: string;
}

let updateFlag: boolean | undefined;

/**
 * Whether `--update` or `-u` is in `Deno.args`; read on the first call and
 * kept for the life of the process.
 *
 * @example Usage
 * ```ts
 * import { updateRequested } from "./golden.ts";
 * if (updateRequested()) console.log("goldens will be rewritten");
 * ```
 * @returns whether the command line asks for updates
 */
export function updateRequested(): boolean {
  updateFlag ??= Deno.args.some((arg) => arg === "--update" || arg === "-u");
  return updateFlag;
}

/**
 * Whether the environment says this is CI (`CI` is `true` or `1`, any case).
 * Without `--allow-env` the answer is no.
 *
 * @example Usage
 * ```ts
 * import { runningInCi } from "./golden.ts";
 * if (runningInCi()) console.log("golden updates are refused here");
 * ```
 * @returns whether golden updates are forbidden
 */
export function runningInCi(): boolean {
  return ciStatus() === "ci";
}

/** Whether this is CI, or `"unknown"` when the process may not read `CI`. */
function ciStatus(): "ci" | "not-ci" | "unknown" {
  let value: string | undefined;
  try {
    value = Deno.env.get("CI");
  } catch (error) {
    if (notPermitted(error)) return "unknown";
    throw error;
  }
  return value !== undefined && /^(true|1)$/i.test(value.trim()) ? "ci" : "not-ci";
}

/** Whether an error is Deno refusing an operation the process was given no permission for. */
function notPermitted(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable;
}

/** A path as a shell word: quoted when it holds anything but safe characters. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/**
 * The failure for a golden the process may not read or write: it names the
 * flags, scoped to the golden's directory, that `deno test` needs.
 */
function permissionError(
  shown: string,
  dir: string,
  update: boolean,
  prefix: string,
  env = false,
): GoldenError {
  const read = `--allow-read=${shellWord(dir)}`;
  const write = `--allow-write=${shellWord(dir)}`;
  return new GoldenError(
    "permission",
    shown,
    update
      ? `${prefix}Golden file ${shown} cannot be updated without permission to read and write ` +
        `its directory${env ? " and to read CI" : ""}: run deno test with ${read} ${write}` +
        `${env ? " --allow-env=CI" : ""} (or grant them in deno.json).`
      : `${prefix}Golden file ${shown} cannot be read without permission: run deno test with ` +
        `${read} (and ${write} to update it), or grant them in deno.json.`,
  );
}

/**
 * Why a golden file cannot hold a text faithfully, or null when it can: a
 * `\r\n`, which golden files read as a line end, or a lone surrogate, which
 * UTF-8 cannot encode.
 *
 * @example Usage
 * ```ts
 * import { unrepresentable } from "./golden.ts";
 * console.log(unrepresentable("a\r\nb\n")); // 'line 1 ends with "\r\n", ...'
 * console.log(unrepresentable("a\rb\n")); // null
 * ```
 * @param text the text
 * @returns the reason, or null
 */
export function unrepresentable(text: string): string | null {
  const crlf = text.indexOf("\r\n");
  if (crlf >= 0) {
    return `line ${lineOf(text, crlf)} ends with "\\r\\n", which golden files read as a ` +
      "plain line end (a checkout may convert line endings): escape or remove the carriage " +
      "returns before comparing";
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const high = c >= 0xd800 && c <= 0xdbff;
    const low = c >= 0xdc00 && c <= 0xdfff;
    if (high && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (high || low) {
      return `line ${lineOf(text, i)} holds a lone UTF-16 surrogate (\\u${
        c.toString(16)
      }), which UTF-8 cannot encode: the file would hold U+FFFD instead`;
    }
  }
  return null;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

type PathApi = typeof import("node:path") & Pick<typeof import("node:url"), "fileURLToPath">;
let pathApi: Promise<PathApi> | undefined;

/**
 * Node's path and URL modules, loaded on first use: a program that imports
 * the library but never compares a golden does not load Node compatibility.
 */
function loadPathApi(): Promise<PathApi> {
  return pathApi ??= Promise.all([import("node:path"), import("node:url")]).then(
    ([path, url]) => ({ ...path.default, fileURLToPath: url.fileURLToPath }),
  );
}

function toPath({ fileURLToPath, resolve }: PathApi, file: string | URL): string {
  if (file instanceof URL) {
    if (file.protocol !== "file:") {
      throw new ScenarioError(
        "invalid_value",
        "assertGolden.file",
        file.href,
        `assertGolden(file: ${showValue(file.href)}): expected a file: URL or a path`,
      );
    }
    return fileURLToPath(file);
  }
  if (typeof file !== "string" || file === "") {
    throw new ScenarioError(
      "invalid_value",
      "assertGolden.file",
      file,
      `assertGolden(file: ${showValue(file)}): expected a path or a file: URL`,
    );
  }
  return resolve(file);
}

function display({ isAbsolute, relative }: PathApi, path: string): string {
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch (error) {
    if (notPermitted(error)) return path; // without read permission the working directory is unknown
    throw error;
  }
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

function actualText(actual: string | Traceable, options: GoldenOptions): string {
  const filter = options.filter ?? "flush";
  if (filter !== "flush" && filter !== "all") {
    throw new ScenarioError(
      "unknown_name",
      "assertGolden.filter",
      filter,
      `assertGolden(filter: ${showValue(filter)}): expected "flush" or "all"`,
    );
  }
  let text: unknown = actual;
  if (typeof actual !== "string") {
    if (actual === null || typeof actual !== "object" || typeof actual.trace !== "function") {
      throw new ScenarioError(
        "invalid_value",
        "assertGolden.actual",
        actual,
        `assertGolden(actual: ${showValue(actual)}): expected a string or a run with trace()`,
      );
    }
    text = actual.trace({ filter });
  }
  if (typeof text !== "string" || text.includes("\0")) {
    throw new ScenarioError(
      "invalid_value",
      "assertGolden.actual",
      text,
      `assertGolden(actual): the text must be a string without NUL bytes, got ${showValue(text)}`,
    );
  }
  return text;
}

/** Golden files this process has written, and what it wrote. */
const written = new Map<string, string>();
let tempCounter = 0;
/** Temporary files this process is writing now (not leftovers, whatever their pid). */
const inFlight = new Set<string>();

/** The name of a temporary file of `golden`: `.<golden>.<pid>.<counter>.tmp`. */
const TEMP_NAME = /^(\d+)\.(\d+)\.tmp$/;

/**
 * Removes the temporary files that an update of this golden killed before
 * its rename left behind (see {@linkcode TEMP_NAME}); the update writing one
 * now in this process keeps its own.
 */
async function removeLeftovers(
  { basename, dirname, join }: PathApi,
  path: string,
): Promise<void> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.startsWith(prefix)) continue;
    if (!TEMP_NAME.test(e.name.slice(prefix.length))) continue;
    const temp = join(dir, e.name);
    if (inFlight.has(temp)) continue;
    await Deno.remove(temp).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

async function writeAtomically(
  { basename, dirname, resolve }: PathApi,
  path: string,
  content: string,
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = resolve(dir, `.${basename(path)}.${Deno.pid}.${++tempCounter}.tmp`);
  inFlight.add(temp);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    try {
      const bytes = new TextEncoder().encode(content);
      let done = 0;
      while (done < bytes.length) done += await file.write(bytes.subarray(done));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  } finally {
    inFlight.delete(temp);
  }
}

async function readGolden(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function splitLines(content: string): string[] {
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * What an update did to one golden file: rewrote it (`updated`), created it
 * (`new`), or found it matching (`unchanged`).
 *
 * @example Usage
 * ```ts
 * import type { UpdateOutcome } from "./golden.ts";
 * const outcome: UpdateOutcome = "new";
 * ```
 */
export type UpdateOutcome = "updated" | "new" | "unchanged";

/** The goldens this test module updated, created or left alone, by absolute path. */
const outcomes = new Map<string, UpdateOutcome>();
let summaryApi: PathApi | undefined;

/**
 * The flag after `--` that removes the orphans an update reports.
 *
 * @example Usage
 * ```ts
 * import { REMOVE_ORPHANS_FLAG } from "./golden.ts";
 * console.log(`deno test ... -- --update ${REMOVE_ORPHANS_FLAG}`);
 * ```
 */
export const REMOVE_ORPHANS_FLAG = "--remove-orphans";

/**
 * Records what an update did to a golden; the first record hooks the
 * summary to the end of the test module (`unload` fires once `deno test`
 * has run the module's tests, as for @std/testing's snapshots).
 */
function recordUpdate(api: PathApi, path: string, outcome: UpdateOutcome): void {
  if (summaryApi === undefined) {
    summaryApi = api;
    globalThis.addEventListener("unload", printUpdateSummary);
  }
  const had = outcomes.get(path);
  // A golden written by this run stays "new" or "updated" when a later assertion matches it.
  if (had === undefined || had === "unchanged") outcomes.set(path, outcome);
}

/**
 * Whether a file holds a setway golden: its first line is the golden header,
 * ended by `\n` or, in a checkout that converts line ends, `\r\n` (parseGolden
 * reads both; the decoder drops a byte-order mark).
 */
function isGoldenFile(path: string): boolean {
  try {
    const text = new TextDecoder().decode(Deno.readFileSync(path).subarray(0, 64));
    return text.startsWith(GOLDEN_FIRST_LINE + "\n") || text.startsWith(GOLDEN_FIRST_LINE + "\r\n");
  } catch {
    return false;
  }
}

/** The name of a file `deno test` runs by default: `*_test.ts`, `*.test.ts`, `test.ts`, ... */
const TEST_FILE = /(^|[._])test\.(ts|tsx|mts|js|jsx|mjs)$/;

/**
 * The other test files beside this one that may use a golden directory:
 * those in the test file's folder, when the directory is inside it, whose
 * source names the directory. Empty when the folder cannot be read (with
 * the minimal flags, only the goldens can): then the directory counts as
 * this test file's own, as @std/testing's snapshot file does.
 */
function sharingTestFiles(api: PathApi, dir: string): string[] {
  const { basename, dirname, join, relative } = api;
  let self: string;
  try {
    self = Deno.mainModule;
  } catch {
    return [];
  }
  if (!self.startsWith("file:")) return [];
  const file = api.fileURLToPath(self);
  const folder = dirname(file);
  if (relative(folder, dir).startsWith("..")) return [];
  const others: string[] = [];
  try {
    for (const e of Deno.readDirSync(folder)) {
      if (!e.isFile || !TEST_FILE.test(e.name) || e.name === basename(file)) continue;
      const source = Deno.readTextFileSync(join(folder, e.name));
      if (source.includes(basename(dir))) others.push(e.name);
    }
  } catch {
    return [];
  }
  return others.sort();
}

/** A golden directory other test files may use: its untouched goldens are not judged. */
interface SharedDir {
  readonly dir: string;
  readonly untouched: number;
  readonly others: readonly string[];
}

/**
 * The golden files in the directories this module's updates used that none
 * of its assertions touched, sorted; the directories other test files may
 * use are listed apart, their goldens not judged.
 */
function orphans(api: PathApi): { orphaned: string[]; shared: SharedDir[] } {
  const { dirname, join } = api;
  const dirs = [...new Set([...outcomes.keys()].map((p) => dirname(p)))].sort();
  const orphaned: string[] = [];
  const shared: SharedDir[] = [];
  for (const dir of dirs) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue; // removed meanwhile, or out of reach: nothing to report there
    }
    const untouched = entries
      .filter((e) => e.isFile && !e.name.startsWith("."))
      .map((e) => join(dir, e.name))
      .filter((path) => !outcomes.has(path) && isGoldenFile(path));
    if (untouched.length === 0) continue;
    const others = sharingTestFiles(api, dir);
    if (others.length > 0) shared.push({ dir, untouched: untouched.length, others });
    else orphaned.push(...untouched);
  }
  return { orphaned: orphaned.sort(), shared };
}

/** The test file this process runs, as shown, or null when it is not a local file. */
function testFileShown(api: PathApi): string | null {
  try {
    const main = Deno.mainModule;
    return main.startsWith("file:") ? display(api, api.fileURLToPath(main)) : null;
  } catch {
    return null;
  }
}

/**
 * The summary of an update run, one line per golden that was written or is
 * an orphan; orphans are removed when {@linkcode REMOVE_ORPHANS_FLAG} was
 * given.
 *
 * @example Usage
 * ```ts
 * import { formatUpdateSummary } from "./golden.ts";
 * console.log(formatUpdateSummary("zimage_test.ts", [["golden/a.golden", "new"]], [], false));
 * // golden update, zimage_test.ts: 0 updated, 1 new, 0 unchanged
 * //   new        golden/a.golden
 * ```
 * @param testFile the test file, as shown, or null
 * @param files each golden (as shown) and what the update did to it
 * @param orphaned the orphans, as shown
 * @param removed whether the orphans were removed
 * @param shared the golden directories (as shown) that other test files may use, with how many
 *   goldens there this test file did not touch and those test files' names
 * @returns the summary, one line each
 */
export function formatUpdateSummary(
  testFile: string | null,
  files: readonly (readonly [string, UpdateOutcome])[],
  orphaned: readonly string[],
  removed: boolean,
  shared: readonly { dir: string; untouched: number; others: readonly string[] }[] = [],
): string {
  const count = (k: UpdateOutcome) => files.filter(([, o]) => o === k).length;
  const orphanNote = orphaned.length === 0
    ? ""
    : `, ${orphaned.length} orphan${orphaned.length === 1 ? "" : "s"}${removed ? " removed" : ""}`;
  const lines = [
    `golden update${testFile === null ? "" : `, ${testFile}`}: ${count("updated")} updated, ` +
    `${count("new")} new, ${count("unchanged")} unchanged${orphanNote}`,
  ];
  for (const [file, outcome] of files) {
    if (outcome !== "unchanged") lines.push(`  ${outcome.padEnd(10)} ${file}`);
  }
  for (const file of orphaned) {
    lines.push(`  ${removed ? "removed" : "orphan"}${" ".repeat(removed ? 4 : 5)}${file}`);
  }
  for (const { dir, untouched, others } of shared) {
    lines.push(
      `  shared     ${dir}: ${untouched} golden${untouched === 1 ? "" : "s"} not touched here, ` +
        `not judged as orphans (${others.join(", ")} there may use them)`,
    );
  }
  if (orphaned.length > 0 && !removed) {
    lines.push(
      `  (no test in ${testFile ?? "this run"} touched the orphans; add -- --update ` +
        `${REMOVE_ORPHANS_FLAG} to remove them)`,
    );
  }
  return lines.join("\n");
}

/** Prints the update summary at the end of the test module (and removes orphans when asked). */
function printUpdateSummary(): void {
  const api = summaryApi;
  if (api === undefined || outcomes.size === 0) return;
  const { orphaned, shared } = orphans(api);
  const remove = orphaned.length > 0 && Deno.args.includes(REMOVE_ORPHANS_FLAG);
  let removed = remove;
  if (remove) {
    try {
      for (const path of orphaned) Deno.removeSync(path);
    } catch (error) {
      removed = false;
      console.error(`golden: cannot remove the orphans: ${(error as Error).message}`);
    }
  }
  const files = [...outcomes].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([path, outcome]) => [display(api, path), outcome] as const);
  console.log(
    formatUpdateSummary(
      testFileShown(api),
      files,
      orphaned.map((p) => display(api, p)),
      removed,
      shared.map((d) => ({ ...d, dir: display(api, d.dir) })),
    ),
  );
}

/**
 * Asserts that a text, or a run's trace, equals a golden file; in update mode
 * writes the golden instead (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { assertGolden } from "@setway/setway/golden";
 * const dir = await Deno.makeTempDir();
 * await assertGolden("kvm_set_way_flush\n", `${dir}/first.golden`, { update: true });
 * await assertGolden("kvm_set_way_flush\n", `${dir}/first.golden`, { update: false }); // passes
 * ```
 * @param actual the text, or a run whose `trace({ filter })` gives it
 * @param file the golden file: a path (relative to the working directory) or a `file:` URL
 * @param options update mode, the trace filter, a message prefix
 * @returns resolves when the text matches (or the golden was written); rejects with a {@linkcode GoldenError}
 */
export async function assertGolden(
  actual: string | Traceable,
  file: string | URL,
  options: GoldenOptions = {},
): Promise<void> {
  const api = await loadPathApi();
  const prefix = options.msg ? `${options.msg}: ` : "";
  const wantUpdate = options.update ?? updateRequested();
  let path: string;
  try {
    path = toPath(api, file);
  } catch (error) {
    // A relative path is resolved against the working directory, which takes read permission.
    if (!notPermitted(error) || typeof file !== "string") throw error;
    throw permissionError(file, api.dirname(file), wantUpdate, prefix);
  }
  const text = actualText(actual, options);
  const shown = display(api, path);
  const denied = () => permissionError(shown, api.dirname(shown), wantUpdate, prefix);
  const why = unrepresentable(text);
  if (why !== null) {
    throw new GoldenError(
      "unrepresentable",
      shown,
      `${prefix}The text for golden file ${shown} cannot be kept in a golden file: ${why}.`,
    );
  }
  const ci = wantUpdate ? ciStatus() : "not-ci";
  const update = wantUpdate && ci !== "ci";
  const ciNote = ci === "ci"
    ? "\nCI=true forbids updating golden files: run the update locally and commit the result."
    : "";
  const expected = serializeGolden(text);

  let bytes: Uint8Array | undefined;
  try {
    bytes = await readGolden(path);
  } catch (error) {
    if (notPermitted(error)) throw denied();
    throw error;
  }
  const parsed = bytes === undefined ? undefined : parseGolden(bytes);
  const matches = parsed?.ok === true && parsed.content === expected;
  if (matches && !(update && ci === "not-ci")) return;

  if (update) {
    if (ci === "unknown") {
      // Name every missing flag at once when the directory is out of reach too.
      const dir = api.dirname(path);
      const granted = async (name: "read" | "write") =>
        (await Deno.permissions.query({ name, path: dir })).state === "granted";
      if (!(await granted("read") && await granted("write"))) {
        throw permissionError(shown, api.dirname(shown), true, prefix, true);
      }
      throw new GoldenError(
        "permission",
        shown,
        `${prefix}Golden file ${shown} was not updated: updates are refused under CI=true, and ` +
          "this process may not read CI; run deno test with --allow-env=CI.",
      );
    }
    const earlier = written.get(path);
    if (!matches && earlier !== undefined && earlier !== expected) {
      throw new GoldenError(
        "duplicate",
        shown,
        `${prefix}Golden file ${shown} was already written with a different text in this run: ` +
          "give each assertion its own golden file.",
      );
    }
    try {
      await removeLeftovers(api, path);
      if (!matches) await writeAtomically(api, path, expected);
    } catch (error) {
      if (notPermitted(error)) throw denied();
      throw error;
    }
    recordUpdate(api, path, matches ? "unchanged" : parsed === undefined ? "new" : "updated");
    if (!matches) written.set(path, expected);
    return;
  }
  const hint = updateCommand(api.dirname(shown), testFileShown(api));

  if (parsed === undefined) {
    throw new GoldenError(
      "missing",
      shown,
      `${prefix}Golden file ${shown} does not exist.\nCreate it with: ${hint}${ciNote}`,
      undefined,
      ci === "ci",
    );
  }
  if (!parsed.ok) {
    throw new GoldenError(
      "corrupt",
      shown,
      `${prefix}Golden file ${shown} is corrupt: ${parsed.reason}.\n` +
        `Re-create it with: ${hint} (then review the diff before committing)${ciNote}`,
      undefined,
      ci === "ci",
    );
  }
  const ops = diffLines(splitLines(parsed.content), splitLines(expected));
  const removed = ops.filter((op) => op.kind === "delete").length;
  const added = ops.filter((op) => op.kind === "insert").length;
  const diff = formatUnifiedDiff(ops, { fromLabel: `golden ${shown}`, toLabel: "actual" });
  throw new GoldenError(
    "mismatch",
    shown,
    `${prefix}Text differs from golden file ${shown} ` +
      `(${removed} lines only in the golden, ${added} only in the actual text):\n\n` +
      `${diff}\n\nIf the new text is right, update the golden: ${hint}${ciNote}`,
    diff,
    ci === "ci",
  );
}
