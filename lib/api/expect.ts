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
 * import { vm } from "@setway/setway";
 * import { exists, formatCheck, never, stale, staleAnywhere } from "@setway/setway/expect";
 * const result = await vm().machine("xgene1").policy("kvm-3.18").cpus(1)
 *   .guest((g) => g.mmuOn().write(0x4000_0000, 1).sw_clean().mmuOff().read(0x4000_0000))
 *   .expect(exists(stale(0x4000_0000)))
 *   .expect(never(staleAnywhere()))
 *   .check();
 * console.log(formatCheck(result));
 * ```
 *
 * @module
 */

export {
  and,
  archInvalid,
  type CountRange,
  crashed,
  events,
  flushes,
  lostWrite,
  lostWriteAnywhere,
  noSetWayFlush,
  not,
  or,
  type Predicate,
  type ReadFilter,
  stale,
  staleAnywhere,
  wrongRead,
} from "../engine/expect/predicates.ts";
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
} from "../engine/expect/predicates.ts";
export {
  exists,
  type Expectation,
  forall,
  never,
  type Quantifier,
} from "../engine/expect/expectation.ts";
export { describeExpectation, describePredicate } from "../engine/expect/describe.ts";
export {
  type Answer,
  checkExpectations,
  type CheckOptions,
  type CheckResult,
  DEFAULT_MAX_EXECUTIONS,
  DEFAULT_MAX_PERTURBATIONS,
  type ExpectationResult,
} from "../engine/expect/check.ts";
export { counterexample, formatCheck, type FormatCheckOptions } from "../engine/expect/format.ts";
export {
  assertExpectations,
  type Checkable,
  ExpectationError,
  expectTest,
  type ExpectTestOptions,
} from "../engine/expect/assert.ts";
export type { Witness } from "../engine/expect/witness.ts";
export type { InsertedMigration } from "../engine/expect/migrations.ts";
export type { SearchStats } from "../engine/expect/search.ts";
