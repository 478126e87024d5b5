/**
 * The fast path of a check: runs one execution of a scenario's program
 * (a variant, a plan of hardware choices) under its policy and returns what
 * predicates see of it, without recording events.
 *
 * It is `execute()` with:
 *
 * - one hardware model reused for every execution (building an X-Gene 1 and
 *   its 8 MiB system cache costs about a millisecond), handed over as
 *   built: every cache emptied, and the DRAM of every page the program can
 *   write back to restored to its never-written state;
 * - a {@linkcode PointChooser} replaying the plan, whose choice points also
 *   offer the scheduler's preemptions ({@linkcode CheckRunner.preemptTo});
 * - an event sink that only counts the events the expectations name (and,
 *   when asked, records the hardware's perturbations by meaning);
 * - the oracle inline: each read against the program's last write, a
 *   failed read classified and blamed by the judge `run()` uses (judge.ts),
 *   with a run on the ideal machine driven by the execution's hardware choices as
 *   the architecture allows them there (ideal_choices.ts): made once per
 *   check for the executions without hardware choices (the ideal run
 *   ignores migrations), else once per failing execution, on a second
 *   reused hardware model.
 *
 * @example Usage
 * ```ts
 * import { CheckRunner } from "./runner.ts";
 * import { baseVariant } from "./migrations.ts";
 * import { kvm318 } from "../../hyp/policies/mod.ts";
 * import { scenarioMachine } from "../resolve.ts";
 * import type { Scenario } from "@setway/setway";
 * const scenario: Scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-3.18",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "write", vcpu: 0, addr: 0x40000000, value: 1 },
 *     { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   ],
 * };
 * const runner = new CheckRunner(scenario, scenarioMachine(scenario), kvm318, []);
 * const out = runner.run(baseVariant(scenario.steps), new Int32Array(0));
 * console.log(out.observation.violations.length, out.points); // 0 2
 * ```
 *
 * @module
 */

import { POISON } from "../../hw/memory.ts";
import { Hardware } from "../../hw/hardware.ts";
import type { Machine } from "../../hw/machine.ts";
import type { Step } from "../../guest/ops.ts";
import type { EventFieldsRecord, EventSink } from "../../hyp/event_sink.ts";
import type { Policy } from "../../hyp/policy.ts";
import { BudgetMeter, runBudget } from "../budget.ts";
import { candidateLines, execute } from "../execute.ts";
import { IdealChoices } from "../ideal_choices.ts";
import { Judge } from "../judge.ts";
import { type Blame, expectedReads } from "../oracle.ts";
import type { Scenario } from "../scenario.ts";
import { plannedFromEvent, type PlannedPerturbation, PointChooser } from "../choosers.ts";
import type { Variant } from "./migrations.ts";
import type { Observation, ReadViolation } from "./observation.ts";
import { busyCpus } from "./reduce.ts";
import { PAGE_SIZE as PAGE } from "../../hw/memory.ts";

/**
 * What one execution gave.
 *
 * @example Usage
 * ```ts
 * import type { ExecutionOutcome } from "./runner.ts";
 * const o: ExecutionOutcome = {
 *   observation: { violations: [], crashed: false, archInvalid: false, counts: {} },
 *   points: 3, stepOfPoint: Int32Array.of(0, 1, 2), perturbations: [],
 * };
 * ```
 */
export interface ExecutionOutcome {
  /** What predicates see. */
  readonly observation: Observation;
  /** How many choice points the execution went through. */
  readonly points: number;
  /** For each choice point, the index of the step it came before. */
  readonly stepOfPoint: Int32Array;
  /** The perturbations the hardware made, by meaning (recorded only when asked). */
  readonly perturbations: readonly PlannedPerturbation[];
}

/** Counts the watched events; records perturbations when asked. */
class ObservingSink implements EventSink {
  readonly enabled = true;
  readonly counts: Int32Array;
  readonly #index: Map<string, number>;
  record: PlannedPerturbation[] | null = null;
  chooser: PointChooser | null = null;

  constructor(names: readonly string[]) {
    this.#index = new Map(names.map((n, i) => [n, i]));
    this.counts = new Int32Array(names.length);
  }

  emit(
    name: string,
    _vcpu: number | null,
    pcpu: number | null,
    _pc: number | null,
    fields?: EventFieldsRecord,
  ): number {
    const i = this.#index.get(name);
    if (i !== undefined) this.counts[i]++;
    if (this.record !== null && fields !== undefined) {
      const p = plannedFromEvent(this.chooser!.point, name, pcpu, fields);
      if (p !== null) this.record.push(p);
    }
    return -1;
  }
}

