/**
 * The budget of a run: how much work and memory one `run()` may use before
 * it is refused with a `ScenarioError("budget_exceeded")` naming the figure.
 *
 * | budget         | run option        | counts                                            | default    |
 * | -------------- | ----------------- | ------------------------------------------------- | ---------- |
 * | `steps`        | `maxSteps`        | expanded guest instructions (lines, walk slots)   | 1 000 000  |
 * | `events`       | `maxEvents`       | event records kept (a collapsed run counts once)  | 1 000 000  |
 * | `touchedPages` | `maxTouchedPages` | 4 KiB pages of modelled DRAM written              | 65 536     |
 * | `wallMs`       | `maxWallMs`       | wall-clock milliseconds of the whole `run()`      | no limit   |
 *
 * Each limit is a positive integer, or `Infinity` for none. The step budget
 * is checked before a step runs (a program longer than the budget is refused
 * before anything runs, and a huge `dc_va` range before its first line); the
 * others where the work happens, in all three executions of a run (the
 * policy's, the native reference and the ideal machine): the event budget
 * as each record is kept, the page budget as each page of DRAM is first
 * written, the clock every few thousand lines of a DC range or events, and
 * all three after each step. So one step (a DC range of 2^40 bytes, a policy
 * hook that emits without end) stops within about the wall budget, and its
 * memory stays bounded. A synchronous policy hook that never returns cannot
 * be stopped in its own thread: `runIsolated()` and the command line run
 * the scenario in a worker and end it after the wall budget.
 *
 * Simplified: the wall-time budget is the only one whose outcome depends on
 * the machine running setway; it is off by default so that a scenario's
 * result depends only on the scenario. Explorations that run many scenarios
 * should set it.
 *
 * @example Usage
 * ```ts
 * import { runBudget } from "./budget.ts";
 * const b = runBudget({ maxSteps: 5000 });
 * console.log(b.steps, b.events, b.wallMs); // 5000 1000000 Infinity
 * ```
 *
 * @module
 */

import { ScenarioError } from "../errors.ts";
import type { Step } from "../guest/ops.ts";
import type { WorkMeter } from "../hw/work_meter.ts";
import { watchRun } from "../hyp/watch.ts";
import { makeIssue, type ScenarioIssue } from "./rules/issues.ts";
import {
  DEFAULT_MAX_EVENTS,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TOUCHED_PAGES,
  type RunOptions,
} from "./options.ts";

/**
 * A budget as the builder's `.budget()` takes it; every field is optional
 * and defaults as the run options do.
 *
 * @example Usage
 * ```ts
 * import type { Budget } from "@setway/setway";
 * const tight: Budget = { steps: 10_000, events: 1_000, touchedPages: 16, wallMs: 2_000 };
 * ```
 */
export interface Budget {
  /** The most expanded guest instructions (see `RunOptions.maxSteps`). */
  readonly steps?: number;
  /** The most event records kept (see `RunOptions.maxEvents`). */
  readonly events?: number;
  /** The most pages of modelled DRAM written (see `RunOptions.maxTouchedPages`). */
  readonly touchedPages?: number;
  /** The most wall-clock milliseconds (see `RunOptions.maxWallMs`). */
  readonly wallMs?: number;
}

/** Every budget field, resolved: a positive integer or `Infinity`. */
export type RunBudget = { readonly [K in keyof Budget]-?: number };

/** A budget field and the run option that sets it. */
const OPTION_OF: Readonly<Record<keyof Budget, keyof RunOptions>> = {
  steps: "maxSteps",
  events: "maxEvents",
  touchedPages: "maxTouchedPages",
  wallMs: "maxWallMs",
};

const DEFAULTS: RunBudget = {
  steps: DEFAULT_MAX_STEPS,
  events: DEFAULT_MAX_EVENTS,
  touchedPages: DEFAULT_MAX_TOUCHED_PAGES,
  wallMs: Infinity,
};

