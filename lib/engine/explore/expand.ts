/**
 * The unit of work of an exhaustive exploration: expand a batch of explored
 * states by one operation and every hardware choice before it.
 *
 * A state is known by its witness: the program that reached it (alphabet
 * instance indices) and the hardware picks of the run. Expanding it runs,
 * for each operation the symmetry and the guest class allow, the policy's
 * run once per hardware choice: nothing, then every
 * speculative fill and castout `Hardware.perturb` offers (the first such
 * run tells how many there are), each with a run of the ideal machine
 * making the counterparts of the run's choices (ideal_choices.ts; run again
 * only when they differ from the previous choice's). Each run is judged by
 * the oracle (a read that did not return the last value written is a
 * violation; blame from the ideal run), and the state it ends in, the ideal
 * machine's included, is hashed. The last operation of a program is only
 * tried when something could be judged after it (see
 * {@linkcode cannotFail}).
 *
 * A child's run is its parent's program plus one step, with the parent's
 * picks plus the child's. Rather than replay the parent's steps once per
 * child (a state at depth d would cost about d steps per child), the
 * parent's program is run once, its state saved as images
 * (`ExploreContext.saveParent`: caches, memory, vCPUs, the policy's state,
 * and the ideal machine's state after the parent's steps with the
 * counterparts of the parent's choices), and each child puts the images
 * back and runs only its last choice point and step
 * (`ExploreContext.runRealFromParent`, `runIdealFromParent`). This gives
 * what the replay gives because a run is deterministic and carries nothing
 * from one step to the next but that state (context.ts says where each
 * part lives). When a parent cannot be imaged exactly, its children replay
 * their whole program as before: the replay stays the reference, and
 * tests/explore/parent_image_test.ts compares the two on random batches.
 *
 * The same batch gives the same result on any thread, which is what lets
 * workers share a level of the search and the report stay the same.
 *
 * @module
 */

import { ScenarioError } from "../../errors.ts";
import type { Step } from "../../guest/ops.ts";
import type { ViolationKind } from "../oracle.ts";
import { ScriptChooser } from "../choosers.ts";
import type { ExploreContext } from "./context.ts";
import { IdealChoices } from "../ideal_choices.ts";
import { StateEncoder } from "./state_hash.ts";

const NO_NAMES = new Int32Array(0);
const NO_READS = new Float64Array(0);

/** Integers per child record in {@linkcode ChildBatch.children}. */
export const CHILD_INTS = 7;

/**
 * One failing run found while expanding.
 *
 * @example Usage
 * ```ts
 * import type { FailureHit } from "./expand.ts";
 * const hit: FailureHit = { parent: 0, op: 3, pick2: 0, pickJ: 0, blame: "hypervisor", kind: "stale_read" };
 * ```
 */
export interface FailureHit {
  /** The parent's index in the batch. */
  readonly parent: number;
  /** The operation added. */
  readonly op: number;
  /** The choice point's first pick (0: nothing happened). */
  readonly pick2: number;
  /** The perturbation's index, when `pick2` is 1. */
  readonly pickJ: number;
  /** Whom the oracle blames. */
  readonly blame: "guest" | "hypervisor" | "machine";
  /** What went wrong. */
  readonly kind: ViolationKind | "crash";
}

/**
 * What expanding a batch produced, in a deterministic order.
 *
 * @example Usage
 * ```ts
 * import type { ChildBatch } from "./expand.ts";
 * const empty: ChildBatch = {
 *   children: new Int32Array(0), count: 0, failures: [], executions: 0, referenceRuns: 0,
 *   rejected: 0, symmetric: 0,
 * };
 * ```
 */
export interface ChildBatch {
  /** {@linkcode CHILD_INTS} integers per child: parent, op, pick2, pickJ, hash hi, hash lo, exact. */
  readonly children: Int32Array;
  /** Number of children. */
  readonly count: number;
  /** Failing runs, in the order found. */
  readonly failures: readonly FailureHit[];
  /** Runs under the policy. */
  readonly executions: number;
  /** Runs on the ideal machine. */
  readonly referenceRuns: number;
  /** Operations skipped because the program would leave the guest class. */
  readonly rejected: number;
  /** Operations skipped by symmetry (an equivalent program is explored). */
  readonly symmetric: number;
}

