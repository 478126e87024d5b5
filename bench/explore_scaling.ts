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
 * Executions per second of wall time on 1 and on 2 workers, measured
 * alternately `n` times (so that machine load touches both alike); the
 * ratio of each pair; and the process's CPU time (user + system, every
 * thread's) per execution, which shows what the second thread costs.
 *
 * @example Usage
 * ```ts ignore
 * import { SCALING_RANDOM, workerScaling } from "./explore_scaling.ts";
 * console.log((await workerScaling(SCALING_RANDOM, 1)).ratios);
 * ```
 * @param options the exploration
 * @param n pairs of runs
 * @returns the rates, their ratios (2 workers / 1) and the CPU microseconds per execution
 */
export async function workerScaling(
  options: ExploreOptions,
  n: number,
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
    const a = await rate(1, cpuOne);
    const b = await rate(2, cpuTwo);
    one.push(a);
    two.push(b);
    ratios.push(b / a);
  }
  return { one, two, ratios, cpuOne, cpuTwo };
}

/**
 * Runs the policy's machine really makes in each of `count` shards and in
 * the unsharded search, on this thread.
 *
 * @example Usage
 * ```ts ignore
 * import { SCALING_EXHAUSTIVE, shardRuns } from "./explore_scaling.ts";
 * console.log(await shardRuns(SCALING_EXHAUSTIVE, 2));
 * ```
 * @param options the exploration (exhaustive)
 * @param count the number of shards
 * @returns the unsharded run's runs and each shard's
 */
export async function shardRuns(
  options: ExploreOptions,
  count: number,
): Promise<{ whole: number; parts: number[] }> {
  const proto = ExploreContext.prototype as unknown as { runReal: (...a: unknown[]) => unknown };
  const original = proto.runReal;
  let runs = 0;
  proto.runReal = function (this: unknown, ...a: unknown[]) {
    runs++;
    return original.apply(this, a);
  };
  try {
    const measure = async (shard?: string) => {
      runs = 0;
      await explore({ ...options, ...quiet, workers: 1, ...(shard ? { shard } : {}) });
      return runs;
    };
    const whole = await measure();
    const parts: number[] = [];
    for (let i = 0; i < count; i++) parts.push(await measure(`${i}/${count}`));
    return { whole, parts };
  } finally {
    proto.runReal = original;
  }
}
