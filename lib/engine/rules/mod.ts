/**
 * The rulebook: every check of a scenario's input, one file per kind of
 * input, each taking its bounds from lib/limits.ts and writing its
 * messages through {@linkcode issueMessage} (the machine rules keep their
 * own `path = value: expected ...` form).
 *
 * | input                                      | rules                                     |
 * | ------------------------------------------ | ----------------------------------------- |
 * | one value (address, RAM, page, index, ...) | values.ts                                 |
 * | a machine description, a system cache      | lib/machines/validate.ts (re-exported)    |
 * | the scenario's settings (the VM)           | scenario.ts                               |
 * | guest and host steps                       | steps.ts                                  |
 * | expectations                               | expectations.ts                           |
 * | run options (budget, policy)               | entry.ts, with lib/engine/budget.ts       |
 * | explore options                            | lib/engine/explore/options.ts, values.ts  |
 *
 * The builders of lib/dsl call these rules at each call, naming the call;
 * `toJSON()`, `validate()` and `scenarioFrom()` run {@linkcode scenarioIssues}
 * on the whole scenario, naming the field, and return the deep-frozen copy
 * {@linkcode checkedScenario} marks. `run()` and `check()` check a scenario
 * once, on entry ({@linkcode assertScenario}), in full for plain data (JSON,
 * a scenario written by hand) and only its machine and policy for a marked
 * copy; past the entry the engine trusts it.
 *
 * The machine rules live with the machine presets, below the engine, as
 * `Cache` and `Hardware` in lib/hw check their own constructor input
 * against the same limits.
 *
 * @example Usage
 * ```ts
 * import { scenarioIssues, stepIssues } from "./mod.ts";
 * const ctx = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * console.log(stepIssues({ kind: "read", vcpu: 0, addr: 3 }, "steps[0]", ctx)[0].code); // "bad_address"
 * console.log(scenarioIssues({ version: 1 }).issues.length > 0); // true
 * ```
 *
 * @module
 */

export {
  addressProblem,
  indexProblem,
  integerProblem,
  nameProblem,
  PAGE_SIZE,
  pageProblem,
  pcProblem,
  type Problem,
  ramBaseProblem,
  ramEndProblem,
  ramProblem,
  type RamRange,
  ramSizeProblem,
  toU32,
  u32Problem,
} from "./values.ts";
export {
  describeProblem,
  type IssueForm,
  issueMessage,
  makeIssue,
  type ScenarioIssue,
  showArg,
} from "./issues.ts";
export {
  cacheBytes,
  geometryIssues,
  machineIssues,
  systemCacheFitIssues,
  systemCacheIssues,
} from "../../machines/validate.ts";
export {
  type CheckedScenario,
  checkedScenario,
  isCheckedScenario,
  OPTIONAL_SCENARIO_FIELDS,
  SCENARIO_FIELDS,
  type ScenarioCheck,
  type ScenarioCheckOptions,
  scenarioIssues,
  SPECULATION_MODES,
} from "./scenario.ts";
export {
  aarch32OnlyMachine,
  aarch64Refusal,
  DC_SW_OPS,
  DC_VA_OPS,
  STEP_KINDS,
  type StepContext,
  stepIssues,
  stepsIssues,
} from "./steps.ts";
export {
  assertExpectation,
  type ExpectationContext,
  expectationIssues,
  expectationsIssues,
} from "./expectations.ts";
export { assertScenario, type ScenarioValidation, validateScenario } from "./entry.ts";
