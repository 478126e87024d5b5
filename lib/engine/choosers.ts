/**
 * The choosers: every source of hardware choices that `run()` replays,
 * `check()` searches and `explore()` enumerates.
 *
 * Before every step the engine asks the hardware for one choice point
 * (`Hardware.perturb`): `pick(2)` decides whether anything happens, then
 * `pick(total)` picks a speculative fill or a castout, or, when the run
 * makes scheduler choices, a preemption of the vCPU between the step's
 * trapped set/way exit and its handler (after the hardware's options). A
 * run's hardware choices are therefore a flat list of integers, one or two
 * per step, and the same choice has the same meaning for every chooser:
 *
 * - {@linkcode ScriptChooser} replays such a list and, past its end,
 *   answers 0 while recording the branching factor of the first pick it
 *   was not told: how an enumeration learns how many outcomes to try.
 * - {@linkcode PointChooser} replays the same list written sparsely, as
 *   pairs `(point, option)` for the points where something happens (a
 *   program has hundreds of choice points, a plan one or two), and calls a
 *   hook at every choice point past the plan: how a check's search finds
 *   the children of an execution.
 * - {@linkcode RandomChooser} draws from a seeded generator and records.
 * - {@linkcode PlanChooser} follows a plan of perturbations by meaning
 *   ("fill 0x40000000 into cpu1's L1 before step 3", "preempt step 4's exit
 *   and move the vCPU to cpu1"), working out the index the hardware
 *   enumerates it at ({@linkcode perturbationIndex}); a plan survives
 *   removing steps, which a list of indices does not.
 * {@linkcode plannedFromEvent} reads a perturbation by meaning back from the
 * event the hardware emitted for it.
 *
 * @example Usage
 * ```ts
 * import { ScriptChooser } from "./choosers.ts";
 * const c = new ScriptChooser();
 * c.load([1], 1);
 * console.log(c.pick(2), c.pick(9), c.branching); // 1 0 9
 * ```
 *
 * @module
 */

import type { Chooser } from "../hw/chooser.ts";
import type { EventFieldsRecord } from "../hyp/event_sink.ts";
import type { Hardware } from "../hw/hardware.ts";
import { Random } from "../hw/random.ts";

/**
 * Replays a list of picks, then answers 0 and records the first branching
 * factor past the list.
 *
 * @example Usage
 * ```ts
 * import { ScriptChooser } from "./choosers.ts";
 * const c = new ScriptChooser();
 * c.load([0, 1, 3], 3);
 * console.log(c.pick(2), c.pick(2), c.pick(5), c.pick(2), c.branching); // 0 1 3 0 2
 * ```
 */
export class ScriptChooser implements Chooser {
  /** Always `"explore"`. */
  readonly mode = "explore" as const;
  #picks: Int32Array = new Int32Array(64);
  #length = 0;
  #cursor = 0;
  /** The branching factor of the first pick past the script, or -1 when there was none. */
  branching: number = -1;
  /** Set when a scripted pick was not below its branching factor (the script does not fit the run). */
  mismatch: boolean = false;