/** Notes, after each step, the step the last choice point came before. */
class StepMeter extends BudgetMeter {
  chooser: PointChooser | null = null;
  stepOfPoint: Int32Array = new Int32Array(64);
  #noted = -1;

  constructor() {
    super(runBudget({}), () => 0);
  }

  rewind(): void {
    this.#noted = -1;
  }

  override afterStep(i: number, _step: Step, _touchedPages: number): void {
    const point = this.chooser!.point;
    if (point <= this.#noted) return;
    if (point >= this.stepOfPoint.length) {
      const bigger = new Int32Array(Math.max(point + 1, this.stepOfPoint.length * 2));
      bigger.set(this.stepOfPoint);
      this.stepOfPoint = bigger;
    }
    this.stepOfPoint[point] = i;
    this.#noted = point;
  }
}

/**
 * Runs executions of one scenario's program fast (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { CheckRunner } from "./runner.ts";
 * import { baseVariant } from "./migrations.ts";
 * import { native } from "@setway/setway";
 * import { generic } from "../../machines/mod.ts";
 * import type { Scenario } from "@setway/setway";
 * const scenario: Scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "native",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "read", vcpu: 0, addr: 0x40000000 }],
 * };
 * const runner = new CheckRunner(scenario, generic, native, ["stage2_flush_vm"]);
 * console.log(runner.run(baseVariant(scenario.steps), new Int32Array(0)).observation.counts);
 * // { stage2_flush_vm: 0 }
 * ```
 */
export class CheckRunner {
  /** The scenario. */
  readonly scenario: Scenario;
  /** The machine (system-cache choice applied). */
  readonly machine: Machine;
  /** The policy. */
  readonly policy: Policy;
  /** The reused hardware. */
  readonly hw: Hardware;
  /** The candidate lines of hardware choice points. */
  readonly candidates: Float64Array;
  /** The chooser every execution uses. */
  readonly chooser: PointChooser = new PointChooser();
  /**
   * The CPUs the scheduler may move a vCPU to between a trapped set/way
   * instruction's exit and its handler, when the check makes scheduler
   * choices; default none. An execution offers those of them its program
   * already keeps busy (reduce.ts `busyCpus`: the vCPUs' home CPUs, the
   * host's, migration targets), so that idle CPUs stay interchangeable.
   */
  preemptTo: readonly number[] = [];
  readonly #names: readonly string[];
  readonly #sink: ObservingSink;
  readonly #meter = new StepMeter();
  readonly #expected: Float64Array;
  readonly #idealGot: Float64Array;
  readonly #judge: Judge;
  #idealHw: Hardware | null = null;
  readonly #choices = new IdealChoices();
  readonly #pages: number[];
  readonly #poison = new Int32Array(PAGE / 4).fill(POISON | 0);
  readonly #maxSteps: number;
  readonly #targets = new WeakMap<Variant, readonly number[]>();

  /**
   * Prepares the hardware and runs the ideal machine once without hardware choices.
   *
   * @param scenario the scenario (validated)
   * @param machine its machine, system cache applied
   * @param policy its policy
   * @param names the event names to count
   * @param maxSteps the instruction budget of one execution; default the engine's
   */
  constructor(
    scenario: Scenario,
    machine: Machine,
    policy: Policy,
    names: readonly string[],
    maxSteps: number = runBudget({}).steps,
  ) {
    this.scenario = scenario;
    this.machine = machine;
    this.policy = policy;
    this.#names = names;
    this.#maxSteps = maxSteps;
    this.hw = new Hardware(machine, { seed: scenario.seed });
    const lineSize = machine.clusters[0].l1d.lineSize ?? 64;
    this.candidates = candidateLines(scenario.steps, lineSize);
    this.#expected = expectedReads(scenario.steps);
    this.#sink = new ObservingSink(names);
    this.#sink.chooser = this.chooser;
    this.#meter.chooser = this.chooser;
    this.#pages = writablePages(scenario.steps, scenario.ramBase);
    this.#judge = new Judge(machine, policy, this.candidates);
    this.#idealGot = this.#judge.idealReads(scenario, undefined, { maxSteps: this.#maxSteps });
  }

