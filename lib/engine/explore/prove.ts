/**
 * Prove mode: `explore({ mode: "prove" })` answers for every program
 * length, not only up to `maxOps`, by a breadth-first search over abstract
 * states to a fixpoint.
 *
 * The search is exhaustive mode's (exhaustive.ts), with two differences:
 * `maxOps` is only a cap on the depth (default 64), and values are
 * abstracted by recency ({@linkcode StateEncoder} with `recency`): at each
 * alphabet address, every copy (each cache's line, DRAM, the ideal
 * machine's copies) is encoded as "newest" (the value the oracle expects)
 * or "not newest" (any other value: one the program wrote before, 0, or
 * the poison pattern). With a bounded alphabet
 * (addresses, vCPUs, operations) and a machine whose cache sets the
 * alphabet cannot fill, there are finitely many abstract states, so some
 * depth D adds none: every state reachable by a program of any length is
 * then one reached with at most D operations, and was expanded by every
 * operation and hardware choice. The answer is "Never, for every length"
 * when no failure was met, else "Sometimes" with the shortest
 * counterexample (breadth first: the first met is the shortest).
 *
 * Why two executions with equal abstract states have the same set of
 * future outcomes (verdicts and violations, for every continuation and
 * hardware choice):
 *
 * - everything that steers what happens next is encoded exactly, as in
 *   exhaustive mode (state_hash.ts, `ExploreContext.encodeReal`): each
 *   cache's resident lines with slot and clean/dirty state, each vCPU's
 *   SCTLR and HCR bits, physical CPU and last physical CPU, stage 2 at the
 *   alphabet's pages, the policy's own state (Xen's need-flush, kvm-3.18's
 *   `require_dcache_flush` mask), the ideal machine's caches and SCTLR
 *   bits, the guest class's monitor state and the symmetry masks. LRU ages
 *   are left out only when no set can fill. A preemption the scheduler
 *   chose before a step is taken by that step's exit or dropped after it
 *   (execute.ts, `Hypervisor.cancelPreemption`), so none is pending
 *   between steps and none needs encoding;
 * - data never steers the hardware, a hypervisor policy or a guest class:
 *   a value only moves between copies, and only its equality with the
 *   oracle's expectation is ever observed (a read is a violation when it
 *   differs; `stale_read` versus `lost_write` asks whether some copy equals
 *   it; blame asks whether the ideal machine's read equals it);
 * - every later write stores a fresh value (1, 2, 3... in program order:
 *   never 0 nor the poison pattern), different from every value held
 *   anywhere, so it becomes the new expectation and every other copy is
 *   then "not newest" whatever it was: two such values are never compared
 *   with each other, and neither becomes the expectation again. So "never
 *   written" needs no class of its own: before the first write to an
 *   address its expectation is 0, and a copy of 0 is then its newest;
 * - idle CPUs are interchangeable: states equal up to a permutation of idle
 *   CPUs within a cluster, or of whole idle clusters of one shape, are
 *   encoded alike (state_hash.ts says why that keeps futures, citing the
 *   choice, coherence, ideal-machine and policy code that treats them
 *   alike).
 *
 * So relating two states copy by copy, equal abstract states answer every
 * such equality alike now and after any continuation. The test suite checks
 * the claim (tests/explore/futures.ts): every pair of programs up to 4
 * operations that reach one abstract state but different concrete states
 * (as exhaustive mode hashes them, with every cache by its position, so
 * that idle CPUs swapped count as different) must offer the same next
 * abstract states and failures, a sample of them the same along random
 * continuations, and every pair the same along directed ones (a clean,
 * caches off, a write, a read: the hardware quiet until the last step,
 * then every choice). Abstractions made wrong on purpose are caught:
 * forgetting the idle CPUs' caches or the ideal machine, or pooling idle
 * L1s across clusters, in most configurations tried; forgetting the system
 * cache's dirtiness with X-Gene 1's `no-sw` guests under every policy, and
 * with `cleans-by-sw` guests under kvm-4.0, kvm-modern and xen (a set/way
 * clean leaves the system cache's line dirty; the directed continuation
 * casts it out over a write made with caches off). It is not caught with
 * `cleans-by-va` and `maintains-by-va` guests, whose clean to the PoC
 * cleans the system cache before caches go off, nor with `cleans-by-sw`
 * under kvm-3.18 and trap-nothing.
 *
 * Limits (alphabet: addresses, vCPUs, operations), measured with
 * `scenarios/prove_escape.ts`'s alphabets on a shared 2-core machine:
 *
 * - generic machine (4 CPUs, one cluster, no system cache), one vCPU, one
 *   address, four or five operations: fixpoints of 539 (`maintains-by-va`)
 *   to 3 453 (`cleans-by-sw` under xen, with a set/way walk) abstract states at depth
 *   9 to 15, one to a few seconds each;
 * - X-Gene 1 (8 CPUs in 4 clusters, with or without its L3), one vCPU, one
 *   address: `maintains-by-va` under kvm-4.0 with the L3 reaches its
 *   fixpoint at 115 170 abstract states, depth 21 (new states per length
 *   1, 13, 91, 294, 783, 1 658, 3 338, 6 059, 9 772, 13 780, 16 693,
 *   17 403, 15 726, 12 294, 8 347, 4 881, 2 462, 1 054, 382, 110, 25, 4),
 *   in 71 s on one thread of an idle machine. What multiplies the states
 *   is the seven idle CPUs' caches, which speculation fills: they are
 *   always clean and no running CPU reads them, but they decide what a
 *   later speculative fill does (into an idle CPU whose L1 already holds
 *   the line it moves nothing; one whose cluster's L2 holds it only copies
 *   it, and the ideal machine writes back; else it pulls a dirty copy out
 *   of the running cluster, or allocates in the L3), and whether some copy
 *   of the newest value survives (`stale_read` or `lost_write`). No
 *   coarser encoding of them alone keeps the kinds (state_hash.ts: every
 *   state of an idle region is its own class under bisimulation). Left
 *   out of the state (unsoundly), the search closes at about a thousand
 *   states; the soundness check above catches that omission;
 * - the `"verdicts"` abstraction (`abstraction: "verdicts"`) encodes idle
 *   caches by the lines they hold and not by their values, which keeps
 *   everything but the kind (state_hash.ts says why): a "Never" and the
 *   shortest counterexample are as with the default one, while a failure
 *   group's kind, and each kind's shortest length, are only those met.
 *   The same question then closes at 25 010 abstract states, depth 17, in
 *   13 s; without the L3 at 10 876 states, depth 15, in 5 to 7 s; `no-sw`
 *   at 52 389 (L3) and 13 947 (no L3) states. The soundness check compares
 *   verdicts for it; on every configuration tried, comparing kinds too
 *   found no pair of states it merges whose kinds differ, but that is not
 *   proved;
 * - two addresses or two vCPUs on the generic machine: no fixpoint within
 *   a minute (kvm-4.0, `maintains-by-va`, before the newest/not-newest
 *   abstraction: 27 699 abstract states with lengths up to 5 complete with
 *   two addresses, 31 399 with lengths up to 4 with two vCPUs and
 *   `migrate`).
 *
 * Not a proof when: a budget (`seconds`, `executions`) or the depth cap
 * stopped the search first (the answer is then "Not proved" and the
 * bounded one, up to the last length explored completely; a counterexample
 * found before is still "Sometimes", and still the shortest: a budget stops
 * the search inside one length, after every shorter one), or some state
 * could not be hashed exactly (a full cache set, a policy state that is
 * not plain data). Hashes are 64 bits: two distinct abstract states
 * colliding would wrongly prune one (about 3 in a million with 10^7
 * states).
 *
 * Pruning: exhaustive mode's program symmetry (vCPUs, addresses) and its
 * hardware-choice pruning (a fill into an idle CPU whose twin holds exactly
 * the same lines, `symmetricChoiceMask` in context.ts) are both kept: a
 * pruned choice leads to a state equal to its twin's, so the set of next
 * abstract states is the same with or without it.
 *
 * Shards (`shard: "i/n"`) need an exchange (`exchange`, exchange.ts): the
 * parts then split every length and exchange each length's new states, so
 * each part computes the same abstract states, and the fixpoint, as a
 * single run; exhaustive mode's other split (every part repeats the
 * shorter programs and splits the last length) does not apply to a search
 * with no last length, and is refused.
 *
 * @module
 */

