/**
 * Loading a scenario file for the command line, and applying the
 * command-line overrides (`--policy`, `--machine`, `--seed`,
 * `--speculation`) to it.
 *
 * - A `.json` file is a scenario (a builder's `toJSON()`), or the output of
 *   `run --json` / `compare --json`, whose `scenario` is taken. It goes
 *   through the DSL's scenario validation (`vm().from()`, i.e.
 *   `scenarioFrom`), every issue collected.
 * - Any other file is imported as a module; its default export is a
 *   builder (anything with `toJSON()` and `run()`, such as `vm()...`) or a
 *   scenario object, which is validated like JSON. A module without a
 *   default export whose named exports hold exactly one builder runs that
 *   builder.
 *
 * A scenario module's own policies are the `Policy` objects among its
 * exports and the policy object its builder carries; `--policy`,
 * `compare --policies` and `compare`'s default list find them by name
 * before the built-in ones. A JSON scenario whose policy is not built in
 * names the module that defines it in `policyModule` (a path relative to
 * the JSON file's folder, or a `file:` URL); `run --json` and
 * `compare --json` write it, relative to the working directory, for a run
 * under a module's own policy, so that the printed scenario runs again.
 *
 * Overrides are applied with the builder's own methods (`policy()`,
 * `machine()`, `seed()`, `speculation()`), so they are checked exactly as
 * in the DSL, and the scenario is checked again as a whole when it runs.
 *
 * @example Usage
 * ```ts ignore
 * import { loadScenario, withOverrides } from "./load.ts";
 * const loaded = await loadScenario("scenarios/zimage.ts", Deno.cwd());
 * const result = await withOverrides(loaded.builder, { policy: "kvm-3.18" }).run();
 * ```
 *
 * @module
 */

import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { vm } from "../dsl/vm.ts";
import type { RunResult } from "../engine/result.ts";
import { ScenarioError, showValue } from "../errors.ts";
import type { Policy } from "../hyp/policy.ts";
import { SANDBOX_LIMITS } from "./sandbox.ts";
import { UsageError } from "./usage_error.ts";
import { importModule as importUrl } from "../import_module.ts";

/**
 * What the command line needs of a scenario builder: `vm()` returns one.
 * The override methods are needed only when the matching flag is given.
 *
 * @example Usage
 * ```ts
 * import type { BuilderLike } from "./load.ts";
 * import { vm } from "@setway/setway";
 * const b: BuilderLike = vm().machine("xgene1");
 * ```
 */
export interface BuilderLike {
  /** The scenario as plain data. */
  toJSON(): unknown;
  /** Runs the scenario; `collapse: false` keeps one event record per event (`--raw`). */
  run(options?: { readonly collapse?: boolean }): Promise<RunResult> | RunResult;
  /** The same scenario under another policy. */
  policy?(policy: string | Policy): BuilderLike;
  /** The same scenario on another machine. */
  machine?(name: string): BuilderLike;
  /** The same scenario with another seed. */
  seed?(n: number): BuilderLike;
  /** The same scenario with other hardware nondeterminism. */
  speculation?(mode: "quiet" | "adversarial"): BuilderLike;
}

/**
 * A loaded scenario file.
 *
 * @example Usage
 * ```ts
 * import type { LoadedScenario } from "./load.ts";
 * import { vm } from "@setway/setway";
 * const l: LoadedScenario = { path: "/tmp/s.json", builder: vm(), policies: new Map() };
 * ```
 */
export interface LoadedScenario {
  /** The file, as an absolute path. */
  readonly path: string;
  /** The builder to run. */
  readonly builder: BuilderLike;
  /** The scenario module's own policies (or its JSON's `policyModule`'s), by name. */
  readonly policies: ReadonlyMap<string, Policy>;
  /**
   * How a printed JSON scenario names the module of those policies: as the
   * JSON gave it, or relative to the working directory; undefined when
   * there are none.
   */
  readonly policyModule?: string;
}

/**
 * Command-line overrides of scenario fields; undefined keeps the scenario's.
 *
 * @example Usage
 * ```ts
 * import type { Overrides } from "./load.ts";
 * const o: Overrides = { machine: "xgene1", seed: "7" };
 * ```
 */
export interface Overrides {
  /** `--policy`. */
  readonly policy?: string;
  /** `--machine`. */
  readonly machine?: string;
  /** `--seed`, as typed: a decimal integer. */
  readonly seed?: string;
  /** `--speculation`. */
  readonly speculation?: string;
}

const MODULE_EXTENSIONS = /\.(ts|mts|js|mjs|tsx|jsx)$/i;

function isBuilder(x: unknown): x is BuilderLike {
  return x !== null && typeof x === "object" &&
    typeof (x as BuilderLike).toJSON === "function" && typeof (x as BuilderLike).run === "function";
}

