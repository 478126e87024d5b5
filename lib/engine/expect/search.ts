/**
 * The enumeration behind a check: every execution of one program that the
 * hardware (and, when asked, the scheduler) may produce with at most
 * `maxPerturbations` perturbations, fewest first, within a budget.
 *
 * An execution is named by a variant (migrations inserted, migrations.ts)
 * and a plan of hardware choices (pairs `(point, option)`, lib/engine/choosers.ts).
 * The search runs them level by level: level `c` holds the executions with
 * exactly `c` perturbations (hardware choices plus migrations). Each one,
 * while it runs, lists its children: one more hardware choice at a choice
 * point after its last one (choosers.ts `PointChooser.onTail`), filtered by reduce.ts;
 * and, for an execution without hardware choices, one more migration after
 * its variant's last. Every execution has exactly one parent (drop its last
 * hardware choice, else its last migration), so each is run once; the order
 * (parent, then choice point, then option) is fixed, so the search is
 * deterministic and its first witnesses have the fewest perturbations.
 *
 * A choice point before a `pc` step is skipped: that step only moves the
 * PC, so the same choice before the next step gives the same execution.
 *
 * The budget (`maxExecutions`, `seconds`) cuts the search, never before the
 * unperturbed execution; the result then says it is incomplete, and which
 * levels it finished.
 *
 * @example Usage
 * ```ts
 * import { searchChoices } from "./search.ts";
 * import { CheckRunner } from "./runner.ts";
 * import { generic } from "../../machines/mod.ts";
 * import { native } from "@setway/setway";
 * import type { Scenario } from "@setway/setway";
 * const scenario: Scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "native",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "write", vcpu: 0, addr: 0x40000000, value: 1 },
 *     { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   ],
 * };
 * const runner = new CheckRunner(scenario, generic, native, []);
 * const s = searchChoices(runner, [{ kind: "never", what: { kind: "stale" } }], {
 *   maxPerturbations: 1, maxExecutions: 100, seconds: Infinity, migrations: false,
 *   migrateTo: [], reduce: true,
 * });
 * console.log(s.stats.complete, s.tallies[0].positive); // true 0
 * ```
 *
 * @module
 */

import type { Expectation } from "./expectation.ts";
import { baseVariant, migrationChildren, type Variant } from "./migrations.ts";
import { holds } from "./observation.ts";
import { ChoiceFilter } from "./reduce.ts";
import type { CheckRunner } from "./runner.ts";

/**
 * The bounds of a search.
 *
 * @example Usage
 * ```ts
 * import type { SearchBounds } from "./search.ts";
 * const b: SearchBounds = {
 *   maxPerturbations: 1, maxExecutions: 2000, seconds: Infinity, migrations: false,
 *   migrateTo: [], reduce: true,
 * };
 * ```
 */
export interface SearchBounds {
  /** The most perturbations (hardware choices plus migrations) in one execution. */
  readonly maxPerturbations: number;
  /** The most executions run. */
  readonly maxExecutions: number;
  /** The most wall-clock seconds. */
  readonly seconds: number;
  /** Whether migrations are choices. */
  readonly migrations: boolean;
  /** The CPUs a vCPU may be moved to. */
  readonly migrateTo: readonly number[];
  /** Whether to skip choices that cannot change a verdict (reduce.ts). */
  readonly reduce: boolean;
}

/**
 * One execution, by name: a variant and a plan.
 *
 * @example Usage
 * ```ts
 * import type { ExecutionName } from "./search.ts";
 * import { baseVariant } from "./migrations.ts";
 * const root: ExecutionName = { variant: baseVariant([]), plan: new Int32Array(0) };
 * ```
 */
export interface ExecutionName {
  /** The program run. */
  readonly variant: Variant;
  /** The hardware choices: pairs `(point, option)`. */
  readonly plan: Int32Array;
}

/**
 * How one expectation's predicate fared.
 *
 * @example Usage
 * ```ts
 * import type { Tally } from "./search.ts";
 * const t: Tally = { positive: 3, negative: 1, firstPositive: null, firstNegative: null };
 * ```
 */
export interface Tally {
  /** Executions where the predicate held. */
  positive: number;
  /** Executions where it did not. */
  negative: number;
  /** The first execution where it held. */
  firstPositive: ExecutionName | null;
  /** The first execution where it did not. */
  firstNegative: ExecutionName | null;
}

/**
 * The statistics of a search.
 *
 * @example Usage
 * ```ts
 * import type { SearchStats } from "@setway/setway/expect";
 * const s: SearchStats = { executions: 5, byPerturbations: [1, 4], complete: true, choicePoints: 4 };
 * ```
 */
