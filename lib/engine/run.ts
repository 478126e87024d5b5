/**
 * `run(scenario)`: one scenario, start to verdict.
 *
 * 1. Validate the scenario against its machine (every issue collected).
 * 2. Run it under its policy, recording events, each with its modelled
 *    `cycles` from the cost table (defaults, then the policy's profile, then
 *    `options.costs`); each read is checked against the oracle as it
 *    happens, and a failed read is recorded as a `stale_read` or
 *    `lost_write` event right after it. A guest crash (an injected undefined
 *    instruction) stops that vCPU and fails the verdict.
 * 3. Run it natively on the same machine (system cache, speculation and seed
 *    kept): does the guest fail without a hypervisor too? A program whose
 *    every access is cacheable, on quiet hardware, cannot
 *    (`Judge.passesNatively`), and is not run a second time.
 * 4. If a read failed, run it on the ideal machine (no system cache, native,
 *    no migration, each hardware choice of step 2 made as the architecture
 *    allows it there: ideal_choices.ts) to blame the guest or the
 *    hypervisor.
 *
 * Steps 3 and 4, the kind of a failed read and its blame are the judge's
 * (judge.ts), which `check()` and `explore()` use too.
 *
 * The result is deterministic: the same scenario gives a byte-identical
 * trace and JSON.
 *
 * @example Usage
 * ```ts
 * import { run } from "@setway/setway";
 * const result = run({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "write", vcpu: 0, addr: 0x40001000, value: 42 },
 *     { kind: "read", vcpu: 0, addr: 0x40001000 },
 *   ],
 * });
 * console.log(result.verdict.ok); // true
 * ```
 *
 * @module
 */

import type { Chooser } from "../hw/chooser.ts";
import type { Hardware } from "../hw/hardware.ts";
import { clearDeadline } from "../hyp/watch.ts";
import { resolveCosts } from "../hyp/costs.ts";
import { EventLog, type LoggedEvents } from "./event_log.ts";
import type { EventFieldValue, SetwayEvent } from "../hyp/events.ts";
import type { EventSink } from "../hyp/event_sink.ts";
import type { WorkMeter } from "../hw/work_meter.ts";
import { CostingSink } from "./costing_sink.ts";
import { candidateLines, execute } from "./execute.ts";
import { BudgetMeter, checkStepCount, runBudget } from "./budget.ts";
import { RUN_OPTION_KEYS, type RunOptions } from "./options.ts";
import { checkOptionKeys } from "../options.ts";
import { ScenarioError, showValue } from "../errors.ts";
import { expectedReads, firstFailingRead, type Violation } from "./oracle.ts";
import { IdealChoices } from "./ideal_choices.ts";
import { Judge } from "./judge.ts";
import { RunResult } from "./result.ts";
import { CacheWatch, checkWatch } from "./cache_watch.ts";
import type { Scenario } from "./scenario.ts";
import { assertScenario } from "./rules/entry.ts";

/**
 * Hardware choices given from outside, for replaying a counterexample found
 * by exploration: each execution of an adversarial run (`"main"`, under the
 * policy; `"native"`, on the same machine without a hypervisor) takes its
 * chooser from `chooser`, given its hardware and candidate lines.
 *
 * @example Usage
 * ```ts
 * import type { RunChoosers } from "@setway/setway/hw";
 * import { quietChooser } from "@setway/setway/hw";
 * const calm: RunChoosers = { chooser: () => quietChooser() };
 * ```
 */
export interface RunChoosers {
  /** Makes the chooser of one execution from its hardware and candidate lines. */
  readonly chooser: (
    execution: "main" | "native",
    hardware: Hardware,
    candidates: Float64Array,
  ) => Chooser;
  /**
   * The CPUs the scheduler may move a vCPU to between a trapped set/way
   * instruction's exit and its handler (see `ExecuteInput.preemptTo`).
   * Default none.
   */
  readonly preemptTo?: readonly number[];
  /**
   * Addresses whose lines the hardware may also fill or cast out, beyond
   * those the program reads and writes: a replayed exploration's, whose
   * hardware chose among every line of its alphabet. Those outside RAM are
   * left out. Default none.
   */
  readonly lines?: readonly number[];
}

