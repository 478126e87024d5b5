/**
 * setway: scenarios about ARM cache maintenance under virtualization.
 *
 * Describe a machine, a hypervisor policy and a guest program with the
 * fluent DSL, run it on the model, and read the flush events a real
 * hypervisor would produce on that hardware, plus a verdict: did the guest
 * ever read stale data, and whose fault is it.
 *
 * This module holds what a scenario needs: the DSL, `run`, `compare`,
 * `checkExpectations` and `explore`, the result and verdict types, the
 * built-in policies and `definePolicy`, the guest and machine presets, the
 * golden assertions and `ScenarioError`. The rest lives behind subpaths:
 *
 * | import                     | what it holds                                                   |
 * | -------------------------- | --------------------------------------------------------------- |
 * | `@setway/setway/expect`    | expectations (`never`, `exists`, `stale`, ...) and their checks |
 * | `@setway/setway/explore`   | the explorer's helpers: reports, replay, merge, guest classes   |
 * | `@setway/setway/report`    | traces, verdicts, tables, JSON, NDJSON and the HTML timeline    |
 * | `@setway/setway/golden`    | golden files: assertion, errors, update summary                 |
 * | `@setway/setway/policies`  | the policy contract, configurable policies, the cost model      |
 * | `@setway/setway/hw`        | caches, memory, the hardware model, machine presets, choosers   |
 * | `@setway/setway/guest`     | guest presets, step types, the DSL's option types               |
 * | `@setway/setway/export`    | a scenario as a bare-metal AArch64 test                         |
 * | `@setway/setway/binary`    | real guest machine code under Unicorn (needs `--allow-ffi`)     |
 *
 * Importing this module loads the DSL and the engine only: the explorer,
 * the golden files and the report formats load when first used.
 *
 * @example Usage
 * ```ts
 * import { vm } from "@setway/setway";
 *
 * const run = await vm().machine("xgene1").cpus(4).systemCache().policy("kvm-4.0")
 *   .guest((g) => g.zImage32())
 *   .run();
 * console.log(run.trace({ filter: "flush" }));
 * console.log(run.verdict.ok); // true: KVM 4.0 flushes by VA, which reaches the L3
 * ```
 *
 * @module
 */

import type {
  Answer,
  CheckOptions,
  CheckResult,
  ExpectationResult,
} from "./lib/engine/expect/check.ts";
import type { Scenario } from "./lib/engine/scenario.ts";
import type { ExploreOptions } from "./lib/engine/explore/options.ts";
import type { ExploreReport } from "./lib/engine/explore/report.ts";
import type { GoldenOptions, Traceable } from "./lib/golden/golden.ts";

// The DSL.
export { vm, VmBuilder, type VmRunOptions } from "./lib/dsl/vm.ts";
export { GuestBuilder } from "./lib/dsl/guest.ts";
export { HostBuilder } from "./lib/dsl/host.ts";
export { scenarioFrom } from "./lib/dsl/scenario_from.ts";
export { validate, type ValidationResult } from "./lib/dsl/validate.ts";
export { InvalidScenarioError, type ScenarioIssue } from "./lib/dsl/issues.ts";
export { ScenarioError, type ScenarioErrorCode } from "./lib/errors.ts";

// Scenarios, runs, verdicts.
export type { Scenario, Speculation } from "./lib/engine/scenario.ts";
export type { Step } from "./lib/guest/ops.ts";
export { run } from "./lib/engine/run.ts";
export type { RunOptions } from "./lib/engine/options.ts";
export type { Budget } from "./lib/engine/budget.ts";
export { type Cost, RunResult, type RunResultJSON, type Verdict } from "./lib/engine/result.ts";
export type { Blame, Violation, ViolationKind } from "./lib/engine/oracle.ts";
export type { Crash } from "./lib/engine/execute.ts";
export type { SetwayEvent } from "./lib/hyp/events.ts";
export {
  compare,
  type CompareOptions,
  type Comparison,
  type ComparisonRow,
  type ScenarioSource,
} from "./lib/engine/compare.ts";
export type { Answer, CheckOptions, CheckResult, ExpectationResult };
export type { Expectation } from "./lib/engine/expect/expectation.ts";
export type { ExploreOptions, ExploreReport };

