/**
 * Drives a scenario's steps, one by one, on a hardware model through the
 * hypervisor model, and reports what every read returned.
 *
 * This is the inner loop that `run()` calls three times: for the run asked
 * for, on the same machine without a hypervisor (does the guest fail
 * natively?), and on the ideal machine (whom to blame).
 *
 * Per step, on the step's vCPU (its `vcpu`, `pcpu` and `pc` go on every
 * event; `pc` advances by 4 after each guest instruction step, and every
 * instruction of a set/way walk shares the walk's PC, the loop body):
 *
 * - a hardware choice point first, unless speculation is quiet:
 *   `Hardware.perturb` over the lines the scenario accesses, recorded as
 *   `speculative_fill` or `castout` (a program without data accesses has
 *   no choice point); before a set/way step whose first
 *   instruction traps, and with `preemptTo` given, the same choice point
 *   also offers the scheduler's preemption of the vCPU between that
 *   instruction's exit and its handler, one option per CPU of `preemptTo`
 *   (after the hardware's options; see `preemptionTargets`), recorded by the
 *   hypervisor as `migrate` with `reason: "preempt"` when the exit is taken;
 * - `read` / `write`: stage-2 fault if unmapped, then the access, cacheable
 *   when the vCPU has its caches on (or stage-2 FWB forces it);
 * - `dc_va`: one instruction per line of the range (each unmapped page
 *   faulting first), one `dc_<op>` event for the range; DC IVAC is performed
 *   as DC CIVAC under stage 2. Over mapped pages only the resident lines are
 *   operated on, with the same outcome (dc_range.ts);
 * - `sw`: one `dc_<op>` event, then the instruction (trapped or performed);
 * - `sw_walk`: one `sw_walk` event, then every set and way of every level up
 *   to LoC as the guest reads CLIDR/CCSIDR: the physical CPU's, or the
 *   policy's virtual view (`Hypervisor.guestCacheView`);
 * - `sctlr` / `vm_reg`: the register write, trapped under HCR.TVM;
 * - `migrate`, `host_write`, `host_unmap`: host events; they do not advance
 *   the PC;
 * - `exec_state`: the vCPU's execution state (AArch32 or AArch64), which
 *   picks the exception class of its later traps. It is the vCPU's
 *   configuration, not an instruction: no hardware choice point before it,
 *   no event, the PC unchanged (like every step, it counts as one
 *   instruction of the budget).
 *
 * A vCPU whose guest crashed (the policy injected an undefined instruction)
 * runs no more steps; the first crash is reported in the output. With a cost
 * table, the guest's own set/way events carry their `cycles`: 0 when the
 * instruction trapped (the trap carries the cost), `swSlot` per instruction
 * performed on the hardware.
 *
 * @module
 */

import type { ScenarioError } from "../errors.ts";
import { type Chooser, seededChooser } from "../hw/chooser.ts";
import { Hardware, type Perturbation, trustedAccess } from "../hw/hardware.ts";
import type { Machine } from "../hw/machine.ts";
import type { Step } from "../guest/ops.ts";
import { emitAccessOn, type EventSink } from "../hyp/event_sink.ts";
import type { Policy } from "../hyp/policy.ts";
import type { CostTable } from "../hyp/costs.ts";
import { Hypervisor } from "../hyp/hypervisor.ts";
import type { Vcpu } from "../hyp/vcpu.ts";
import { vcpuHasCacheEnabled } from "../hyp/vcpu.ts";
import { ArchCheck } from "./arch_check.ts";
import { dcRange, dcRangeByLine } from "./dc_range.ts";
import { budgetExceeded, BudgetMeter, runBudget } from "./budget.ts";
import { NO_METER } from "../hw/work_meter.ts";
import type { IdealChoices } from "./ideal_choices.ts";
import type { Scenario, Speculation } from "./scenario.ts";

