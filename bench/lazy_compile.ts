/**
 * What V8 compiles again in every run of a script: `deno task bench:report`
 * counts it for the cold rows, (c) (bench/engine_ops.ts) and (d)
 * (`deno run scenarios/zimage.ts`).
 *
 * Deno stores a module's V8 code cache as soon as V8 has compiled the
 * module: deno_core's `ModuleMap::new_module_from_js_source`
 * (core/modules/map.rs) makes it right after `compile_module`, before the
 * module runs. So the cache holds each module's top-level code and none of
 * the functions V8 leaves to compile on their first call, and every run
 * compiles those again. V8 compiles a parenthesized function expression
 * eagerly, but Deno's TypeScript emit drops the parentheses, so a
 * TypeScript module cannot ask for it.
 *
 * The counts come from V8's function events (`--log-function-events`),
 * written to a temporary file: the project's modules V8 compiled, the
 * project's functions it compiled on their first call, and the milliseconds
 * it spent parsing them and generating their bytecode in that run (the log
 * slows the run down). Whether the run used the code cache does not change
 * the count, since the cache holds none of those functions.
 *
 * @example Usage
 * ```ts ignore
 * import { runCompiles } from "./lazy_compile.ts";
 * const story = new URL("../scenarios/zimage.ts", import.meta.url).pathname;
 * console.log(await runCompiles(Deno.execPath(), story));
 * ```
 *
 * @module
 */

import { spawnJson, spawnMs } from "./measure.ts";

/**
 * What one run of a script compiled.
 *
 * @example Usage
 * ```ts
 * import type { RunCompiles } from "./lazy_compile.ts";
 * const c: RunCompiles = { modules: 113, lazy: 497, lazyMs: 12 };
 * ```
 */
export interface RunCompiles {
  /** The project's modules V8 compiled in the run. */
  readonly modules: number;
  /** The project's functions V8 compiled on their first call. */
  readonly lazy: number;
  /** Milliseconds of parsing and bytecode generation of those functions, in the logged run. */
  readonly lazyMs: number;
}

/**
 * Counts, in a V8 log of function events, the scripts whose URL starts with
 * `root`, the functions of those scripts compiled on their first call
 * (`parse-function`), and the milliseconds of their parsing and bytecode
 * generation (`parse-function` and `interpreter` events of the same
 * function).
 *
 * @example Usage
 * ```ts
 * import { countCompiles } from "./lazy_compile.ts";
 * const log = [
 *   "script-details,7,file:///p/a.ts,0,0,",
 *   "function,parse-function,7,10,90,0.5,100,f",
 *   "function,interpreter,7,10,90,0.25,101,f",
 *   "function,interpreter,7,0,200,0.125,90,",
 * ].join("\n");
 * console.log(countCompiles(log, "file:///p/")); // { modules: 1, lazy: 1, lazyMs: 0.75 }
 * ```
 * @param log the text of the log (`--log-function-events`)
 * @param root the URL prefix of the project's scripts
 * @returns the scripts, the functions compiled on first call, and their milliseconds
 */
export function countCompiles(log: string, root: string): RunCompiles {
  const ours = new Set<string>();
  const lines = log.split("\n").map((l) => l.split(","));
  for (const f of lines) {
    if (f[0] === "script-details" && f[2]?.startsWith(root)) ours.add(f[1]);
  }
  // A function is its script and its source range: fields 2, 3 and 4.
  const lazy = new Set<string>();
  let ms = 0;
  for (const f of lines) {
    if (f[0] === "function" && f[1] === "parse-function" && ours.has(f[2])) {
      lazy.add(`${f[2]},${f[3]},${f[4]}`);
      ms += Number(f[5]);
    }
  }
  for (const f of lines) {
    if (f[0] === "function" && f[1] === "interpreter" && lazy.has(`${f[2]},${f[3]},${f[4]}`)) {
      ms += Number(f[5]);
    }
  }
  return { modules: ours.size, lazy: lazy.size, lazyMs: ms };
}

/** The URL prefix of the project's scripts. */
const ROOT = new URL("../", import.meta.url).href;

/**
 * Runs a script once with V8's function events logged, and counts what it
 * compiled ({@linkcode countCompiles}).
 *
 * @example Usage
 * ```ts ignore
 * import { runCompiles } from "./lazy_compile.ts";
 * const ops = new URL("./engine_ops.ts", import.meta.url).pathname;
 * console.log((await runCompiles(Deno.execPath(), ops, ["-A"])).lazy); // 228 with Deno 2.9.6
 * ```
 * @param deno the Deno executable
 * @param script the path of the script
 * @param permissions the permission flags it runs with, e.g. `["-A"]`
 * @returns what the run compiled
 * @throws {Error} when the run fails, with its standard error
 */
export async function runCompiles(
  deno: string,
  script: string,
  permissions: readonly string[] = [],
): Promise<RunCompiles> {
  const dir = await Deno.makeTempDir({ prefix: "setway-v8log-" });
  try {
    const logfile = `${dir}/v8.log`;
    const flags = `--log-function-events,--logfile=${logfile},--no-logfile-per-isolate`;
    await spawnMs(deno, ["run", ...permissions, `--v8-flags=${flags}`, script]);
    return countCompiles(await Deno.readTextFile(logfile), ROOT);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * How many of the project's modules are in a script's module graph
 * (`deno info --json`), those only dynamic imports reach included.
 *
 * @example Usage
 * ```ts ignore
 * import { graphModules } from "./lazy_compile.ts";
 * const story = new URL("../scenarios/zimage.ts", import.meta.url).pathname;
 * console.log(await graphModules(Deno.execPath(), story)); // 146
 * ```
 * @param deno the Deno executable
 * @param script the path of the script
 * @returns the number of modules
 * @throws {Error} when `deno info` fails, with its standard error
 */
export async function graphModules(deno: string, script: string): Promise<number> {
  const info = await spawnJson(deno, ["info", "--json", script]);
  return (info.modules as { specifier: string }[]).filter((m) => m.specifier.startsWith(ROOT))
    .length;
}