/** Whom a failure blames, as {@linkcode packBatch} numbers it. */
const BLAMES = ["guest", "hypervisor", "machine"] as const;
/** What went wrong, as {@linkcode packBatch} numbers it. */
const KINDS = ["stale_read", "lost_write", "crash"] as const;
/** Integers per failure in {@linkcode packBatch}'s form. */
const FAILURE_INTS = 6;
/** Integers before the children in {@linkcode packBatch}'s form. */
const BATCH_HEADER = 7;

/**
 * A batch's result as one buffer of integers, for a worker to transfer to
 * the calling thread without copying or walking objects: counts, then the
 * children (as in {@linkcode ChildBatch.children}), then the failures.
 * {@linkcode unpackBatch} gives back an equal batch, and the tag.
 *
 * @example Usage
 * ```ts
 * import { packBatch, unpackBatch } from "./expand.ts";
 * const batch = {
 *   children: Int32Array.of(0, 1, 0, 0, 5, 6, 1), count: 1,
 *   failures: [{ parent: 0, op: 1, pick2: 0, pickJ: 0, blame: "guest" as const, kind: "stale_read" as const }],
 *   executions: 2, referenceRuns: 1, rejected: 0, symmetric: 3,
 * };
 * console.log(unpackBatch(packBatch(batch, 9)).batch.failures[0].blame); // "guest"
 * ```
 * @param batch the result
 * @param tag an integer carried with it (a worker sends its unit's id)
 * @returns its buffer
 */
export function packBatch(batch: ChildBatch, tag = 0): ArrayBuffer {
  const failures = batch.failures;
  const childInts = batch.count * CHILD_INTS;
  const out = new Int32Array(BATCH_HEADER + childInts + failures.length * FAILURE_INTS);
  out[0] = tag;
  out[1] = batch.count;
  out[2] = failures.length;
  out[3] = batch.executions;
  out[4] = batch.referenceRuns;
  out[5] = batch.rejected;
  out[6] = batch.symmetric;
  out.set(batch.children.subarray(0, childInts), BATCH_HEADER);
  let o = BATCH_HEADER + childInts;
  for (const f of failures) {
    out[o++] = f.parent;
    out[o++] = f.op;
    out[o++] = f.pick2;
    out[o++] = f.pickJ;
    out[o++] = BLAMES.indexOf(f.blame);
    out[o++] = KINDS.indexOf(f.kind);
  }
  return out.buffer;
}

/**
 * The batch {@linkcode packBatch} packed.
 *
 * @example Usage
 * ```ts
 * import { packBatch, unpackBatch } from "./expand.ts";
 * const empty = {
 *   children: new Int32Array(0), count: 0, failures: [], executions: 4, referenceRuns: 2,
 *   rejected: 1, symmetric: 0,
 * };
 * console.log(unpackBatch(packBatch(empty)).batch.executions); // 4
 * ```
 * @param buffer the packed batch
 * @returns the batch and its tag
 */
export function unpackBatch(buffer: ArrayBuffer): { tag: number; batch: ChildBatch } {
  const ints = new Int32Array(buffer);
  const count = ints[1];
  const childInts = count * CHILD_INTS;
  const failures: FailureHit[] = [];
  for (let i = 0, o = BATCH_HEADER + childInts; i < ints[2]; i++, o += FAILURE_INTS) {
    failures.push({
      parent: ints[o],
      op: ints[o + 1],
      pick2: ints[o + 2],
      pickJ: ints[o + 3],
      blame: BLAMES[ints[o + 4]],
      kind: KINDS[ints[o + 5]],
    });
  }
  const batch = {
    children: ints.subarray(BATCH_HEADER, BATCH_HEADER + childInts),
    count,
    failures,
    executions: ints[3],
    referenceRuns: ints[4],
    rejected: ints[5],
    symmetric: ints[6],
  };
  return { tag: ints[0], batch };
}

