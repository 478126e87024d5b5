/**
 * The checks a machine description passes before {@linkcode Hardware}
 * (hardware.ts) builds a model of it: at least one cluster, every cluster at
 * least one CPU, at most `MAX_CPUS` CPUs in all, every cache a geometry
 * cache_geometry.ts accepts (the L1s and L2s also one CCSIDR can describe),
 * one line size for every cache of the machine (the coherent hierarchy moves
 * whole lines between levels), a cluster's CLIDR fields and CTR_EL0 bits of
 * the right shape (clidr.ts, ctr.ts), and at most `MAX_TOTAL_CACHE` bytes of cache
 * in all (lib/limits.ts).
 *
 * @example Usage
 * ```ts
 * import { checkMachine } from "./machine_check.ts";
 * const shape = checkMachine({ name: "m", description: "",
 *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] });
 * console.log(shape.cpuCount, shape.lineSize); // 2 64
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { MAX_CPUS, MAX_TOTAL_CACHE } from "../limits.ts";
import { checkArchitected, checkGeometry } from "./cache_geometry.ts";
import { coreClidrProblem } from "./clidr.ts";
import { coreCtrProblem } from "./ctr.ts";
import type { Machine } from "./machine.ts";

/**
 * Checks a machine description (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { checkMachine } from "./machine_check.ts";
 * try {
 *   checkMachine({ name: "m", description: "", clusters: [] });
 * } catch (e) {
 *   console.log((e as Error).message); // machine.clusters([]): expected at least one cluster
 * }
 * ```
 * @param machine the machine description
 * @returns the number of CPUs and the line size every cache shares
 * @throws {ScenarioError} `invalid_value` without a cluster, `bad_geometry` for a cache the
 *   machine cannot have, `out_of_range` for a bad CPU count or more cache in all than
 *   lib/limits.ts allows
 */
export function checkMachine(machine: Machine): { cpuCount: number; lineSize: number } {
  const clusters = machine?.clusters;
  if (!Array.isArray(clusters) || clusters.length === 0) {
    throw new ScenarioError(
      "invalid_value",
      "machine.clusters",
      clusters,
      `machine.clusters(${showValue(clusters)}): expected at least one cluster`,
    );
  }
  let cpuCount = 0;
  let lineSize = 0;
  const sameLine = (size: number, call: string) => {
    if (lineSize === 0) lineSize = size;
    if (size !== lineSize) {
      throw new ScenarioError(
        "bad_geometry",
        call,
        size,
        `${call}: line size ${size} differs from ${lineSize}; every cache of a machine must use one line size`,
      );
    }
  };
  clusters.forEach((c, k) => {
    if (!(Number.isInteger(c?.cpus) && c.cpus >= 1)) {
      throw new ScenarioError(
        "out_of_range",
        `clusters[${k}].cpus`,
        c?.cpus,
        `clusters[${k}].cpus(${showValue(c?.cpus)}): expected an integer of at least 1`,
      );
    }
    const l1 = checkGeometry(c.l1d, `clusters[${k}].l1d`);
    checkArchitected(l1, `clusters[${k}].l1d`, c.l1d);
    sameLine(l1.lineSize, `clusters[${k}].l1d`);
    if (c.l2) {
      const l2 = checkGeometry(c.l2, `clusters[${k}].l2`);
      checkArchitected(l2, `clusters[${k}].l2`, c.l2);
      sameLine(l2.lineSize, `clusters[${k}].l2`);
    }
    const core = { clidr: coreClidrProblem(c.clidr, c.l2 ? 2 : 1), ctr: coreCtrProblem(c.ctr) };
    for (const [name, problem] of Object.entries(core)) {
      if (problem === null) continue;
      const call = `clusters[${k}].${name}${problem.field === "" ? "" : `.${problem.field}`}`;
      throw new ScenarioError(
        problem.outOfRange ? "out_of_range" : "invalid_value",
        call,
        problem.value,
        `${call}(${showValue(problem.value)}): expected ${problem.expected}`,
      );
    }
    cpuCount += c.cpus;
  });
  if (cpuCount > MAX_CPUS) {
    throw new ScenarioError(
      "out_of_range",
      "machine.clusters",
      cpuCount,
      `machine.clusters: ${cpuCount} CPUs in all, at most ${MAX_CPUS} are modelled`,
    );
  }
  const sysSpec = machine.systemCache ?? null;
  if (sysSpec) sameLine(checkGeometry(sysSpec, "systemCache").lineSize, "systemCache");
  const bytes = clusters.reduce((n, c) => n + c.l1d.size * c.cpus + (c.l2?.size ?? 0), 0) +
    (sysSpec?.size ?? 0);
  if (bytes > MAX_TOTAL_CACHE) {
    throw new ScenarioError(
      "out_of_range",
      "machine",
      bytes,
      `machine: ${bytes} bytes of cache in all, at most ${MAX_TOTAL_CACHE} (512 MiB) are modelled`,
    );
  }

  return { cpuCount, lineSize };
}