  /**
   * Runs one execution.
   *
   * @param variant the program (with its inserted migrations)
   * @param plan the hardware choices: pairs `(point, option)`
   * @param onTail called at each choice point after the plan's last, with the hardware live
   * @param recordPerturbations whether to record the perturbations by meaning
   * @returns what the execution gave
   */
  run(
    variant: Variant,
    plan: Int32Array,
    onTail: ((point: number) => void) | null = null,
    recordPerturbations = false,
  ): ExecutionOutcome {
    const hw = this.hw;
    this.#reset();
    const chooser = this.chooser;
    chooser.load(plan);
    chooser.onTail = onTail;
    const sink = this.#sink;
    sink.counts.fill(0);
    const perturbations: PlannedPerturbation[] = [];
    sink.record = recordPerturbations ? perturbations : null;
    this.#meter.rewind();
    const expected = this.#expected;
    const choices = this.#choices;
    choices.clear();
    const violations: (ReadViolation & { blame: Blame })[] = [];
    const judge = this.#judge;
    const out = execute({
      scenario: { ...this.scenario, steps: variant.steps },
      machine: this.machine,
      policy: this.policy,
      speculation: "adversarial",
      chooser,
      preemptTo: this.#preemptTargets(variant),
      sink,
      maxSteps: this.#maxSteps,
      meter: this.#meter,
      candidates: this.candidates,
      hardware: hw,
      onPerturb: (p, step, vcpus) => choices.record(p, step, vcpus),
      onRead(read, hardware) {
        const want = expected[read.readIndex];
        if (read.got === want) return;
        violations.push({
          readIndex: read.readIndex,
          addr: read.addr,
          kind: judge.kind(hardware, read.addr, want),
          blame: "guest",
        });
      },
    });
    if (violations.length > 0) {
      const ideal = choices.length === 0 ? this.#idealGot : this.#runIdeal(variant.steps);
      for (const v of violations) {
        v.blame = judge.blame(ideal[v.readIndex], expected[v.readIndex]);
      }
    }
    chooser.onTail = null;
    if (chooser.mismatch) {
      throw new Error("check: a plan of hardware choices did not fit its replay (a bug in setway)");
    }
    const counts: Record<string, number> = {};
    this.#names.forEach((n, i) => (counts[n] = sink.counts[i]));
    return {
      observation: {
        violations,
        crashed: out.crashed !== null,
        archInvalid: out.archInvalid.length > 0,
        counts,
      },
      points: chooser.point + 1,
      stepOfPoint: this.#meter.stepOfPoint.slice(0, chooser.point + 1),
      perturbations,
    };
  }

  /** {@linkcode CheckRunner.preemptTo}, less the CPUs the variant leaves idle. */
  #preemptTargets(variant: Variant): readonly number[] {
    if (this.preemptTo.length === 0) return this.preemptTo;
    let targets = this.#targets.get(variant);
    if (targets === undefined) {
      const busy = busyCpus({ cpus: this.scenario.cpus, steps: variant.steps }, this.hw.cpuCount);
      targets = this.preemptTo.filter((c) => c < busy.length && busy[c] !== 0);
      this.#targets.set(variant, targets);
    }
    return targets;
  }

  /** The program on the ideal machine, with the last execution's hardware choices. */
  #runIdeal(steps: readonly Step[]): Float64Array {
    const judge = this.#judge;
    const hw = this.#idealHw ??= new Hardware(judge.ideal, { seed: this.scenario.seed });
    this.#reset(hw);
    return judge.idealReads({ ...this.scenario, steps }, this.#choices, {
      hardware: hw,
      maxSteps: this.#maxSteps,
    });
  }

  /** A hardware model as built: caches empty, written-back pages never written. */
  #reset(hw: Hardware = this.hw): void {
    for (const cache of hw.caches) {
      for (let i = cache.residentCount - 1; i >= 0; i--) cache.evict(cache.residentSlot(i));
    }
    for (const p of this.#pages) hw.memory.writeBlock(p, this.#poison, 0, this.#poison.length);
  }
}

/**
 * Every page a line can be written back to: the pages of the program's
 * data accesses and DC-by-VA ranges (the only lines that ever become
 * resident: accessed, speculatively filled, or zeroed by the host when it
 * populates a page).
 */
function writablePages(steps: readonly Step[], ramBase: number): number[] {
  const pages = new Set<number>();
  const pageOf = (a: number) => a - ((a - ramBase) % PAGE);
  for (const s of steps) {
    if (s.kind === "read" || s.kind === "write" || s.kind === "host_write") {
      pages.add(pageOf(s.addr));
    } else if (s.kind === "dc_va") {
      for (let a = pageOf(s.addr); a < s.addr + s.len; a += PAGE) pages.add(a);
    }
  }
  return [...pages].sort((a, b) => a - b);
}
