/**
 * The execution context of an exploration: one reusable hardware model for
 * the policy's runs and one for the ideal machine, the alphabet, the guest
 * class, and the fast path that runs a program with a given choice sequence
 * and hashes the state it ends in.
 *
 * Failed reads are classified and blamed by the judge `run()` and `check()`
 * use (`ExploreContext.judge`, lib/engine/judge.ts); the context runs its
 * ideal references on a reused hardware model whose state it hashes.
 *
 * The fast path is `execute()` with a null event sink (no event is built),
 * a hardware model emptied between runs instead of rebuilt (building an
 * X-Gene 1 with its 8 MiB system cache costs about a millisecond, a run of
 * a short program a few microseconds), the VM of the last run restarted
 * instead of built again (`Hypervisor.restart`: vCPUs, their handles and
 * stage 2 are kept, reset), and the policy run as given (a
 * built-in one unguarded, with its set/way shortcuts), its per-VM state read
 * back from the hypervisor (`Hypervisor.policyState`) to be hashed.
 *
 * Children of one parent run from images of the parent's state
 * ({@linkcode ExploreContext.saveParent}, then
 * {@linkcode ExploreContext.runRealFromParent} and
 * {@linkcode ExploreContext.runIdealFromParent}): the parent's program runs
 * once, and each child puts the state back and runs from its last step
 * (`execute`'s `from`). The images hold everything a later step reads:
 *
 * - every cache's resident lines: slot, tag, state, data words, LRU stamp,
 *   in the resident index's order, and the LRU clock
 *   (`CacheStore.saveImage`, lib/hw/cache_store.ts): lookups, fills and
 *   victims read nothing else (the most-recently-used hint is dropped, it
 *   only shortcuts a lookup), and castouts are offered in resident order
 *   (lib/hw/perturb.ts); the stamps keep their order, which is all victim
 *   choice compares (`CacheStore.victimIn`, `renumber`); a cache the last
 *   child's step left alone is not copied back (`CacheStore.loadImage`);
 * - memory: the pages written and the ranges that read as zero
 *   (`Memory.saveImage`, lib/hw/memory.ts);
 * - the VM (`Hypervisor.saveImage`, lib/hyp/hypervisor.ts): each vCPU's
 *   SCTLR and HCR bits, execution state, PC, CPUs, crash; a copy of the
 *   policy's state; the pending preemptions. Stage 2 is all mapped, as a
 *   prefaulted VM's stays unless a step unmaps a page, and is mapped again;
 * - the recorded ideal choices of the parent's steps, which the child's run
 *   extends (ideal_choices.ts), and the ideal machine's caches, memory and
 *   vCPUs after the parent's steps with those choices: a child's ideal run
 *   makes the same choices before the parent's steps, since the policy's
 *   run before them is the parent's.
 *
 * The run loop (`executeOn`, lib/engine/execute.ts) carries nothing else
 * from one step to the next: the read index and instruction count restart
 * from the steps before `from` or are not read by exploration, the
 * architectural findings are not read, and the hardware's other fields are
 * scratch (lib/hw/coherence.ts buffers, lib/hw/maintenance.ts counters reset
 * per operation). The chooser replays the parent's picks exactly
 * (`ScriptChooser.unread` 0, `branching` -1 after the parent's run), so the
 * child's picks meet its last choice point in both ways.
 *
 * It falls back to replaying the whole program when an image could not be
 * put back exactly: the parent's run crashed or did not take exactly its
 * picks, a cache replaces at random (its generator is not saved), RAM is
 * not prefaulted (stage 2 and the host's page zeroing would need saving
 * too), stage 2 is not all mapped, or the policy's state is not plain data
 * (a user policy's state may hold anything).
 *
 * @module
 */

import type { Chooser } from "../../hw/chooser.ts";
import { Hardware, HardwareImage } from "../../hw/hardware.ts";
import type { Machine } from "../../hw/machine.ts";
import { POISON } from "../../hw/memory.ts";
import type { Step } from "../../guest/ops.ts";
import { type EventSink, NULL_SINK } from "../../hyp/event_sink.ts";
import type { Hypervisor, HypervisorImage } from "../../hyp/hypervisor.ts";
import { policies } from "../../hyp/policies/mod.ts";
import type { Policy } from "../../hyp/policy.ts";
import { ScenarioError, showValue } from "../../errors.ts";
import type { ScriptChooser } from "../choosers.ts";
import { execute, type ExecuteInput, type ExecuteOutput, newOutput, readsIn } from "../execute.ts";
import { IdealChoices } from "../ideal_choices.ts";
import { Judge } from "../judge.ts";
import type { Scenario } from "../scenario.ts";
import { Alphabet } from "./alphabet.ts";
import { type GuestClass, guestClassFor, intersectClasses } from "./classes.ts";
import type { ExploreConfig, ModuleRef } from "./options.ts";
import { encodeHardware, HardwareLayout, StateEncoder } from "./state_hash.ts";
import { sameCacheContents, sameClusterContents } from "./cache_twins.ts";
import { PAGE_SIZE as PAGE } from "../../hw/memory.ts";
import { importModule } from "../../import_module.ts";