// Policies, guests and machines.
export type { Policy } from "./lib/hyp/policy.ts";
export {
  definePolicy,
  kvm318,
  kvm40,
  kvm40SwOnly,
  kvmModern,
  native,
  policies,
  type PolicyDefinition,
  trapNothing,
  xen,
  xenIommu,
} from "./lib/hyp/policies/mod.ts";
export { presets } from "./lib/guest/mod.ts";
export { machines } from "./lib/machines/mod.ts";
export type { Machine } from "./lib/hw/machine.ts";

// Goldens.
export { GoldenError } from "./lib/golden/error.ts";
export type { GoldenOptions, Traceable };

/**
 * Checks a scenario's expectations over every execution the hardware may
 * choose: each `exists`, `never` or `forall` is answered Always, Sometimes
 * or Never, with counts and a witness run of each side. The checker loads
 * on the first call; `vm()...expect(...).check()` is the same from the DSL.
 *
 * @example Usage
 * ```ts
 * import { checkExpectations } from "@setway/setway";
 * const r = await checkExpectations({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "xen-iommu",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "sw_walk", vcpu: 0, op: "isw" }],
 *   expect: [{ kind: "forall", what: { kind: "crashed" } }],
 * });
 * console.log(r.ok, r.expectations[0].answer); // true Always
 * ```
 * @param scenario the scenario, with its `expect` (or `options.expect`)
 * @param options bounds, budget, policy
 * @returns the answers, counts and witnesses
 * @throws {ScenarioError} for an invalid scenario, bad expectations or options,
 *   or when there is no expectation to check
 */
export async function checkExpectations(
  scenario: Scenario,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const checker = await import("./lib/engine/expect/check.ts");
  return checker.checkExpectations(scenario, options);
}

/**
 * Explores every guest up to N operations with every hardware choice, and
 * answers a question such as "can any guest that turns its MMU off without
 * set/way escape the hypervisor's notice?" with grouped, shrunk
 * counterexamples. The explorer loads on the first call; the same function,
 * with the report formatting, replay and merge, is `@setway/setway/explore`.
 *
 * @example Usage
 * ```ts
 * import { explore } from "@setway/setway";
 * const report = await explore({
 *   policy: "kvm-4.0", ops: ["write", "read", "mmuOn", "mmuOff"], maxOps: 4, progress: false,
 * });
 * console.log(report.failures.map((f) => `${f.blame}/${f.kind}`)); // ["guest/stale_read"]
 * ```
 * @param options what to explore (every field optional; see {@linkcode ExploreOptions})
 * @returns the report
 * @throws {ScenarioError} for a bad option, naming it and the value
 */
export async function explore(options: ExploreOptions = {}): Promise<ExploreReport> {
  const explorer = await import("./lib/engine/explore/explore.ts");
  return explorer.explore(options);
}

/**
 * Compares a run's flush-event trace (or any text) with a golden file, and
 * writes it under `--update` / `-u`. A difference throws a
 * {@linkcode GoldenError} with a unified diff; a missing golden names the
 * command that creates it. The golden module loads on the first call; the
 * same function, with the update summary, is `@setway/setway/golden`.
 *
 * @example Usage
 * ```ts ignore
 * import { assertGolden, vm } from "@setway/setway";
 * Deno.test("zImage under KVM 4.0", async () => {
 *   const run = await vm().machine("xgene1").policy("kvm-4.0").guest((g) => g.zImage32()).run();
 *   await assertGolden(run, new URL("./golden/zimage_kvm40.golden", import.meta.url));
 * });
 * ```
 * @param actual a run (its flush trace is compared) or a string
 * @param golden the golden file's URL or path
 * @param options `update` (beats `--update`), `filter` of the traced events
 * @returns when the text equals the golden, or the golden was written
 * @throws {GoldenError} on a difference, a missing or corrupt golden, or a missing permission
 */
export async function assertGolden(
  actual: Traceable | string,
  golden: string | URL,
  options: GoldenOptions = {},
): Promise<void> {
  const goldens = await import("./lib/golden/golden.ts");
  return goldens.assertGolden(actual, golden, options);
}
