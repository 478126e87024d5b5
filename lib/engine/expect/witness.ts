/**
 * A witness: one execution a check found, made into an ordinary run that a
 * user can read, replay and paste.
 *
 * The execution is run once more to record its perturbations by meaning
 * ("fill 0x40008000 into cpu2's L1 before choice point 7"), then replayed
 * with the exploration's `replay()` (lib/engine/explore/replay.ts) as a
 * full `run()`: events, verdict, blame. Its trace keeps the events that
 * tell the story: the hardware's choices, migrations, the guest's cache
 * maintenance and SCTLR writes, the hypervisor's traps and flushes, and
 * the oracle's verdicts.
 *
 * @example Usage
 * ```ts
 * import { describePerturbation } from "./witness.ts";
 * console.log(describePerturbation({ before: 3, kind: "castout", cache: "system", addr: 0x4000_8000 }));
 * // "castout of 0x40008000 from system"
 * ```
 *
 * @module
 */

import type { Step } from "../../guest/ops.ts";
import type { SetwayEvent } from "../../hyp/events.ts";
import type { RunOptions } from "../options.ts";
import type { RunResult } from "../result.ts";
import type { Scenario } from "../scenario.ts";
import type { PlannedPerturbation } from "../choosers.ts";
import { replay } from "../explore/replay.ts";
import { FLUSH_EVENTS } from "../../hyp/events.ts";
import type { InsertedMigration } from "./migrations.ts";
import { holds, observeRun } from "./observation.ts";
import type { Predicate } from "./predicates.ts";
import type { CheckRunner } from "./runner.ts";
import type { ExecutionName } from "./search.ts";

/**
 * One execution found by a check, replayed as an ordinary run.
 *
 * @example Usage
 * ```ts
 * import type { Witness } from "@setway/setway/expect";
 * const describe = (w: Witness) => `${w.perturbations.length} perturbations: ${w.summary}`;
 * ```
 */
export interface Witness {
  /** Whether the expectation's predicate held in it. */
  readonly holds: boolean;
  /** The hardware's perturbations, by meaning (`before` counts choice points, one per step run). */
  readonly perturbations: readonly PlannedPerturbation[];
  /** The migrations inserted into the program. */
  readonly migrations: readonly InsertedMigration[];
  /**
   * The chooser's picks up to the last perturbation: at each choice point
   * 0 ("nothing"), or 1 then the option. The exploration's `ScriptChooser`
   * replays them.
   */
  readonly picks: readonly number[];
  /** The scenario as run: migrations inserted, no expectations. */
  readonly scenario: Scenario;
  /** The replayed run. */
  readonly run: RunResult;
  /** One line per choice: "no perturbation", or each perturbation and migration. */
  readonly summary: string;
  /** The story's events of the replayed run, as a text trace. */
  readonly trace: string;
  /** Whether the replayed run agrees with the check about the predicate (always, unless setway has a bug). */
  readonly replayAgrees: boolean;
}

/**
 * The events a witness trace shows.
 *
 * @example Usage
 * ```ts
 * import { WITNESS_EVENTS } from "./witness.ts";
 * console.log(WITNESS_EVENTS.has("speculative_fill")); // true
 * ```
 */
export const WITNESS_EVENTS: ReadonlySet<string> = new Set([
  ...FLUSH_EVENTS,
  "speculative_fill",
  "castout",
  "migrate",
  "sctlr_write",
  "sw_walk",
  "dc_cvac",
  "dc_civac",
  "dc_ivac",
]);

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/**
 * A short description of a step.
 *
 * @example Usage
 * ```ts
 * import { describeStep } from "./witness.ts";
 * console.log(describeStep({ kind: "read", vcpu: 0, addr: 0x4000_8000 })); // "read 0x40008000"
 * ```
 * @param s the step
 * @returns its text
 */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case "read":
      return `read ${hex(s.addr)}`;
    case "write":
      return `write ${hex(s.addr)}`;
    case "dc_va":
      return `dc ${s.op} ${hex(s.addr)}+${hex(s.len)}`;
    case "sw":
      return `dc ${s.op} L${s.level} set ${s.set} way ${s.way}`;
    case "sw_walk":
      return `set/way walk (dc ${s.op})`;
    case "sctlr":
      return `sctlr ${Object.entries(s.bits).map(([k, v]) => `${k}=${v ? 1 : 0}`).join(" ")}`;
    case "vm_reg":
      return `write ${s.reg}`;
    case "pc":
      return `pc ${hex(s.addr)}`;
    case "migrate":
      return `migrate vcpu${s.vcpu} to cpu${s.pcpu}`;
    case "host_write":
      return `host write ${hex(s.addr)}`;
    case "host_unmap":
      return `host unmap ${hex(s.addr)}`;
    case "exec_state":
      return `exec state ${s.aarch32 ? "AArch32" : "AArch64"}`;
  }
}

