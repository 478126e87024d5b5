/**
 * setway: scenarios about ARM cache maintenance under virtualization.
 *
 * Describe a machine, a hypervisor policy and a guest program with the
 * fluent DSL, run it on the model, and read the flush events a real
 * hypervisor would produce on that hardware, plus a verdict: did the guest
 * ever read stale data, and whose fault is it.
 *
 * @example Usage
 * ```ts
 * import { vm } from "./mod.ts";
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

// The DSL.
export { vm, VmBuilder } from "./lib/dsl/vm.ts";
export type { RamOptions, SystemCacheChoice, VmProps, VmRunOptions } from "./lib/dsl/vm.ts";
export { GuestBuilder, type GuestBuilderProps, type GuestPresetFn } from "./lib/dsl/guest.ts";
export { HostBuilder, type HostBuilderProps, type HostOptions } from "./lib/dsl/host.ts";
export { scenarioFrom } from "./lib/dsl/scenario_from.ts";
export { validate, type ValidationResult } from "./lib/dsl/validate.ts";
export { InvalidScenarioError, type ScenarioIssue } from "./lib/dsl/issues.ts";
export { parseRam, type RamSize, type RamString, type RamUnit } from "./lib/dsl/ram.ts";
export type { StepList } from "./lib/dsl/step_list.ts";
export type { StepContext } from "./lib/engine/step_issues.ts";
export type { RamRange } from "./lib/engine/checks.ts";

// Errors.
export { ScenarioError, type ScenarioErrorCode } from "./lib/errors.ts";

// Scenarios, runs, verdicts.
export {
  DEFAULT_RAM_BASE,
  type Scenario,
  SCENARIO_VERSION,
  type Speculation,
} from "./lib/engine/scenario.ts";
export { run, type RunChoosers } from "./lib/engine/run.ts";
export { type IsolateOptions, runIsolated } from "./lib/engine/isolate.ts";
export {
  DEFAULT_MAX_EVENTS,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TOUCHED_PAGES,
  type RunOptions,
} from "./lib/engine/options.ts";
export type { Budget } from "./lib/engine/budget.ts";
export { type Cost, RunResult, type RunResultJSON, type Verdict } from "./lib/engine/result.ts";
export type { Blame, Violation, ViolationKind } from "./lib/engine/oracle.ts";

// Guest programs.
export type {
  DcSwOp,
  DcVaOp,
  DcVaStep,
  ExecStateStep,
  HostUnmapStep,
  HostWriteStep,
  MigrateStep,
  PcStep,
  ReadStep,
  SctlrBits,
  SctlrStep,
  Step,
  StepKind,
  SwStep,
  SwWalkStep,
  VmRegName,
  VmRegStep,
  WriteStep,
} from "./lib/guest/ops.ts";
export { noMaintenance, presets, vaCorrect, zImage32 } from "./lib/guest/mod.ts";
export type { GuestPreset } from "./lib/guest/mod.ts";
export type { SimpleGuestOptions } from "./lib/guest/options.ts";
export type { ImageOptions } from "./lib/guest/image.ts";
export type { ZImage32Options, ZImageEra } from "./lib/guest/zimage32.ts";
export { edk2, linuxArm64, smpSecondary, uboot } from "./lib/guest/mod.ts";
export type { LinuxArm64Loader, LinuxArm64Options } from "./lib/guest/linux_arm64.ts";
export type { Edk2Options } from "./lib/guest/edk2.ts";
export type { UbootOptions } from "./lib/guest/uboot.ts";
export type { L1Geometry, SmpSecondaryOptions } from "./lib/guest/smp_secondary.ts";

// Machines.
export { listMachines, machines, resolveMachine } from "./lib/machines/mod.ts";
export type {
  CacheGeometry,
  ClusterSpec,
  Machine,
  MachineFeatures,
  SystemCacheSpec,
} from "./lib/hw/machine.ts";

// Policies.
export { policies, resolvePolicy } from "./lib/hyp/policies/mod.ts";
export type {
  FlushResult,
  Hcr,
  Hyp,
  Policy,
  PolicyHooks,
  Sctlr,
  SetWayOp,
  VcpuState,
  VmRegWrite,
} from "./lib/hyp/policy.ts";
export type {
  EventBase,
  EventFields,
  EventFieldValue,
  EventName,
  SetwayEvent,
} from "./lib/hyp/events.ts";
export type { FaultClean, GuestCacheLevel, GuestCacheView } from "./lib/hyp/policy.ts";
export {
  definePolicy,
  type Kvm2015Switches,
  kvm318,
  type Kvm318State,
  kvm318With,
  kvm40,
  kvm40SwOnly,
  kvm40With,
  KVM_VHE_COSTS,
  kvmModern,
  type KvmModernOptions,
  kvmModernWith,
  native,
  type PolicyDefinition,
  trapNothing,
  xen,
  xenIommu,
  type XenOptions,
  type XenState,
  xenWith,
} from "./lib/hyp/policies/mod.ts";
export { type CtrBits, normalizedCacheView } from "./lib/hyp/normalized_cache.ts";

// The cost model.
export {
  checkCosts,
  COST_CATEGORIES,
  type CostCategory,
  costCategory,
  type CostOverrides,
  type CostTable,
  DEFAULT_COSTS,
  eventCycles,
  resolveCosts,
  XEN_COSTS,
} from "./lib/hyp/costs.ts";

// Comparing policies.
export {
  compare,
  type CompareOptions,
  type Comparison,
  type ComparisonRow,
  type FlushDiff,
  type ScenarioSource,
} from "./lib/engine/compare.ts";
export type { Crash } from "./lib/engine/execute.ts";
export {
  type ComparisonLike,
  type ComparisonRowLike,
  formatComparison,
} from "./lib/report/compare.ts";
export { type CostText, formatCost } from "./lib/report/cost.ts";

// The hardware model, for trace-driven use.
export { Cache, type CacheOptions, type Replacement } from "./lib/hw/cache.ts";
export type { CacheStats } from "./lib/sim/replay.ts";
export { Memory, POISON } from "./lib/hw/memory.ts";
export { NO_METER, type WorkMeter } from "./lib/hw/work_meter.ts";
export {
  type FlushResult as HardwareFlushResult,
  Hardware,
  type HardwareOptions,
  type Perturbation,
} from "./lib/hw/hardware.ts";
export type { MemoryTrace } from "./lib/sim/access_trace.ts";
export { type Chooser, quietChooser, seededChooser } from "./lib/hw/chooser.ts";

// Reports and goldens.
export { FLUSH_EVENTS } from "./lib/hyp/events.ts";
export {
  formatTrace,
  type TraceFilter,
  type TraceFilterName,
  type TraceOptions,
} from "./lib/report/event_trace.ts";
export { formatVerdict, type VerdictLike, type VerdictViolation } from "./lib/report/verdict.ts";
export { type HtmlOptions, renderHtml } from "./lib/report/html.ts";
export type { CostLike, MachineLike, RunLike } from "./lib/report/run_like.ts";
export { formatJson, type JsonOptions } from "./lib/report/json.ts";
export { formatNdjson, type NdjsonRun } from "./lib/report/ndjson.ts";
export {
  assertGolden,
  GoldenError,
  type GoldenErrorCode,
  type GoldenOptions,
  type Traceable,
  UPDATE_COMMAND,
} from "./lib/golden/golden.ts";

// Exploration: every guest up to N operations, every hardware choice.
export {
  answerLine,
  classFromPredicate,
  type ClassSpec,
  type Counterexample,
  explore,
  EXPLORE_OPS,
  type ExploreOpName,
  type ExploreOptions,
  type ExploreQuestion,
  type ExploreReport,
  type ExploreStats,
  type FailureGroup,
  formatExploreReport,
  GUEST_CLASSES,
  type GuestClass,
  intersectClasses,
  matchesClass,
  type MergeOptions,
  mergeReports,
  type ModuleRef,
  type PlannedPerturbation,
  type ProofSummary,
  replay,
} from "./lib/engine/explore/mod.ts";

// Expectations: what must hold over every execution the hardware may choose.
export {
  and,
  type Answer,
  archInvalid,
  assertExpectations,
  type Checkable,
  checkExpectations,
  type CheckOptions,
  type CheckResult,
  counterexample,
  type CountRange,
  crashed,
  DEFAULT_MAX_EXECUTIONS,
  DEFAULT_MAX_PERTURBATIONS,
  describeExpectation,
  describePredicate,
  events,
  exists,
  type Expectation,
  ExpectationError,
  type ExpectationResult,
  expectTest,
  type ExpectTestOptions,
  flushes,
  forall,
  formatCheck,
  type FormatCheckOptions,
  type InsertedMigration,
  lostWrite,
  lostWriteAnywhere,
  never,
  noSetWayFlush,
  not,
  or,
  type Predicate,
  type Quantifier,
  type ReadFilter,
  stale,
  staleAnywhere,
  type Witness,
  wrongRead,
} from "./lib/engine/expect/mod.ts";
export type {
  AndPredicate,
  ArchInvalidPredicate,
  CrashedPredicate,
  EventsPredicate,
  FlushesPredicate,
  LostWritePredicate,
  NoSetWayFlushPredicate,
  NotPredicate,
  OrPredicate,
  SearchStats,
  StalePredicate,
  WrongReadPredicate,
} from "./lib/engine/expect/mod.ts";
// The incident catalogue's machine, also the named preset "armada-8040".
export { armada8040 } from "./lib/machines/armada_8040.ts";

// Export to a bare-metal AArch64 test.
export {
  type BaremetalExport,
  type BaremetalPlan,
  exportBaremetal,
  type ExportOptions,
  planBaremetal,
  type PlannedStep,
  type Preload,
} from "./lib/export/mod.ts";
export type { ProgramLayout } from "./lib/export/layout.ts";
