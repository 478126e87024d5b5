/**
 * Merging the reports of a sharded exploration (`shard: "i/n"`): the merge
 * is the report a single run of the same exploration gives, counts and
 * completeness included, or a {@linkcode ScenarioError} that names the part
 * at fault. It never guesses: parts of another configuration (their
 * fingerprints differ), of another number of parts, a part given twice, a
 * missing part, or a part a budget stopped before it ran its whole share
 * are refused.
 *
 * Why the sums are exact: in exhaustive mode every part expands the states
 * a single run expands and runs its share of the last length, the first
 * part alone counting the shorter programs (see exhaustive.ts); with an
 * exchange (exhaustive or prove mode, `question.exchange`), every part
 * knows the whole search's states and levels, and runs and counts only
 * the states it owns, at every length (exchange.ts); in random
 * mode execution `k` belongs to part `k mod n` and draws everything from
 * the seed and `k` (see random_mode.ts). Each failure group keeps the
 * counterexample found first in the search order, which is the single
 * run's; shrinking is deterministic, so it is the same counterexample.
 *
 * @module
 */

import { ScenarioError } from "../../errors.ts";
import {
  compareFound,
  compareGroups,
  type ExploreReport,
  type ExploreStats,
  type FailureGroup,
} from "./report.ts";

/**
 * How `mergeReports` names the reports in its errors.
 *
 * @example Usage
 * ```ts
 * import type { MergeOptions } from "@setway/setway/explore";
 * const o: MergeOptions = { names: ["part0.json", "part1.json"] };
 * ```
 */
export interface MergeOptions {
  /** One name per report (e.g. its file), in the same order. Default: "report 1", "report 2", ... */
  readonly names?: readonly string[];
}

/** A report checked to have what merging needs. */
interface Part {
  readonly report: ExploreReport;
  readonly index: number;
  readonly count: number;
  readonly fingerprint: string;
  /** Whether the parts exchanged each length's results. */
  readonly exchanged: boolean;
  /** "part i/n (name)", for messages. */
  readonly label: string;
}

