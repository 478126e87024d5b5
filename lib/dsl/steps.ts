/**
 * Validation of guest steps as data, re-exported from the engine's
 * {@link ../engine/step_issues.ts}: the builders, `toJSON()`,
 * `scenarioFrom()` and `run()` share one step checker.
 *
 * @example Usage
 * ```ts
 * import { stepIssues } from "./steps.ts";
 * const ctx = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * const issues = stepIssues({ kind: "read", vcpu: 0, addr: 0x3 }, "steps[0]", ctx);
 * console.log(issues[0].path, issues[0].code); // "steps[0].addr" "bad_address"
 * ```
 *
 * @module
 */

export {
  aarch32OnlyMachine,
  aarch64Refusal,
  DC_SW_OPS,
  DC_VA_OPS,
  STEP_KINDS,
  type StepContext,
  stepIssues,
  stepsIssues,
} from "../engine/step_issues.ts";