import type { ExploreConfig } from "./options.ts";
import type { ShardExchange } from "./exchange.ts";
import {
  type FoundFailure,
  type LevelRunner,
  type ProgressHook,
  searchExhaustive,
  type SearchStats,
} from "./exhaustive.ts";

/** The depth cap of prove mode when `maxOps` is not given. */
export const PROVE_MAX_DEPTH = 64;

/**
 * What a proof search established.
 *
 * @example Usage
 * ```ts
 * import type { ProofSummary } from "@setway/setway/explore";
 * const p: ProofSummary = {
 *   fixpoint: true, states: 2726, depth: 13, stopped: null,
 * };
 * ```
 */
export interface ProofSummary {
  /** Whether a depth added no new abstract state (the answer holds for every length). */
  readonly fixpoint: boolean;
  /** Distinct abstract states met (K). */
  readonly states: number;
  /**
   * With a fixpoint: the longest program length that still reached a new
   * state (D). Without: the longest length explored completely.
   */
  readonly depth: number;
  /** Why there is no fixpoint: `"budget"`, `"depth cap"`, `"inexact"`; null with one. */
  readonly stopped: "budget" | "depth cap" | "inexact" | null;
  /**
   * `"verdicts"` when the search ran under that abstraction (idle caches
   * by the lines they hold: failure kinds are only those met); absent
   * under the default one, which keeps kinds.
   */
  readonly abstraction?: "verdicts";
}

