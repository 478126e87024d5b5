/**
 * `checkExpectations(scenario)`: does what the scenario expects hold over
 * every execution the hardware may choose? Like a litmus test's final
 * condition, each expectation gets an answer over the executions explored:
 *
 * - **Always**: its predicate held in every execution;
 * - **Sometimes**: in some, not in others;
 * - **Never**: in none;
 *
 * with the count of executions on each side (positive: the predicate held;
 * negative: it did not) and one witness of each side, replayed as an
 * ordinary run with its trace (witness.ts). `exists` holds when the answer
 * is Sometimes or Always, `never` when it is Never, `forall` when it is
 * Always.
 *
 * The executions are those of the scenario's one program: every hardware
 * choice point (`Hardware.perturb`: a speculative fill of a line the program
 * touches into any CPU's L1, or a castout of any resident line), and, with
 * `migrations: true`, every move of a vCPU to another CPU: between two of
 * its instructions, or (at the same choice point as the hardware's, before
 * a set/way instruction that traps) between that instruction's exit and its
 * handler, to a CPU of `migrateTo` the program already uses; with at most
 * `maxPerturbations` of them in one execution, fewest first, within
 * `maxExecutions` (search.ts). The scenario's `speculation` and `seed` do
 * not matter: the check enumerates what a seeded run would draw at random.
 *
 * @example Usage
 * ```ts
 * import { checkExpectations } from "@setway/setway/expect";
 * import { exists, never } from "@setway/setway/expect";
 * import { crashed, staleAnywhere } from "@setway/setway/expect";
 * const result = await checkExpectations({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "native",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
 *     { kind: "write", vcpu: 0, addr: 0x40000000, value: 1 },
 *     { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
 *     { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   ],
 *   expect: [exists(staleAnywhere()), never(crashed())],
 * }, { maxPerturbations: 2 });
 * // "Sometimes": the line moved to the L2, then cast out to DRAM, saves the guest
 * console.log(result.expectations[0].answer);
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import { cpuCount } from "../../machines/mod.ts";
import type { Policy } from "../../hyp/policy.ts";
import { RUN_OPTION_KEYS, type RunOptions } from "../options.ts";
import { runBudget } from "../budget.ts";
import type { Scenario } from "../scenario.ts";
import { assertScenario } from "../rules/entry.ts";
import { describeExpectation } from "./describe.ts";
import type { Expectation } from "./expectation.ts";
import { expectationsIssues } from "../rules/expectations.ts";
import { isCheckedScenario } from "../rules/scenario.ts";
import { watchedEvents } from "./observation.ts";
import { CheckRunner } from "./runner.ts";
import { type ExecutionName, searchChoices, type SearchStats, type Tally } from "./search.ts";
import { type ReplayedExecution, replayExecution, type Witness, witnessOf } from "./witness.ts";
import { checkOptionKeys } from "../../options.ts";

/** How a predicate fared over the executions explored. */
export type Answer = "Always" | "Sometimes" | "Never";

/** The default of {@linkcode CheckOptions.maxPerturbations}. */
export const DEFAULT_MAX_PERTURBATIONS = 1;

/** The default of {@linkcode CheckOptions.maxExecutions}. */
export const DEFAULT_MAX_EXECUTIONS = 2000;

/**
 * Options of {@linkcode checkExpectations}.
 *
 * @example Usage
 * ```ts
 * import type { CheckOptions } from "@setway/setway";
 * const deep: CheckOptions = { maxPerturbations: 2, migrations: true, maxExecutions: 50_000 };
 * ```
 */
