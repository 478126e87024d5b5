/**
 * From a scenario's names to the things a run is built from: the machine
 * (with the scenario's system-cache override applied) and the policy, and the
 * ideal machine the oracle compares against.
 *
 * @module
 */

import type { Machine, SystemCacheSpec } from "../hw/machine.ts";
import type { Scenario } from "./scenario.ts";
import { resolveMachine } from "../machines/mod.ts";

/**
 * The machine a scenario runs on: its preset or machine description, with
 * the system cache as `scenario.systemCache` says (`"machine"`: as the
 * machine has it; `false`: none; a spec: that one).
 *
 * @example Usage
 * ```ts
 * import { scenarioMachine } from "./resolve.ts";
 * const m = scenarioMachine({ machine: "xgene1", systemCache: false });
 * console.log(m.systemCache); // null
 * ```
 * @param scenario the scenario's `machine` and `systemCache`
 * @returns the machine
 * @throws {ScenarioError} for an unknown preset or an invalid machine
 */
export function scenarioMachine(
  scenario: Pick<Scenario, "machine" | "systemCache">,
): Machine {
  const base = resolveMachine(scenario.machine, "machine");
  return withSystemCache(base, scenario.systemCache);
}

/**
 * A machine with its system cache replaced.
 *
 * @example Usage
 * ```ts
 * import { withSystemCache } from "./resolve.ts";
 * import { generic } from "../machines/mod.ts";
 * const m = withSystemCache(generic, { size: 8 << 20, ways: 16 });
 * console.log(m.systemCache?.size); // 8388608
 * ```
 * @param machine the machine
 * @param systemCache `"machine"` to keep it, `false` for none, or a spec
 * @returns the same machine when nothing changes, else a new one
 */
export function withSystemCache(
  machine: Machine,
  systemCache: "machine" | false | SystemCacheSpec,
): Machine {
  if (systemCache === "machine") return machine;
  return Object.freeze({ ...machine, systemCache: systemCache === false ? null : systemCache });
}

/**
 * The oracle's ideal machine: the same CPUs and architected caches, without
 * the system cache, so that a set/way walk reaches every level up to the PoC.
 *
 * @example Usage
 * ```ts
 * import { idealMachine } from "./resolve.ts";
 * import { xgene1 } from "../machines/mod.ts";
 * console.log(idealMachine(xgene1).systemCache); // null
 * ```
 * @param machine the real machine
 * @returns the ideal machine
 */
export function idealMachine(machine: Machine): Machine {
  return Object.freeze({
    ...machine,
    name: `${machine.name}-ideal`,
    systemCache: null,
  });
}