/**
 * What a read returned, as the run's read hook sees it.
 *
 * @example Usage
 * ```ts
 * import type { ReadObservation } from "./execute.ts";
 * const seen: ReadObservation = { readIndex: 0, addr: 0x40001000, got: 7, vcpu: 0, pcpu: 0, pc: 0x40000008 };
 * ```
 */
export interface ReadObservation {
  /** The read's index among the scenario's reads. */
  readonly readIndex: number;
  /** The address read. */
  readonly addr: number;
  /** The value returned, unsigned. */
  readonly got: number;
  /** The vCPU. */
  readonly vcpu: number;
  /** Its physical CPU. */
  readonly pcpu: number;
  /** The read's PC. */
  readonly pc: number;
}

/**
 * One execution of a scenario's steps.
 *
 * @example Usage
 * ```ts
 * import { candidateLines, execute } from "./execute.ts";
 * import { generic } from "../machines/mod.ts";
 * import { native } from "@setway/setway";
 * import { NULL_SINK } from "../hyp/event_sink.ts";
 * import type { Scenario } from "@setway/setway";
 * const scenario: Scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "native",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "write", vcpu: 0, addr: 0x40000100, value: 5 },
 *     { kind: "read", vcpu: 0, addr: 0x40000100 },
 *   ],
 * };
 * const out = execute({
 *   scenario, machine: generic, policy: native, speculation: "quiet", sink: NULL_SINK,
 *   maxSteps: Infinity, candidates: candidateLines(scenario.steps, 64),
 * });
 * console.log(Array.from(out.got)); // [5]
 * ```
 */