function isPolicy(x: unknown): x is Policy {
  return x !== null && typeof x === "object" && typeof (x as Policy).name === "string" &&
    typeof (x as Policy).state === "function" && !isBuilder(x);
}

/** The policy object a builder carries (`vm().policy(object)`), or null. */
function builderPolicy(b: unknown): Policy | null {
  const get = (b as { policyObject?: unknown } | null)?.policyObject;
  if (typeof get !== "function") return null;
  const p = get.call(b);
  return isPolicy(p) ? p : null;
}

/**
 * A module's own policies by name: the policy object of its default
 * builder, of its other exported builders, then its exported `Policy`
 * objects.
 *
 * @example Usage
 * ```ts
 * import { modulePolicies } from "./load.ts";
 * import { definePolicy } from "@setway/setway";
 * const mine = definePolicy({ name: "mine", onReset() {} });
 * console.log([...modulePolicies({ mine }).keys()]); // ["mine"]
 * ```
 * @param mod the module's namespace
 * @returns the policies, by name
 * @throws {UsageError} for two different policies with one name
 */
export function modulePolicies(mod: Record<string, unknown>): Map<string, Policy> {
  const found = new Map<string, Policy>();
  const add = (p: Policy | null) => {
    if (p === null) return;
    const had = found.get(p.name);
    if (had !== undefined && had !== p) {
      throw new UsageError(`the module exports two different policies named "${p.name}"`);
    }
    found.set(p.name, p);
  };
  add(isBuilder(mod.default) ? builderPolicy(mod.default) : null);
  for (const x of Object.values(mod)) add(isBuilder(x) ? builderPolicy(x) : null);
  for (const x of Object.values(mod)) add(isPolicy(x) ? x : null);
  return found;
}

/**
 * The access Deno refused, from its message.
 *
 * @example Usage
 * ```ts
 * import { deniedAccess } from "./load.ts";
 * const m = 'Requires read access to "/etc/passwd", run again with the --allow-read flag';
 * console.log(deniedAccess(m)); // { kind: "read", target: "/etc/passwd" }
 * ```
 * @param message a `NotCapable` error's message
 * @returns the kind of access and what it was for, or null when the message says neither
 */
export function deniedAccess(message: string): { kind: string; target: string } | null {
  const m = /Requires (\w+) access to "?([^",]*)"?/.exec(message);
  return m === null ? null : { kind: m[1], target: m[2] };
}

function fileError(e: unknown, path: string, verb: string): never {
  if (e instanceof Deno.errors.NotFound) {
    throw new UsageError(`cannot ${verb} ${path}: no such file`);
  }
  const wanted = e instanceof Deno.errors.NotCapable ? deniedAccess(e.message) : null;
  if (wanted !== null && wanted.target !== path) {
    throw new UsageError(
      `cannot ${verb} ${path}: it needs ${wanted.kind} access to ${wanted.target}; ` +
        SANDBOX_LIMITS,
    );
  }
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    throw new UsageError(
      `cannot ${verb} ${path}: permission denied; run with -R (deno run -R -W cli.ts ...)`,
    );
  }
  if (e instanceof Deno.errors.IsADirectory) {
    throw new UsageError(`cannot ${verb} ${path}: it is a directory`);
  }
  const message = e instanceof Error ? e.message : String(e);
  throw new UsageError(`cannot ${verb} ${path}: ${firstLineAndPlace(message)}`);
}

/**
 * A load failure on one line: the message's first line and, when a later
 * line gives the place in the source (a syntax error's `at file:///x.ts:5:8`
 * under its code frame), that place as `path:line:col`.
 *
 * @example Usage
 * ```ts
 * import { firstLineAndPlace } from "./load.ts";
 * firstLineAndPlace("SyntaxError: Expression expected\n  |\n5 | .run(;\n    at file:///x.ts:5:8");
 * // "SyntaxError: Expression expected at /x.ts:5:8"
 * ```
 * @param message the error's message
 * @returns one line
 */
