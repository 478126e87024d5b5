/**
 * The exploration workloads of the benchmarks (`bench/explore_bench.ts`,
 * `deno task bench:report`) and how their rate is measured.
 *
 * @module
 */

import { explore, type ExploreOptions } from "../mod.ts";

const quiet = { progress: false, shrink: false } as const;

/**
 * The workloads, single-threaded: short programs, and programs with set/way
 * walks (`short: false`).
 *
 * @example Usage
 * ```ts
 * import { WORKLOADS } from "./explore_workloads.ts";
 * console.log(WORKLOADS.filter((w) => w.short).length); // 3
 * ```
 */
export const WORKLOADS: readonly {
  readonly name: string;
  /** Whether its programs are short (no set/way walk): the 50 000/s target applies. */
  readonly short: boolean;
  readonly options: ExploreOptions;
}[] = [
  {
    name: "exhaustive, xgene1, kvm-4.0, cleans-by-va, 5 ops, every hardware choice",
    short: true,
    options: {
      machine: "xgene1",
      policy: "kvm-4.0",
      guestClass: "cleans-by-va",
      maxOps: 5,
      ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    },
  },
  {
    name: "exhaustive, generic, kvm-3.18, 2 vCPUs, 4 ops with migrations",
    short: true,
    options: {
      machine: "generic",
      policy: "kvm-3.18",
      cpus: 2,
      maxOps: 4,
      ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff", "migrate"],
    },
  },
  {
    name: "random, xgene1, xen, 6 ops, 20 000 programs",
    short: true,
    options: {
      machine: "xgene1",
      policy: "xen",
      mode: "random",
      executions: 20_000,
      maxOps: 6,
      ops: ["write", "read", "dc_civac", "dc_cvac", "mmuOn", "mmuOff", "vmReg"],
    },
  },
  {
    name: "random, xgene1, kvm-3.18, 6 ops with set/way walks (4608 trapped slots each)",
    short: false,
    options: {
      machine: "xgene1",
      policy: "kvm-3.18",
      mode: "random",
      executions: 2_000,
      maxOps: 6,
      ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    },
  },
  {
    name: "random, xgene1, kvm-4.0, 6 ops with set/way walks (idle slots recorded at once)",
    short: false,
    options: {
      machine: "xgene1",
      policy: "kvm-4.0",
      mode: "random",
      executions: 20_000,
      maxOps: 6,
      ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    },
  },
];

/**
 * Executions per second of one workload, the median of `repeat` runs.
 *
 * @example Usage
 * ```ts ignore
 * import { rate, WORKLOADS } from "./explore_workloads.ts";
 * const { perSecond } = await rate(WORKLOADS[0].options, 1);
 * console.log(perSecond > 0); // true
 * ```
 * @param options the exploration
 * @param repeat how many runs
 * @returns executions and the median rate
 */
export async function rate(
  options: ExploreOptions,
  repeat = 3,
): Promise<{ executions: number; perSecond: number }> {
  const rates: number[] = [];
  let executions = 0;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    const r = await explore({ ...options, ...quiet });
    const s = (performance.now() - t) / 1000;
    executions = r.stats.executions;
    rates.push(executions / s);
  }
  rates.sort((a, b) => a - b);
  return { executions, perSecond: rates[Math.floor(rates.length / 2)] };
}