export interface ExecuteInput {
  /** The scenario (already validated). */
  readonly scenario: Scenario;
  /** The machine to build the hardware from. */
  readonly machine: Machine;
  /** The policy. */
  readonly policy: Policy;
  /** Whether the hardware perturbs the caches (seeded by `scenario.seed`). */
  readonly speculation: Speculation;
  /** Where events go. */
  readonly sink: EventSink;
  /** The instruction budget; `Infinity` for none. */
  readonly maxSteps: number;
  /**
   * The other budgets (events, touched pages, wall time), checked as the
   * work is done (each line of a DC range, each page of DRAM first written)
   * and after each step. Default none.
   */
  readonly meter?: BudgetMeter;
  /** Line addresses the hardware may perturb, ascending. */
  readonly candidates: Float64Array;
  /**
   * Whether `migrate` steps move the vCPU. Default true; the oracle's ideal
   * run sets it false (a set/way instruction naming a slot the unmoved CPU
   * does not have is then skipped).
   */
  readonly migrate?: boolean;
  /**
   * Called after each read's event, with the hardware still in its state
   * after the read. The observation object is reused for the next read:
   * copy what you keep.
   */
  readonly onRead?: (read: ReadObservation, hardware: Hardware) => void;
  /**
   * The run's cost table: the guest's set/way events then carry their
   * `cycles` (see the module documentation). Default none.
   */
  readonly costs?: CostTable;
  /**
   * The source of hardware choices when `speculation` is `"adversarial"`, or
   * a function making it from the run's hardware. Default: a chooser seeded
   * with `scenario.seed`. Exploration passes one that replays a recorded
   * choice sequence and reports each branching factor.
   */
  readonly chooser?: Chooser | ((hardware: Hardware) => Chooser);
  /**
   * The CPUs the scheduler may move a vCPU to between a trapped set/way
   * instruction's exit and its handler, offered at the choice point before
   * the step (only with a chooser: quiet hardware never preempts). Default
   * none: only exploration and checks, which quantify over scheduler
   * choices, and replays of what they found, offer any.
   */
  readonly preemptTo?: readonly number[];
  /**
   * A hardware model to run on instead of building one from `machine`; it
   * must be handed over with every cache empty (exploration reuses one, as
   * building a machine with an 8 MiB system cache costs milliseconds).
   */
  readonly hardware?: Hardware;
  /**
   * A VM to run in instead of building one: one an earlier execution built
   * on the same `hardware` for the same scenario settings (vCPUs, RAM,
   * prefault), policy and `sink`. It is restarted first
   * ({@linkcode Hypervisor.restart}), which leaves what a new one would.
   */
  readonly hypervisor?: Hypervisor;
  /**
   * The index of the first step to run; default 0. With a later step, the
   * run resumes a VM between two steps: `hypervisor` (required) and
   * `hardware` are taken as they are, neither restarted nor reset, and must
   * be in the state the steps before `from` leave them in (exploration puts
   * them back from an image, lib/engine/explore/context.ts). The reads
   * before `from` are not made: their entries of `got` stay 0, and the
   * ideal choices before `from` are not applied again.
   */
  readonly from?: number;
  /**
   * The array the reads go in: one entry per read of `scenario.steps`, every
   * entry 0, returned as the output's `got`. Default a new one. With it, a
   * run from a later step counts only the reads from `from` on, not the
   * whole program's (exploration reuses one array per read count).
   */
  readonly got?: Float64Array;
  /**
   * The object the output is written into and returned as, overwritten by
   * the next execution given it. Default a new one. Exploration runs
   * millions of executions and reads each output before the next: one
   * object for all of them, not one each.
   */
  readonly output?: MutableOutput;
  /**
   * Runs each DC range line by line (dc_range.ts's slow path, the reference
   * its fast path is tested against). Default false.
   */
  readonly lineByLine?: boolean;
  /**
   * Called after each step, a step a crashed vCPU skips included, with the
   * hardware in its state after it (the cache lanes of a watched run,
   * cache_watch.ts). Default none.
   */
  readonly onStep?: (step: number, hardware: Hardware) => void;
  /** Called once after the last step, with the hypervisor in its final state. */
  readonly onEnd?: (hypervisor: Hypervisor) => void;
  /**
   * Called after each perturbation the hardware made, with the index of the
   * step it came before and the vCPUs as they are then (the oracle records
   * the ideal machine's counterpart, ideal_choices.ts). The perturbation is
   * the hardware's own record ({@linkcode Hardware.perturbTransient}): read
   * it during the call, keep a copy of what outlives it.
   */
  readonly onPerturb?: (perturbation: Perturbation, step: number, vcpus: readonly Vcpu[]) => void;
  /**
   * The ideal machine's choices, made at each choice point of this run (the
   * oracle's ideal run; its own speculation is quiet). Rewound first.
   */
  readonly idealChoices?: IdealChoices;
}

/**
 * A guest that took an exception it cannot handle.
 *
 * @example Usage
 * ```ts
 * import type { Crash } from "@setway/setway";
 * const c: Crash = { reason: "set/way op with the IOMMU sharing the p2m", pc: 0x40008660, vcpu: 0 };
 * ```
 */
export interface Crash {
  /** Why, as the policy said it. */
  readonly reason: string;
  /** The guest PC of the faulting instruction. */
  readonly pc: number;
  /** The vCPU. */
  readonly vcpu: number;
}

/**
 * What an execution produced.
 *
 * @example Usage
 * ```ts
 * import type { ExecuteOutput } from "./execute.ts";
 * const out: ExecuteOutput = {
 *   got: new Float64Array([5]), archInvalid: [], instructions: 2, crashed: null,
 * };
 * ```
 */
export interface ExecuteOutput {
  /** Every read's value, in read order. */
  readonly got: Float64Array;
  /** Why the guest is architecturally invalid, deduplicated. */
  readonly archInvalid: readonly string[];
  /** Expanded instructions executed. */
  readonly instructions: number;
  /** The first guest crash, or null. */
  readonly crashed: Crash | null;
}

/**
 * An {@linkcode ExecuteOutput} that executions write into
 * (`ExecuteInput.output`).
 *
 * @example Usage
 * ```ts
 * import { newOutput } from "./execute.ts";
 * console.log(newOutput().crashed); // null
 * ```
 */
