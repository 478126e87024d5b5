/**
 * Machine presets and the lookup the DSL uses: `vm().machine("xgene1")`.
 *
 * | name          | CPUs | caches                                                      |
 * | ------------- | ---- | ----------------------------------------------------------- |
 * | `generic`     | 4    | 32 KiB 4-way L1D, 1 MiB 16-way L2                           |
 * | `xgene1`      | 8    | 4 pairs; 256 KiB L2 per pair; 8 MiB L3 system cache         |
 * | `juno-r0`     | 6    | 2 × A57 (2 MiB L2) + 4 × A53 (1 MiB L2)                     |
 * | `tc2`         | 5    | 2 × A15 (1 MiB L2) + 3 × A7 (512 KiB L2)                    |
 * | `neoverse-n1` | 4    | private 1 MiB L2 per core, 8 MiB SLC, no FWB                |
 * | `neoverse-v1` | 4    | private 1 MiB L2 per core, 8 MiB SLC, stage-2 FWB           |
 * | `armada-8040` | 4    | 2 pairs; 512 KiB L2 per pair; 1 MiB LLC system cache        |
 *
 * A machine of the user's own is checked by validate.ts against the limits
 * of lib/limits.ts, the same the hardware model enforces: the machine
 * chapter of the rulebook (lib/engine/rules/mod.ts names it), kept here,
 * below the engine, so that presets and `resolveMachine()` use it too.
 *
 * @example Usage
 * ```ts
 * import { resolveMachine, listMachines } from "@setway/setway/hw";
 * console.log(resolveMachine("tc2").clusters.length); // 2
 * console.log(listMachines().map((m) => m.name).includes("xgene1")); // true
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { didYouMean } from "../options.ts";
import type { Machine } from "../hw/machine.ts";
import { armada8040 } from "./armada_8040.ts";
import { generic } from "./generic.ts";
import { junoR0 } from "./juno_r0.ts";
import { neoverseN1 } from "./neoverse_n1.ts";
import { neoverseV1 } from "./neoverse_v1.ts";
import { tc2 } from "./tc2.ts";
import { assertMachine } from "./validate.ts";
import { xgene1 } from "./xgene1.ts";

export type { ScenarioErrorCode } from "../errors.ts";
export type {
  CacheGeometry,
  ClusterSpec,
  Machine,
  MachineFeatures,
  SystemCacheSpec,
} from "../hw/machine.ts";
export { armada8040, generic, junoR0, neoverseN1, neoverseV1, tc2, xgene1 };
export { architectedLevels, clusterOf, cpuCount } from "./topology.ts";
export {
  assertMachine,
  cacheBytes,
  geometryIssues,
  type MachineIssue,
  machineIssues,
  MAX_ARCH_SETS,
  MAX_CACHE_SIZE,
  MAX_CPUS,
  MAX_LINE_SIZE,
  MAX_TOTAL_CACHE,
  systemCacheFitIssues,
  systemCacheIssues,
} from "./validate.ts";

/**
 * Every machine preset by name.
 *
 * @example Usage
 * ```ts
 * import { machines } from "@setway/setway";
 * console.log(machines["juno-r0"].clusters[0].core); // "Cortex-A57"
 * ```
 */
export const machines: Readonly<Record<string, Machine>> = Object.freeze({
  [generic.name]: generic,
  [xgene1.name]: xgene1,
  [junoR0.name]: junoR0,
  [tc2.name]: tc2,
  [neoverseN1.name]: neoverseN1,
  [neoverseV1.name]: neoverseV1,
  [armada8040.name]: armada8040,
});

/**
 * The preset names, in the order {@linkcode listMachines} shows them.
 *
 * @example Usage
 * ```ts
 * import { machineNames } from "./mod.ts";
 * console.log(machineNames()[0]); // "generic"
 * ```
 * @returns the names of every preset
 */
export function machineNames(): string[] {
  return Object.keys(machines);
}

/**
 * Turns a preset name or a user machine into a validated {@linkcode Machine}.
 *
 * @example Usage
 * ```ts
 * import { resolveMachine } from "@setway/setway/hw";
 * console.log(resolveMachine("xgene1").systemCache?.size); // 8388608
 * ```
 * @param machine a preset name, or a machine description to validate
 * @param call the builder call or field to name in errors; default `"machine"`
 * @returns the machine
 * @throws {ScenarioError} `unknown_name` (listing the valid names) for an unknown
 *   preset; `bad_geometry`, `bad_schema`, `invalid_value` or `out_of_range` for a
 *   user machine that cannot be built
 */
export function resolveMachine(machine: string | Machine, call = "machine"): Machine {
  if (typeof machine === "string") {
    if (Object.hasOwn(machines, machine)) return machines[machine];
    throw new ScenarioError(
      "unknown_name",
      call,
      machine,
      `${call}(${showValue(machine)}): unknown machine${
        didYouMean(machine, machineNames())
      }; valid names: ${machineNames().join(", ")}`,
    );
  }
  return assertMachine(machine, call);
}

/**
 * Every preset's name and one-line description, for `list` commands.
 *
 * @example Usage
 * ```ts
 * import { listMachines } from "@setway/setway/hw";
 * for (const { name, description } of listMachines()) console.log(`${name}: ${description}`);
 * ```
 * @returns `{ name, description }` of each preset
 */
export function listMachines(): { name: string; description: string }[] {
  return Object.values(machines).map(({ name, description }) => ({ name, description }));
}