/**
 * Packs witnesses for {@linkcode expandBatch}: per parent, its length, its
 * operations, the number of picks and the picks.
 *
 * @example Usage
 * ```ts
 * import { packWitnesses } from "./expand.ts";
 * console.log(Array.from(packWitnesses([{ ops: [1], picks: [0] }]))); // [1, 1, 1, 1, 0]
 * ```
 * @param witnesses the parents
 * @returns the packed form
 */
export function packWitnesses(
  witnesses: readonly { readonly ops: ArrayLike<number>; readonly picks: ArrayLike<number> }[],
): Int32Array {
  let n = 1;
  for (const w of witnesses) n += 2 + w.ops.length + w.picks.length;
  const out = new Int32Array(n);
  let i = 0;
  out[i++] = witnesses.length;
  for (const w of witnesses) {
    out[i++] = w.ops.length;
    for (let k = 0; k < w.ops.length; k++) out[i++] = w.ops[k];
    out[i++] = w.picks.length;
    for (let k = 0; k < w.picks.length; k++) out[i++] = w.picks[k];
  }
  return out;
}

/**
 * The expected value of each alphabet address after a program (0 if never written).
 *
 * @example Usage
 * ```ts
 * import { expectedValues } from "./expand.ts";
 * const e = expectedValues([{ kind: "write", vcpu: 0, addr: 8, value: 3 }], [8, 16]);
 * console.log(Array.from(e)); // [3, 0]
 * ```
 * @param steps the program
 * @param addresses the alphabet's addresses
 * @param out where to write them (default a new array), at least one entry per address
 * @returns one value per address (`out` when given)
 */
export function expectedValues(
  steps: readonly Step[],
  addresses: readonly number[],
  out: Float64Array = new Float64Array(addresses.length),
): Float64Array {
  out.fill(0);
  for (let k = 0; k < steps.length; k++) {
    const s = steps[k];
    if (s.kind === "write" || s.kind === "host_write") {
      const i = addresses.indexOf(s.addr);
      if (i >= 0) out[i] = s.value >>> 0;
    }
  }
  return out;
}

/**
 * Which vCPUs and addresses a program has used, as bit masks (symmetry).
 *
 * @example Usage
 * ```ts
 * import { usedMasks } from "./expand.ts";
 * import { Alphabet } from "./alphabet.ts";
 * const a = new Alphabet({ ops: ["read"], cpus: 2, addresses: [0x40000000], migrateTo: [], hostCpu: 2 });
 * console.log(usedMasks(a, [1], 1)); // { vcpus: 2, addresses: 1 }
 * ```
 * @param alphabet the alphabet
 * @param ops the program's instance indices
 * @param length how many
 * @returns the masks
 */
export function usedMasks(
  alphabet: { readonly instances: readonly { vcpu: number; addrIndex: number }[] },
  ops: ArrayLike<number>,
  length: number,
): { vcpus: number; addresses: number } {
  let vcpus = 0, addresses = 0;
  for (let i = 0; i < length; i++) {
    const op = alphabet.instances[ops[i]];
    if (op.vcpu >= 0) vcpus |= 1 << op.vcpu;
    if (op.addrIndex >= 0) addresses |= 1 << op.addrIndex;
  }
  return { vcpus, addresses };
}

/**
 * Whether symmetry lets a program with these masks take an operation: a
 * vCPU of a symmetry class comes after every lower vCPU of its class, an
 * address after every lower address (when addresses are interchangeable).
 *
 * @example Usage
 * ```ts
 * import { symmetryAllows } from "./expand.ts";
 * const classes = Int32Array.of(0, 0);
 * console.log(symmetryAllows(classes, false, { vcpus: 0, addresses: 0 }, 1, -1)); // false: vCPU 0 first
 * ```
 * @param vcpuClass each vCPU's class, -1 for none
 * @param addressSymmetric whether addresses are interchangeable
 * @param used the masks
 * @param vcpu the operation's vCPU (-1 for none)
 * @param addrIndex the operation's address index (-1 for none)
 * @returns whether the operation is explored
 */
