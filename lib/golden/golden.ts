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
 * deno test -P               # compare with the goldens
 * deno test -P -- --update   # (re)write the goldens that differ, then review `git diff`
 * ```
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
 * Permissions: reading goldens needs `--allow-read`, updating them
 * `--allow-write`, and the CI check `--allow-env` (without it, CI is taken
 * as unset).
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { diffLines, formatUnifiedDiff } from "./diff.ts";
import { parseGolden, serializeGolden } from "./file.ts";

/**
 * The command that accepts new goldens.
 *
 * @example Usage
 * ```ts
 * import { UPDATE_COMMAND } from "./golden.ts";
 * console.log(UPDATE_COMMAND); // "deno test -P -- --update"
 * ```
 */
export const UPDATE_COMMAND = "deno test -P -- --update";

/**
 * Something with a text trace: a run result.
 *
 * @example Usage
 * ```ts
 * import type { Traceable } from "./golden.ts";
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
 * import type { GoldenOptions } from "./golden.ts";
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

/**
 * Why a golden assertion failed.
 *
 * - `missing`: the golden file does not exist;
 * - `mismatch`: the text differs from the golden;
 * - `corrupt`: the golden file is damaged (see `file.ts`);
 * - `duplicate`: two assertions in one update run wrote different texts to
 *   the same golden file.
 *
 * @example Usage
 * ```ts
 * import type { GoldenErrorCode } from "./golden.ts";
 * const code: GoldenErrorCode = "mismatch";
 * ```
 */
export type GoldenErrorCode = "missing" | "mismatch" | "corrupt" | "duplicate";

/**
 * A failed golden assertion: data first (`code`, `file`, `diff`), with a
 * message that says how to fix it.
 *
 * @example Usage
 * ```ts
 * import { GoldenError } from "./golden.ts";
 * const err = new GoldenError("missing", "tests/golden/x.golden", "Golden file ... does not exist.");
 * console.log(err.code); // "missing"
 * ```
 */
export class GoldenError extends Error {
  /** What went wrong. */
  readonly code: GoldenErrorCode;
  /** The golden file, as the message shows it (relative to the working directory when inside it). */
  readonly file: string;
  /** The unified diff, for `mismatch`. */
  readonly diff: string | undefined;
  /** Whether an update was asked for but refused because `CI=true`. */
  readonly ciRefused: boolean;

  /**
   * Creates a golden failure.
   *
   * @param code what went wrong
   * @param file the golden file as shown to the user
   * @param message the full message
   * @param diff the unified diff, for `mismatch`
   * @param ciRefused whether CI refused an update
   */
  constructor(
    code: GoldenErrorCode,
    file: string,
    message: string,
    diff?: string,
    ciRefused = false,
  ) {
    super(message);
    this.name = "GoldenError";
    this.code = code;
    this.file = file;
    this.diff = diff;
    this.ciRefused = ciRefused;
  }
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
  let value: string | undefined;
  try {
    value = Deno.env.get("CI");
  } catch {
    return false;
  }
  return value !== undefined && /^(true|1)$/i.test(value.trim());
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
  const rel = relative(Deno.cwd(), path);
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

async function writeAtomically(
  { basename, dirname, resolve }: PathApi,
  path: string,
  content: string,
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = resolve(dir, `.${basename(path)}.${Deno.pid}.${++tempCounter}.tmp`);
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
 * Asserts that a text, or a run's trace, equals a golden file; in update mode
 * writes the golden instead (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { assertGolden } from "./golden.ts";
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
  const path = toPath(api, file);
  const text = actualText(actual, options);
  const shown = display(api, path);
  const prefix = options.msg ? `${options.msg}: ` : "";
  const wantUpdate = options.update ?? updateRequested();
  const ci = wantUpdate && runningInCi();
  const update = wantUpdate && !ci;
  const ciNote = ci
    ? "\nCI=true forbids updating golden files: run the update locally and commit the result."
    : "";
  const expected = serializeGolden(text);

  const bytes = await readGolden(path);
  const parsed = bytes === undefined ? undefined : parseGolden(bytes);
  if (parsed?.ok && parsed.content === expected) return;

  if (update) {
    const earlier = written.get(path);
    if (earlier !== undefined && earlier !== expected) {
      throw new GoldenError(
        "duplicate",
        shown,
        `${prefix}Golden file ${shown} was already written with a different text in this run: ` +
          "give each assertion its own golden file.",
      );
    }
    await writeAtomically(api, path, expected);
    written.set(path, expected);
    console.log(`golden: wrote ${shown}`);
    return;
  }

  if (parsed === undefined) {
    throw new GoldenError(
      "missing",
      shown,
      `${prefix}Golden file ${shown} does not exist.\nCreate it with: ${UPDATE_COMMAND}${ciNote}`,
      undefined,
      ci,
    );
  }
  if (!parsed.ok) {
    throw new GoldenError(
      "corrupt",
      shown,
      `${prefix}Golden file ${shown} is corrupt: ${parsed.reason}.\n` +
        `Re-create it with: ${UPDATE_COMMAND} (then review the diff before committing)${ciNote}`,
      undefined,
      ci,
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
      `${diff}\n\nIf the new text is right, update the golden: ${UPDATE_COMMAND}${ciNote}`,
    diff,
    ci,
  );
}