export type MutableOutput = { -readonly [K in keyof ExecuteOutput]: ExecuteOutput[K] };

/**
 * An empty {@linkcode MutableOutput}, to give executions as `output`.
 *
 * @example Usage
 * ```ts
 * import { newOutput } from "./execute.ts";
 * console.log(newOutput().got.length); // 0
 * ```
 * @returns an output with no reads, no findings, no instructions and no crash
 */
export function newOutput(): MutableOutput {
  return { got: new Float64Array(0), archInvalid: NO_REASONS, instructions: 0, crashed: null };
}

/**
 * The line addresses of every guest or host data access in a program, and
 * of any other addresses given, deduplicated and ascending: the candidates
 * of hardware choice points.
 *
 * @example Usage
 * ```ts
 * import { candidateLines } from "./execute.ts";
 * const c = candidateLines([
 *   { kind: "write", vcpu: 0, addr: 0x40000044, value: 1 },
 *   { kind: "read", vcpu: 0, addr: 0x40000040 },
 * ], 64);
 * console.log(Array.from(c)); // [1073741888]
 * ```
 * @param steps the program
 * @param lineSize the cache line size
 * @param also addresses whose lines are candidates too (a replayed exploration's); default none
 * @returns the line addresses
 */
export function candidateLines(
  steps: readonly Step[],
  lineSize: number,
  also: readonly number[] = [],
): Float64Array {
  const lines = new Set<number>();
  for (const s of steps) {
    if (s.kind === "read" || s.kind === "write" || s.kind === "host_write") {
      lines.add(s.addr - (s.addr % lineSize));
    }
  }
  for (const a of also) lines.add(a - (a % lineSize));
  return Float64Array.from(lines).sort();
}

const DC_FIELDS_OP = { cvac: "dc_cvac", civac: "dc_civac", ivac: "dc_ivac", cvau: "dc_cvau" };
const SW_EVENT = { csw: "dc_csw", cisw: "dc_cisw", isw: "dc_isw" };

function budgetError(i: number, step: Step, maxSteps: number, needed: number): ScenarioError {
  return budgetExceeded("steps", `steps[${i}]`, step.kind, maxSteps, needed);
}

/** The meter of an execution without budgets: it never stops anything. */
const UNMETERED = new BudgetMeter(
  runBudget({ maxEvents: Infinity, maxTouchedPages: Infinity }),
  () => 0,
);

/**
 * Runs the steps once and reports the reads.
 *
 * @example Usage
 * ```ts
 * import { candidateLines, execute } from "./execute.ts";
 * import { generic } from "../machines/mod.ts";
 * import { native } from "@setway/setway";
 * import { NULL_SINK } from "../hyp/event_sink.ts";
 * import type { Scenario } from "@setway/setway";
 * const scenario: Scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "native",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "write", vcpu: 0, addr: 0x40000100, value: 5 },
 *     { kind: "read", vcpu: 0, addr: 0x40000100 },
 *   ],
 * };
 * const out = execute({
 *   scenario, machine: generic, policy: native, speculation: "quiet", sink: NULL_SINK,
 *   maxSteps: Infinity, candidates: candidateLines(scenario.steps, 64),
 * });
 * console.log(Array.from(out.got)); // [5]
 * ```
 * @param input what to run and where
 * @returns the reads' values and the architectural-validity findings
 * @throws {ScenarioError} `budget_exceeded` when the program needs more than `maxSteps`,
 *   or exceeds a budget of `meter`
 */