/**
 * Whether a finished exhaustive search over abstract states reached a
 * fixpoint, and how deep.
 *
 * @example Usage
 * ```ts
 * import { fixpointOf } from "./prove.ts";
 * const s = {
 *   executions: 9, referenceRuns: 3, states: 4, merged: 5, rejected: 0, symmetric: 0,
 *   levels: [1, 2, 1, 0], complete: true, completeLength: 3, exact: true,
 * };
 * console.log(fixpointOf(s, 64)); // { fixpoint: true, depth: 2, stopped: null }
 * ```
 * @param stats the search's statistics
 * @param maxDepth the depth cap it ran with
 * @returns whether it is a fixpoint, its depth, and otherwise why not
 */
export function fixpointOf(
  stats: SearchStats,
  maxDepth: number,
): { fixpoint: boolean; depth: number; stopped: ProofSummary["stopped"] } {
  const levels = stats.levels;
  const closed = levels.length >= 2 && levels[levels.length - 1] === 0;
  if (!stats.complete) return { fixpoint: false, depth: completeDepth(stats), stopped: "budget" };
  if (!stats.exact) return { fixpoint: false, depth: maxDepth, stopped: "inexact" };
  if (!closed) return { fixpoint: false, depth: maxDepth, stopped: "depth cap" };
  return { fixpoint: true, depth: levels.length - 2, stopped: null };
}

/**
 * The longest length every program up to which was run when a budget
 * stopped the search, as the search recorded it: the length it stopped in
 * when it stopped after that length's last batch, else the one before.
 */
function completeDepth(stats: SearchStats): number {
  return stats.completeLength;
}

/**
 * Runs the proof search (see the module doc): exhaustive mode's search with
 * the depth cap as `maxOps`, then the fixpoint test.
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * import { expandBatch } from "./expand.ts";
 * import { searchProof } from "./prove.ts";
 * const config = resolveExploreOptions({
 *   mode: "prove", machine: "generic", ops: ["write", "read", "mmuOn", "mmuOff"], speculation: false,
 * });
 * const { policy, guestClass } = await loadParts(config);
 * const ctx = new ExploreContext(config, policy, guestClass);
 * const r = await searchProof(config, (bs, d, firsts) =>
 *   Promise.resolve(bs.map((b, i) => expandBatch(ctx, b, d, firsts[i]))), false);
 * console.log(r.proof.fixpoint); // true
 * ```
 * @param config the configuration (`mode: "prove"`)
 * @param runLevel expands a level's batches (on workers or not)
 * @param speculation whether runs have hardware choices
 * @param progress called after each batch
 * @param exchange with a sharded configuration: how the parts exchange each level's states
 * @returns the failure groups (shortest counterexample each), statistics and the proof summary
 * (states and fixpoint the whole search's; with an exchange, counts and failures this part's)
 */
export async function searchProof(
  config: ExploreConfig,
  runLevel: LevelRunner,
  speculation: boolean,
  progress?: ProgressHook,
  exchange?: ShardExchange,
): Promise<{ failures: Map<string, FoundFailure>; stats: SearchStats; proof: ProofSummary }> {
  const started = performance.now();
  const r = await searchExhaustive(config, runLevel, speculation, progress, exchange);
  // The rate goes to the progress line only: the report depends on nothing timed.
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(r.stats.states / Math.max(seconds, 1e-3));
  progress?.(r.stats.executions, r.failures.size, `${r.stats.states} abstract states, ${rate}/s`);
  const f = fixpointOf(r.stats, config.maxOps);
  const proof: ProofSummary = config.abstraction === "verdicts"
    ? { ...f, states: r.stats.states, abstraction: "verdicts" }
    : { ...f, states: r.stats.states };
  return { failures: r.failures, stats: r.stats, proof };
}
