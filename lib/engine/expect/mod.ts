/**
 * Expectations that quantify over hardware choices: a scenario states what
 * must hold (`exists`, `never`, `forall` of a predicate about one
 * execution), and a check explores every execution the hardware may choose
 * for its program (speculative fills, castouts, vCPU migrations; bounded)
 * and answers Always, Sometimes or Never, with counts and one witness run
 * of each side.
 *
 * @example Usage
 * ```ts
 * import { checkExpectations, exists, formatCheck, never, stale, staleAnywhere } from "./mod.ts";
 * const result = await checkExpectations({
 *   version: 1, machine: "xgene1", cpus: 1, systemCache: "machine", policy: "native",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
 *     { kind: "write", vcpu: 0, addr: 0x40000000, value: 1 },
 *     { kind: "sw_walk", vcpu: 0, op: "cisw" },
 *     { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
 *     { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   ],
 *   expect: [exists(stale(0x40000000)), never(staleAnywhere())],
 * });
 * console.log(formatCheck(result));
 * ```
 *
 * @module
 */

export {
  and,
  archInvalid,
  CHOICE_EVENT_NAMES,
  type CountRange,
  crashed,
  events,
  FLUSH_EVENT_NAMES,
  flushes,
  lostWrite,
  lostWriteAnywhere,
  noSetWayFlush,
  not,
  or,
  type Predicate,
  PREDICATE_KINDS,
  type PredicateKind,
  type ReadFilter,
  SET_WAY_FLUSH_EVENT_NAMES,
  stale,
  staleAnywhere,
  wrongRead,
} from "./predicates.ts";
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
  StalePredicate,
  WrongReadPredicate,
} from "./predicates.ts";
export {
  exists,
  type Expectation,
  forall,
  never,
  type Quantifier,
  QUANTIFIERS,
} from "./expectation.ts";
export { describeExpectation, describePredicate } from "./describe.ts";
export {
  assertExpectation,
  type ExpectationContext,
  expectationIssues,
  expectationsIssues,
} from "../rules/expectations.ts";
export {
  holds,
  type Observation,
  observeRun,
  type ReadViolation,
  watchedEvents,
} from "./observation.ts";
export {
  type Answer,
  checkExpectations,
  type CheckOptions,
  type CheckResult,
  DEFAULT_MAX_EXECUTIONS,
  DEFAULT_MAX_PERTURBATIONS,
  type ExpectationResult,
} from "./check.ts";
export { counterexample, formatCheck, type FormatCheckOptions } from "./format.ts";
export {
  assertExpectations,
  type Checkable,
  ExpectationError,
  expectTest,
  type ExpectTestOptions,
} from "./assert.ts";
export {
  describePerturbation,
  describeStep,
  type ReplayedExecution,
  type Witness,
  WITNESS_EVENTS,
} from "./witness.ts";
export type { InsertedMigration, Variant } from "./migrations.ts";
export type { SearchStats } from "./search.ts";