export function execute(input: ExecuteInput): ExecuteOutput {
  const { scenario, machine } = input;
  const given = input.speculation === "adversarial" ? input.chooser : undefined;
  const chooser: Chooser | null = input.speculation === "adversarial" && typeof given !== "function"
    ? (given ?? seededChooser(scenario.seed))
    : null;
  const hardware = input.hardware ?? new Hardware(machine, {
    ...(chooser ? { chooser } : {}),
    seed: scenario.seed,
  });
  // The meter hears of each page of DRAM first written, wherever in the model that happens,
  // and of each slot of a set/way walk.
  if (input.meter !== undefined) hardware.meter = input.meter;
  try {
    return executeOn(hardware, typeof given === "function" ? given(hardware) : chooser, input);
  } finally {
    hardware.meter = NO_METER;
    // Nothing keeps a model this execution built: its caches serve the next one.
    if (input.hardware === undefined) hardware.release();
  }
}

/** {@linkcode execute} on a built hardware model, with the chooser of its choice points. */
function executeOn(
  hardware: Hardware,
  chooser: Chooser | null,
  input: ExecuteInput,
): ExecuteOutput {
  const { scenario, policy, sink, candidates, onRead, maxSteps, meter } = input;
  const { idealChoices, onStep } = input;
  const from = input.from ?? 0;
  if (from === 0) idealChoices?.rewind();
  else idealChoices?.rewindTo(from);
  const preemptTo = chooser === null ? NO_TARGETS : input.preemptTo ?? NO_TARGETS;
  const work = meter ?? UNMETERED;
  const reused = input.hypervisor;
  if (from > 0 && (reused === undefined || reused.hardware !== hardware)) {
    throw new Error("execute: a run from a later step resumes a VM on its hardware");
  }
  const hyp = from > 0
    ? reused!
    : reused !== undefined && reused.hardware === hardware
    ? reused.restart(sink)
    : new Hypervisor({
      hardware,
      policy,
      vcpus: scenario.cpus,
      ramBase: scenario.ramBase,
      ram: scenario.ram,
      prefault: scenario.prefault,
      sink,
    });
  // The steps were validated (rules/steps.ts): their accesses skip the model's own checks.
  const access = trustedAccess(hardware);
  // Built at the first set/way step: most runs have none.
  let arch: ArchCheck | null = null;
  const vcpus = hyp.vcpus;
  const steps = scenario.steps;
  const got = input.got ?? new Float64Array(readsIn(steps, 0));
  // The reads before `from`: all of them but those from `from` on.
  let readIndex = from === 0 ? 0 : got.length - readsIn(steps, from);
  let instructions = 0;
  let crashed: Crash | null = null;
  // One observation object for every read: the hook copies what it keeps.
  const seen: { -readonly [K in keyof ReadObservation]: ReadObservation[K] } | null =
    onRead === undefined ? null : { readIndex: 0, addr: 0, got: 0, vcpu: 0, pcpu: 0, pc: 0 };

  if (from === 0) hyp.reset();
  for (let i = from; i < steps.length; i++) {
    const step = steps[i];
    work.at(i, step);
    const v: Vcpu | undefined = "vcpu" in step ? vcpus[step.vcpu] : undefined;
    if (v !== undefined && v.crashed !== null) {
      if (step.kind === "read") readIndex++; // not performed, not judged
      onStep?.(i, hardware);
      continue;
    }
    // Every step but a DC range and a set/way walk is one instruction: no call to count it.
    const kind = step.kind;
    const cost = kind === "dc_va" || kind === "sw_walk" ? stepCost(step, hyp, v) : 1;
    instructions += cost;
    if (instructions > maxSteps) throw budgetError(i, step, maxSteps, instructions);

    const preempting = chooser !== null && candidates.length > 0 && step.kind !== "exec_state" &&
      perturbBefore(i, step, cost, hyp, v, chooser, input, preemptTo);
    idealChoices?.apply(i, hardware);

    switch (step.kind) {
      case "read": {
        const vc = v!;
        hyp.guestAccess(vc, step.addr);
        const cacheable = hyp.cacheable(vc);
        const value = access.read(vc.pcpu, step.addr, cacheable);
        got[readIndex] = value;
        emitAccessOn(
          sink,
          "read",
          vc.index,
          vc.pcpu,
          vc.pc,
          step.addr,
          value,
          cacheable,
          undefined,
        );
        if (seen !== null) {
          seen.readIndex = readIndex;
          seen.addr = step.addr;
          seen.got = value;
          seen.vcpu = vc.index;
          seen.pcpu = vc.pcpu;
          seen.pc = vc.pc;
          onRead!(seen, hardware);
        }
        readIndex++;
        vc.pc += 4;
        break;
      }
      case "write": {
        const vc = v!;
        hyp.guestAccess(vc, step.addr, "write");
        const cacheable = hyp.cacheable(vc);
        const value = step.value >>> 0;
        access.write(vc.pcpu, step.addr, value, cacheable);
        emitAccessOn(
          sink,
          "write",
          vc.index,
          vc.pcpu,
          vc.pc,
          step.addr,
          value,
          cacheable,
          undefined,
        );
        vc.pc += 4;
        break;
      }
      default:
        arch = otherStep(step, cost, hyp, v, arch, input);
        break;
    }
    if (preempting) hyp.cancelPreemption(v!);
    if (crashed === null && v !== undefined && v.crashed !== null) {
      crashed = Object.freeze({ reason: v.crashed.reason, pc: v.crashed.pc, vcpu: v.index });
    }
    meter?.afterStep(i, step, hardware.memory.pagesTouched);
    onStep?.(i, hardware);
  }
  input.onEnd?.(hyp);
  const archInvalid = arch === null ? NO_REASONS : arch.reasons();
  const out = input.output;
  if (out === undefined) return { got, archInvalid, instructions, crashed };
  out.got = got;
  out.archInvalid = archInvalid;
  out.instructions = instructions;
  out.crashed = crashed;
  return out;
}

