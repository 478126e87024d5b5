/**
 * The run engine: `run(scenario)`, its options and result, scenario
 * validation, and the oracle's types.
 *
 * @example Usage
 * ```ts
 * import { run } from "./mod.ts";
 * const result = run({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-3.18",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "sctlr", vcpu: 0, bits: { m: true, c: true } }],
 * });
 * console.log(result.events.map((e) => e.name));
 * ```
 *
 * @module
 */

export { run } from "./run.ts";
export { DEFAULT_MAX_STEPS, type RunOptions } from "./options.ts";
export { type Cost, costOf, RunResult, type RunResultJSON, type Verdict } from "./result.ts";
export {
  assertScenario,
  MAX_RAM,
  type ScenarioIssue,
  type ScenarioValidation,
  validateScenario,
} from "./validate.ts";
export {
  type Blame,
  expectedReads,
  firstFailingRead,
  type Violation,
  type ViolationKind,
  violationKind,
} from "./oracle.ts";
export { idealMachine, scenarioMachine, withSystemCache } from "./resolve.ts";
export { EventLog } from "./event_log.ts";
export {
  candidateLines,
  execute,
  type ExecuteInput,
  type ExecuteOutput,
  type ReadObservation,
} from "./execute.ts";
export { ArchCheck } from "./arch_check.ts";
export { DEFAULT_RAM_BASE, type Scenario, SCENARIO_VERSION, type Speculation } from "./scenario.ts";
