/**
 * Questions about a machine's shape that the DSL and reports ask: how many
 * CPUs it has, which cluster a CPU sits in, how many architected cache
 * levels (the levels CLIDR reports and a set/way walk visits) a CPU sees.
 *
 * A system cache is never an architected level: it is not in CLIDR and
 * set/way operations do not reach it.
 *
 * @example Usage
 * ```ts
 * import { cpuCount, architectedLevels } from "./topology.ts";
 * import { xgene1 } from "./xgene1.ts";
 * console.log(cpuCount(xgene1)); // 8
 * console.log(architectedLevels(xgene1, 0)); // 2
 * ```
 *
 * @module
 */

import { ScenarioError } from "../errors.ts";
import type { ClusterSpec, Machine } from "../hw/machine.ts";

/**
 * The number of CPUs of a machine, summed over its clusters.
 *
 * @example Usage
 * ```ts
 * import { cpuCount } from "./topology.ts";
 * import { junoR0 } from "./juno_r0.ts";
 * console.log(cpuCount(junoR0)); // 6
 * ```
 * @param machine the machine
 * @returns its CPU count
 */
export function cpuCount(machine: Machine): number {
  let n = 0;
  for (const cluster of machine.clusters) n += cluster.cpus;
  return n;
}

/**
 * The cluster that holds physical CPU `cpu` (clusters are numbered in CPU order).
 *
 * @example Usage
 * ```ts
 * import { clusterOf } from "./topology.ts";
 * import { tc2 } from "./tc2.ts";
 * console.log(clusterOf(tc2, 2).index); // 1 (the Cortex-A7 cluster)
 * ```
 * @param machine the machine
 * @param cpu a physical CPU index
 * @returns the cluster's index and description
 * @throws {ScenarioError} `out_of_range` when the machine has no such CPU
 */
export function clusterOf(machine: Machine, cpu: number): { index: number; cluster: ClusterSpec } {
  let first = 0;
  for (let index = 0; index < machine.clusters.length; index++) {
    const cluster = machine.clusters[index];
    if (cpu >= first && cpu < first + cluster.cpus) return { index, cluster };
    first += cluster.cpus;
  }
  throw new ScenarioError(
    "out_of_range",
    "cpu",
    cpu,
    `cpu ${cpu}: machine "${machine.name}" has CPUs 0 to ${first - 1}`,
  );
}

/**
 * How many cache levels CPU `cpu` reports in CLIDR: 1 (L1D only) or 2 (L1D and
 * the cluster L2). The system cache is not counted.
 *
 * @example Usage
 * ```ts
 * import { architectedLevels } from "./topology.ts";
 * import { generic } from "./generic.ts";
 * console.log(architectedLevels(generic, 0)); // 2
 * ```
 * @param machine the machine
 * @param cpu a physical CPU index
 * @returns the number of architected data-cache levels
 */
export function architectedLevels(machine: Machine, cpu: number): number {
  return clusterOf(machine, cpu).cluster.l2 ? 2 : 1;
}