export function firstLineAndPlace(message: string): string {
  const first = firstLine(message);
  // deno-lint-ignore no-control-regex
  const plain = message.replace(/\x1b\[[0-9;]*m/g, "");
  const at = /^\s*at (\S+):(\d+):(\d+)\s*$/m.exec(plain);
  if (at === null) return first;
  let where = at[1];
  try {
    if (where.startsWith("file:")) where = fileURLToPath(where);
  } catch {
    // not a path: keep the URL
  }
  const place = `${where}:${at[2]}:${at[3]}`;
  return first.includes(place) ? first : `${first} at ${place}`;
}

/**
 * The first line of a message, without ANSI colour codes: errors are
 * printed on one line.
 *
 * @example Usage
 * ```ts
 * import { firstLine } from "./load.ts";
 * firstLine("Module not found\n    at file:///x.ts:1:8"); // "Module not found"
 * ```
 * @param message any message
 * @returns its first non-empty line
 */
export function firstLine(message: string): string {
  // deno-lint-ignore no-control-regex
  const plain = message.replace(/\x1b\[[0-9;]*m/g, "");
  return plain.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
}

/** A JSON document's scenario: the document itself, or the `scenario` of a printed run. */
function scenarioOf(data: unknown): unknown {
  const run = Array.isArray(data) ? data[0] : data;
  if (
    run !== null && typeof run === "object" && "scenario" in run && "events" in run &&
    "verdict" in run
  ) {
    return (run as { scenario: unknown }).scenario;
  }
  return data;
}

interface Loaded {
  readonly builder: BuilderLike;
  readonly policies: ReadonlyMap<string, Policy>;
  readonly policyModule?: string;
}

/** Where a JSON scenario's `policyModule` is: a `file:` URL, or a path from the JSON's folder. */
function policyModulePath(ref: string, jsonPath: string): string {
  if (/^file:/i.test(ref)) return fileURLToPath(ref);
  if (/^[a-z][a-z0-9+.-]+:/i.test(ref)) {
    throw new UsageError(
      `policyModule "${ref}" in ${jsonPath}: expected a path or a file: URL (${SANDBOX_LIMITS})`,
    );
  }
  return isAbsolute(ref) ? ref : resolve(dirname(jsonPath), ref);
}

/**
 * The absolute path of a JSON scenario's `policyModule`, or null when it
 * names none (or cannot be read: loading it reports that).
 *
 * @example Usage
 * ```ts ignore
 * import { jsonPolicyModule } from "./load.ts";
 * console.log(jsonPolicyModule("/work/run.json")); // "/work/trap_once.ts"
 * ```
 * @param jsonPath the JSON scenario file
 * @returns the module's path, or null
 */
export function jsonPolicyModule(jsonPath: string): string | null {
  try {
    const scenario = scenarioOf(JSON.parse(Deno.readTextFileSync(jsonPath)));
    const ref = (scenario as { policyModule?: unknown } | null)?.policyModule;
    return typeof ref === "string" ? policyModulePath(ref, jsonPath) : null;
  } catch {
    return null;
  }
}

async function loadJson(path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    fileError(e, path, "read");
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(
      "bad_schema",
      "scenarioFrom",
      path,
      `${path} is not valid JSON: ${firstLine((e as Error).message)}`,
    );
  }
  const scenario = scenarioOf(data);
  if (scenario === null || typeof scenario !== "object" || !("policyModule" in scenario)) {
    return { builder: vm().from(scenario), policies: new Map() };
  }
  const { policyModule: ref, ...rest } = scenario as Record<string, unknown>;
  if (typeof ref !== "string" || ref === "") {
    throw new UsageError(
      `policyModule in ${path} is ${showValue(ref)}: expected the path of the module that ` +
        "defines the scenario's policy",
    );
  }
  const modulePath = policyModulePath(ref, path);
  try {
    await Deno.stat(modulePath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) fileError(e, modulePath, "read");
    throw new UsageError(
      `policyModule "${ref}" in ${path}: no such file ${modulePath} (a relative path starts ` +
        "from the JSON file's folder)",
    );
  }
  const policies = modulePolicies(await importModule(modulePath));
  const builder = vm().from(rest);
  const own = policies.get(String(rest.policy));
  if (own === undefined) {
    throw new UsageError(
      `policyModule "${ref}" in ${path} defines no policy "${String(rest.policy)}"` +
        (policies.size > 0 ? ` (it defines ${[...policies.keys()].join(", ")})` : ""),
    );
  }
  return { builder: builder.policy(own), policies, policyModule: ref };
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  try {
    await Deno.stat(path);
  } catch (e) {
    fileError(e, path, "read");
  }
  try {
    return await importUrl(pathToFileURL(path).href);
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    fileError(e, path, "load");
  }
}

/** A path as a printed JSON scenario names it: relative to `cwd`, with `/`, when inside it. */
function shownModule(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return pathToFileURL(path).href;
  return rel.split(sep).join("/");
}

async function loadModule(path: string, cwd: string): Promise<Loaded> {
  const mod = await importModule(path);
  const policies = modulePolicies(mod);
  const policyModule = policies.size > 0 ? shownModule(path, cwd) : undefined;
  const loaded = (builder: BuilderLike): Loaded => ({ builder, policies, policyModule });
  if (!("default" in mod)) {
    const builders = Object.entries(mod).filter(([, x]) => isBuilder(x));
    if (builders.length === 1) return loaded(builders[0][1] as BuilderLike);
    const which = builders.length > 1
      ? ` and ${builders.length} builders among its exports (${
        builders.map(([k]) => k).join(", ")
      })`
      : "";
    throw new UsageError(
      `${path} has no default export${which}; end it with \`export default vm()....\``,
    );
  }
  const exported = mod.default;
  if (isBuilder(exported)) return loaded(exported);
  if (exported !== null && typeof exported === "object" && !Array.isArray(exported)) {
    const data = exported as { policy?: unknown };
    const own = typeof data.policy === "string" ? policies.get(data.policy) : undefined;
    const builder = vm().from(exported);
    return loaded(own === undefined ? builder : builder.policy(own));
  }
  throw new UsageError(
    `the default export of ${path} is ${
      showValue(exported)
    }: expected a scenario builder (vm()...) or a scenario object`,
  );
}

/**
 * Loads a scenario file.
 *
 * @example Usage
 * ```ts ignore
 * import { loadScenario } from "./load.ts";
 * const { builder } = await loadScenario("scenario.json", Deno.cwd());
 * console.log((await builder.run()).verdict.ok);
 * ```
 * @param file the path, relative to `cwd` unless absolute
 * @param cwd the directory relative paths start from
 * @returns the absolute path, a builder and the module's own policies
 * @throws {UsageError} for a file that cannot be read or imported, or a default export that is
 *   not a scenario
 * @throws {ScenarioError} for invalid JSON or an invalid scenario (every issue listed)
 */
export async function loadScenario(file: string, cwd: string): Promise<LoadedScenario> {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  const loaded = /\.json$/i.test(path)
    ? await loadJson(path)
    : MODULE_EXTENSIONS.test(path)
    ? await loadModule(path, cwd)
    : (() => {
      throw new UsageError(
        `cannot load ${file}: expected a .json scenario or a .ts/.js module`,
      );
    })();
  return { path, ...loaded };
}

function method<K extends keyof BuilderLike>(
  b: BuilderLike,
  name: K,
  flag: string,
): NonNullable<BuilderLike[K]> {
  const f = b[name];
  if (typeof f !== "function") {
    throw new UsageError(`${flag}: this scenario's builder has no ${String(name)}() method`);
  }
  return f.bind(b) as NonNullable<BuilderLike[K]>;
}

/**
 * The builder with the command-line overrides applied, in the order
 * machine, policy, seed, speculation.
 *
 * @example Usage
 * ```ts
 * import { withOverrides } from "./load.ts";
 * import { vm } from "@setway/setway";
 * const b = withOverrides(vm(), { machine: "xgene1", seed: "7" });
 * console.log((b.toJSON() as { seed: number }).seed); // 7
 * ```
 * @param builder the scenario's builder
 * @param overrides the flags given
 * @param own the scenario module's own policies, which `--policy` names before the built-in ones
 * @returns a new builder (or the same when there is nothing to override)
 * @throws {UsageError} for a seed that is not an integer, or a builder without the method
 * @throws {ScenarioError} for a name the DSL does not know
 */
export function withOverrides(
  builder: BuilderLike,
  overrides: Overrides,
  own: ReadonlyMap<string, Policy> = new Map(),
): BuilderLike {
  let b = builder;
  if (overrides.machine !== undefined) b = method(b, "machine", "--machine")(overrides.machine);
  if (overrides.policy !== undefined) {
    b = method(b, "policy", "--policy")(own.get(overrides.policy) ?? overrides.policy);
  }
  if (overrides.seed !== undefined) {
    const s = overrides.seed;
    if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
      throw new UsageError(`--seed "${s}": expected an integer`);
    }
    b = method(b, "seed", "--seed")(Number(s));
  }
  if (overrides.speculation !== undefined) {
    b = method(b, "speculation", "--speculation")(
      overrides.speculation as "quiet" | "adversarial",
    );
  }
  return b;
}

/**
 * A run as `--json` prints it: its `toJSON()`, and, for a scenario whose
 * policy is the module's own, the scenario's `policyModule` after its
 * `policy`, so that `run` of the printed JSON finds the policy again.
 *
 * @example Usage
 * ```ts ignore
 * import { loadScenario, printableRun } from "./load.ts";
 * const loaded = await loadScenario("trap_once.ts", Deno.cwd());
 * const json = printableRun(await loaded.builder.run(), loaded);
 * ```
 * @param run the run result
 * @param loaded the loaded scenario file
 * @returns plain data for `formatJson`
 */
export function printableRun(
  run: RunResult,
  loaded: Pick<LoadedScenario, "policies" | "policyModule">,
): unknown {
  const json = run.toJSON();
  const ref = loaded.policyModule;
  if (ref === undefined || !loaded.policies.has(json.scenario.policy)) return json;
  const scenario: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json.scenario)) {
    if (key === "policyModule") continue;
    scenario[key] = value;
    if (key === "policy") scenario.policyModule = ref;
  }
  return { ...json, scenario };
}