/**
 * Runs a scenario and judges it.
 *
 * @example Usage
 * ```ts
 * import { run } from "@setway/setway";
 * const result = run({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "sw_walk", vcpu: 0, op: "cisw" }],
 * });
 * console.log(result.cost.exits); // 16896: every set and way of L1 and L2 trapped
 * ```
 * @param scenario the scenario
 * @param options a policy that replaces the scenario's, and the budget
 * @param choosers hardware choices of an adversarial run; default: seeded by `scenario.seed`
 * @returns events, verdict and cost
 * @throws {ScenarioError} for an invalid scenario (every issue in the message) or
 *   `budget_exceeded` when the program needs more than a budget allows
 */
export function run(
  scenario: Scenario,
  options: RunOptions = {},
  choosers?: RunChoosers,
): RunResult {
  const checked = checkOptionKeys("run", options, RUN_OPTION_KEYS) as RunOptions;
  return runSharing(scenario, checked, choosers, undefined);
}

/**
 * The values the reference executions of a scenario read: natively on its
 * machine, and on the ideal machine. Neither depends on the policy (the
 * ideal one when the run made no hardware choice; otherwise it makes the
 * run's own, and is not shared), so runs of one scenario under several
 * policies (`compare()`) share them; the object starts empty and each
 * reference is filled the first time a run needs it.
 *
 * @example Usage
 * ```ts
 * import type { ReferenceReads } from "./run.ts";
 * const shared: ReferenceReads = {};
 * ```
 */
export interface ReferenceReads {
  /** What each read returned natively on the scenario's machine. */
  native?: Float64Array;
  /** What each read returned on the ideal machine, for a run without hardware choices. */
  ideal?: Float64Array;
}

/**
 * {@linkcode run}, sharing the reference executions with other runs of the
 * same scenario: `references` must only ever be given runs of one scenario
 * object, without `choosers` (an adversarial run's native execution depends
 * on its choices).
 *
 * @example Usage
 * ```ts
 * import { runSharing, type ReferenceReads } from "./run.ts";
 * const scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "read", vcpu: 0, addr: 0x40001000 }],
 * } as const;
 * const shared: ReferenceReads = {};
 * runSharing(scenario, { policy: "kvm-4.0" }, undefined, shared);
 * runSharing(scenario, { policy: "kvm-3.18" }, undefined, shared); // native run not repeated
 * console.log(Array.from(shared.native ?? [])); // [3735928559]
 * ```
 * @param scenario the scenario
 * @param options as for {@linkcode run}
 * @param choosers as for {@linkcode run}; must be undefined when `references` is given
 * @param references the shared reference reads, or undefined to share nothing
 * @returns events, verdict and cost
 * @throws {ScenarioError} as {@linkcode run}
 */
export function runSharing(
  scenario: Scenario,
  options: RunOptions,
  choosers: RunChoosers | undefined,
  references: ReferenceReads | undefined,
): RunResult {
  try {
    return judgedRun(scenario, options, choosers, references);
  } finally {
    clearDeadline(); // published by the run's BudgetMeter when a worker watches this thread
  }
}

/**
 * What a run logs its events into: an {@linkcode EventLog}, or another log
 * that records the same events (object_event_log.ts, the slow path the
 * columnar log is tested against).
 *
 * @example Usage
 * ```ts
 * import type { RunLog } from "./run.ts";
 * import { EventLog } from "./event_log.ts";
 * const log: RunLog = new EventLog();
 * ```
 */
export interface RunLog extends EventSink {
  /** Number of events recorded so far, counting each collapsed event. */
  readonly size: number;
  /** Number of records kept so far. */
  readonly records: number;
  /**
   * Changes one field of a record already logged.
   * @param index the record index
   * @param field the field to set
   * @param value its new value
   */
  update(index: number, field: string, value: EventFieldValue): void;
  /** Ends the log: its events, or the log to build them from when read. */
  seal(): readonly SetwayEvent[] | LoggedEvents;
}

