/**
 * How explorations scale (bench:report): executions per second on 2
 * workers against 1, and how evenly shards split an exhaustive search.
 *
 * Shard balance counts the runs each part really makes, shorter programs
 * included (every part replays them to dedup states as a single run does;
 * see `inShard` in lib/engine/explore/expand.ts), by counting calls of
 * `ExploreContext.runReal` on this thread.
 *
 * The worker rows need an idle machine. Where Linux groups threads by
 * session for scheduling (`/proc/sys/kernel/sched_autogroup_enabled`), a
 * busy machine gives each session the same share of the cores however many
 * threads it runs, so there the ratio of executions per second tends to
 * the inverse of the CPU time per execution's ratio, which the rows print
 * too.
 *
 * @module
 */

import process from "node:process";
import { explore, type ExploreOptions } from "../mod.ts";
import { ExploreContext } from "../lib/engine/explore/context.ts";
import { closeIdleWorkers } from "../lib/engine/explore/pool.ts";

const quiet = { progress: false, shrink: false } as const;

/**
 * The exhaustive workload of the scaling rows.
 *
 * @example Usage
 * ```ts
 * import { SCALING_EXHAUSTIVE } from "./explore_scaling.ts";
 * console.log(SCALING_EXHAUSTIVE.maxOps); // 6
 * ```
 */
export const SCALING_EXHAUSTIVE: ExploreOptions = {
  machine: "xgene1",
  policy: "kvm-4.0",
  guestClass: "cleans-by-va",
  maxOps: 6,
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
};

/**
 * The random workload of the scaling rows.
 *
 * @example Usage
 * ```ts
 * import { SCALING_RANDOM } from "./explore_scaling.ts";
 * console.log(SCALING_RANDOM.mode); // "random"
 * ```
 */
export const SCALING_RANDOM: ExploreOptions = {
  machine: "xgene1",
  policy: "xen",
  mode: "random",
  executions: 60_000,
  maxOps: 6,
  ops: ["write", "read", "dc_civac", "dc_cvac", "mmuOn", "mmuOff", "vmReg"],
};

/**
 * The exhaustive workload at the size row (e) of the performance issue
 * names (every program up to 7 operations): long enough, about a second on
 * one thread, that starting and ending an exploration do not dominate.
 *
 * @example Usage
 * ```ts
 * import { SCALING_EXHAUSTIVE_LARGE } from "./explore_scaling.ts";
 * console.log(SCALING_EXHAUSTIVE_LARGE.maxOps); // 7
 * ```
 */
export const SCALING_EXHAUSTIVE_LARGE: ExploreOptions = { ...SCALING_EXHAUSTIVE, maxOps: 7 };

/**
 * The random workload at the size row (e) of the performance issue names
 * (10^6 programs).
 *
 * @example Usage
 * ```ts
 * import { SCALING_RANDOM_LARGE } from "./explore_scaling.ts";
 * console.log(SCALING_RANDOM_LARGE.executions); // 1000000
 * ```
 */
export const SCALING_RANDOM_LARGE: ExploreOptions = { ...SCALING_RANDOM, executions: 1_000_000 };

/**
 * Untimed explorations that warm each side of the worker rows up before it
 * is timed: on each count of workers ({@linkcode workerScaling}), and in
 * each process of the yardstick ({@linkcode processCeiling}).
 *
 * One is not enough. V8 keeps compiling for several explorations: with
 * `--v8-flags=--trace-opt`, the exhaustive workload of
 * {@linkcode SCALING_EXHAUSTIVE} on one thread spent about 510, 275, 33
 * and 27 ms of its compiler threads' time in its first four explorations,
 * and on 2 workers (each thread sees half of the executions, so each
 * compiles later) about 1010, 555, 255 and 70. With two cores, that
 * compilation takes its time from the threads being timed: with one
 * warm-up the yardstick's two processes gave 1.46x and the explorer 1.24x,
 * with three 1.70x and 1.43x.
 *
 * @example Usage
 * ```ts
 * import { WARM_EXPLORATIONS } from "./explore_scaling.ts";
 * console.log(WARM_EXPLORATIONS); // 3
 * ```
 */
export const WARM_EXPLORATIONS = 3;