const WHAT: Readonly<Record<keyof Budget, string>> = {
  steps: "expanded instructions",
  events: "event records",
  touchedPages: "pages of DRAM written",
  wallMs: "milliseconds of wall time",
};

/**
 * Whether a budget limit is acceptable: a positive integer or `Infinity`.
 *
 * @example Usage
 * ```ts
 * import { isBudgetLimit } from "./budget.ts";
 * console.log(isBudgetLimit(10), isBudgetLimit(Infinity), isBudgetLimit(0)); // true true false
 * ```
 * @param value the limit
 * @returns whether it is a positive integer or `Infinity`
 */
export function isBudgetLimit(value: unknown): value is number {
  return value === Infinity || (Number.isSafeInteger(value) && (value as number) > 0);
}

/**
 * Checks the budget options of a run.
 *
 * @example Usage
 * ```ts
 * import { budgetIssues } from "./budget.ts";
 * console.log(budgetIssues({ maxEvents: -1 })[0].path); // "maxEvents"
 * ```
 * @param options the run options (anything: they are checked to be an object)
 * @returns one issue per bad limit, or one for options that are not an object
 */
export function budgetIssues(options: unknown): ScenarioIssue[] {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return [makeIssue("invalid_value", "options", options, "an object of run options")];
  }
  const out: ScenarioIssue[] = [];
  for (const key of Object.values(OPTION_OF)) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined && !isBudgetLimit(v)) {
      out.push(makeIssue("invalid_value", key, v, "a positive integer, or Infinity for no limit"));
    }
  }
  return out;
}

/**
 * The budget of a run: each run option, or its default.
 *
 * @example Usage
 * ```ts
 * import { runBudget } from "./budget.ts";
 * console.log(runBudget({}).touchedPages); // 65536
 * ```
 * @param options the run options
 * @returns every limit
 * @throws {ScenarioError} `invalid_value` naming the first bad option
 */
export function runBudget(options: RunOptions): RunBudget {
  const issues = budgetIssues(options);
  if (issues.length > 0) {
    const first = issues[0];
    throw new ScenarioError(first.code, first.path, first.value, first.message);
  }
  const pick = (key: keyof Budget) =>
    (options[OPTION_OF[key]] as number | undefined) ?? DEFAULTS[key];
  return {
    steps: pick("steps"),
    events: pick("events"),
    touchedPages: pick("touchedPages"),
    wallMs: pick("wallMs"),
  };
}

/**
 * The run options a {@linkcode Budget} stands for (absent fields are left out).
 *
 * @example Usage
 * ```ts
 * import { budgetOptions } from "./budget.ts";
 * console.log(budgetOptions({ steps: 10, wallMs: 500 })); // { maxSteps: 10, maxWallMs: 500 }
 * ```
 * @param budget the budget
 * @returns `maxSteps`, `maxEvents`, `maxTouchedPages`, `maxWallMs` as given
 */
export function budgetOptions(budget: Budget): RunOptions {
  const out: Record<string, number> = {};
  for (const [field, option] of Object.entries(OPTION_OF)) {
    const v = budget[field as keyof Budget];
    if (v !== undefined) out[option] = v;
  }
  return out as RunOptions;
}

/**
 * The fields of a {@linkcode Budget}, in the order the docs list them.
 *
 * @example Usage
 * ```ts
 * import { BUDGET_FIELDS } from "./budget.ts";
 * console.log(BUDGET_FIELDS.join(", ")); // "steps, events, touchedPages, wallMs"
 * ```
 */
export const BUDGET_FIELDS: readonly (keyof Budget)[] = Object.freeze(
  Object.keys(OPTION_OF) as (keyof Budget)[],
);