/**
 * What one run of a program produced.
 *
 * @example Usage
 * ```ts
 * import type { RunOutcome } from "./context.ts";
 * const o: RunOutcome = { got: new Float64Array([1]), crashed: false };
 * ```
 */
export interface RunOutcome {
  /** Every read's value, in read order. */
  readonly got: Float64Array;
  /** Whether a vCPU crashed (an injected undefined instruction). */
  readonly crashed: boolean;
}

async function importExport(ref: ModuleRef, what: string): Promise<unknown> {
  const url = ref.module.startsWith("/") ? `file://${ref.module}` : ref.module;
  let mod: Record<string, unknown>;
  try {
    // The user's own module, named at run time: there is nothing to analyze before then.
    mod = await importModule(url);
  } catch (e) {
    throw new ScenarioError(
      "invalid_value",
      `explore.${what}`,
      ref,
      `explore.${what}(${showValue(ref)}): cannot import ${url}: ${(e as Error).message}`,
    );
  }
  const name = ref.export ?? "default";
  if (!(name in mod)) {
    throw new ScenarioError(
      "invalid_value",
      `explore.${what}`,
      ref,
      `explore.${what}(${showValue(ref)}): ${url} has no export ${showValue(name)}`,
    );
  }
  return mod[name];
}

/**
 * Resolves the configuration's policy and guest classes (importing modules).
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { loadParts } from "./context.ts";
 * const { policy, guestClass } = await loadParts(resolveExploreOptions({ guestClass: "no-sw" }));
 * console.log(policy.name, guestClass.name); // kvm-4.0 no-sw
 * ```
 * @param config the configuration
 * @returns the policy and the (intersected) class
 */
export async function loadParts(
  config: ExploreConfig,
): Promise<{ policy: Policy; guestClass: GuestClass<unknown[]> }> {
  let policy: Policy;
  if (config.policyObject !== null) policy = config.policyObject;
  else if (typeof config.policy === "string") policy = policies[config.policy];
  else policy = await importExport(config.policy, "policy") as Policy;
  if (policy === undefined || typeof policy.state !== "function") {
    throw new ScenarioError(
      "invalid_value",
      "explore.policy",
      config.policy,
      `explore.policy(${showValue(config.policy)}): not a policy (no state() function)`,
    );
  }
  // A by-VA class counts the lines of the machine explored (one line size per machine).
  const lineSize = config.machine.clusters[0].l1d.lineSize ?? 64;
  const parts: GuestClass[] = [];
  for (const c of config.classes) {
    parts.push(
      typeof c === "string"
        ? guestClassFor(c, lineSize)
        : await importExport(c, "guestClass") as GuestClass,
    );
  }
  parts.push(...config.classObjects);
  return { policy, guestClass: intersectClasses(parts) };
}

/**
 * Everything one exploring thread needs to run programs fast (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * const config = resolveExploreOptions({ ops: ["write", "read"] });
 * const { policy, guestClass } = await loadParts(config);
 * const ctx = new ExploreContext(config, policy, guestClass);
 * const steps = ctx.steps([0, 1], 2);
 * console.log(Array.from(ctx.runReal(steps, null).got)); // [1]
 * ```
 */
export class ExploreContext {
  /** The configuration. */
  readonly config: ExploreConfig;
  /** The alphabet. */
  readonly alphabet: Alphabet;
  /** The policy as given. */
  readonly policy: Policy;
  /** The guest class (the intersection of those asked for). */
  readonly guestClass: GuestClass<unknown[]>;
  /** The machine. */
  readonly machine: Machine;
  /** The oracle's ideal machine. */
  readonly ideal: Machine;
  /** The reference runs and blame rule every driver uses (judge.ts). */
  readonly judge: Judge;
  /** Lines the hardware may perturb: the alphabet's accessed lines, ascending. */
  readonly candidates: Float64Array;
  /**
   * The CPUs the scheduler may move a vCPU to between a trapped set/way
   * instruction's exit and its handler: the migration targets when the
   * alphabet migrates (scheduler choices are asked for, and those CPUs are
   * busy, so symmetry never merges them), else none.
   */
  readonly preemptTo: readonly number[];
  /** The reused hardware of the policy's runs. */
  readonly hw: Hardware;
  /** The reused hardware of the ideal runs. */
  readonly idealHw: Hardware;
  /** The hashing layout of {@linkcode ExploreContext.hw}. */
  readonly layout: HardwareLayout;
  /** The hashing layout of {@linkcode ExploreContext.idealHw}. */
  readonly idealLayout: HardwareLayout;
  /** The state encoder. */
  readonly encoder: StateEncoder;
  /** For each vCPU, its symmetry class (vCPUs of one class are interchangeable), or -1. */
  readonly vcpuClass: Int32Array;
  /** Whether the alphabet's addresses are interchangeable. */
  readonly addressSymmetric: boolean;
  /** Whether the policy's state could be hashed so far (false: no merging). */
  policyHashable: boolean = true;
  /** The hypervisor of the last run. */
  lastHyp: Hypervisor | null = null;
  /** The hypervisor of the last ideal run. */
  lastIdealHyp: Hypervisor | null = null;
  /** The ideal machine's counterparts of the last run's hardware choices (ideal_choices.ts). */
  lastChoices: IdealChoices = new IdealChoices();