export interface CheckOptions {
  /** The expectations to check. Default: the scenario's `expect`. */
  readonly expect?: readonly Expectation[];
  /**
   * The most perturbations in one execution: hardware choices that do
   * something (a fill or a castout) plus migrations. Default
   * {@linkcode DEFAULT_MAX_PERTURBATIONS}; 0 runs the program once, quietly.
   */
  readonly maxPerturbations?: number;
  /**
   * Whether the scheduler may move vCPUs between CPUs: between two
   * instructions, and between a trapped set/way instruction's exit and its
   * handler. Default false.
   */
  readonly migrations?: boolean;
  /** The CPUs a vCPU may be moved to. Default: every CPU of the machine. */
  readonly migrateTo?: readonly number[];
  /** The most executions to run. Default {@linkcode DEFAULT_MAX_EXECUTIONS}. */
  readonly maxExecutions?: number;
  /**
   * The most wall-clock seconds. Default: no limit, so that a result never
   * depends on the speed of the machine running it.
   */
  readonly seconds?: number;
  /**
   * Whether to skip hardware choices that cannot change a verdict
   * (reduce.ts): the answers are the same either way, the counts smaller.
   * Default true.
   */
  readonly reduce?: boolean;
  /** The policy, a name or an object, beating the scenario's. Default: the scenario's. */
  readonly policy?: string | Policy;
  /** Options of each run (budgets, costs) for the witnesses' replays. Default none. */
  readonly runOptions?: Omit<RunOptions, "policy">;
}

/**
 * The answer for one expectation.
 *
 * @example Usage
 * ```ts
 * import type { ExpectationResult } from "@setway/setway";
 * const line = (r: ExpectationResult) => `${r.text}: ${r.answer} (${r.positive}/${r.negative})`;
 * ```
 */
export interface ExpectationResult {
  /** The expectation. */
  readonly expectation: Expectation;
  /** It, as the DSL call that builds it. */
  readonly text: string;
  /** How its predicate fared. */
  readonly answer: Answer;
  /** Executions where the predicate held. */
  readonly positive: number;
  /** Executions where it did not. */
  readonly negative: number;
  /** Whether the expectation holds (see the module doc). */
  readonly holds: boolean;
  /** The first execution (fewest perturbations) on each side, or null when there is none. */
  readonly witnesses: {
    readonly positive: Witness | null;
    readonly negative: Witness | null;
  };
}

/**
 * What a check found.
 *
 * @example Usage
 * ```ts
 * import type { CheckResult } from "@setway/setway";
 * const failing = (r: CheckResult) => r.expectations.filter((e) => !e.holds);
 * ```
 */
export interface CheckResult {
  /** Whether every expectation holds. */
  readonly ok: boolean;
  /** The scenario checked. */
  readonly scenario: Scenario;
  /** The policy's name. */
  readonly policy: string;
  /** The machine's name. */
  readonly machine: string;
  /** The bounds the search used. */
  readonly bounds: {
    readonly maxPerturbations: number;
    readonly migrations: boolean;
    readonly maxExecutions: number;
    /** The time budget in seconds; `Infinity` when the search had none. */
    readonly seconds: number;
  };
  /** What the search did. */
  readonly stats: Readonly<SearchStats>;
  /** One answer per expectation, in order. */
  readonly expectations: readonly ExpectationResult[];
}

function optionError(name: string, value: unknown, expected: string): ScenarioError {
  return new ScenarioError(
    "invalid_value",
    `check.${name}`,
    value,
    `check(${name} = ${showValue(value)}): expected ${expected}`,
  );
}

function intOption(o: Record<string, unknown>, name: string, min: number, def: number): number {
  const v = o[name];
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw optionError(name, v, `an integer from ${min}`);
  }
  return v;
}

function answerOf(t: Tally): Answer {
  if (t.positive === 0) return "Never";
  if (t.negative === 0) return "Always";
  return "Sometimes";
}

// Read from the answer, so that the two can never disagree (an empty tally, which the search
// never leaves, is Never: `forall` does not hold over nothing).
function holdsOf(e: Expectation, answer: Answer): boolean {
  switch (e.kind) {
    case "exists":
      return answer !== "Never";
    case "never":
      return answer === "Never";
    case "forall":
      return answer === "Always";
  }
}

/**
 * Checks a scenario's expectations over every execution the hardware may
 * choose (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { checkExpectations } from "@setway/setway/expect";
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
export function checkExpectations(
  scenario: Scenario,
  options: CheckOptions = {},
): Promise<CheckResult> {
  try {
    return Promise.resolve(checkNow(scenario, options));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * The keys of {@linkcode CheckOptions}: what `check()` accepts.
 *
 * @example Usage
 * ```ts
 * import { CHECK_OPTION_KEYS } from "./check.ts";
 * console.log(CHECK_OPTION_KEYS.includes("expect")); // true
 * ```
 */