/**
 * The error of an exceeded budget: code `budget_exceeded`, `call` the step
 * (or `"steps"` for a program refused before it runs), `value` the limit,
 * and a message with the figure and how to raise it.
 *
 * @example Usage
 * ```ts
 * import { budgetExceeded } from "./budget.ts";
 * const e = budgetExceeded("events", "steps[7]", "write", 100, 101);
 * console.log(e.message.includes("maxEvents = 100")); // true
 * ```
 * @param which the budget
 * @param at the step's path, or `"steps"`
 * @param kind the step's kind, or a short description
 * @param limit the limit
 * @param used the figure reached
 * @param execution what needed more, in words: the run, or one of its reference runs
 * @returns the error, to throw
 */
export function budgetExceeded(
  which: keyof Budget,
  at: string,
  kind: string,
  limit: number,
  used: number,
  execution = "the run",
): ScenarioError {
  const option = OPTION_OF[which];
  return new ScenarioError(
    "budget_exceeded",
    at,
    limit,
    `${at} (${kind}): ${execution} needs more than ${option} = ${limit} ${WHAT[which]} ` +
      `(${used} with this step); raise it with run(scenario, { ${option} }) or ` +
      `.budget({ ${which} }), or shorten the program`,
  );
}

/**
 * Refuses a program with more steps than the step budget before anything
 * is validated or run: every step costs at least one instruction.
 *
 * @example Usage
 * ```ts
 * import { checkStepCount } from "./budget.ts";
 * checkStepCount(10, 1_000); // fine
 * ```
 * @param count the number of steps
 * @param limit the step budget
 * @throws {ScenarioError} `budget_exceeded` with call `"steps"`
 */
export function checkStepCount(count: number, limit: number): void {
  if (count > limit) {
    throw new ScenarioError(
      "budget_exceeded",
      "steps",
      limit,
      `steps: the program has ${count} steps, more than maxSteps = ${limit} expanded ` +
        "instructions (every step is at least one); raise it with run(scenario, { maxSteps }) " +
        "or .budget({ steps }), or shorten the program",
    );
  }
}

/**
 * How many units of work (lines of a DC range, events) pass between two
 * looks at the clock: reading it costs far more than counting.
 */
const CLOCK_EVERY = 4096;

/** The clock the wall budget reads, in milliseconds. */
let clock: () => number = () => performance.now();

/**
 * Replaces the clock the wall budget reads (`performance.now()`), or puts it
 * back with `null`. A run reads it once as its meter starts, after each step
 * and every few thousand units of work, so a clock that advances by one on
 * each read turns the wall budget into a count of work: a test of where and
 * how soon a run stops then depends on the scenario, not on the speed of
 * the machine running it.
 *
 * @example Usage
 * ```ts
 * import { useBudgetClock } from "./budget.ts";
 * let reads = 0;
 * useBudgetClock(() => reads++);
 * useBudgetClock(null);
 * ```
 * @param next the clock, or `null` for `performance.now()`
 */
export function useBudgetClock(next: (() => number) | null): void {
  clock = next ?? (() => performance.now());
}

/**
 * Checks the budgets other than instructions while a run works. One meter
 * serves the three executions of a `run()`: its clock starts when it is
 * created. The model reports its work as it does it ({@linkcode WorkMeter}):
 * the event budget is checked as each record is kept, the page budget as
 * each page of DRAM is first written, and the clock every few thousand
 * units of work (each line of a DC range, each event), so that one step,
 * however large, stops within about the wall budget; they are checked again
 * after each step.
 *
 * @example Usage
 * ```ts
 * import { BudgetMeter, runBudget } from "./budget.ts";
 * let records = 0;
 * const meter = new BudgetMeter(runBudget({ maxEvents: 2 }), () => records);
 * records = 3;
 * try {
 *   meter.afterStep(0, { kind: "read", vcpu: 0, addr: 0x4000_0000 }, 0);
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("steps[0] (read)")); // true
 * }
 * ```
 */
export class BudgetMeter implements WorkMeter {
  /** The limits. */
  readonly budget: RunBudget;
  readonly #events: () => number;
  readonly #deadline: number;
  #countdown: number;
  #stepIndex = -1;
  #step: Step | null = null;
  #execution = "the run";