  /**
   * Whether {@linkcode ExploreContext.saveParent} may save images, so that a
   * batch's children run from them (true unless a test compares the two ways).
   */
  useImages = true;
  /** How many parents {@linkcode ExploreContext.saveParent} saved images of. */
  parentsImaged = 0;

  #policyState: unknown = undefined;
  /** The images of the last parent saved (see the module doc); `#imageSteps` -1: none. */
  readonly #image = new HardwareImage();
  readonly #idealImage = new HardwareImage();
  #hypImage: HypervisorImage | null = null;
  #idealHypImage: HypervisorImage | null = null;
  #imageHyp: Hypervisor | null = null;
  #imageIdealHyp: Hypervisor | null = null;
  #imageSteps = -1;
  /** Whether {@linkcode ExploreContext.lastHyp} was built with the null sink (it can be reused). */
  #lastHypQuiet = false;
  readonly #base: Omit<Scenario, "steps" | "speculation">;
  /*
   * A child's run costs about one step, so what a run would otherwise build
   * (its input and scenario, the hooks, the read array, the choices) is
   * built once and reused: the inputs are changed in place before each run.
   */
  readonly #scenario: Mutable<Scenario>;
  readonly #idealScenario: Mutable<Scenario>;
  readonly #input: Mutable<ExecuteInput>;
  readonly #idealInput: Mutable<ExecuteInput>;
  /** Where the running run records its ideal choices, and whether its sink is the null one. */
  #recording = new IdealChoices();
  #runQuiet = true;
  /** The children's choices: the parent's (`#imageChoiceCount` of them), then the child's. */
  readonly #childChoices = new IdealChoices();
  /**
   * `symmetricChoiceMask`'s scratch: each CPU's representative, each L2's
   * twin, the L1s a cluster's twin matched, and its masks by length (the
   * expansion reads a parent's mask before it asks for the next one).
   */
  readonly #rep: Int32Array;
  readonly #l2Rep: Int32Array;
  readonly #matched: Uint8Array;
  readonly #masks: Uint8Array[] = [];
  #imageChoiceCount = 0;
  /** The parent's reads (the children's read arrays have one more when their step reads). */
  #imageReads = 0;
  /** The children's read arrays, by length, one set per machine (`RunOutcome.got` is reused). */
  readonly #childGot: Float64Array[] = [];
  /** `runRealReusing`'s choices, outcome, and read arrays by length. */
  readonly #ownChoices = new IdealChoices();
  readonly #ownGot: Float64Array[] = [];
  readonly #ownOutcome: Mutable<RunOutcome> = { got: new Float64Array(0), crashed: false };
  /** The outcome of a run from the parent's images, reused as its `got` is. */
  readonly #childOutcome: Mutable<RunOutcome> = { got: new Float64Array(0), crashed: false };
  readonly #idealChildGot: Float64Array[] = [];
  readonly #pages: number[];
  readonly #poison: Int32Array;