function refuse(value: unknown, message: string): never {
  throw new ScenarioError("invalid_value", "mergeReports", value, `mergeReports: ${message}`);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Checks one report's shape (it may come from a JSON file) and reads its part. */
function readPart(r: unknown, name: string): Part {
  const q = isObject(r) && isObject(r.question) ? r.question : null;
  const m = q !== null && typeof q.shard === "string" ? /^(\d+)\/(\d+)$/.exec(q.shard) : null;
  if (q === null || m === null || !(Number(m[1]) < Number(m[2]))) {
    refuse(r, `${name} is not an exploration report with its part ("i/n" in question.shard)`);
  }
  const label = `part ${q.shard} (${name})`;
  if (typeof q.fingerprint !== "string" || q.fingerprint === "") {
    refuse(
      q,
      `${label} carries no fingerprint of its configuration (written by an older setway?); ` +
        "explore the parts again",
    );
  }
  const report = r as unknown as ExploreReport;
  const s = report.stats as unknown;
  const statsOk = isObject(s) &&
    ["executions", "referenceRuns", "states", "merged", "rejected", "symmetric"].every((k) =>
      isCount(s[k])
    ) && Array.isArray(s.levels) && s.levels.every(isCount) && typeof s.exact === "boolean";
  const groupsOk = Array.isArray(report.failures) &&
    report.failures.every((g: unknown) =>
      isObject(g) && typeof g.policy === "string" && typeof g.blame === "string" &&
      typeof g.kind === "string" && isCount(g.count) && Array.isArray(g.found) &&
      g.found.every(isCount)
    );
  if (!statsOk || !groupsOk || typeof report.complete !== "boolean") {
    refuse(r, `${label} is not a whole exploration report (stats, failures or complete missing)`);
  }
  return {
    report,
    index: Number(m[1]),
    count: Number(m[2]),
    fingerprint: q.fingerprint,
    exchanged: q.exchange === true,
    label,
  };
}

/** The executions of `[0, budget)` that belong to part `index` of `count`. */
function randomShare(budget: number, index: number, count: number): number {
  return Math.max(0, Math.ceil((budget - index) / count));
}

/** Refuses a set of parts that is not exactly one exploration's parts 0 to n-1. */
function checkPartition(parts: readonly Part[]): Part[] {
  const first = parts[0];
  for (const p of parts) {
    if (p.count !== first.count) {
      refuse(
        p.report.question.shard,
        `${p.label} is one of ${p.count} parts but ${first.label} is one of ${first.count}: ` +
          "merge the parts of one exploration",
      );
    }
    if (p.exchanged !== first.exchanged) {
      const [x, y] = p.exchanged ? [p, first] : [first, p];
      refuse(
        p.report.question.shard,
        `${x.label} exchanged its lengths with the other parts (--exchange) but ${y.label} did ` +
          "not: merge the parts of one exploration, all run one way",
      );
    }
    if (p.fingerprint !== first.fingerprint) {
      refuse(
        p.fingerprint,
        `${p.label} explores another configuration than ${first.label} (fingerprint ` +
          `${p.fingerprint}, not ${first.fingerprint}): merge the parts of one exploration`,
      );
    }
  }
  const byIndex = new Map<number, Part>();
  for (const p of parts) {
    const twin = byIndex.get(p.index);
    if (twin !== undefined) {
      refuse(
        p.report.question.shard,
        `part ${p.index}/${p.count} is given twice (${twin.label.replace(/^part \S+ /, "")} and ` +
          `${p.label.replace(/^part \S+ /, "")}); give each part once`,
      );
    }
    byIndex.set(p.index, p);
  }
  const missing = Array.from({ length: first.count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const names = missing.slice(0, 8).map((i) => `${i}/${first.count}`).join(", ") +
      (missing.length > 8 ? ` and ${missing.length - 8} more` : "");
    refuse(
      missing,
      `part${missing.length === 1 ? "" : "s"} ${names} ${
        missing.length === 1 ? "is" : "are"
      } missing; the merge needs all ${first.count}`,
    );
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** Refuses a part that a budget stopped before it ran its whole share. */
function checkWhole(p: Part): void {
  const q = p.report.question;
  if (q.mode === "exhaustive" || q.mode === "prove") {
    if (!p.report.complete) {
      refuse(
        p.report.question.shard,
        `${p.label} was stopped by a budget before it explored its share; explore it again ` +
          "with a larger budget",
      );
    }
    return;
  }
  if (q.executions === null) {
    refuse(
      q.executions,
      `${p.label} ran for a time budget, and random parts add up to a single run only ` +
        "under an execution budget (--executions)",
    );
  }
  const share = randomShare(q.executions, p.index, p.count);
  if (p.report.stats.executions !== share) {
    refuse(
      p.report.stats.executions,
      `${p.label} ran ${p.report.stats.executions} of its ${share} executions (a time budget ` +
        "stopped it); explore it again without --seconds",
    );
  }
}

/**
 * Statistics every part reports in full: every part explores the shorter
 * programs, or with an exchange knows every length's states (and the proof).
 */
function sharedStats(r: ExploreReport): string {
  const s = r.stats;
  return JSON.stringify([s.states, s.merged, s.levels, s.exact, r.proof ?? null]);
}

/**
 * Merges the reports of the parts of a sharded exploration into the report
 * a single run gives (see the module doc): failure groups united with their
 * counts added, each keeping the counterexample found first; executions,
 * ideal-machine runs, rejected and symmetric operations added; states and
 * levels, which every part explores alike, taken once.
 *
 * @example Usage
 * ```ts
 * import { explore } from "@setway/setway/explore";
 * import { mergeReports } from "@setway/setway/explore";
 * const options = { ops: ["write", "read", "mmuOn", "mmuOff"] as const, progress: false };
 * const parts = [
 *   await explore({ ...options, shard: "0/2" }),
 *   await explore({ ...options, shard: "1/2" }),
 * ];
 * const merged = mergeReports(parts);
 * const single = await explore(options);
 * console.log(merged.stats.executions === single.stats.executions); // true
 * ```
 * @param reports one report per part, in any order
 * @param options names of the reports, for errors
 * @returns the merged report, its part `"0/1"`
 * @throws {ScenarioError} `invalid_value` naming the part, for an empty list, a report that is
 * not a part, parts of different configurations or numbers of parts, a part given twice, a
 * missing part, or a part a budget stopped early
 */
export function mergeReports(
  reports: readonly ExploreReport[],
  options: MergeOptions = {},
): ExploreReport {
  if (!Array.isArray(reports) || reports.length === 0) refuse(reports, "no reports");
  const parts = checkPartition(
    reports.map((r, i) => readPart(r, options.names?.[i] ?? `report ${i + 1}`)),
  );
  const first = parts[0];
  for (const p of parts) {
    checkWhole(p);
    if (sharedStats(p.report) !== sharedStats(first.report)) {
      refuse(
        p.report.stats,
        `${p.label} and ${first.label} disagree on the ${
          first.exchanged ? "states of the whole search, which the parts exchanged" : "states " +
            "of the shorter programs, which every part explores alike"
        }: they come from different versions of setway`,
      );
    }
  }
  const groups = new Map<string, FailureGroup>();
  for (const { report } of parts) {
    for (const g of report.failures) {
      const id = `${g.policy}/${g.blame}/${g.kind}`;
      const known = groups.get(id);
      if (known === undefined) groups.set(id, g);
      else {
        const keep = compareFound(g.found, known.found) < 0 ? g : known;
        groups.set(id, { ...keep, count: known.count + g.count });
      }
    }
  }
  const sum = (f: (s: ExploreStats) => number) => parts.reduce((n, p) => n + f(p.report.stats), 0);
  const q = first.report.question;
  const executions = sum((s) => s.executions);
  if (q.mode === "exhaustive" && q.executions !== null && executions >= q.executions) {
    refuse(
      executions,
      `the parts ran ${executions} executions together, not fewer than the budget of ` +
        `${q.executions}: a single run would have stopped early; explore the parts again with ` +
        "a larger --executions",
    );
  }
  const s = first.report.stats;
  const { exchange: _, ...whole } = q;
  const proof = first.report.proof;
  return {
    question: { ...whole, shard: "0/1" },
    complete: first.report.complete,
    failures: [...groups.values()].sort(compareGroups),
    stats: {
      executions,
      referenceRuns: sum((s) => s.referenceRuns),
      states: s.states,
      merged: s.merged,
      rejected: sum((s) => s.rejected),
      symmetric: sum((s) => s.symmetric),
      levels: [...s.levels],
      exact: s.exact,
    },
    ...(proof === undefined ? {} : { proof: { ...proof } }),
  };
}