export const CHECK_OPTION_KEYS: readonly string[] = [
  "expect",
  "maxPerturbations",
  "migrations",
  "migrateTo",
  "maxExecutions",
  "seconds",
  "reduce",
  "policy",
  "runOptions",
];

function checkNow(scenario: Scenario, given: CheckOptions): CheckResult {
  const options = checkOptionKeys("check", given, CHECK_OPTION_KEYS) as CheckOptions;
  const o = options as Record<string, unknown>;
  const runKeys = RUN_OPTION_KEYS.filter((k) => k !== "policy");
  const runOptions: RunOptions = {
    ...checkOptionKeys("check.runOptions", options.runOptions, runKeys),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  };
  const { machine, policy } = assertScenario(scenario, runOptions);
  const expect = options.expect ?? scenario.expect ?? [];
  // A checked scenario's own expectations passed with the rest of it.
  const trusted = options.expect === undefined && isCheckedScenario(scenario);
  const issues = trusted
    ? []
    : expectationsIssues(expect, options.expect ? "check.expect" : "expect", {
      ram: scenario.ram,
      ramBase: scenario.ramBase,
    });
  if (issues.length > 0) {
    throw new ScenarioError(issues[0].code, issues[0].path, issues[0].value, issues[0].message);
  }
  if (expect.length === 0) {
    throw new ScenarioError(
      "invalid_value",
      "check",
      expect,
      "check: the scenario states no expectation; add one with .expect(never(staleAnywhere())) " +
        "or pass { expect: [...] }",
    );
  }
  const maxPerturbations = intOption(o, "maxPerturbations", 0, DEFAULT_MAX_PERTURBATIONS);
  const maxExecutions = intOption(o, "maxExecutions", 1, DEFAULT_MAX_EXECUTIONS);
  const seconds = o.seconds ?? Infinity;
  if (typeof seconds !== "number" || !(seconds > 0)) {
    throw optionError("seconds", seconds, "a positive number of seconds, or Infinity");
  }
  for (const key of ["migrations", "reduce"]) {
    if (o[key] !== undefined && typeof o[key] !== "boolean") {
      throw optionError(key, o[key], "a boolean");
    }
  }
  const pcpus = cpuCount(machine);
  const migrateTo = options.migrateTo ?? Array.from({ length: pcpus }, (_, i) => i);
  if (
    !Array.isArray(migrateTo) ||
    migrateTo.some((c) => !Number.isSafeInteger(c) || c < 0 || c >= pcpus)
  ) {
    throw optionError("migrateTo", migrateTo, `a list of CPU numbers below ${pcpus}`);
  }

  const watched = watchedEvents(expect);
  const maxSteps = runBudget(runOptions).steps;
  const runner = new CheckRunner(scenario, machine, policy, watched, maxSteps);
  if (options.migrations === true) runner.preemptTo = migrateTo;
  const bounds = {
    maxPerturbations,
    maxExecutions,
    seconds,
    migrations: options.migrations ?? false,
    migrateTo,
    reduce: options.reduce ?? true,
  };
  const { tallies, stats } = searchChoices(runner, expect, bounds);

  const replays = new Map<ExecutionName, ReplayedExecution>();
  const results = expect.map((e, k): ExpectationResult => {
    const t = tallies[k];
    const witness = (name: ExecutionName | null, value: boolean) => {
      if (name === null) return null;
      let r = replays.get(name);
      if (r === undefined) replays.set(name, r = replayExecution(runner, name, runOptions));
      return witnessOf(r, e.what, value, watched);
    };
    const answer = answerOf(t);
    return {
      expectation: e,
      text: describeExpectation(e),
      answer,
      positive: t.positive,
      negative: t.negative,
      holds: holdsOf(e, answer),
      witnesses: {
        positive: witness(t.firstPositive, true),
        negative: witness(t.firstNegative, false),
      },
    };
  });
  return {
    ok: results.every((r) => r.holds),
    scenario,
    policy: policy.name,
    machine: machine.name,
    bounds: { maxPerturbations, migrations: bounds.migrations, maxExecutions, seconds },
    stats,
    expectations: results,
  };
}