  /**
   * Loads a script and rewinds.
   *
   * @param picks the picks
   * @param length how many of them to use
   */
  load(picks: ArrayLike<number>, length: number): void {
    if (this.#picks.length < length) this.#picks = new Int32Array(length * 2);
    for (let i = 0; i < length; i++) this.#picks[i] = picks[i];
    this.#length = length;
    this.#cursor = 0;
    this.branching = -1;
    this.mismatch = false;
  }

  /**
   * Picks loaded and not yet taken: 0, with {@linkcode ScriptChooser.branching}
   * still -1, after a run that took exactly the picks it was given.
   *
   * @example Usage
   * ```ts
   * import { ScriptChooser } from "./choosers.ts";
   * const s = new ScriptChooser();
   * s.load([1, 0], 2);
   * s.pick(2);
   * console.log(s.unread); // 1
   * ```
   */
  get unread(): number {
    return this.#length - this.#cursor;
  }

  /**
   * The next pick.
   *
   * @param n the number of outcomes
   * @returns the scripted pick, or 0 past the script
   */
  pick(n: number): number {
    if (this.#cursor < this.#length) {
      const v = this.#picks[this.#cursor++];
      if (v < n) return v;
      this.mismatch = true;
      return 0;
    }
    if (this.branching < 0) this.branching = n;
    return 0;
  }
}

/**
 * Draws every pick from a seeded generator and records them.
 *
 * @example Usage
 * ```ts
 * import { RandomChooser } from "./choosers.ts";
 * import { Random } from "../hw/random.ts";
 * const c = new RandomChooser(new Random(3), 0.5);
 * c.pick(2);
 * console.log(c.picks.length); // 1
 * ```
 */
export class RandomChooser implements Chooser {
  /** Always `"adversarial"`. */
  readonly mode = "adversarial" as const;
  /** The picks made since the chooser was made or restarted, in a column grown by doubling. */
  #picks: Int32Array = new Int32Array(16);
  #count = 0;
  readonly #random: Random;
  readonly #rate: number;

  /**
   * A chooser over a generator.
   *
   * @param random the generator
   * @param rate the probability that something happens at a choice point (its `pick(2)`)
   */
  constructor(random: Random, rate: number) {
    this.#random = random;
    this.#rate = rate;
  }

