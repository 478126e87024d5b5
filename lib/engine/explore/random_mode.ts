/**
 * Random mode: seeded random programs, each run once with seeded random
 * hardware choices.
 *
 * Execution `i` draws everything from a generator seeded with the run's
 * seed and `i`, so the executions a batch holds do not change what any of
 * them does: the result of `[0, n)` is the same cut into any batches, on
 * any number of workers. A program has `maxOps` operations, each drawn
 * uniformly among those that keep it in the guest class (it ends early
 * when none does). A read that fails is judged like in exhaustive mode; the
 * failure's program is cut right after that read.
 *
 * Simplified: after a vCPU crashes, only the reads before the crash are judged.
 *
 * @module
 */

import type { Step } from "../../guest/ops.ts";
import { Random } from "../../hw/random.ts";
import { expectedReadsInto } from "../oracle.ts";
import { IdealChoices } from "../ideal_choices.ts";
import { RandomChooser, ScriptChooser } from "../choosers.ts";
import type { ExploreContext } from "./context.ts";

/**
 * One failing random execution.
 *
 * @example Usage
 * ```ts
 * import type { RandomHit } from "./random_mode.ts";
 * const h: RandomHit = { index: 7, blame: "guest", kind: "stale_read", ops: [0, 1], picks: [0, 0] };
 * ```
 */
export interface RandomHit {
  /** The execution's index. */
  readonly index: number;
  /** Whom the oracle blames. */
  readonly blame: "guest" | "hypervisor" | "machine";
  /** What went wrong. */
  readonly kind: string;
  /** The program up to the failing read (alphabet instance indices). */
  readonly ops: readonly number[];
  /** The hardware picks up to it. */
  readonly picks: readonly number[];
}

/**
 * What a batch of random executions produced.
 *
 * @example Usage
 * ```ts
 * import type { RandomBatch } from "./random_mode.ts";
 * const b: RandomBatch = { hits: [], executions: 0, referenceRuns: 0 };
 * ```
 */
export interface RandomBatch {
  /** The first failing execution of each group in the batch, and a count per group. */
  readonly hits: readonly (RandomHit & { readonly count: number })[];
  /** Runs under the policy. */
  readonly executions: number;
  /** Runs on the ideal machine. */
  readonly referenceRuns: number;
}

/**
 * The seed of execution `i`.
 *
 * @example Usage
 * ```ts
 * import { executionSeed } from "./random_mode.ts";
 * console.log(executionSeed(1, 0) !== executionSeed(1, 1)); // true
 * ```
 * @param seed the run's seed
 * @param i the execution's index
 * @returns a 32-bit seed
 */
export function executionSeed(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) | 0;
}

/** The picks of a run without a chooser. */
const NO_PICKS: readonly number[] = Object.freeze([]);

/**
 * Splits a run's flat pick list into steps: each step has one pick (0) or
 * two (1 and the perturbation's index).
 *
 * @example Usage
 * ```ts
 * import { picksUpTo } from "./random_mode.ts";
 * console.log(picksUpTo([0, 1, 4, 0], 2)); // [0, 1, 4]
 * ```
 * @param picks the flat list
 * @param steps how many steps to keep
 * @returns the picks of the first `steps` steps
 */
export function picksUpTo(picks: readonly number[], steps: number): number[] {
  let i = 0;
  for (let s = 0; s < steps && i < picks.length; s++) i += picks[i] === 1 ? 2 : 1;
  return picks.slice(0, i);
}

/**
 * The batch's array of a program's length, holding the first `length`
 * steps of `draft`: one array per length for the whole batch.
 */
function programOf(programs: Step[][], draft: readonly Step[], length: number): Step[] {
  const program = programs[length] ??= new Array<Step>(length);
  for (let k = 0; k < length; k++) program[k] = draft[k];
  return program;
}

/**
 * Runs random executions `[from, to)` (only those of this shard).
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * import { randomBatch } from "./random_mode.ts";
 * const config = resolveExploreOptions({ mode: "random", ops: ["write", "read", "mmuOn", "mmuOff"] });
 * const { policy, guestClass } = await loadParts(config);
 * const b = randomBatch(new ExploreContext(config, policy, guestClass), 0, 100);
 * console.log(b.executions); // 100
 * ```
 * @param ctx the context
 * @param from first execution index
 * @param to one past the last
 * @returns the failures and counts
 */
