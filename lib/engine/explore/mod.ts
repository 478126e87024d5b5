/**
 * Exploration: every guest up to N operations, every hardware choice.
 *
 * `explore(options)` answers questions such as "is there any guest that
 * turns its MMU off without set/way and escapes?" for a policy on a
 * machine; `formatExploreReport` prints the answer with minimal
 * counterexamples; `replay` reruns a counterexample as an ordinary run;
 * `mergeReports` joins the parts of a sharded run, whose parts may share
 * each length's results through `directoryExchange`.
 *
 * @example Usage
 * ```ts
 * import { explore, formatExploreReport } from "./mod.ts";
 * const report = await explore({
 *   machine: "xgene1", policy: "kvm-3.18", guestClass: "no-sw", maxOps: 3, progress: false,
 *   ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
 * });
 * console.log(formatExploreReport(report));
 * ```
 *
 * @module
 */

export { explore } from "./explore.ts";
export { closeIdleWorkers } from "./pool.ts";
export type { ClassSpec, ExploreOptions, ModuleRef } from "./options.ts";
export { EXPLORE_OPS, type ExploreOpName } from "./alphabet.ts";
export {
  classFromPredicate,
  GUEST_CLASSES,
  type GuestClass,
  guestClassFor,
  intersectClasses,
  matchesClass,
} from "./classes.ts";
export type { PlannedPerturbation } from "../choosers.ts";
export { replay } from "./replay.ts";
export {
  answerLine,
  type Counterexample,
  type ExploreQuestion,
  type ExploreReport,
  type ExploreStats,
  type FailureGroup,
  formatExploreReport,
} from "./report.ts";
export { type MergeOptions, mergeReports } from "./merge.ts";
export {
  directoryExchange,
  type DirectoryExchangeOptions,
  type ShardExchange,
} from "./exchange.ts";
export type { ProofSummary } from "./prove.ts";