/**
 * Asks the chooser for a perturbation before step `i` (a speculative fill,
 * a castout, or a preemption at the step's exit) and applies it; returns
 * whether the step's exit is to be preempted. Out of {@linkcode executeOn}'s
 * loop, which then stays small enough for V8 to optimize early.
 */
function perturbBefore(
  i: number,
  step: Step,
  cost: number,
  hyp: Hypervisor,
  v: Vcpu | undefined,
  chooser: Chooser,
  input: ExecuteInput,
  preemptTo: readonly number[],
): boolean {
  const { sink, candidates, onPerturb } = input;
  const hardware = hyp.hardware;
  const targets = preemptTo.length === 0 || v === undefined
    ? NO_TARGETS
    : preemptionTargets(step, cost, hyp, v, preemptTo);
  const p = hardware.perturbTransient(chooser, candidates, targets);
  if (p === null) return false;
  let preempting = false;
  // A sink that drops events gets none: their fields are not built for nothing.
  if (p.kind === "speculative_fill") {
    if (sink.enabled) {
      sink.emit("speculative_fill", null, p.cpu, null, { addr: p.addr, cache: p.cache });
    }
  } else if (p.kind === "castout") {
    if (sink.enabled) {
      sink.emit("castout", null, null, null, { addr: p.addr, cache: p.cache, dirty: p.dirty });
    }
  } else {
    hyp.preemptAtNextExit(v!, p.label);
    preempting = true;
  }
  onPerturb?.(p, i, hyp.vcpus);
  return preempting;
}

/**
 * Performs a step that is not a guest read or write: maintenance by VA or
 * set/way, a system register write, a PC move, a migration, a host access
 * or an execution state change. Returns the run's architectural check,
 * made at its first set/way step.
 */