export interface SearchStats {
  /** Executions run. */
  executions: number;
  /** Executions run with 0, 1, ... perturbations. */
  byPerturbations: number[];
  /** Whether every execution within `maxPerturbations` was run. */
  complete: boolean;
  /** Choice points of the unperturbed execution. */
  choicePoints: number;
}

/**
 * Runs the search (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { searchChoices } from "./search.ts";
 * import type { CheckRunner } from "./runner.ts";
 * const crashes = (runner: CheckRunner) =>
 *   searchChoices(runner, [{ kind: "exists", what: { kind: "crashed" } }], {
 *     maxPerturbations: 0, maxExecutions: 1, seconds: 1, migrations: false, migrateTo: [],
 *     reduce: true,
 *   }).tallies[0].positive;
 * ```
 * @param runner the runner of the scenario
 * @param expectations the expectations to tally
 * @param bounds the bounds
 * @returns one tally per expectation, and statistics
 */
export function searchChoices(
  runner: CheckRunner,
  expectations: readonly Expectation[],
  bounds: SearchBounds,
): { tallies: Tally[]; stats: SearchStats } {
  const tallies: Tally[] = expectations.map(() => ({
    positive: 0,
    negative: 0,
    firstPositive: null,
    firstNegative: null,
  }));
  const stats: SearchStats = {
    executions: 0,
    byPerturbations: [],
    complete: true,
    choicePoints: 0,
  };
  const deadline = bounds.seconds === Infinity
    ? Infinity
    : performance.now() + bounds.seconds * 1000;
  const scenario = runner.scenario;
  const filters = new Map<Variant, ChoiceFilter>();
  const filterOf = (v: Variant) => {
    let f = filters.get(v);
    if (f === undefined) {
      f = new ChoiceFilter(
        runner.hw,
        runner.candidates,
        { cpus: scenario.cpus, steps: v.steps },
        bounds.reduce,
      );
      filters.set(v, f);
    }
    return f;
  };

  let level: ExecutionName[] = [{ variant: baseVariant(scenario.steps), plan: new Int32Array(0) }];
  const found: number[] = [];
  for (let c = 0; level.length > 0; c++) {
    const next: ExecutionName[] = [];
    stats.byPerturbations.push(0);
    for (let i = 0; i < level.length; i++) {
      // The unperturbed execution always runs: with no execution at all, never() and
      // forall() would hold over nothing.
      if (
        stats.executions >= bounds.maxExecutions ||
        (stats.executions > 0 && performance.now() > deadline)
      ) {
        stats.complete = false;
        return { tallies, stats };
      }
      const node = level[i];
      const room = () =>
        stats.executions + (level.length - i - 1) + next.length < bounds.maxExecutions;
      const wantChildren = c < bounds.maxPerturbations;
      found.length = 0;
      let onTail: ((point: number) => void) | null = null;
      if (wantChildren && room()) {
        const filter = filterOf(node.variant);
        onTail = (point) => filter.options((option) => found.push(point, option));
      }
      const out = runner.run(node.variant, node.plan, onTail);
      stats.executions++;
      stats.byPerturbations[c]++;
      if (c === 0) stats.choicePoints = out.points;
      expectations.forEach((e, k) => {
        const t = tallies[k];
        if (holds(e.what, out.observation)) {
          t.positive++;
          t.firstPositive ??= node;
        } else {
          t.negative++;
          t.firstNegative ??= node;
        }
      });
      if (!wantChildren) continue;
      if (onTail === null && (out.points > 0 || bounds.migrations)) stats.complete = false;
      const steps = node.variant.steps;
      for (let j = 0; j < found.length; j += 2) {
        const point = found[j];
        if (steps[out.stepOfPoint[point]].kind === "pc") continue;
        if (!room()) {
          stats.complete = false;
          break;
        }
        const plan = new Int32Array(node.plan.length + 2);
        plan.set(node.plan);
        plan[node.plan.length] = point;
        plan[node.plan.length + 1] = found[j + 1];
        next.push({ variant: node.variant, plan });
      }
      if (bounds.migrations && node.plan.length === 0) {
        const kids = migrationChildren(
          node.variant,
          runner.machine,
          scenario.cpus,
          bounds.migrateTo,
        );
        for (const variant of kids) {
          if (!room()) {
            stats.complete = false;
            break;
          }
          next.push({ variant, plan: new Int32Array(0) });
        }
      }
    }
    level = next;
  }
  return { tallies, stats };
}