export function symmetryAllows(
  vcpuClass: Int32Array,
  addressSymmetric: boolean,
  used: { readonly vcpus: number; readonly addresses: number },
  vcpu: number,
  addrIndex: number,
): boolean {
  if (vcpu >= 0 && (used.vcpus & (1 << vcpu)) === 0 && vcpuClass[vcpu] >= 0) {
    for (let w = 0; w < vcpu; w++) {
      if (vcpuClass[w] === vcpuClass[vcpu] && (used.vcpus & (1 << w)) === 0) return false;
    }
  }
  if (addressSymmetric && addrIndex > 0 && (used.addresses & (1 << addrIndex)) === 0) {
    if ((used.addresses & (1 << (addrIndex - 1))) === 0) return false;
  }
  return true;
}

/**
 * Whether an operation can neither fail a read nor run a policy hook (which
 * could crash the guest) when RAM is prefaulted: such an operation is not
 * tried as the last one of a program, since nothing could be judged after it.
 *
 * @example Usage
 * ```ts
 * import { cannotFail } from "./expand.ts";
 * console.log(cannotFail("write"), cannotFail("read"), cannotFail("mmuOff")); // true false false
 * ```
 * @param name the operation
 * @returns true for writes, host writes and maintenance by VA
 */
export function cannotFail(name: string): boolean {
  return name === "write" || name === "host_write" || name.startsWith("dc_");
}

/**
 * Whether a shard owns the runs that add operation `op` to the parent at
 * `position` of the last level. Every part of a sharded exploration runs
 * the shorter programs itself (so that each dedups states against the same
 * set as a single run does, and expands exactly the states a single run
 * expands); only the last length, where most of the runs are, is split,
 * one (parent, operation) pair at a time. The parts' runs are then a
 * partition of the single run's. Parts that exchange each level's results
 * (exchange.ts) split whole states at every length instead, and skip this.
 *
 * @example Usage
 * ```ts
 * import { inShard } from "./expand.ts";
 * console.log(inShard({ index: 1, count: 2 }, 0, 4, 1)); // true
 * ```
 * @param shard this part and the number of parts
 * @param position the parent's position in the last level
 * @param size the alphabet's size
 * @param op the operation
 * @returns whether this part runs it
 */
export function inShard(
  shard: { readonly index: number; readonly count: number },
  position: number,
  size: number,
  op: number,
): boolean {
  return shard.count === 1 || (position * size + op) % shard.count === shard.index;
}

/**
 * Expands a batch of states (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * import { expandBatch, packWitnesses } from "./expand.ts";
 * const config = resolveExploreOptions({ ops: ["write", "read"], speculation: false });
 * const { policy, guestClass } = await loadParts(config);
 * const ctx = new ExploreContext(config, policy, guestClass);
 * const out = expandBatch(ctx, packWitnesses([{ ops: [], picks: [] }]), 0);
 * console.log(out.count, out.failures.length); // 2 0
 * ```
 * @param ctx the context
 * @param packed the parents, from {@linkcode packWitnesses}
 * @param depth the parents' program length (all equal)
 * @param first the first parent's position in its level (what a shard's share is cut by)
 * @returns the children and failures (no children at the last length: nothing grows from there)
 */