function otherStep(
  step: Step,
  cost: number,
  hyp: Hypervisor,
  v: Vcpu | undefined,
  arch: ArchCheck | null,
  input: ExecuteInput,
): ArchCheck | null {
  const { sink, costs, meter } = input;
  const work = meter ?? UNMETERED;
  const hardware = hyp.hardware;
  const vcpus = hyp.vcpus;
  switch (step.kind) {
    case "dc_va": {
      const vc = v!;
      const performed = step.op === "ivac" ? hyp.ivacPerformedAs() : step.op;
      const lines = (input.lineByLine ? dcRangeByLine : dcRange)(
        hyp,
        vc,
        performed,
        step.addr,
        step.len,
        work,
      );
      if (sink.enabled) {
        const fields: Record<string, number | string> = { addr: step.addr, len: step.len, lines };
        if (step.op === "ivac") fields.performedAs = performed;
        sink.emit(DC_FIELDS_OP[step.op], vc.index, vc.pcpu, vc.pc, fields);
      }
      vc.pc += 4;
      break;
    }
    case "sw": {
      const vc = v!;
      const fields: Record<string, number> = { level: step.level, set: step.set, way: step.way };
      if (costs !== undefined) {
        const performed = !hyp.trapsSetWay(vc) &&
          hasSlot(hardware, vc.pcpu, step.level, step.set, step.way);
        fields.cycles = performed ? costs.swSlot : 0;
      }
      sink.emit(SW_EVENT[step.op], vc.index, vc.pcpu, vc.pc, fields);
      arch ??= new ArchCheck();
      checkArch(arch, vc, vcpus);
      arch.setWayOperand(vc.pc, step, hyp.guestCacheView(vc));
      hyp.setWay(vc, { op: step.op, level: step.level, set: step.set, way: step.way });
      vc.pc += 4;
      break;
    }
    case "sw_walk": {
      const vc = v!;
      const fields: Record<string, number | string> = {
        op: step.op,
        levels: hyp.guestCacheView(vc).levels.length,
        instructions: cost,
      };
      if (costs !== undefined) fields.cycles = hyp.trapsSetWay(vc) ? 0 : cost * costs.swSlot;
      sink.emit("sw_walk", vc.index, vc.pcpu, vc.pc, fields);
      arch ??= new ArchCheck();
      checkArch(arch, vc, vcpus);
      hyp.setWayWalk(vc, step.op);
      vc.pc += 4;
      break;
    }
    case "sctlr":
      hyp.sctlrWrite(v!, step.bits);
      v!.pc += 4;
      break;
    case "vm_reg":
      hyp.vmRegWrite(v!, step.reg, step.value >>> 0);
      v!.pc += 4;
      break;
    case "pc":
      v!.pc = step.addr;
      break;
    case "migrate":
      if (input.migrate ?? true) hyp.migrate(v!, step.pcpu);
      break;
    case "host_write":
      hyp.hostWrite(step.cpu ?? hostCpu(vcpus, hardware.cpuCount), step.addr, step.value >>> 0);
      break;
    case "host_unmap":
      hyp.hostUnmap(step.cpu ?? hostCpu(vcpus, hardware.cpuCount), step.addr);
      break;
    case "exec_state":
      if (step.aarch32 && hyp.hardware.machine.features?.aarch32El1 === false) {
        arch ??= new ArchCheck();
        arch.aarch32El1(hyp.hardware.machine.name);
      }
      hyp.setExecState(v!, step.aarch32);
      break;
  }
  return arch;
}

const NO_REASONS: readonly string[] = Object.freeze([]);

/**
 * How many reads `steps` has from index `from` on: the length of a run's
 * `got` from `from` (a caller that gives {@linkcode ExecuteInput.got} sizes
 * it with this).
 *
 * @example Usage
 * ```ts
 * import { readsIn } from "./execute.ts";
 * const steps = [
 *   { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   { kind: "write", vcpu: 0, addr: 0x40000000, value: 1 },
 *   { kind: "read", vcpu: 0, addr: 0x40000000 },
 * ] as const;
 * console.log(readsIn(steps, 0), readsIn(steps, 1)); // 2 1
 * ```
 * @param steps the program
 * @param from the first step counted
 * @returns the number of read steps from `from` on
 */