  /**
   * The picks made so far (a new array).
   *
   * @example Usage
   * ```ts
   * import { RandomChooser } from "./choosers.ts";
   * import { Random } from "../hw/random.ts";
   * const c = new RandomChooser(new Random(3), 1);
   * c.pick(2);
   * console.log(c.picks); // [1]
   * ```
   */
  get picks(): number[] {
    return Array.from(this.#picks.subarray(0, this.#count));
  }

  /**
   * Forgets the picks made: the next run of a batch records its own, drawn
   * from the generator as it is then (a batch reseeds it per execution).
   *
   * @example Usage
   * ```ts
   * import { RandomChooser } from "./choosers.ts";
   * import { Random } from "../hw/random.ts";
   * const c = new RandomChooser(new Random(3), 0.5);
   * c.pick(2);
   * c.restart();
   * console.log(c.picks.length); // 0
   * ```
   */
  restart(): void {
    this.#count = 0;
  }

  /**
   * The next pick.
   *
   * @param n the number of outcomes
   * @returns a pick below `n`
   */
  pick(n: number): number {
    let v: number;
    if (n === 2) v = this.#random.nextU32() / 0x1_0000_0000 < this.#rate ? 1 : 0;
    else v = this.#random.below(n);
    if (this.#count === this.#picks.length) {
      const grown = new Int32Array(2 * this.#count);
      grown.set(this.#picks);
      this.#picks = grown;
    }
    this.#picks[this.#count++] = v;
    return v;
  }
}

/**
 * One perturbation by meaning, attached to the choice point before a step.
 * `before` counts choice points, not steps: every step has one, but for an
 * `exec_state` step (the vCPU's configuration, not an instruction) and the
 * steps of a vCPU that crashed, so after such a step the two counts differ
 * (witness.ts names the step of each point).
 *
 * @example Usage
 * ```ts
 * import type { PlannedPerturbation } from "@setway/setway/explore";
 * const p: PlannedPerturbation = { before: 2, kind: "speculative_fill", cpu: 1, addr: 0x40000000 };
 * ```
 */
export type PlannedPerturbation =
  | {
    /** The index of the choice point it happens at (see above). */
    readonly before: number;
    readonly kind: "speculative_fill";
    /** The physical CPU whose L1 receives the line. */
    readonly cpu: number;
    /** The line's first byte address. */
    readonly addr: number;
  }
  | {
    /** The index of the choice point it happens at (see above). */
    readonly before: number;
    readonly kind: "castout";
    /** The cache's name, e.g. `"cluster0.L2"`. */
    readonly cache: string;
    /** The line's first byte address. */
    readonly addr: number;
  }
  | {
    /** The index of the choice point of the step whose first exit is preempted. */
    readonly before: number;
    /**
     * The scheduler preempts the step's vCPU between the exit of its (first)
     * trapped set/way instruction and the handler, and moves it to `cpu`.
     */
    readonly kind: "preempt";
    /** The physical CPU the handler runs on. */
    readonly cpu: number;
  };

/**
 * Follows a plan of perturbations by meaning; a planned perturbation that is
 * impossible when its turn comes (the line is not in that cache) is skipped
 * and counted in {@linkcode PlanChooser.skipped}.
 *
 * @example Usage
 * ```ts
 * import { PlanChooser } from "./choosers.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * const hw = new Hardware(generic);
 * const c = new PlanChooser(hw, Float64Array.of(0x40000000));
 * c.load([{ before: 0, kind: "speculative_fill", cpu: 2, addr: 0x40000000 }]);
 * const p = hw.perturb(c, Float64Array.of(0x40000000));
 * console.log(p?.kind, p?.kind === "speculative_fill" ? p.cpu : null); // speculative_fill 2
 * ```
 */
export class PlanChooser implements Chooser {
  /** Always `"explore"`. */
  readonly mode = "explore" as const;
  /** Planned perturbations that could not happen. */
  skipped: number = 0;
  readonly #hw: Hardware;
  readonly #candidates: Float64Array;
  #plan: readonly PlannedPerturbation[] = [];
  #point = -1;
  #next = -1;

  /**
   * A chooser bound to the hardware it drives.
   *
   * @param hardware the hardware the run uses
   * @param candidates the candidate lines the run passes to `perturb`
   */
  constructor(hardware: Hardware, candidates: Float64Array) {
    this.#hw = hardware;
    this.#candidates = candidates;
  }

  /**
   * Loads a plan and rewinds.
   *
   * @param plan the perturbations, at most one per step
   */
  load(plan: readonly PlannedPerturbation[]): void {
    this.#plan = plan;
    this.#point = -1;
    this.#next = -1;
    this.skipped = 0;
  }

  /**
   * The next pick.
   *
   * @param n the number of outcomes
   * @returns the index of the planned perturbation, or 0
   */
  pick(n: number): number {
    if (n === 2 && this.#next < 0) {
      this.#point++;
      const p = this.#plan.find((q) => q.before === this.#point);
      if (p === undefined) return 0;
      const index = this.#indexOf(p);
      if (index < 0) {
        this.skipped++;
        return 0;
      }
      this.#next = index;
      return 1;
    }
    const v = this.#next;
    this.#next = -1;
    return v >= 0 && v < n ? v : 0;
  }

  #indexOf(p: PlannedPerturbation): number {
    return perturbationIndex(this.#hw, this.#candidates, p);
  }
}

/**
 * The index at which the hardware enumerates a perturbation at its next
 * choice point (`Hardware.perturb`): the fills (candidate line by CPU),
 * then the castouts (each cache's resident lines, caches in order), then
 * the scheduler's preemption targets.
 *
 * @example Usage
 * ```ts
 * import { perturbationIndex } from "./choosers.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * const hw = new Hardware(generic);
 * const p = { before: 0, kind: "speculative_fill", cpu: 1, addr: 0x40000040 } as const;
 * console.log(perturbationIndex(hw, Float64Array.of(0x40000000, 0x40000040), p)); // 5
 * ```
 * @param hw the hardware in its state at the choice point
 * @param candidates the candidate lines the run passes to `perturb`
 * @param p the perturbation
 * @returns its index, or -1 when it cannot happen there
 */
export function perturbationIndex(
  hw: Hardware,
  candidates: Float64Array,
  p: PlannedPerturbation,
): number {
  const cpus = hw.cpuCount;
  if (p.kind === "preempt") {
    const k = hw.extraOptions.indexOf(p.cpu);
    return k < 0 ? -1 : candidates.length * cpus + hw.residentLines() + k;
  }
  if (p.kind === "speculative_fill") {
    const c = candidates.indexOf(p.addr);
    return c < 0 || p.cpu >= cpus ? -1 : c * cpus + p.cpu;
  }
  let index = candidates.length * cpus;
  for (const cache of hw.caches) {
    if (cache.name === p.cache) {
      for (let i = 0; i < cache.residentCount; i++) {
        if (cache.lineAddress(cache.residentSlot(i)) === p.addr) return index + i;
      }
      return -1;
    }
    index += cache.residentCount;
  }
  return -1;
}

/**
 * The perturbation by meaning an event of the hardware or scheduler
 * records: a `speculative_fill`, a `castout`, or a `migrate` whose reason
 * is `"preempt"`.
 *
 * @example Usage
 * ```ts
 * import { plannedFromEvent } from "./choosers.ts";
 * const p = plannedFromEvent(3, "castout", 0, { cache: "cluster0.L2", addr: 0x40000000 });
 * console.log(p); // { before: 3, kind: "castout", cache: "cluster0.L2", addr: 1073741824 }
 * ```
 * @param before the index of the choice point (see {@linkcode PlannedPerturbation})
 * @param name the event's name
 * @param pcpu the event's physical CPU
 * @param fields the event's fields
 * @returns the perturbation, or null for any other event
 */
export function plannedFromEvent(
  before: number,
  name: string,
  pcpu: number | null,
  fields: EventFieldsRecord,
): PlannedPerturbation | null {
  if (name === "migrate" && fields.reason === "preempt") {
    return { before, kind: "preempt", cpu: fields.to as number };
  }
  if (name === "speculative_fill") {
    return { before, kind: "speculative_fill", cpu: pcpu!, addr: fields.addr as number };
  }
  if (name === "castout") {
    return { before, kind: "castout", cache: fields.cache as string, addr: fields.addr as number };
  }
  return null;
}

/**
 * Replays a plan of `(point, option)` pairs (see the module doc): at choice
 * point `point` it answers 1 and then `option`, everywhere else 0; the
 * children of an execution in a search are the plans that add one pair
 * after its last one, and {@linkcode PointChooser.onTail} sees exactly
 * those choice points, with the hardware in the state the child would
 * perturb.
 *
 * @example Usage
 * ```ts
 * import { PointChooser } from "./choosers.ts";
 * const c = new PointChooser();
 * const tail: number[] = [];
 * c.onTail = (point) => tail.push(point);
 * c.load(Int32Array.of(0, 3));
 * c.pick(2); c.pick(7); c.pick(2); c.pick(2);
 * console.log(tail); // [1, 2]
 * ```
 */
export class PointChooser implements Chooser {
  /** Always `"explore"`. */
  readonly mode: "explore" = "explore";
  /** The index of the current choice point (-1 before the first). */
  point: number = -1;
  /** Set when a planned option was not below its branching factor: the plan does not fit the run. */
  mismatch: boolean = false;
  /** Called at each choice point after the plan's last one, before it answers 0. */
  onTail: ((point: number) => void) | null = null;
  #plan: Int32Array = new Int32Array(0);
  #next = 0;
  #pending = -1;
  #last = -1;

  /**
   * Loads a plan and rewinds.
   *
   * @param plan pairs `(point, option)`, points strictly ascending
   */
  load(plan: Int32Array): void {
    this.#plan = plan;
    this.#next = 0;
    this.#pending = -1;
    this.#last = plan.length >= 2 ? plan[plan.length - 2] : -1;
    this.point = -1;
    this.mismatch = false;
  }

  /**
   * The next pick.
   *
   * @param n the number of outcomes
   * @returns 1 then the option at a planned point, else 0
   */
  pick(n: number): number {
    if (this.#pending >= 0) {
      const option = this.#pending;
      this.#pending = -1;
      if (option < n) return option;
      this.mismatch = true;
      return 0;
    }
    const point = ++this.point;
    const plan = this.#plan;
    if (this.#next < plan.length && plan[this.#next] === point) {
      this.#pending = plan[this.#next + 1];
      this.#next += 2;
      return 1;
    }
    if (point > this.#last) this.onTail?.(point);
    return 0;
  }
}
