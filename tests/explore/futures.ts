/**
 * The check of prove mode's central claim (lib/engine/explore/prove.ts):
 * two executions with equal abstract states have the same futures. Pairs of
 * distinct programs (with their hardware picks) that reach one abstract
 * state are sampled, and the same random continuation is run from both: at
 * each step both must offer the same set of next abstract states and the
 * same failures.
 *
 * Also the deliberately wrong abstractions the check must catch: contexts
 * whose state encoding forgets something that steers the future.
 */

import { CLEAN, DIRTY } from "../../lib/hw/cache.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { CHILD_INTS, expandBatch, packWitnesses } from "../../lib/engine/explore/expand.ts";
import { type ExploreConfig, resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import type { ExploreOptions } from "../../mod.ts";
import type { GuestClass } from "../../lib/engine/explore/classes.ts";
import type { Step } from "../../lib/guest/ops.ts";

/** A program (alphabet instance indices) and its hardware picks. */
export interface Witness {
  readonly ops: number[];
  readonly picks: number[];
}

interface Child {
  readonly witness: Witness;
  readonly hash: string;
}

/** A program's children and the failures met making them. */
type Children = { children: Child[]; failures: string[] };

/** The distinct states of a program's children, sorted. */
function nextStates(c: Children): string[] {
  return [...new Set(c.children.map((x) => x.hash))].sort();
}

/** How two programs' children differ (failures, then next states), or null when alike. */
function nextDiffer(a: Witness, b: Witness, ca: Children, cb: Children): string | null {
  if (ca.failures.join() !== cb.failures.join()) {
    return `failures after [${a.ops}] (${ca.failures}) vs [${b.ops}] (${cb.failures})`;
  }
  if (nextStates(ca).join() !== nextStates(cb).join()) {
    return `next states after [${a.ops}] vs [${b.ops}]`;
  }
  return null;
}

/** Every child of one program (every operation, every hardware choice), and the failures found. */
export function childrenOf(
  ctx: ExploreContext,
  w: Witness,
): Children {
  const out = expandBatch(ctx, packWitnesses([w]), w.ops.length);
  const children: Child[] = [];
  for (let i = 0; i < out.count; i++) {
    const c = out.children.subarray(i * CHILD_INTS, (i + 1) * CHILD_INTS);
    const picks = [...w.picks, c[2]];
    if (c[2] === 1) picks.push(c[3]);
    children.push({ witness: { ops: [...w.ops, c[1]], picks }, hash: `${c[4]}:${c[5]}` });
  }
  // Failures by operation: the choices' indices may differ between equal states, their set may
  // not. The "verdicts" abstraction keeps whether a run fails and whom it blames, not the kind.
  const kinds = ctx.config.abstraction !== "verdicts";
  const failures = [
    ...new Set(out.failures.map((f) => `${f.op}:${f.blame}${kinds ? `/${f.kind}` : ""}`)),
  ].sort();
  return { children, failures };
}

/** A small seeded generator (the samples and suffixes must be the same on every run). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Each child's state hash by (operation, pick2, pickJ), under another context. */
function hashesByChoice(ctx: ExploreContext, w: Witness): Map<string, string> {
  const out = expandBatch(ctx, packWitnesses([w]), w.ops.length);
  const m = new Map<string, string>();
  for (let i = 0; i < out.count; i++) {
    const c = out.children.subarray(i * CHILD_INTS, (i + 1) * CHILD_INTS);
    m.set(`${c[1]}:${c[2]}:${c[3]}`, `${c[4]}:${c[5]}`);
  }
  return m;
}

/**
 * Pairs of programs that reach the same abstract state but different
 * concrete ones (as `concrete`, an exhaustive-mode context, hashes them:
 * values by name, not by recency; caches by position, {@linkcode Positional},
 * so that states told apart only by the idle CPUs' symmetry are paired
 * too), breadth first up to `depth`: for each
 * abstract state, its first program paired with the first program of each
 * other concrete state it stands for. A pair whose concrete states are
 * equal tests nothing.
 */
export function equalStatePairs(
  ctx: ExploreContext,
  concrete: ExploreContext | null,
  depth: number,
): [Witness, Witness][] {
  const first = new Map<string, { witness: Witness; concrete: Set<string> }>();
  const all: [Witness, Witness][] = [];
  let frontier: Witness[] = [{ ops: [], picks: [] }];
  for (let d = 0; d < depth; d++) {
    const next: Witness[] = [];
    for (const w of frontier) {
      // Without a finer context (exhaustive mode's own encoding is checked), every program differs.
      const exact = concrete === null ? null : hashesByChoice(concrete, w);
      for (const c of childrenOf(ctx, w).children) {
        const pick2 = c.witness.picks.length > w.picks.length ? c.witness.picks[w.picks.length] : 0;
        const pickJ = pick2 === 1 ? c.witness.picks[c.witness.picks.length - 1] : 0;
        const key = `${c.witness.ops[c.witness.ops.length - 1]}:${pick2}:${pickJ}`;
        const h = exact === null ? c.witness.ops.join() : exact.get(key) ?? `?${key}`;
        const seen = first.get(c.hash);
        if (seen === undefined) {
          first.set(c.hash, { witness: c.witness, concrete: new Set([h]) });
          next.push(c.witness);
        } else if (!seen.concrete.has(h)) {
          seen.concrete.add(h);
          all.push([seen.witness, c.witness]);
        }
      }
    }
    frontier = next;
  }
  return all;
}

/**
 * Runs the same random continuation from two programs with equal abstract
 * states: at each step both must offer the same set of next abstract states
 * and the same failures; then one next state is drawn and each side
 * continues with its own program that reaches it.
 *
 * @returns null when the futures agreed, else what differed
 */
export function futuresDiffer(
  ctx: ExploreContext,
  a: Witness,
  b: Witness,
  steps: number,
  rnd: () => number,
): string | null {
  for (let s = 0; s < steps; s++) {
    const ca = childrenOf(ctx, a), cb = childrenOf(ctx, b);
    const differ = nextDiffer(a, b, ca, cb);
    if (differ !== null) return differ;
    const ha = nextStates(ca);
    if (ha.length === 0) return null;
    const h = ha[Math.floor(rnd() * ha.length)];
    a = ca.children.find((c) => c.hash === h)!.witness;
    b = cb.children.find((c) => c.hash === h)!.witness;
  }
  return null;
}

/**
 * The children of one program by one operation only (every hardware
 * choice): `expandBatch` replays the parent's steps through the class's
 * `next` first, then asks it about each operation of the alphabet, so a
 * class that lets the first `ops.length` steps through and then only the
 * wanted operation runs nothing else. The monitor states it returns are
 * the class's own, so the state hashes are those of {@linkcode childrenOf}.
 */
export function childrenByOp(
  ctx: ExploreContext,
  w: Witness,
  op: number,
): Children {
  const own = ctx.guestClass;
  let calls = 0;
  const matches = (step: Step): boolean => {
    const value = step.kind === "write" || step.kind === "host_write" ? step.value : 0;
    return JSON.stringify(step) === JSON.stringify(ctx.alphabet.step(op, value));
  };
  const only: GuestClass<unknown[]> = {
    ...own,
    next: (m, step) => (++calls <= w.ops.length || matches(step) ? own.next(m, step) : null),
  };
  Object.defineProperty(ctx, "guestClass", { value: only, configurable: true });
  try {
    return childrenOf(ctx, w);
  } finally {
    Object.defineProperty(ctx, "guestClass", { value: own, configurable: true });
  }
}

/**
 * The directed continuations: for each maintenance operation of the
 * alphabet (or none), that operation, caches off, a write, a read; and the
 * same with caches on before caches off (operations of the first vCPU and
 * address). A dirty copy the maintenance cannot reach (a system cache
 * under a set/way clean) is told from a clean one only there: with caches
 * off the write goes to DRAM, older cached copies stay, and a castout of
 * the dirty one before the read puts its older value back. Random
 * continuations almost never draw such a sequence with the right castout.
 */
export function directedContinuations(ctx: ExploreContext): number[][] {
  const first = (name: string) => ctx.alphabet.instances.findIndex((i) => i.name === name);
  const on = first("mmuOn");
  const tail = [first("mmuOff"), first("write"), first("read")];
  if (on < 0 || tail.includes(-1)) return [];
  const maintenance = ctx.alphabet.instances
    .map((inst, i) => ({ inst, i }))
    .filter(({ inst }) => inst.name.startsWith("dc_") || inst.name.startsWith("sw_"))
    .filter(({ inst, i }) => first(inst.name) === i)
    .map(({ i }) => [i]);
  return (maintenance.length === 0 ? [[]] : maintenance).flatMap((m) => [
    [...m, ...tail],
    [...m, on, ...tail],
  ]);
}

/**
 * Runs one directed continuation from two programs with equal abstract
 * states: at each step both must offer the same next abstract states and
 * failures; the hardware does nothing until the last step (both sides then
 * continue to the state the first side's quiet choice reaches), and at the
 * last step every choice is compared.
 *
 * @returns null when the futures agreed, else what differed
 */
export function directedDiffer(
  ctx: ExploreContext,
  a: Witness,
  b: Witness,
  ops: readonly number[],
): string | null {
  for (const op of ops) {
    const ca = childrenByOp(ctx, a, op), cb = childrenByOp(ctx, b, op);
    const differ = nextDiffer(a, b, ca, cb);
    if (differ !== null) return differ;
    if (ca.children.length === 0) return null;
    // The quiet choice: no pick after the parent's, or a first pick of 0.
    const quiet = ca.children.find((c) => c.witness.picks[a.picks.length] !== 1) ??
      ca.children[0];
    a = quiet.witness;
    b = cb.children.find((c) => c.hash === quiet.hash)!.witness;
  }
  return null;
}

/**
 * How a configuration is checked: every pair up to `depth` (at most `cap`
 * of them, drawn evenly, when there is no finer context to tell which pairs
 * differ) for one step, `suffixes` of them, drawn evenly, for `steps`
 * random steps, and every pair along the directed continuations
 * ({@linkcode directedContinuations}).
 */
export const SAMPLING = { depth: 4, cap: 200, suffixes: 40, steps: 6, seed: 19 } as const;

/**
 * Checks that pairs of distinct concrete states with equal abstract states
 * have the same futures (see the module doc): every pair up to
 * `SAMPLING.depth` offers the same next abstract states and failures, and
 * a sample of them agree along random continuations.
 *
 * @param ctx the context whose abstraction is checked
 * @param concrete an exhaustive-mode context of the same configuration (null: none finer)
 * @param depth how deep pairs are collected
 * @returns the number of pairs and the first difference met (null: none)
 */
export function checkFutures(
  ctx: ExploreContext,
  concrete: ExploreContext | null,
  depth: number = SAMPLING.depth,
): { pairs: number; difference: string | null } {
  const rnd = lcg(SAMPLING.seed);
  const found = equalStatePairs(ctx, concrete, depth);
  const pairs = concrete !== null || found.length <= SAMPLING.cap
    ? found
    : Array.from({ length: SAMPLING.cap }, (_, i) =>
      found[Math.floor(i * found.length / SAMPLING.cap)]);
  for (const [a, b] of pairs) {
    const d = futuresDiffer(ctx, a, b, 1, rnd);
    if (d !== null) return { pairs: pairs.length, difference: d };
  }
  const stride = Math.max(1, pairs.length / SAMPLING.suffixes);
  for (let i = 0; i < pairs.length; i += stride) {
    const [a, b] = pairs[Math.floor(i)];
    const d = futuresDiffer(ctx, a, b, SAMPLING.steps, rnd);
    if (d !== null) return { pairs: pairs.length, difference: d };
  }
  const directed = directedContinuations(ctx);
  for (const [a, b] of pairs) {
    for (const ops of directed) {
      const d = directedDiffer(ctx, a, b, ops);
      if (d !== null) return { pairs: pairs.length, difference: `directed: ${d}` };
    }
  }
  return { pairs: pairs.length, difference: null };
}

/** The configuration of a soundness check: prove mode, the escape alphabet unless given. */
export function soundnessConfig(options: ExploreOptions): ExploreConfig {
  return resolveExploreOptions({
    mode: "prove",
    maxOps: 64,
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    progress: false,
    ...options,
  });
}

/** Marks the dirty lines of one cache clean while `f` runs, then puts them back. */
function withCleanCopy(ctx: ExploreContext, cacheIndex: number, f: () => void): void {
  const cache = ctx.hw.caches[cacheIndex];
  const dirty: number[] = [];
  for (let i = 0; i < cache.residentCount; i++) {
    const slot = cache.residentSlot(i);
    if (cache.states[slot] === DIRTY) dirty.push(slot);
  }
  for (const slot of dirty) cache.states[slot] = CLEAN;
  try {
    f();
  } finally {
    for (const slot of dirty) cache.states[slot] = DIRTY;
  }
}

/** A wrong abstraction: the system cache's copies are encoded as clean whatever they are. */
class ForgetsSystemCacheDirt extends ExploreContext {
  override encodeReal(): void {
    const sys = this.hw.systemCacheIndex;
    if (sys < 0) return super.encodeReal();
    withCleanCopy(this, sys, () => super.encodeReal());
  }
}

/** A wrong abstraction: the first vCPU's L1 copies are encoded as clean whatever they are. */
class ForgetsL1Dirt extends ExploreContext {
  override encodeReal(): void {
    withCleanCopy(this, 0, () => super.encodeReal());
  }
}

/** A wrong abstraction: the ideal machine's caches and SCTLR bits are left out. */
class ForgetsIdealMachine extends ExploreContext {
  override encodeOracle(expected: ArrayLike<number>): void {
    const e = this.encoder;
    e.reset();
    for (let i = 0; i < expected.length; i++) e.int(e.name(i, expected[i], true));
  }
}

/** A wrong abstraction: the idle CPUs' caches are left out. */
class ForgetsIdleCaches extends ExploreContext {
  constructor(...args: ConstructorParameters<typeof ExploreContext>) {
    super(...args);
    const layout = Object.create(this.layout, {
      busyClusters: { value: this.layout.busyClusters.map((c) => ({ ...c, idleL1: [] })) },
      idleClusters: { value: [] },
    });
    Object.defineProperty(this, "layout", { value: layout });
  }
}

/**
 * A wrong symmetry: every idle CPU's L1 is taken as interchangeable with
 * every other, whatever its cluster (an L1 in a cluster whose L2 holds the
 * line fills from it; one in another cluster fills from below, and its
 * cluster's L2 with it).
 */
class PoolsIdleL1sAcrossClusters extends ExploreContext {
  constructor(...args: ConstructorParameters<typeof ExploreContext>) {
    super(...args);
    const l = this.layout;
    const pooled = [
      ...l.busyClusters.flatMap((c) => c.idleL1),
      ...l.idleClusters.flatMap((g) => g.flatMap((c) => c.l1)),
    ];
    const [home, ...rest] = l.busyClusters;
    const layout = Object.create(l, {
      busyClusters: {
        value: [
          { l2: home.l2, idleL1: pooled },
          ...rest.map((c) => ({ l2: c.l2, idleL1: [] })),
          ...l.idleClusters.flatMap((g) => g.map((c) => ({ l2: c.l2, idleL1: [] }))),
        ],
      },
      idleClusters: { value: [] },
    });
    Object.defineProperty(this, "layout", { value: layout });
  }
}

/**
 * The same encoding without the idle CPUs' symmetry: every cache by its
 * position (each CPU's L1 in CPU order, each cluster's L2 in cluster
 * order). As the finer context of the check, it pairs states that the
 * symmetry alone merges (idle CPUs or idle clusters swapped).
 */
export class Positional extends ExploreContext {
  constructor(...args: ConstructorParameters<typeof ExploreContext>) {
    super(...args);
    const hw = this.hw;
    const cpus = Array.from({ length: hw.cpuCount }, (_, i) => i);
    const l2s = [
      ...new Set(cpus.filter((c) => hw.levels(c) === 2).map((c) => hw.cacheIndexOf(c, 2))),
    ];
    const layout = Object.create(this.layout, {
      busyL1: { value: cpus },
      busyClusters: { value: l2s.map((l2) => ({ l2, idleL1: [] })) },
      idleClusters: { value: [] },
    });
    Object.defineProperty(this, "layout", { value: layout });
  }
}

/** The deliberately wrong abstractions, by name. */
export const MUTANTS = {
  "idle caches": ForgetsIdleCaches,
  "idle L1s pooled across clusters": PoolsIdleL1sAcrossClusters,
  "system cache dirtiness": ForgetsSystemCacheDirt,
  "L1 dirtiness": ForgetsL1Dirt,
  "ideal machine": ForgetsIdealMachine,
} as const;

/**
 * Builds a context for a configuration, with the correct abstraction or a mutant.
 *
 * @param options the configuration
 * @param mutant a wrong abstraction's name, or none
 * @returns the context
 */
export async function soundnessContext(
  options: ExploreOptions,
  mutant?: keyof typeof MUTANTS,
): Promise<{ ctx: ExploreContext; concrete: ExploreContext | null }> {
  const config = soundnessConfig(options);
  const { policy, guestClass } = await loadParts(config);
  const Ctx = mutant === undefined ? ExploreContext : MUTANTS[mutant];
  const exact = soundnessConfig({ ...options, mode: "exhaustive", abstraction: "kinds" });
  return {
    ctx: new Ctx(config, policy, guestClass),
    concrete: config.mode === "prove" ? new Positional(exact, policy, guestClass) : null,
  };
}

/**
 * Asserts that a wrong abstraction is caught in more than half of the
 * configurations (a mutant need not be caught where what it forgets cannot
 * matter).
 *
 * @param mutant the wrong abstraction's name
 * @param configs the configurations
 */
export async function caughtInMost(
  mutant: keyof typeof MUTANTS,
  configs: ExploreOptions[],
): Promise<void> {
  const missed: string[] = [];
  for (const options of configs) {
    const { ctx, concrete } = await soundnessContext(options, mutant);
    const r = checkFutures(ctx, concrete);
    if (r.difference === null) missed.push(`${options.policy} ${options.guestClass}`);
  }
  if (missed.length * 2 >= configs.length) {
    throw new Error(`${mutant} missed in ${missed.join(", ")}`);
  }
}
