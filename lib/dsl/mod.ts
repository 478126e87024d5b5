/**
 * The fluent DSL: immutable builders that produce a plain, JSON-serializable
 * {@linkcode Scenario}, and the validation that reads one back.
 *
 * The DSL holds no rule of its own: each builder call asks the rulebook
 * (lib/engine/rules) about its value and names the call in the error;
 * `toJSON()`, `validate()` and `scenarioFrom()` check the whole scenario
 * with the same rules and return a frozen copy that `run()` trusts.
 *
 * ```ts
 * import { vm } from "@setway/setway";
 * const scenario = vm()
 *   .machine("xgene1").cpus(4).systemCache().policy("kvm-4.0")
 *   .guest((g) => g.zImage32())
 *   .toJSON();
 * ```
 *
 * produces (abridged)
 *
 * ```json
 * { "version": 1, "machine": "xgene1", "cpus": 4, "systemCache": "machine",
 *   "policy": "kvm-4.0", "ram": 1073741824, "ramBase": 1073741824,
 *   "prefault": false, "seed": 1, "speculation": "quiet",
 *   "steps": [{ "kind": "exec_state", "vcpu": 0, "aarch32": true },
 *             { "kind": "pc", "vcpu": 0, "addr": 1073774592 }, ...] }
 * ```
 *
 * @module
 */

export { DEFAULT_SYSTEM_CACHE, vm, VmBuilder } from "./vm.ts";
export type { RamOptions, SystemCacheChoice, VmProps, VmRunOptions } from "./vm.ts";
export { GuestBuilder, type GuestBuilderProps, type GuestPresetFn } from "./guest.ts";
export { HostBuilder, type HostBuilderProps, type HostOptions } from "./host.ts";
export { scenarioFrom } from "./scenario_from.ts";
export { SPECULATION_MODES, validate, type ValidationResult } from "./validate.ts";
export {
  callError,
  InvalidScenarioError,
  type IssueForm,
  issueMessage,
  makeIssue,
  type ScenarioIssue,
} from "./issues.ts";
export { parseRam, type RamSize, type RamString, type RamUnit } from "./ram.ts";
export {
  DC_SW_OPS,
  DC_VA_OPS,
  STEP_KINDS,
  type StepContext,
  stepIssues,
  stepsIssues,
} from "../engine/rules/steps.ts";
export type { StepList } from "./step_list.ts";
export { type RamRange } from "../engine/rules/values.ts";
export { type Scenario, SCENARIO_VERSION, type Speculation } from "../engine/scenario.ts";
export type { RunOptions } from "../engine/options.ts";
export type { Budget } from "../engine/budget.ts";
export type { RunResult } from "../engine/result.ts";
export { ScenarioError, type ScenarioErrorCode } from "../errors.ts";
export type {
  CacheGeometry,
  ClusterSpec,
  Machine,
  MachineFeatures,
  SystemCacheSpec,
} from "../hw/machine.ts";
export type { Policy } from "../hyp/policy.ts";
export type { DcSwOp, DcVaOp, SctlrBits, Step, StepKind, VmRegName } from "../guest/ops.ts";
export type { SimpleGuestOptions } from "../guest/options.ts";
export type { ImageOptions } from "../guest/image.ts";
export type { ZImage32Options, ZImageEra } from "../guest/zimage32.ts";
