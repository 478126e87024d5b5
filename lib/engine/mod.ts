/**
 * The run engine: `run(scenario)`, its options and result, scenario
 * validation, and the oracle's types.
 *
 * The rules every scenario input is checked by live in rules/ (the
 * rulebook: values, scenario settings, steps, expectations and the run
 * entry check); the DSL calls them at each builder call, `run()` once on
 * entry, and nothing past the entry checks a scenario again.
 *
 * `run()`, `check()` (expect/) and `explore()` (explore/) all drive
 * `execute()` (execute.ts) and share two things: one judge (judge.ts: the
 * native and ideal reference runs, the kind and the blame of a failed
 * read) and one family of choosers (choosers.ts: the hardware and
 * scheduler choices replayed, searched, drawn or planned).
 *
 * @example Usage
 * ```ts
 * import { run } from "@setway/setway";
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
export {
  DEFAULT_MAX_EVENTS,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TOUCHED_PAGES,
  type RunOptions,
} from "./options.ts";
export {
  type Budget,
  BUDGET_FIELDS,
  budgetExceeded,
  budgetIssues,
  BudgetMeter,
  budgetOptions,
  checkStepCount,
  isBudgetLimit,
  type RunBudget,
  runBudget,
} from "./budget.ts";
export {
  SCENARIO_FIELDS,
  type ScenarioCheck,
  type ScenarioCheckOptions,
  scenarioIssues,
  SPECULATION_MODES,
} from "./rules/scenario.ts";
export {
  DC_SW_OPS,
  DC_VA_OPS,
  MAX_PROGRAM_STEPS,
  STEP_KINDS,
  type StepContext,
  stepIssues,
  stepsIssues,
} from "./rules/steps.ts";
export {
  describeProblem,
  type IssueForm,
  issueMessage,
  makeIssue,
  showArg,
} from "./rules/issues.ts";
export { type Cost, costOf, RunResult, type RunResultJSON, type Verdict } from "./result.ts";
export {
  assertScenario,
  MAX_RAM,
  type ScenarioIssue,
  type ScenarioValidation,
  validateScenario,
} from "./rules/entry.ts";
export {
  type Blame,
  expectedReads,
  firstFailingRead,
  type Violation,
  type ViolationKind,
  violationKind,
} from "./oracle.ts";
export { idealMachine, scenarioMachine, withSystemCache } from "./resolve.ts";
export { EventLog, type LoggedEvents } from "./event_log.ts";
export {
  candidateLines,
  execute,
  type ExecuteInput,
  type ExecuteOutput,
  type ReadObservation,
} from "./execute.ts";
export { ArchCheck } from "./arch_check.ts";
export { type Crash } from "./execute.ts";
export { CostingSink } from "./costing_sink.ts";
export {
  compare,
  type CompareOptions,
  type Comparison,
  type ComparisonRow,
  type FlushDiff,
  flushDiff,
  flushLines,
  type ScenarioSource,
} from "./compare.ts";
export { DEFAULT_RAM_BASE, type Scenario, SCENARIO_VERSION, type Speculation } from "./scenario.ts";