/**
 * Executions per second of wall time on 1 and on 2 workers, measured
 * alternately `n` times (so that machine load touches both alike); the
 * ratio of each pair; and the process's CPU time (user + system, every
 * thread's) per execution, which shows what the second thread costs.
 *
 * Before each pair, {@linkcode WARM_EXPLORATIONS} untimed explorations on
 * each count of workers warm both up, as each process of the yardstick
 * ({@linkcode processCeiling}) explores as many times before it is timed:
 * this thread's code is then compiled and optimized, and so is the
 * worker's, which pool.ts keeps for the next 2-worker run. Once before the
 * first pair is not enough: while `between` runs the yardstick's processes
 * (seconds), this process idles, and V8's memory reducer then collects its
 * heaps to save memory, after which the next pair starts half cold (after
 * 30 s idle, a 2-worker exploration of {@linkcode SCALING_EXHAUSTIVE_LARGE}
 * took 749-1115 ms against 483-633 warm, and V8 optimized about 190
 * functions again; with `--v8-flags=--no-memory-reducer`, 520). With `cold`,
 * every 2-worker run starts a new worker instead, which compiles the
 * explorer again, as in a process that explores once.
 *
 * @example Usage
 * ```ts ignore
 * import { SCALING_RANDOM, workerScaling } from "./explore_scaling.ts";
 * console.log((await workerScaling(SCALING_RANDOM, 1)).ratios);
 * ```
 * @param options the exploration
 * @param n pairs of runs
 * @param cold whether each 2-worker run starts a new worker
 * @param between run after each pair (the yardstick's turn, alternated with ours)
 * @returns the rates, their ratios (2 workers / 1) and the CPU microseconds per execution
 */
export async function workerScaling(
  options: ExploreOptions,
  n: number,
  cold = false,
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<
  { one: number[]; two: number[]; ratios: number[]; cpuOne: number[]; cpuTwo: number[] }
> {
  const one: number[] = [], two: number[] = [], ratios: number[] = [];
  const cpuOne: number[] = [], cpuTwo: number[] = [];
  const rate = async (workers: number, cpu: number[]) => {
    const c = process.cpuUsage();
    const t = performance.now();
    const r = await explore({ ...options, ...quiet, workers });
    const seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / r.stats.executions);
    return r.stats.executions / seconds;
  };
  for (let i = 0; i < n; i++) {
    // Before every pair, not once: V8 throws compiled code away when a
    // process has been idle for a while (its memory reducer), as this one
    // is while the yardstick's processes run between pairs.
    for (let k = 0; k < WARM_EXPLORATIONS; k++) {
      await explore({ ...options, ...quiet, workers: 1 });
      if (!cold) await explore({ ...options, ...quiet, workers: 2 });
    }
    const a = await rate(1, cpuOne);
    if (cold) closeIdleWorkers();
    const b = await rate(2, cpuTwo);
    one.push(a);
    two.push(b);
    ratios.push(b / a);
    await between();
  }
  closeIdleWorkers();
  return { one, two, ratios, cpuOne, cpuTwo };
}

/** What one yardstick process reports of its timed exploration. */
interface OnceResult {
  readonly executions: number;
  readonly ms: number;
  readonly cpuMs: number;
}

/**
 * Starts `count` processes of explore_once.ts, waits until each has warmed
 * up, releases them together, and returns what each reports.
 */
async function explorationProcesses(
  options: ExploreOptions,
  count: number,
): Promise<OnceResult[]> {
  const script = new URL("./explore_once.ts", import.meta.url).pathname;
  const children = Array.from({ length: count }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-R", script, JSON.stringify(options), String(WARM_EXPLORATIONS)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn());
  const errors = children.map((c) => new Response(c.stderr).text());
  const lines = children.map((c) =>
    c.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines())[Symbol.asyncIterator]()
  );
  let results: OnceResult[] = [];
  let failure: unknown = null;
  try {
    for (const l of lines) {
      const first = await l.next();
      if (first.value !== "ready") {
        throw new Error(`explore_once.ts: expected ready, got ${first.value}`);
      }
    }
    const writers = children.map((c) => c.stdin.getWriter());
    await Promise.all(writers.map((w) => w.write(new TextEncoder().encode("go\n"))));
    await Promise.all(writers.map((w) => w.close()));
    const answers = await Promise.all(lines.map((l) => l.next()));
    results = answers.map((r) => JSON.parse(r.value as string) as OnceResult);
  } catch (e) {
    // A process that failed leaves the others waiting for the go signal.
    failure = e;
    for (const c of children) {
      try {
        c.kill();
      } catch {
        // Already exited.
      }
    }
  }
  const statuses = await Promise.all(children.map((c) => c.status));
  for (const [k, st] of statuses.entries()) {
    if (!st.success && failure === null) {
      throw new Error(`explore_once.ts failed:\n${await errors[k]}`);
    }
  }
  if (failure !== null) {
    const stderr = (await Promise.all(errors)).join("").trim();
    throw new Error(`${(failure as Error).message ?? failure}${stderr ? `\n${stderr}` : ""}`);
  }
  return results;
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, out) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) out.enqueue(p);
    },
    flush(out) {
      if (rest !== "") out.enqueue(rest);
    },
  });
}

