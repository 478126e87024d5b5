/**
 * Timing helpers for the benchmark report: medians of repeated runs, and
 * pairs of workloads timed alternately so that a ratio between them is
 * measured under the same machine load.
 *
 * @example Usage
 * ```ts
 * import { median, timeMs } from "./measure.ts";
 * console.log(median([3, 1, 2]), timeMs(() => {}) >= 0); // 2 true
 * ```
 *
 * @module
 */

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @example Usage
 * ```ts
 * import { median } from "./measure.ts";
 * console.log(median([4, 1, 3, 2])); // 2.5
 * ```
 * @param values at least one number
 * @returns the median
 */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Milliseconds one call of `fn` takes.
 *
 * @example Usage
 * ```ts
 * import { timeMs } from "./measure.ts";
 * console.log(timeMs(() => Math.sqrt(2)) < 1000); // true
 * ```
 * @param fn the work
 * @returns elapsed milliseconds
 */
export function timeMs(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/**
 * Times `a` and `b` alternately, `rounds` times each after `warmup`
 * untimed rounds, and returns both medians and the median of the per-round
 * ratios `b / a`.
 *
 * @example Usage
 * ```ts
 * import { alternate } from "./measure.ts";
 * const r = alternate(() => {}, () => {}, 5, 1);
 * console.log(r.a.length, r.b.length); // 5 5
 * ```
 * @param a the first workload
 * @param b the second workload
 * @param rounds timed rounds
 * @param warmup untimed rounds first (JIT warm-up)
 * @returns every timing and the medians
 */
export function alternate(
  a: () => unknown,
  b: () => unknown,
  rounds: number,
  warmup = 3,
): { a: number[]; b: number[]; medianA: number; medianB: number; ratio: number } {
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const ta: number[] = [], tb: number[] = [], ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Swap the order every round, so neither always runs on a warmer machine.
    let x: number, y: number;
    if (i % 2 === 0) {
      x = timeMs(a);
      y = timeMs(b);
    } else {
      y = timeMs(b);
      x = timeMs(a);
    }
    ta.push(x);
    tb.push(y);
    ratios.push(y / x);
  }
  return { a: ta, b: tb, medianA: median(ta), medianB: median(tb), ratio: median(ratios) };
}

/**
 * Wall-clock milliseconds of a subprocess, spawn to exit.
 *
 * @example Usage
 * ```ts
 * import { spawnMs } from "./measure.ts";
 * console.log(await spawnMs(Deno.execPath(), ["--version"]) > 0); // true
 * ```
 * @param cmd the executable
 * @param args its arguments
 * @param env variables to set in its environment, on top of this process's
 * @returns elapsed milliseconds
 * @throws {Error} when the process fails
 */
export async function spawnMs(
  cmd: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd, { args: [...args], env, stdout: "null", stderr: "piped" })
    .output();
  const ms = performance.now() - start;
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

/**
 * Runs a subprocess that prints one JSON value on its standard output (a
 * bench run in a fresh process), and parses it.
 *
 * @example Usage
 * ```ts
 * import { spawnJson } from "./measure.ts";
 * console.log(await spawnJson(Deno.execPath(), ["eval", "console.log(JSON.stringify({ ms: 1 }))"])); // { ms: 1 }
 * ```
 * @param cmd the executable
 * @param args its arguments
 * @returns the parsed output
 * @throws {Error} when the process fails, with its standard error
 */
// deno-lint-ignore no-explicit-any
export async function spawnJson(cmd: string, args: readonly string[]): Promise<any> {
  const out = await new Deno.Command(cmd, { args: [...args], stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