  /**
   * Starts the clock.
   *
   * @param budget the limits
   * @param events how many event records the run has kept so far
   */
  constructor(budget: RunBudget, events: () => number) {
    this.budget = budget;
    this.#events = events;
    this.#deadline = budget.wallMs === Infinity ? Infinity : clock() + budget.wallMs;
    watchRun(budget.wallMs);
    // A small integer even without a deadline (the clock is then never read): counting
    // down from Infinity would store a new heap number on each unit of work.
    this.#countdown = CLOCK_EVERY;
  }

  /**
   * Names the step being run, for the message of a budget exceeded inside it.
   *
   * @param i the step's index
   * @param step the step
   */
  at(i: number, step: Step): void {
    this.#stepIndex = i;
    this.#step = step;
  }

  /**
   * Runs `f`, a budget exceeded inside it reported as `execution`'s: a
   * reference run the verdict needs (the native run, the ideal machine's)
   * is held to the run's budgets, and may be what exceeds them.
   *
   * @param execution what runs, in words
   * @param f the execution
   * @returns what `f` returns
   */
  during<T>(execution: string, f: () => T): T {
    const before = this.#execution;
    this.#execution = execution;
    try {
      return f();
    } finally {
      this.#execution = before;
    }
  }

  /**
   * Counts `n` units of work, and every few thousand looks at the clock.
   *
   * @param n how many units
   * @throws {ScenarioError} `budget_exceeded` for `wallMs`, naming the step
   */
  work(n: number): void {
    if ((this.#countdown -= n) <= 0) {
      this.#countdown = CLOCK_EVERY;
      this.#checkClock(this.#stepIndex, this.#step);
    }
  }

  /**
   * Checks the page budget as a page of DRAM is first written.
   *
   * @param pages pages written so far
   * @throws {ScenarioError} `budget_exceeded` for `touchedPages`, naming the step
   */
  pagesTouched(pages: number): void {
    if (pages > this.budget.touchedPages) {
      throw this.#exceeded("touchedPages", this.#stepIndex, this.#step, pages);
    }
  }

  /**
   * Checks the event budget as a record is kept.
   *
   * @param records records kept so far
   * @throws {ScenarioError} `budget_exceeded` for `events`, naming the step
   */
  eventRecords(records: number): void {
    if (records > this.budget.events) {
      throw this.#exceeded("events", this.#stepIndex, this.#step, records);
    }
  }

  /**
   * Checks the event, page and wall-time budgets after a step.
   *
   * @param i the step's index
   * @param step the step
   * @param touchedPages pages of modelled DRAM written so far
   * @throws {ScenarioError} `budget_exceeded` naming the step and the figure
   */
  afterStep(i: number, step: Step, touchedPages: number): void {
    const b = this.budget;
    const events = this.#events();
    if (events > b.events) throw this.#exceeded("events", i, step, events);
    if (touchedPages > b.touchedPages) {
      throw this.#exceeded("touchedPages", i, step, touchedPages);
    }
    this.#checkClock(i, step);
  }

  #checkClock(i: number, step: Step | null): void {
    if (this.#deadline === Infinity) return;
    const now = clock();
    if (now > this.#deadline) {
      const spent = Math.ceil(now - this.#deadline + this.budget.wallMs);
      throw this.#exceeded("wallMs", i, step, spent);
    }
  }

  #exceeded(which: keyof Budget, i: number, step: Step | null, used: number): ScenarioError {
    const at = step === null ? "reset" : `steps[${i}]`;
    const kind = step === null ? "before the first step" : stepLabel(step);
    return budgetExceeded(which, at, kind, this.budget[which], used, this.#execution);
  }
}

/** A step as messages name it: a DC range by its instruction (`dc_civac`), else its kind. */
function stepLabel(step: Step): string {
  return step.kind === "dc_va" ? `dc_${step.op}` : step.kind;
}