export function expandBatch(
  ctx: ExploreContext,
  packed: Int32Array,
  depth: number,
  first = 0,
): ChildBatch {
  const config = ctx.config;
  const alphabet = ctx.alphabet;
  const e = ctx.encoder;
  // The guest class's state and the used masks are the same for every choice of an operation.
  const opPart = new StateEncoder(0);
  const script = new ScriptChooser();
  const speculation = config.speculation && ctx.candidates.length > 0;
  const shard = config.shard;
  const last = depth + 1 === config.maxOps;
  const notGuest = ctx.judge.notGuest;
  let children = new Int32Array(256 * CHILD_INTS);
  let count = 0;
  const failures: FailureHit[] = [];
  let executions = 0, referenceRuns = 0, rejected = 0, symmetric = 0;
  let picks = new Int32Array(64);
  /** The parent's operations, and its expectations (one value per alphabet address). */
  let ops = new Int32Array(16);
  const parentExpected = new Float64Array(config.addresses.length);
  /** The picks of a child's own choice point (its run from the parent's images). */
  const childPicks = new Int32Array(2);
  /** The choices the last ideal run made, for the children of one operation. */
  const idealFor = new IdealChoices();

  const push = (parent: number, op: number, pick2: number, pickJ: number) => {
    if ((count + 1) * CHILD_INTS > children.length) {
      const bigger = new Int32Array(children.length * 2);
      bigger.set(children);
      children = bigger;
    }
    e.computeHash();
    const o = count * CHILD_INTS;
    children[o] = parent;
    children[o + 1] = op;
    children[o + 2] = pick2;
    children[o + 3] = pickJ;
    children[o + 4] = e.hashHi | 0;
    children[o + 5] = e.hashLo | 0;
    children[o + 6] = e.exact && ctx.policyHashable ? 1 : 0;
    count++;
  };

  // What the runs of one operation's children share, set for each parent and
  // each operation. They live here, and `runChoice` is made once per batch:
  // a closure made per operation would carry its own context of them, an
  // object for every operation expanded.
  let p = 0, o = 0, np = 0, fromParent = false, accepts = true;
  let inst = alphabet.instances[0];
  let step: Step | null = null;
  const childSteps: Step[] = [];
  const expected = new Float64Array(config.addresses.length);
  // The ideal run depends on the run's hardware choices: it is run again,
  // and the oracle's part of the state encoded again, when they differ
  // from the last choice's.
  let idealRan = false;
  let idealGot: Float64Array = NO_READS;
  let savedLength = 0;
  // Set by the first run's ideal run, which always comes before the first encoding.
  let savedNames: Int32Array = NO_NAMES;
  let savedExact = true;

  const runChoice = (pick2: number, pickJ: number): void => {
    let chooser = null;
    if (speculation) {
      picks[np] = pick2;
      picks[np + 1] = pickJ;
      childPicks[0] = pick2;
      childPicks[1] = pickJ;
      const own = pick2 === 1 && pickJ >= 0 ? 2 : 1;
      if (fromParent) script.load(childPicks, own);
      else script.load(picks, np + own);
      chooser = script;
    }
    const out = fromParent
      ? ctx.runRealFromParent(childSteps, chooser)
      : ctx.runRealReusing(childSteps, chooser);
    executions++;
    if (script.mismatch) {
      throw new ScenarioError(
        "invalid_value",
        "explore",
        Array.from(picks.subarray(0, np + 2)),
        "internal: a recorded choice sequence did not replay",
      );
    }
    if (out.crashed) {
      if (accepts) {
        failures.push({
          parent: p,
          op: o,
          pick2,
          pickJ: Math.max(pickJ, 0),
          blame: notGuest,
          kind: "crash",
        });
      }
      return;
    }
    const choices = ctx.lastChoices;
    if (!idealRan || !choices.sameAs(idealFor)) {
      idealGot = fromParent
        ? ctx.runIdealFromParent(childSteps, choices)
        : ctx.runIdeal(childSteps, choices);
      referenceRuns++;
      ctx.encodeOracle(expected);
      savedLength = e.length;
      savedNames = e.saveNames();
      savedExact = e.exact;
      // A copy: the context reuses its lists of choices from one run to the next.
      idealFor.copyFrom(choices);
      idealRan = true;
    }
    if (step!.kind === "read") {
      const want = expected[inst.addrIndex];
      const got = out.got[out.got.length - 1];
      if (got !== want && accepts) {
        const kind: ViolationKind = ctx.judge.kind(ctx.hw, step!.addr, want);
        const blame = ctx.judge.blame(idealGot[idealGot.length - 1], want);
        failures.push({ parent: p, op: o, pick2, pickJ: Math.max(pickJ, 0), blame, kind });
      }
    }
    if (last) return;
    e.length = savedLength;
    e.restoreNames(savedNames);
    e.exact = savedExact;
    ctx.encodeReal();
    e.append(opPart);
    push(p, o, pick2, Math.max(pickJ, 0));
  };

  let at = 0;
  const parents = packed[at++];
  for (p = 0; p < parents; p++) {
    const k = packed[at++];
    if (ops.length < k) ops = new Int32Array(2 * k);
    for (let i = 0; i < k; i++) ops[i] = packed[at++];
    np = packed[at++];
    if (picks.length < np + 2) picks = new Int32Array((np + 2) * 2);
    for (let i = 0; i < np; i++) picks[i] = packed[at++];
    if (k !== depth) {
      throw new ScenarioError(
        "invalid_value",
        "explore",
        k,
        "internal: witness of the wrong depth",
      );
    }
    const steps = ctx.steps(ops, k);
    let monitor: unknown[] | null = ctx.guestClass.start();
    for (let i = 0; i < k && monitor !== null; i++) {
      monitor = ctx.guestClass.next(monitor, steps[i]);
    }
    if (monitor === null) continue;
    const used = usedMasks(alphabet, ops, k);
    let keep: Uint8Array | null = null;
    // The parent's own run: for the symmetry mask, and for the images its
    // children run from (the module doc).
    fromParent = false;
    if ((speculation && config.symmetry) || ctx.useImages) {
      if (speculation) script.load(picks, np);
      const out = ctx.runRealReusing(steps, speculation ? script : null);
      if (speculation && config.symmetry) keep = ctx.symmetricChoiceMask();
      fromParent = ctx.saveParent(steps, out, speculation ? script : null);
    }
    let value = 1;
    for (let i = 0; i < k; i++) {
      if (steps[i].kind === "write" || steps[i].kind === "host_write") value++;
    }
    // The parent's expectations, which each child's step updates.
    expectedValues(steps, config.addresses, parentExpected);
    // A child's program and expectations, rewritten for each operation: no run
    // keeps them once the next operation's runs start.
    for (let i = 0; i < k; i++) childSteps[i] = steps[i];
    childSteps.length = k + 1;

    for (o = 0; o < alphabet.size; o++) {
      if (last && !config.shardExchanged && !inShard(shard, first + p, alphabet.size, o)) continue;
      inst = alphabet.instances[o];
      if (
        config.symmetry &&
        !symmetryAllows(ctx.vcpuClass, ctx.addressSymmetric, used, inst.vcpu, inst.addrIndex)
      ) {
        symmetric++;
        continue;
      }
      const isWrite = inst.name === "write" || inst.name === "host_write";
      if (last && config.prefault && cannotFail(inst.name)) continue;
      const child = alphabet.step(o, isWrite ? value : 0);
      const next = ctx.guestClass.next(monitor, child);
      if (next === null) {
        rejected++;
        continue;
      }
      step = child;
      childSteps[k] = child;
      // A loop, not `set`: an entry per address, for every child.
      for (let i = 0; i < expected.length; i++) expected[i] = parentExpected[i];
      if (child.kind === "write" || child.kind === "host_write") {
        const i = config.addresses.indexOf(child.addr);
        if (i >= 0) expected[i] = child.value >>> 0;
      }
      idealRan = false;
      idealGot = NO_READS;
      savedLength = 0;
      savedNames = NO_NAMES;
      savedExact = true;
      accepts = ctx.guestClass.accepts?.(next) ?? true;
      if (!last) {
        // The parent's masks with this operation's vCPU and address (usedMasks of the child).
        opPart.reset();
        opPart.structural(next);
        opPart.int(used.vcpus | (inst.vcpu >= 0 ? 1 << inst.vcpu : 0));
        opPart.int(used.addresses | (inst.addrIndex >= 0 ? 1 << inst.addrIndex : 0));
      }

      runChoice(0, -1);
      if (speculation) {
        runChoice(1, -1);
        const n = script.branching;
        // The mask covers the hardware's options; the scheduler's come after them.
        const own = n - ctx.hw.extraOptions.length;
        const mask = keep !== null && keep.length === own ? keep : null;
        for (let j = 1; j < n; j++) {
          if (mask !== null && j < mask.length && mask[j] === 0) symmetric++;
          else runChoice(1, j);
        }
      }
    }
  }
  return {
    children: children.subarray(0, count * CHILD_INTS),
    count,
    failures,
    executions,
    referenceRuns,
    rejected,
    symmetric,
  };
}
