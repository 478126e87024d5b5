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
 * import { explore, formatExploreReport } from "@setway/setway/explore";
 * const report = await explore({
 *   machine: "xgene1", policy: "kvm-3.18", guestClass: "no-sw", maxOps: 3, progress: false,
 *   ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
 * });
 * console.log(formatExploreReport(report));
 * ```
 *
 * @module
 */

export {
  answerLine,
  classFromPredicate,
  type ClassSpec,
  closeIdleWorkers,
  type Counterexample,
  directoryExchange,
  type DirectoryExchangeOptions,
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
  guestClassFor,
  intersectClasses,
  matchesClass,
  type MergeOptions,
  mergeReports,
  type ModuleRef,
  type PlannedPerturbation,
  type ProofSummary,
  replay,
  type ShardExchange,
} from "../engine/explore/mod.ts";