/**
 * The machine's yardstick for the worker rows: what two independent
 * one-thread explorations, each in its own process, get at once, against
 * one alone. Each process warms up with {@linkcode WARM_EXPLORATIONS}
 * explorations first, so that both sides are compiled and optimized, as
 * the explorer's threads are in {@linkcode workerScaling}; the pair is
 * released together. The ratio (executions per second of the two together
 * over one alone) is what the second core gives with no code of ours
 * shared between the threads: the ceiling for `workers: 2` on this machine
 * under its current load. Measured alternately `n` times.
 *
 * @example Usage
 * ```ts ignore
 * import { processCeiling, SCALING_RANDOM } from "./explore_scaling.ts";
 * console.log((await processCeiling(SCALING_RANDOM, 1)).ratios);
 * ```
 * @param options the exploration
 * @param n pairs of measurements (one process alone, then two at once)
 * @returns the ratios, and the CPU microseconds per execution alone and in the pair
 */
export async function processCeiling(
  options: ExploreOptions,
  n: number,
): Promise<{ ratios: number[]; cpuOne: number[]; cpuTwo: number[] }> {
  const ratios: number[] = [], cpuOne: number[] = [], cpuTwo: number[] = [];
  const rate = (r: OnceResult) => r.executions / (r.ms / 1000);
  for (let i = 0; i < n; i++) {
    const [alone] = await explorationProcesses(options, 1);
    const pair = await explorationProcesses(options, 2);
    // The pair's rate: all its executions over the time until both are done.
    const together = (pair[0].executions + pair[1].executions) /
      (Math.max(pair[0].ms, pair[1].ms) / 1000);
    ratios.push(together / rate(alone));
    cpuOne.push(alone.cpuMs * 1000 / alone.executions);
    cpuTwo.push((pair[0].cpuMs + pair[1].cpuMs) * 1000 / (pair[0].executions + pair[1].executions));
  }
  return { ratios, cpuOne, cpuTwo };
}

/**
 * Runs the policy's machine really makes in each of `count` shards and in
 * the unsharded search, on this thread. With `exchange`, the shards run at
 * once and exchange each length through a temporary directory (each run
 * is counted for the shard whose context makes it); without, one after
 * another, as independent parts.
 *
 * @example Usage
 * ```ts ignore
 * import { SCALING_EXHAUSTIVE, shardRuns } from "./explore_scaling.ts";
 * console.log(await shardRuns(SCALING_EXHAUSTIVE, 2, true));
 * ```
 * @param options the exploration (exhaustive)
 * @param count the number of shards
 * @param exchange whether the shards exchange each length's results
 * @returns the unsharded run's runs and each shard's
 */
export async function shardRuns(
  options: ExploreOptions,
  count: number,
  exchange = false,
): Promise<{ whole: number; parts: number[] }> {
  type Counted = { config: { shard: { index: number } } };
  type Run = (...a: unknown[]) => unknown;
  const proto = ExploreContext.prototype as unknown as Record<RunName, Run>;
  const originals = RUNS.map((name) => proto[name]);
  let runs: number[] = [];
  RUNS.forEach((name, k) => {
    proto[name] = function (this: Counted, ...a: unknown[]) {
      runs[this.config.shard.index]++;
      return originals[k].apply(this, a);
    };
  });
  const run = (shard?: string, dir?: string) =>
    explore({
      ...options,
      ...quiet,
      workers: 1,
      ...(shard ? { shard } : {}),
      ...(dir ? { exchange: dir } : {}),
    });
  try {
    runs = [0];
    await run();
    const whole = runs[0];
    runs = new Array(count).fill(0);
    if (exchange) {
      const dir = await Deno.makeTempDir({ prefix: "setway-levels-" });
      try {
        await Promise.all(runs.map((_, i) => run(`${i}/${count}`, dir)));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    } else {
      for (let i = 0; i < count; i++) await run(`${i}/${count}`);
    }
    return { whole, parts: runs };
  } finally {
    RUNS.forEach((name, k) => proto[name] = originals[k]);
  }
}

/** The context's runs of a whole program on the policy's machine, which {@linkcode shardRuns} counts. */
const RUNS = ["runReal", "runRealReusing"] as const;
type RunName = typeof RUNS[number];