  /**
   * Builds the context.
   *
   * @param config the configuration
   * @param policy the policy
   * @param guestClass the guest class
   */
  constructor(config: ExploreConfig, policy: Policy, guestClass: GuestClass<unknown[]>) {
    this.config = config;
    this.policy = policy;
    this.guestClass = guestClass;
    this.machine = config.machine;
    this.alphabet = new Alphabet({
      ops: config.ops,
      cpus: config.cpus,
      addresses: config.addresses,
      migrateTo: config.migrateTo,
      hostCpu: config.hostCpu,
    });
    this.hw = new Hardware(this.machine);
    this.#rep = new Int32Array(this.hw.cpuCount);
    this.#l2Rep = new Int32Array(this.hw.caches.length);
    this.#matched = new Uint8Array(this.hw.cpuCount);
    const lineSize = this.hw.lineSize;
    const accessed = this.alphabet.instances.some((op) =>
      op.name === "read" || op.name === "write" || op.name === "host_write"
    );
    this.candidates = accessed
      ? Float64Array.from(new Set(config.addresses.map((a) => a - (a % lineSize)))).sort()
      : new Float64Array(0);
    this.judge = new Judge(this.machine, policy, this.candidates);
    this.ideal = this.judge.ideal;
    this.idealHw = new Hardware(this.ideal);
    const busy = new Set<number>();
    for (let v = 0; v < config.cpus; v++) busy.add(v);
    const migrates = this.alphabet.instances.some((op) => op.name === "migrate");
    if (migrates) {
      for (const p of config.migrateTo) busy.add(p);
    }
    this.preemptTo = migrates ? [...config.migrateTo] : [];
    if (this.alphabet.hasHost()) busy.add(config.hostCpu);
    this.layout = new HardwareLayout(this.hw, config.addresses, busy);
    this.idealLayout = new HardwareLayout(this.idealHw, config.addresses, busy);
    const noFullSet = staticNoFullSet(this.hw, config) && staticNoFullSet(this.idealHw, config);
    this.layout.staticNoFullSet = noFullSet;
    this.idealLayout.staticNoFullSet = noFullSet;
    this.layout.idleValues = config.abstraction !== "verdicts";
    this.idealLayout.idleValues = this.layout.idleValues;
    this.encoder = new StateEncoder(config.addresses.length, config.mode === "prove");
    this.vcpuClass = vcpuClasses(this.hw, config, this.alphabet);
    this.addressSymmetric = config.symmetry && noFullSet && config.prefault &&
      addressesIndependent(config.addresses, lineSize);
    this.#base = {
      version: 1,
      machine: this.machine,
      cpus: config.cpus,
      systemCache: "machine",
      policy: policy.name,
      ram: config.ram,
      ramBase: config.ramBase,
      prefault: config.prefault,
      seed: 1,
    };
    this.#scenario = { ...this.#base, speculation: "quiet", steps: [] };
    this.#idealScenario = { ...this.#base, machine: this.ideal, speculation: "quiet", steps: [] };
    this.#input = {
      scenario: this.#scenario,
      machine: this.machine,
      // The policy itself: a built-in one then runs unguarded, with its set/way shortcuts.
      policy: this.policy,
      speculation: "quiet",
      sink: NULL_SINK,
      maxSteps: Infinity,
      candidates: this.candidates,
      chooser: undefined,
      preemptTo: this.preemptTo,
      hardware: this.hw,
      hypervisor: undefined,
      from: 0,
      got: undefined,
      // Each run's output is read before the next run.
      output: newOutput(),
      onPerturb: (p, step, vcpus) => this.#recording.record(p, step, vcpus),
      onEnd: (hyp) => {
        this.lastHyp = hyp;
        this.#lastHypQuiet = this.#runQuiet;
        this.#policyState = hyp.policyState;
      },
    };
    this.#idealInput = {
      ...this.judge.idealInput(this.#idealScenario, undefined, {
        hardware: this.idealHw,
        onEnd: (hyp) => {
          this.lastIdealHyp = hyp;
        },
      }),
      output: newOutput(),
    };
    this.#pages = [...new Set(config.addresses.map((a) => a - ((a - config.ramBase) % PAGE)))];
    this.#poison = new Int32Array(PAGE / 4).fill(POISON | 0);
  }

  /**
   * The steps of a program given as alphabet instance indices; writes store
   * 1, 2, 3... in program order.
   *
   * @param ops instance indices
   * @param length how many of them
   * @returns the steps
   */
  steps(ops: ArrayLike<number>, length: number): Step[] {
    const out: Step[] = [];
    let value = 1;
    for (let i = 0; i < length; i++) {
      const op = this.alphabet.instances[ops[i]];
      const isWrite = op.name === "write" || op.name === "host_write";
      out.push(this.alphabet.step(ops[i], isWrite ? value++ : 0));
    }
    return out;
  }

  /**
   * Runs a program under the policy on the reused hardware.
   *
   * @param steps the program
   * @param chooser the hardware choices, or null for quiet hardware
   * @param sink where events go (default: nowhere)
   * @returns the reads and whether a vCPU crashed
   */
  runReal(
    steps: readonly Step[],
    chooser: Chooser | null,
    sink: EventSink = NULL_SINK,
  ): RunOutcome {
    const out = this.#runFromStart(steps, chooser, sink, new IdealChoices());
    return { got: out.got, crashed: out.crashed !== null };
  }

  /**
   * {@linkcode ExploreContext.runReal} without a sink, for a caller that is
   * done with what it returns before it runs again: its outcome object and
   * its {@linkcode ExploreContext.lastChoices} are the context's own, which
   * the next such run rewrites (an exploration makes this run for every
   * parent it expands, and random mode for every program).
   *
   * @param steps the program
   * @param chooser the hardware choices, or null for quiet hardware
   * @returns the reads and whether a vCPU crashed, until the next such run
   */
  runRealReusing(steps: readonly Step[], chooser: Chooser | null): RunOutcome {
    const reads = readsIn(steps, 0);
    // All zeros: a read a crashed vCPU does not make keeps its entry at 0.
    // A loop, not `fill`: a few entries, once per program of random mode.
    const got = this.#ownGot[reads] ??= new Float64Array(reads);
    for (let i = 0; i < reads; i++) got[i] = 0;
    const out = this.#runFromStart(steps, chooser, NULL_SINK, this.#ownChoices, got);
    return outcomeInto(this.#ownOutcome, out);
  }

  /**
   * A run of a whole program on the reused hardware, emptied, recording its
   * choices in `choices` and its reads in `got` (default a new array).
   */
  #runFromStart(
    steps: readonly Step[],
    chooser: Chooser | null,
    sink: EventSink,
    choices: IdealChoices,
    got?: Float64Array,
  ): ExecuteOutput {
    const hw = this.hw;
    emptyCaches(hw);
    if (!this.config.prefault) {
      for (const p of this.#pages) hw.memory.writeBlock(p, this.#poison, 0, this.#poison.length);
    }
    choices.clear();
    this.lastChoices = choices;
    return this.#execute(steps, chooser, sink, choices, 0, got);
  }

  /**
   * Saves the state the last {@linkcode ExploreContext.runReal} left, the
   * parent's, as images to run its children from (see the module doc), and
   * runs the ideal machine over the parent's program to save its state too.
   * Nothing is saved, and the children must replay their whole program,
   * when the images could not be restored exactly: the run crashed, did not
   * take exactly the picks it was given, a cache replaces at random, or the
   * VM cannot be imaged (`Hypervisor.saveImage`: stage 2 not all mapped, RAM
   * not prefaulted, a policy state that is not plain data).
   *
   * @param steps the parent's program, the last run's
   * @param out what the last run returned
   * @param chooser the last run's chooser, or null for quiet hardware
   * @returns whether the images were saved
   */
  saveParent(steps: readonly Step[], out: RunOutcome, chooser: ScriptChooser | null): boolean {
    this.#imageSteps = -1;
    if (!this.useImages || out.crashed || !this.#lastHypQuiet || this.lastHyp === null) {
      return false;
    }
    if (chooser !== null && (chooser.unread !== 0 || chooser.branching >= 0 || chooser.mismatch)) {
      return false;
    }
    if (!this.hw.imageable || !this.idealHw.imageable) return false;
    const hyp = this.lastHyp;
    const hypImage = hyp.saveImage(this.#hypImage ?? undefined);
    if (hypImage === null) return false;
    this.hw.saveImage(this.#image);
    const choices = this.lastChoices;
    this.runIdeal(steps, choices);
    const idealHyp = this.lastIdealHyp!;
    const idealHypImage = idealHyp.saveImage(this.#idealHypImage ?? undefined);
    if (idealHypImage === null) return false;
    this.idealHw.saveImage(this.#idealImage);
    this.#hypImage = hypImage;
    this.#idealHypImage = idealHypImage;
    this.#imageHyp = hyp;
    this.#imageIdealHyp = idealHyp;
    this.#imageChoiceCount = choices.length;
    this.#childChoices.copyFrom(choices);
    this.#imageReads = out.got.length;
    this.#imageSteps = steps.length;
    this.parentsImaged++;
    return true;
  }

  /**
   * {@linkcode ExploreContext.runReal} of a child of the parent last saved
   * ({@linkcode ExploreContext.saveParent}): the parent's state is put back
   * from its images, and only the child's last step runs, with its choice
   * point. The result, {@linkcode ExploreContext.lastChoices} and the state
   * left are those of `runReal(steps, chooser)` with the parent's picks
   * followed by the chooser's.
   *
   * @param steps the child's program: the parent's and one more step
   * @param chooser the last step's picks, or null for quiet hardware
   * @returns the reads (those of the parent's steps are 0) and whether a
   *   vCPU crashed; the outcome and its array are reused by the next
   *   child's run
   */
  runRealFromParent(steps: readonly Step[], chooser: Chooser | null): RunOutcome {
    if (this.#imageSteps < 0 || steps.length !== this.#imageSteps + 1) {
      throw new Error("ExploreContext.runRealFromParent: no image of this program's parent");
    }
    this.hw.loadImage(this.#image);
    this.#imageHyp!.loadImage(this.#hypImage!);
    // The parent's choices are copied in once (saveParent); a child's own are dropped.
    const choices = this.#childChoices;
    choices.keep(this.#imageChoiceCount);
    this.lastChoices = choices;
    const got = zeroed(this.#childGot, this.#imageReads + readsOf(steps[steps.length - 1]));
    const out = this.#execute(steps, chooser, NULL_SINK, choices, this.#imageSteps, got);
    // Reused, as `got` is: a child's outcome is read before the next child runs.
    return outcomeInto(this.#childOutcome, out);
  }

  /** Runs `steps` from step `from` (a resumed VM after 0), recording the ideal choices. */
  #execute(
    steps: readonly Step[],
    chooser: Chooser | null,
    sink: EventSink,
    choices: IdealChoices,
    from: number,
    got?: Float64Array,
  ): ExecuteOutput {
    const speculation = chooser === null ? "quiet" : "adversarial";
    this.#scenario.speculation = speculation;
    this.#scenario.steps = steps;
    const input = this.#input;
    input.speculation = speculation;
    input.chooser = chooser ?? undefined;
    input.sink = sink;
    // The imaged VM, resumed, or the VM of the last quiet-sink run,
    // restarted (a sink is the VM's for good).
    input.hypervisor = from > 0
      ? this.#imageHyp!
      : sink === NULL_SINK && this.lastHyp !== null && this.#lastHypQuiet
      ? this.lastHyp
      : undefined;
    input.from = from;
    input.got = got;
    this.#recording = choices;
    this.#runQuiet = sink === NULL_SINK;
    return execute(input);
  }

  /**
   * Runs a program on the ideal machine (bare metal, no system cache, no
   * migration), making the counterparts of a run's hardware choices.
   *
   * @param steps the program
   * @param choices the choices, from {@linkcode ExploreContext.lastChoices} of the run
   * @returns the reads
   */
  runIdeal(steps: readonly Step[], choices: IdealChoices): Float64Array {
    emptyCaches(this.idealHw);
    return this.#executeIdeal(steps, choices, this.lastIdealHyp ?? undefined, 0, undefined);
  }

  /**
   * {@linkcode ExploreContext.runIdeal} of a child of the parent last saved
   * ({@linkcode ExploreContext.saveParent}): the ideal machine's state after
   * the parent's steps is put back from its image, and only the child's
   * last step runs, after the choices recorded before it.
   *
   * @param steps the child's program
   * @param choices the child's run's choices ({@linkcode ExploreContext.lastChoices})
   * @returns the reads (those of the parent's steps are 0; the array is
   *   reused by the next child's ideal run)
   */
  runIdealFromParent(steps: readonly Step[], choices: IdealChoices): Float64Array {
    if (this.#imageSteps < 0 || steps.length !== this.#imageSteps + 1) {
      throw new Error("ExploreContext.runIdealFromParent: no image of this program's parent");
    }
    this.idealHw.loadImage(this.#idealImage);
    const hyp = this.#imageIdealHyp!;
    hyp.loadImage(this.#idealHypImage!);
    const got = zeroed(this.#idealChildGot, this.#imageReads + readsOf(steps[steps.length - 1]));
    return this.#executeIdeal(steps, choices, hyp, this.#imageSteps, got);
  }

  /** The ideal machine's run of `steps` from step `from` (judge.ts `idealReads`). */
  #executeIdeal(
    steps: readonly Step[],
    choices: IdealChoices,
    hypervisor: Hypervisor | undefined,
    from: number,
    got: Float64Array | undefined,
  ): Float64Array {
    this.#idealScenario.steps = steps;
    const input = this.#idealInput;
    input.idealChoices = choices;
    input.hypervisor = hypervisor;
    input.from = from;
    input.got = got;
    return execute(input).got;
  }

  /**
   * Which perturbations of the next choice point are worth running, given
   * the hardware state after the last run: a fill into, or a castout from,
   * an idle CPU's cache (or an idle cluster's) that has an interchangeable
   * twin with a lower index holding exactly the same lines leads to a state
   * that the state hash merges with the twin's (see state_hash.ts), so only
   * the twin is run. Twins are decided by comparing contents exactly
   * (cache_twins.ts; a hash of the contents once made a cluster holding a
   * line the twin of an empty one; under prove mode's "verdicts"
   * abstraction, which encodes idle caches without their values, the same
   * lines with any values are twins), and, when sets can be full, only
   * empty caches are twins, since the LRU ages that steer later victims are
   * not compared. And when no set can ever be full, a fill of a line the L1
   * already holds changes nothing (it only refreshes an LRU age), so it
   * merges with "nothing happens". Since the run that is kept comes first
   * in the hardware's order, the search keeps the same witnesses with or
   * without this. (Such a fill has no counterpart on the ideal machine
   * either: ideal_choices.ts.)
   *
   * @returns one flag per perturbation index (1: run it), or null to run all;
   *   the context's own array, which the next call rewrites
   */
  symmetricChoiceMask(): Uint8Array | null {
    if (!this.config.symmetry || !this.config.stateHashing) return null;
    const hw = this.hw;
    const cpus = hw.cpuCount;
    // Reused from one parent to the next: each CPU its own representative,
    // no L2 a twin's (-1).
    const rep = this.#rep;
    const l2Rep = this.#l2Rep;
    for (let i = 0; i < cpus; i++) rep[i] = i;
    l2Rep.fill(-1);
    const agesMatter = !this.layout.staticNoFullSet;
    const values = this.layout.idleValues;
    let any = false, twinL2s = false;
    for (const c of this.layout.busyClusters) {
      for (let i = 0; i < c.idleL1.length; i++) {
        for (let j = 0; j < i; j++) {
          if (
            rep[c.idleL1[j]] === c.idleL1[j] &&
            sameCacheContents(hw, c.idleL1[j], c.idleL1[i], agesMatter, values)
          ) {
            rep[c.idleL1[i]] = c.idleL1[j];
            any = true;
            break;
          }
        }
      }
    }
    for (const group of this.layout.idleClusters) {
      // A cluster's L2 and the multiset of its L1s, compared exactly.
      for (let k = 0; k < group.length; k++) {
        let twin = -1;
        for (let m = 0; m < k && twin < 0; m++) {
          if (sameClusterContents(hw, group[m], group[k], agesMatter, values, this.#matched)) {
            twin = m;
          }
        }
        if (twin >= 0 && group[k].l2 >= 0) {
          l2Rep[group[k].l2] = group[twin].l2;
          twinL2s = true;
        }
        for (const cpu of group[k].l1) {
          // The twin's L1s first, then this cluster's up to `cpu`.
          let other = twin >= 0 ? this.#twinIn(group[twin].l1, cpu) : -1;
          if (other < 0) other = this.#twinIn(group[k].l1, cpu);
          if (other >= 0) {
            rep[cpu] = other;
            any = true;
          }
        }
      }
    }
    const noOpFills = this.layout.staticNoFullSet;
    if (!any && !twinL2s && !noOpFills) return null;
    const fills = this.candidates.length * cpus;
    const length = fills + hw.residentLines();
    const mask = (this.#masks[length] ??= new Uint8Array(length)).fill(1);
    const lineSize = hw.lineSize;
    for (let c = 0; c < this.candidates.length; c++) {
      const line = Math.floor(this.candidates[c] / lineSize);
      for (let cpu = 0; cpu < cpus; cpu++) {
        // A fill of a line the L1 already holds only refreshes its LRU age.
        const noOp = noOpFills && hw.caches[cpu].lookup(line) >= 0;
        if (rep[cpu] !== cpu || noOp) mask[c * cpus + cpu] = 0;
      }
    }
    let index = fills;
    const caches = hw.caches;
    for (let ci = 0; ci < caches.length; ci++) {
      const n = caches[ci].residentCount;
      const skip = (ci < cpus && rep[ci] !== ci) || l2Rep[ci] >= 0;
      if (skip) mask.fill(0, index, index + n);
      index += n;
    }
    return mask;
  }

  /**
   * The first CPU of `list` before `cpu` (all of it when `cpu` is not in it)
   * that represents itself and whose L1 has `cpu`'s key; -1 when none.
   */
  #twinIn(list: readonly number[], cpu: number): number {
    const rep = this.#rep;
    for (const other of list) {
      if (other === cpu) return -1;
      if (rep[other] !== other) continue;
      if (
        sameCacheContents(this.hw, other, cpu, !this.layout.staticNoFullSet, this.layout.idleValues)
      ) {
        return other;
      }
    }
    return -1;
  }

  /**
   * Starts a state encoding with the oracle's expectations and the ideal
   * machine's state after its last run.
   *
   * @param expected the value each alphabet address should hold
   */
  encodeOracle(expected: ArrayLike<number>): void {
    const e = this.encoder;
    e.reset();
    for (let i = 0; i < expected.length; i++) e.int(e.name(i, expected[i], true));
    encodeHardware(e, this.idealHw, this.idealLayout);
    for (const v of this.lastIdealHyp!.vcpus) {
      e.int((v.sctlr.m ? 1 : 0) | (v.sctlr.c ? 2 : 0) | (v.sctlr.i ? 4 : 0));
    }
  }

  /**
   * Appends the policy run's state after its last run: hardware, vCPUs,
   * stage 2 at the alphabet's pages, and the policy's state.
   */
  encodeReal(): void {
    const e = this.encoder;
    const hyp = this.lastHyp!;
    encodeHardware(e, this.hw, this.layout);
    for (const v of hyp.vcpus) {
      e.int(
        (v.sctlr.m ? 1 : 0) | (v.sctlr.c ? 2 : 0) | (v.sctlr.i ? 4 : 0) |
          (v.hcr.tsw ? 8 : 0) | (v.hcr.tvm ? 16 : 0) | (v.hcr.swio ? 32 : 0) |
          (v.crashed !== null ? 64 : 0) | (v.hcr.tid2 ? 128 : 0),
      );
      e.int(v.pcpu);
      e.int(v.lastPcpu);
    }
    for (const a of this.config.addresses) {
      e.int((hyp.stage2.isMapped(a) ? 1 : 0) | (hyp.stage2.isPopulated(a) ? 2 : 0));
    }
    const exact = e.exact;
    e.exact = true;
    e.policyState(this.#policyState);
    if (!e.exact) this.policyHashable = false;
    e.exact = exact && e.exact;
  }
}

/** An object type with its fields writable. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The array of `length` zeros kept in `pool` (built the first time). A
 * child's run writes at most the last entry (its one step's read), so only
 * that one is zeroed again.
 */
function zeroed(pool: Float64Array[], length: number): Float64Array {
  const got = pool[length];
  if (got === undefined) return pool[length] = new Float64Array(length);
  if (length > 0) got[length - 1] = 0;
  return got;
}

/** A run's outcome written into a reused outcome object (`runReal` makes a new one). */
function outcomeInto(outcome: Mutable<RunOutcome>, out: ExecuteOutput): RunOutcome {
  outcome.got = out.got;
  outcome.crashed = out.crashed !== null;
  return outcome;
}

/** How many reads a step makes (an entry of a run's `got`). */
function readsOf(step: Step): number {
  return step.kind === "read" ? 1 : 0;
}

/** Evicts every line of every cache: the hardware as built, for LRU replacement. */
function emptyCaches(hw: Hardware): void {
  for (const cache of hw.caches) {
    for (let i = cache.residentCount - 1; i >= 0; i--) cache.evict(cache.residentSlot(i));
  }
}

/**
 * Whether no set of any cache can ever hold as many lines as it has ways:
 * every line that can become resident is one of the alphabet's lines (or,
 * without prefault, a line of one of its pages, which the host zeroes).
 */
function staticNoFullSet(hw: Hardware, config: ExploreConfig): boolean {
  const lineSize = hw.lineSize;
  const lines = new Set<number>();
  for (const a of config.addresses) {
    if (config.prefault) {
      lines.add(Math.floor(a / lineSize));
    } else {
      const page = a - ((a - config.ramBase) % PAGE);
      for (let l = page; l < page + PAGE; l += lineSize) lines.add(Math.floor(l / lineSize));
    }
  }
  for (const cache of hw.caches) {
    const perSet = new Map<number, number>();
    for (const line of lines) {
      const set = cache.setOf(line);
      const n = (perSet.get(set) ?? 0) + 1;
      if (n >= cache.ways) return false;
      perSet.set(set, n);
    }
  }
  return true;
}

/** Addresses in distinct pages (hence distinct lines). */
function addressesIndependent(addresses: readonly number[], lineSize: number): boolean {
  const pages = new Set(addresses.map((a) => Math.floor(a / PAGE)));
  const lines = new Set(addresses.map((a) => Math.floor(a / lineSize)));
  return pages.size === addresses.length && lines.size === addresses.length;
}

/**
 * vCPU symmetry classes: vCPUs whose home CPUs share a cluster are
 * interchangeable when swapping their home CPUs maps the migration targets
 * onto themselves and leaves the host CPU alone.
 */
function vcpuClasses(hw: Hardware, config: ExploreConfig, alphabet: Alphabet): Int32Array {
  const out = new Int32Array(config.cpus).fill(-1);
  if (!config.symmetry) return out;
  const migrates = alphabet.instances.some((op) => op.name === "migrate");
  for (let v = 0; v < config.cpus; v++) {
    const home = v;
    const inTargets = !migrates || config.migrateTo.includes(home);
    const ok = home !== config.hostCpu && (inTargets || !migrates);
    out[v] = ok ? hw.clusterOf(home) : -1;
  }
  if (migrates) {
    // A home CPU in the targets and another not: they are not interchangeable.
    for (let v = 0; v < config.cpus; v++) {
      for (let w = 0; w < config.cpus; w++) {
        if (
          out[v] >= 0 && out[v] === out[w] &&
          config.migrateTo.includes(v) !== config.migrateTo.includes(w)
        ) {
          out[v] = -1;
          out[w] = -1;
        }
      }
    }
  }
  return out;
}