/**
 * {@linkcode run} with its events logged into the log `makeLog` makes (given
 * the run's meter and whether to collapse), instead of an
 * {@linkcode EventLog}: what the property test of the columnar log against
 * the object-per-record one (object_event_log.ts) compares.
 *
 * @example Usage
 * ```ts
 * import { runWithLog } from "./run.ts";
 * import { EventLog } from "./event_log.ts";
 * const result = runWithLog({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "read", vcpu: 0, addr: 0x40001000 }],
 * }, {}, (meter, collapse) => new EventLog(meter, { collapse }));
 * console.log(result.events.length); // 1
 * ```
 * @param scenario the scenario
 * @param options as for {@linkcode run}
 * @param makeLog makes the run's log
 * @returns events, verdict and cost
 * @throws {ScenarioError} as {@linkcode run}
 */
export function runWithLog(
  scenario: Scenario,
  options: RunOptions,
  makeLog: (meter: WorkMeter, collapse: boolean) => RunLog,
): RunResult {
  const checked = checkOptionKeys("run", options, RUN_OPTION_KEYS) as RunOptions;
  try {
    return judgedRun(scenario, checked, undefined, undefined, makeLog);
  } finally {
    clearDeadline();
  }
}

/** The `collapse` option, checked: a boolean, true when absent. */
function collapseOption(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value === "boolean") return value;
  throw new ScenarioError(
    "invalid_value",
    "run.collapse",
    value,
    `run({ collapse: ${showValue(value)} }): expected true or false`,
  );
}

/** The candidate lines of a run whose hardware makes no choices. */
const NO_LINES = new Float64Array(0);

/** The addresses of `addrs` in the scenario's RAM. */
function inRam(addrs: readonly number[], scenario: Scenario): number[] {
  return addrs.filter((a) => a >= scenario.ramBase && a < scenario.ramBase + scenario.ram);
}

/**
 * The run's log, with room from the start for `records` records (see
 * {@linkcode expectedRecords}).
 */
function newEventLog(meter: WorkMeter, collapse: boolean, records: number): RunLog {
  return new EventLog(meter, { collapse, capacity: Math.max(1, records) });
}

/**
 * Room to give the log's columns at once: a row per step and 64 for the
 * run's start (each vCPU's first load logs a `vcpu_load`). A program of
 * reads and writes logs one record per step; other steps log a few more
 * (a trapped register write logs an exit, the write, a flush, a toggle),
 * and then the columns grow by half. Counted without a pass over the
 * program: one costs milliseconds on 10^5 steps before V8 optimises it.
 */
function expectedRecords(steps: Scenario["steps"]): number {
  return steps.length + 64;
}