export function randomBatch(ctx: ExploreContext, from: number, to: number): RandomBatch {
  const config = ctx.config;
  const alphabet = ctx.alphabet;
  const speculation = config.speculation && ctx.candidates.length > 0;
  const notGuest = ctx.judge.notGuest;
  const hits = new Map<string, RandomHit & { count: number }>();
  const script = new ScriptChooser();
  let executions = 0, referenceRuns = 0;
  const hit = (h: RandomHit) => {
    const id = `${h.blame}/${h.kind}`;
    const known = hits.get(id);
    if (known) known.count++;
    else hits.set(id, { ...h, count: 1 });
  };
  const rerun = (steps: readonly Step[], picks: readonly number[]) => {
    if (speculation) script.load(picks, picks.length);
    return ctx.runReal(steps, speculation ? script : null);
  };

  // One generator, reseeded for each execution, one chooser over it, and
  // what an execution needs in arrays the batch keeps: the program's
  // operations, acceptance and steps, and its expected reads (by read
  // count). No execution keeps them once the next one starts: a failure
  // takes copies.
  const random = new Random(0);
  const chooser = speculation ? new RandomChooser(random, config.perturbRate) : null;
  const ops = new Int32Array(config.maxOps);
  const accepted = new Uint8Array(config.maxOps);
  const draft: Step[] = [];
  const programs: Step[][] = [];
  const expectations: Float64Array[] = [];
  /** The choices of the program's run, the ideal run's (kept apart from the reruns'). */
  const choices = new IdealChoices();
  for (let i = from; i < to; i++) {
    if (config.shard.count > 1 && i % config.shard.count !== config.shard.index) continue;
    random.reseed(executionSeed(config.seed, i));
    let length = 0;
    let monitor: unknown[] = ctx.guestClass.start();
    let value = 1;
    for (let k = 0; k < config.maxOps; k++) {
      let chosen = -1;
      for (let tries = 0; tries < alphabet.size * 2 && chosen < 0; tries++) {
        const o = random.below(alphabet.size);
        const name = alphabet.instances[o].name;
        const step = alphabet.step(o, name === "write" || name === "host_write" ? value : 0);
        const next = ctx.guestClass.next(monitor, step);
        if (next === null) continue;
        chosen = o;
        monitor = next;
        draft[length++] = step;
        if (step.kind === "write" || step.kind === "host_write") value++;
      }
      if (chosen < 0) break;
      ops[k] = chosen;
      accepted[k] = (ctx.guestClass.accepts?.(monitor) ?? true) ? 1 : 0;
    }
    const steps = programOf(programs, draft, length);
    chooser?.restart();
    const out = ctx.runRealReusing(steps, chooser);
    // A copy: the reruns that look for where a crash starts record their own choices.
    choices.copyFrom(ctx.lastChoices);
    executions++;
    let limit = steps.length;
    // Wanted only where something failed: a copy of the run's picks then.
    let picks: readonly number[] | null = null;
    if (out.crashed) {
      picks = chooser?.picks ?? NO_PICKS;
      for (let n = 1; n <= steps.length; n++) {
        const prefix = steps.slice(0, n);
        if (rerun(prefix, picksUpTo(picks, n)).crashed) {
          limit = n;
          break;
        }
      }
      if (accepted[limit - 1] === 1) {
        hit({
          index: i,
          blame: notGuest,
          kind: "crash",
          ops: Array.from(ops.subarray(0, limit)),
          picks: picksUpTo(picks, limit),
        });
      }
    }
    // One entry per read step, as the run's reads (`out.got`) have.
    const reads = out.got.length;
    const expected = expectedReadsInto(steps, expectations[reads] ??= new Float64Array(reads));
    let ideal: Float64Array | null = null;
    let readIndex = 0;
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s];
      if (step.kind !== "read") continue;
      const r = readIndex++;
      if (s >= limit || out.got[r] === expected[r] || accepted[s] === 0) continue;
      if (ideal === null) {
        ideal = ctx.runIdeal(steps, choices);
        referenceRuns++;
      }
      const blame = ctx.judge.blame(ideal[r], expected[r]);
      picks ??= chooser?.picks ?? NO_PICKS;
      const cut = picksUpTo(picks, s + 1);
      rerun(steps.slice(0, s + 1), cut);
      const kind = ctx.judge.kind(ctx.hw, step.addr, expected[r]);
      hit({ index: i, blame, kind, ops: Array.from(ops.subarray(0, s + 1)), picks: cut });
    }
  }
  return { hits: [...hits.values()], executions, referenceRuns };
}