/**
 * A short description of a perturbation.
 *
 * @example Usage
 * ```ts
 * import { describePerturbation } from "./witness.ts";
 * console.log(describePerturbation({ before: 0, kind: "speculative_fill", cpu: 2, addr: 0x4000_0000 }));
 * // "speculative fill of 0x40000000 into cpu2"
 * ```
 * @param p the perturbation
 * @returns its text
 */
export function describePerturbation(p: PlannedPerturbation): string {
  if (p.kind === "preempt") return `preempted between exit and handler, moved to cpu${p.cpu}`;
  return p.kind === "speculative_fill"
    ? `speculative fill of ${hex(p.addr)} into cpu${p.cpu}`
    : `castout of ${hex(p.addr)} from ${p.cache}`;
}

function picksOf(plan: Int32Array): number[] {
  const picks: number[] = [];
  let point = 0;
  for (let j = 0; j < plan.length; j += 2) {
    for (; point < plan[j]; point++) picks.push(0);
    picks.push(1, plan[j + 1]);
    point++;
  }
  return picks;
}

/**
 * An execution a check found, replayed: everything of a witness but the
 * predicate's value (one replay serves every expectation it witnesses).
 *
 * @example Usage
 * ```ts
 * import type { ReplayedExecution } from "./witness.ts";
 * const shown = (r: ReplayedExecution) => `${r.summary}\n${r.trace}`;
 * ```
 */
export type ReplayedExecution = Omit<Witness, "holds" | "replayAgrees">;

/**
 * Replays an execution a check found (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { replayExecution } from "./witness.ts";
 * import type { CheckRunner } from "./runner.ts";
 * import type { ExecutionName } from "./search.ts";
 * const show = (runner: CheckRunner, name: ExecutionName) =>
 *   replayExecution(runner, name, {}).summary;
 * ```
 * @param runner the check's runner
 * @param name the execution
 * @param options run options of the replay (the policy object, budgets)
 * @returns the replayed execution
 */
export function replayExecution(
  runner: CheckRunner,
  name: ExecutionName,
  options: RunOptions,
): ReplayedExecution {
  const out = runner.run(name.variant, name.plan, null, true);
  const perturbations = out.perturbations;
  const { expect: _expect, ...base } = runner.scenario;
  const scenario: Scenario = {
    ...base,
    speculation: perturbations.length > 0 ? "adversarial" : base.speculation,
    steps: [...name.variant.steps],
  };
  const run = replay(scenario, perturbations, options);
  const steps = name.variant.steps;
  const lines: string[] = [];
  for (const p of perturbations) {
    const i = out.stepOfPoint[p.before];
    lines.push(`${describePerturbation(p)}, before steps[${i}] (${describeStep(steps[i])})`);
  }
  let shift = 0;
  for (const m of name.variant.migrations) {
    lines.push(
      `migrate vcpu${m.vcpu} to cpu${m.pcpu}, inserted as steps[${m.before + shift}] ` +
        `(before ${describeStep(name.variant.original[m.before])})`,
    );
    shift++;
  }
  return {
    perturbations,
    migrations: name.variant.migrations,
    picks: picksOf(name.plan),
    scenario,
    run,
    summary: lines.length === 0 ? "no perturbation" : lines.join("\n"),
    trace: run.trace({ only: (e: SetwayEvent) => WITNESS_EVENTS.has(e.name) }),
  };
}

/**
 * A replayed execution as the witness of one predicate.
 *
 * @example Usage
 * ```ts
 * import { witnessOf, type ReplayedExecution } from "./witness.ts";
 * const agrees = (replayed: ReplayedExecution) =>
 *   witnessOf(replayed, { kind: "crashed" }, false, []).replayAgrees;
 * ```
 * @param replayed the replayed execution
 * @param what the predicate
 * @param value whether the check saw it hold
 * @param watched the event names the predicates count
 * @returns the witness
 */
export function witnessOf(
  replayed: ReplayedExecution,
  what: Predicate,
  value: boolean,
  watched: readonly string[],
): Witness {
  return {
    ...replayed,
    holds: value,
    replayAgrees: holds(what, observeRun(replayed.run, watched)) === value,
  };
}