function judgedRun(
  scenario: Scenario,
  options: RunOptions,
  choosers: RunChoosers | undefined,
  references: ReferenceReads | undefined,
  makeLog: (meter: WorkMeter, collapse: boolean, records: number) => RunLog = newEventLog,
): RunResult {
  const shared = choosers === undefined ? references : undefined;
  const budget = runBudget(options);
  // Every step costs at least one instruction: refuse a huge program before checking it.
  const steps = typeof scenario === "object" && scenario !== null ? scenario.steps : undefined;
  if (Array.isArray(steps)) checkStepCount(steps.length, budget.steps);
  const { machine, policy } = assertScenario(scenario, options);
  const maxSteps = budget.steps;
  const lineSize = machine.clusters[0].l1d.lineSize ?? 64;
  // Only adversarial hardware chooses among the candidate lines: a quiet run never reads them.
  const candidates = scenario.speculation === "adversarial"
    ? candidateLines(scenario.steps, lineSize, inRam(choosers?.lines ?? [], scenario))
    : NO_LINES;
  // Validated: every access is an aligned word of RAM.
  const expected = expectedReads(scenario.steps, scenario);
  const judge = new Judge(machine, policy, candidates);

  const costs = resolveCosts([policy.costs, options.costs], "costs");
  const meter: BudgetMeter = new BudgetMeter(budget, (): number => log.records);
  const log: RunLog = makeLog(
    meter,
    collapseOption(options.collapse),
    // No more records than the events budget allows: the run stops there.
    Math.min(expectedRecords(scenario.steps), budget.events),
  );
  const sink = new CostingSink(log, costs);
  const pending: { record: number; violation: Omit<Violation, "blame"> }[] = [];
  const idealChoices = new IdealChoices();
  const watch = options.watch === undefined
    ? undefined
    : new CacheWatch(checkWatch(options.watch), scenario.steps);
  const main = execute({
    scenario,
    machine,
    policy,
    speculation: scenario.speculation,
    chooser: choosers && ((hw) => choosers.chooser("main", hw, candidates)),
    ...(choosers?.preemptTo === undefined ? {} : { preemptTo: choosers.preemptTo }),
    sink,
    costs,
    maxSteps,
    meter,
    candidates,
    // One entry per read, as the oracle counted them: no pass over the program to count again.
    got: new Float64Array(expected.length),
    onPerturb: (p, step, vcpus) => idealChoices.record(p, step, vcpus),
    ...(watch === undefined ? {} : { onStep: (i, hw) => watch.afterStep(i, hw, log.size) }),
    onRead(read, hardware) {
      const want = expected[read.readIndex];
      if (read.got === want) return;
      const kind = judge.kind(hardware, read.addr, want);
      const record = sink.emit(kind, read.vcpu, read.pcpu, read.pc, {
        addr: read.addr,
        expected: want,
        got: read.got,
        blame: "pending",
      });
      pending.push({
        record,
        violation: {
          kind,
          addr: read.addr,
          expected: want,
          got: read.got,
          vcpu: read.vcpu,
          pc: read.pc,
          readIndex: read.readIndex,
        },
      });
    },
  });

  let failsNatively: boolean;
  if (policy.native === true) {
    failsNatively = pending.length > 0;
    if (shared !== undefined) shared.native = main.got;
  } else if (shared?.native !== undefined) {
    failsNatively = firstFailingRead(expected, shared.native) >= 0;
  } else if (choosers === undefined && judge.passesNatively(scenario, budget.touchedPages)) {
    // Natively every read returns what the oracle expects: no need to run it to see.
    failsNatively = false;
    if (shared !== undefined) shared.native = expected;
  } else {
    const nativeGot = judge.nativeReads(
      scenario,
      choosers && ((hw) => choosers.chooser("native", hw, candidates)),
      { meter, got: new Float64Array(expected.length) },
    );
    failsNatively = firstFailingRead(expected, nativeGot) >= 0;
    if (shared !== undefined) shared.native = nativeGot;
  }

  const violations: Violation[] = [];
  if (pending.length > 0) {
    // The ideal run depends on the run's hardware choices: shared only without any.
    const quiet = idealChoices.length === 0;
    const ideal = (quiet ? shared?.ideal : undefined) ??
      judge.idealReads(scenario, idealChoices, { meter, got: new Float64Array(expected.length) });
    if (shared !== undefined && quiet) shared.ideal = ideal;
    for (const p of pending) {
      const i = p.violation.readIndex;
      const blame = judge.blame(ideal[i], expected[i]);
      log.update(p.record, "blame", blame);
      violations.push(Object.freeze({ ...p.violation, blame }));
    }
  }

  return new RunResult({
    scenario,
    policy: policy.name,
    machine,
    events: log.seal(),
    verdict: Object.freeze({
      ok: violations.length === 0 && main.crashed === null,
      violations: Object.freeze(violations),
      archInvalid: Object.freeze([...main.archInvalid]),
      failsNatively,
      crashed: main.crashed,
    }),
    ...(watch === undefined ? {} : { caches: watch.track() }),
  });
}