export function readsIn(steps: readonly Step[], from: number): number {
  let n = 0;
  for (let i = from; i < steps.length; i++) if (steps[i].kind === "read") n++;
  return n;
}

/**
 * Expanded instructions of one step: lines of a DC range, slots of a walk as
 * the guest reads its geometry, else 1.
 */
function stepCost(step: Step, hyp: Hypervisor, v: Vcpu | undefined): number {
  const hardware = hyp.hardware;
  if (step.kind === "dc_va") {
    const lineSize = hardware.lineSize;
    const first = step.addr - (step.addr % lineSize);
    return Math.ceil((step.addr + step.len - first) / lineSize);
  }
  if (step.kind === "sw_walk") {
    let n = 0;
    for (const g of hyp.guestCacheView(v!).levels) if (g !== null) n += g.sets * g.ways;
    return n;
  }
  return 1;
}

const NO_TARGETS: readonly number[] = Object.freeze([]);

/**
 * The CPUs of `allowed` the scheduler may move `v` to between the exit of
 * the step's first instruction and its handler: none unless the step is a
 * set/way instruction or walk whose first instruction traps; else every
 * allowed CPU but the vCPU's own with the same cache geometry as it (a
 * walk's later instructions, run on the new CPU, name slots the guest read
 * from the old one's CLIDR/CCSIDR). Only a trapped set/way operation's
 * handler looks at the CPU the exit was taken on (Linux 3.18
 * arch/arm/kvm/coproc.c `access_dcsw` compares it with `last_pcpu`); at any
 * other exit, a move before the handler leaves what a migration just
 * before the instruction leaves, which `migrate` steps already cover.
 *
 * Simplified: only the first exit of a walk may be preempted, and never to
 * a CPU of another cache geometry (big.LITTLE's other cluster).
 */
function preemptionTargets(
  step: Step,
  cost: number,
  hyp: Hypervisor,
  v: Vcpu,
  allowed: readonly number[],
): readonly number[] {
  const hardware = hyp.hardware;
  if (step.kind !== "sw" && (step.kind !== "sw_walk" || cost === 0)) return NO_TARGETS;
  if (!hyp.trapsSetWay(v)) return NO_TARGETS;
  const out: number[] = [];
  for (const cpu of allowed) {
    if (cpu !== v.pcpu && cpu < hardware.cpuCount && sameCaches(hardware, cpu, v.pcpu)) {
      out.push(cpu);
    }
  }
  return out;
}

/** Whether two CPUs have the same levels of data cache, each of the same geometry. */
function sameCaches(hardware: Hardware, a: number, b: number): boolean {
  const levels = hardware.levels(a);
  if (levels !== hardware.levels(b)) return false;
  for (let level = 1; level <= levels; level++) {
    const x = hardware.geometry(a, level), y = hardware.geometry(b, level);
    if (x.sets !== y.sets || x.ways !== y.ways || x.lineSize !== y.lineSize) return false;
  }
  return true;
}

/** Whether CPU `cpu` has slot (level, set, way): an instruction naming another does nothing. */
function hasSlot(
  hardware: Hardware,
  cpu: number,
  level: number,
  set: number,
  way: number,
): boolean {
  return hardware.hasSlot(cpu, level, set, way);
}

/** The VMM's CPU: the first physical CPU not running a vCPU, else CPU 0. */
function hostCpu(vcpus: readonly Vcpu[], cpuCount: number): number {
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    if (!vcpus.some((v) => v.pcpu === cpu)) return cpu;
  }
  return 0;
}

function checkArch(arch: ArchCheck, vc: Vcpu, vcpus: readonly Vcpu[]): void {
  let cached = 0;
  for (const other of vcpus) if (other.everCached) cached++;
  arch.setWay(vc.pc, vcpuHasCacheEnabled(vc.sctlr), cached);
}
