/**
 * Bounded exhaustive exploration: every program up to `maxOps` operations
 * over the alphabet, and before each operation every hardware choice, as a
 * breadth-first search over distinct states.
 *
 * Level by level: the states first reached with `d` operations are expanded
 * by one more operation (see expand.ts); a child whose state hash was seen
 * before is dropped, since the earlier one was reached with no more
 * operations and so is explored at least as far. Breadth first, in a fixed
 * order (parent, then operation, then choice), the kept witness of every
 * state and the first counterexample of every failure group are the
 * shortest, and among those the first in that order. A level is cut into
 * batches that workers may expand in parallel; the results are merged in
 * batch order, so the search is the same on any number of threads. Once a
 * level's first batches are merged, the states they keep are final, so the
 * next level's first batches are handed out while the rest of this one
 * still runs: no thread waits at the end of a level.
 *
 * A part of a sharded search (`shard: "i/n"`) runs every shorter program
 * itself and only its share of the last length (`inShard` in expand.ts), so
 * that it expands exactly the states a single run expands; the first part
 * alone counts the shorter programs' runs and failures. The parts' counts
 * then add up to the single run's, which is what `mergeReports` relies on.
 * With an exchange (`exchange`, see exchange.ts) the parts instead split
 * every length: each expands the states at the positions it owns
 * (position mod n) and, at the end of each length, the parts exchange the
 * children so that each computes the same next level; no run is repeated.
 *
 * What is pruned, and why it is sound:
 *
 * - a child whose state (hardware, hypervisor, policy, ideal machine, the
 *   oracle's expectations, the guest-class monitor, the symmetry masks) was
 *   seen: every continuation behaves the same from equal states (see
 *   state_hash.ts for what "equal" leaves out, and why);
 * - a child whose state could not be encoded exactly (a full cache set when
 *   one is possible, a policy state that is not plain data) is never
 *   merged: slower, still sound;
 * - symmetric programs (expand.ts, `symmetryAllows`): renaming vCPUs whose
 *   home CPUs are interchangeable, or interchangeable addresses, maps every
 *   run to a run of the renamed program with the same verdict, so only the
 *   programs that introduce them in order are explored. This assumes the
 *   policy treats vCPUs alike (true of every built-in policy); set
 *   `symmetry: false` for one that does not;
 * - programs that leave the guest class, and every extension of them;
 * - hardware choices that would only reach a state merged anyway: a fill
 *   into (or castout from) an idle CPU's cache whose interchangeable twin
 *   with a lower index holds the same lines, and, when no cache set can
 *   fill up, a fill of a line the L1 already holds (`symmetricChoiceMask`
 *   in context.ts); the twin comes first, so the kept witnesses are the same;
 * - a last operation that can neither fail a read nor run a policy hook (a
 *   write, a host write, maintenance by VA, with prefaulted RAM): nothing
 *   could be judged after it (`cannotFail` in expand.ts).
 *
 * @module
 */

import type { ExploreConfig } from "./options.ts";
import { CHILD_INTS, type ChildBatch, type FailureHit } from "./expand.ts";
import { decodeLevel, encodeLevel, LEVEL_CHILD_INTS, type ShardExchange } from "./exchange.ts";
import { configFingerprint } from "./fingerprint.ts";
import { HashSet64 } from "./hash_set.ts";
import { formatSeconds } from "./progress.ts";

/**
 * One failure group's first counterexample, as a witness.
 *
 * @example Usage
 * ```ts
 * import type { FoundFailure } from "./exhaustive.ts";
 * const f: FoundFailure = {
 *   blame: "hypervisor", kind: "stale_read", count: 3, ops: [4, 0, 5, 1], picks: [0, 0, 0, 0], key: [4, 0, 0],
 * };
 * ```
 */
export interface FoundFailure {
  /** Whom the oracle blames. */
  readonly blame: "guest" | "hypervisor" | "machine";
  /** What went wrong. */
  readonly kind: string;
  /** How many failing runs the search met in this group. */
  count: number;
  /** The first counterexample's program (alphabet instance indices). */
  ops: number[];
  /** Its hardware picks. */
  picks: number[];
  /** Its position in the search order, to merge parts deterministically. */
  key: number[];
  /**
   * True in a part of a search with an exchange when another part met this
   * group's first counterexample: that part shrinks it, this one need not.
   */
  firstElsewhere?: boolean;
}

/**
 * The statistics of a search.
 *
 * @example Usage
 * ```ts
 * import type { SearchStats } from "./exhaustive.ts";
 * const s: SearchStats = {
 *   executions: 10, referenceRuns: 4, states: 6, merged: 3, rejected: 0, symmetric: 1,
 *   levels: [1, 2], complete: true, completeLength: 2, exact: true,
 * };
 * ```
 */
export interface SearchStats {
  /** Runs under the policy. */
  executions: number;
  /** Runs on the ideal machine. */
  referenceRuns: number;
  /** Distinct states expanded: reached with fewer than `maxOps` operations (with the initial state). */
  states: number;
  /** Runs of fewer than `maxOps` operations whose state had been seen before. */
  merged: number;
  /** Operations skipped because the program would leave the guest class. */
  rejected: number;
  /** Operations skipped by symmetry. */
  symmetric: number;
  /** New states per program length below `maxOps` (index 0: the initial state). */
  levels: number[];
  /** Whether the whole space up to `maxOps` was explored (no budget cut it). */
  complete: boolean;
  /**
   * The longest program length every program up to which was run: with a
   * budget, the length it stopped in, when it stopped after that length's
   * last batch, else the one before.
   */
  completeLength: number;
  /** Whether every state was hashed exactly (false: some were explored without merging). */
  exact: boolean;
}

/**
 * Expands batches of one level on whatever threads it has (`firsts[i]`:
 * the position of batch i's first parent in the level); the search hands
 * it one batch at a time. `inFlight`, when given, says how many batches
 * the search should keep queued (a few per thread); default 1.
 */
export type LevelRunner =
  & ((
    batches: Int32Array[],
    depth: number,
    firsts: number[],
  ) => Promise<ChildBatch[]>)
  & { inFlight?: () => number };

/** Reports progress: runs so far, failures so far, and the search's position. */
export type ProgressHook = (done: number, failures: number, where: string) => void;

/**
 * Grows a list of node records (parent, operation, pick2, pickJ): the
 * search tree, each node a program one operation longer than its parent's.
 *
 * @example Usage
 * ```ts
 * import { Nodes } from "./exhaustive.ts";
 * const nodes = new Nodes();
 * nodes.add(0, -1, 0, 0); // the root: the empty program
 * const a = nodes.add(0, 3, 1, 2);
 * console.log(nodes.witness(nodes.add(a, 4, 0, 0), true).ops); // [3, 4]
 * ```
 */
export class Nodes {
  parent = new Int32Array(1024);
  op = new Int32Array(1024);
  pick2 = new Int8Array(1024);
  pickJ = new Int32Array(1024);
  length = 0;

  add(parent: number, op: number, pick2: number, pickJ: number): number {
    if (this.length === this.parent.length) {
      const n = this.length * 2;
      const grow = <T extends Int32Array | Int8Array>(a: T, make: (n: number) => T): T => {
        const b = make(n);
        b.set(a);
        return b;
      };
      this.parent = grow(this.parent, (n) => new Int32Array(n));
      this.op = grow(this.op, (n) => new Int32Array(n));
      this.pick2 = grow(this.pick2, (n) => new Int8Array(n));
      this.pickJ = grow(this.pickJ, (n) => new Int32Array(n));
    }
    const i = this.length++;
    this.parent[i] = parent;
    this.op[i] = op;
    this.pick2[i] = pick2;
    this.pickJ[i] = pickJ;
    return i;
  }

  /** The chain of a node being packed, root side last. */
  #chain = new Int32Array(16);

  /**
   * What expand.ts `packWitnesses` makes of the witnesses of `members`, written
   * straight from the records: a batch's parents cost one array, not four
   * and an object each.
   *
   * @param members the nodes
   * @param speculation whether runs have hardware choices (picks in witnesses)
   * @returns the packed witnesses
   */
  pack(members: readonly number[], speculation: boolean): Int32Array {
    let size = 1;
    for (const m of members) {
      size += 2;
      for (let n = m; n > 0; n = this.parent[n]) {
        size += 1 + (speculation ? (this.pick2[n] === 1 ? 2 : 1) : 0);
      }
    }
    const out = new Int32Array(size);
    out[0] = members.length;
    let i = 1;
    for (const m of members) {
      let depth = 0;
      for (let n = m; n > 0; n = this.parent[n]) {
        if (depth === this.#chain.length) {
          const longer = new Int32Array(2 * depth);
          longer.set(this.#chain);
          this.#chain = longer;
        }
        this.#chain[depth++] = n;
      }
      out[i++] = depth;
      for (let d = depth - 1; d >= 0; d--) out[i++] = this.op[this.#chain[d]];
      const counted = i++;
      for (let d = depth - 1; d >= 0 && speculation; d--) {
        const n = this.#chain[d];
        out[i++] = this.pick2[n];
        if (this.pick2[n] === 1) out[i++] = this.pickJ[n];
      }
      out[counted] = i - counted - 1;
    }
    return out;
  }

  /** The program, picks and search key of a node (plus one more step). */
  witness(node: number, speculation: boolean): { ops: number[]; picks: number[]; key: number[] } {
    const chain: number[] = [];
    for (let n = node; n > 0; n = this.parent[n]) chain.push(n);
    chain.reverse();
    const ops: number[] = [];
    const picks: number[] = [];
    const key: number[] = [];
    for (const n of chain) {
      ops.push(this.op[n]);
      key.push(this.op[n], this.pick2[n], this.pickJ[n]);
      if (speculation) {
        picks.push(this.pick2[n]);
        if (this.pick2[n] === 1) picks.push(this.pickJ[n]);
      }
    }
    return { ops, picks, key };
  }
}

/** Parents per batch: small enough to balance workers, large enough to amortize messages. */
const BATCH = 16;

/** Batches between two checks of the budgets (and progress updates). */
const CHECK_EVERY = 4;

/**
 * Runs the breadth-first search (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * import { expandBatch } from "./expand.ts";
 * import { searchExhaustive } from "./exhaustive.ts";
 * const config = resolveExploreOptions({ ops: ["write", "read", "mmuOn", "mmuOff"], maxOps: 3 });
 * const { policy, guestClass } = await loadParts(config);
 * const ctx = new ExploreContext(config, policy, guestClass);
 * const { stats } = await searchExhaustive(config, (bs, d, firsts) =>
 *   Promise.resolve(bs.map((b, i) => expandBatch(ctx, b, d, firsts[i]))), true);
 * console.log(stats.complete); // true
 * ```
 * @param config the configuration
 * @param runLevel expands a level's batches
 * @param speculation whether runs have hardware choices (picks in witnesses)
 * @param progress called after each batch
 * @param exchange with a sharded configuration: how the parts exchange each level's results
 * (see exchange.ts); without, a part repeats the shorter programs
 * @returns the failure groups (first counterexample each) and statistics; with an exchange,
 * states and levels are the whole search's, the counts and failures this part's own
 */
export async function searchExhaustive(
  config: ExploreConfig,
  runLevel: LevelRunner,
  speculation: boolean,
  progress?: ProgressHook,
  exchange?: ShardExchange,
): Promise<{ failures: Map<string, FoundFailure>; stats: SearchStats }> {
  if (exchange !== undefined) {
    return searchExchanged(config, runLevel, speculation, exchange, progress);
  }
  const nodes = new Nodes();
  nodes.add(0, -1, 0, 0); // the root: the empty program
  const seen = new HashSet64(1 << 14);
  const failures = new Map<string, FoundFailure>();
  const stats = newStats();
  const started = performance.now();
  // levels[d]: the states first reached with d operations, in merge order.
  // The next length's list grows while this one merges: a batch of it can
  // be handed out once its parents are merged, before this length ends.
  const levels: number[][] = [[0]];
  let finalUpTo = 0;
  const queued: { result: Promise<ChildBatch[]>; members: number[] }[] = [];
  let issueDepth = 0, issueBatch = 0;
  // Hands out batches in merge order (length, then batch) while the window has room.
  const issue = () => {
    const window = Math.max(1, runLevel.inFlight?.() ?? 1);
    while (queued.length < window && issueDepth < levels.length) {
      const frontier = levels[issueDepth];
      const b = issueBatch * BATCH;
      const final = issueDepth <= finalUpTo;
      if (final && b >= frontier.length) {
        issueDepth++;
        issueBatch = 0;
        continue;
      }
      if (!final && b + BATCH > frontier.length) return;
      const members = frontier.slice(b, b + BATCH);
      const packed = nodes.pack(members, speculation);
      const result = runLevel([packed], issueDepth, [b]);
      // A batch still queued when a budget stops the search is dropped unread.
      result.catch(() => {});
      queued.push({ result, members });
      issueBatch++;
    }
  };
  const shard = config.shard;
  for (let depth = 0; depth < config.maxOps && levels[depth].length > 0; depth++) {
    const frontier = levels[depth];
    const next: number[] = [];
    let fresh = 0;
    const last = depth + 1 === config.maxOps;
    if (!last) levels.push(next);
    // Every part runs the shorter programs (see `inShard`); the first part alone counts them.
    const counted = last || shard.index === 0;
    const levelStarted = performance.now();
    const batchCount = Math.ceil(frontier.length / BATCH);
    // Batches stream through the runner: a few stay queued per thread, so no
    // thread waits for another, and the answers are consumed in merge order.
    for (let consumed = 0; consumed < batchCount; consumed++) {
      issue();
      const { result, members } = queued.shift()!;
      const [r] = await result;
      if (counted) countBatch(stats, failures, r, members, nodes, speculation);
      const c = r.children;
      for (let i = 0; i < r.count; i++) {
        const o = i * CHILD_INTS;
        if (!isNewState(c, o, config, seen, stats)) continue;
        fresh++;
        if (!last) next.push(nodes.add(members[c[o]], c[o + 1], c[o + 2], c[o + 3]));
      }
      // Budgets are checked every CHECK_EVERY batches, whatever the number of
      // threads, so that a budget stops every run at the same batch.
      if ((consumed + 1) % CHECK_EVERY !== 0 && consumed + 1 < batchCount) continue;
      const doneParents = Math.min(frontier.length, (consumed + 1) * BATCH);
      const levelSeconds = (performance.now() - levelStarted) / 1000;
      const left = levelSeconds * (frontier.length - doneParents) / doneParents;
      progress?.(
        stats.executions,
        failures.size,
        `length ${depth + 1}/${config.maxOps}: ${doneParents}/${frontier.length} states` +
          (doneParents < frontier.length ? `, ETA ${formatSeconds(left)} for this length` : ""),
      );
      const elapsed = (performance.now() - started) / 1000;
      if (stats.executions >= config.executions || elapsed >= config.seconds) {
        stats.complete = false;
        if (consumed + 1 === batchCount) stats.completeLength = depth + 1;
        if (!last) countLevel(stats, fresh);
        return { failures, stats };
      }
    }
    stats.completeLength = depth + 1;
    if (!last) countLevel(stats, fresh);
    finalUpTo = depth + 1;
  }
  return { failures, stats };
}

/** Lexicographic order of two search keys: negative when `a` comes first. */
function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The statistics of a search that has run nothing yet: the root state alone. */
function newStats(): SearchStats {
  return {
    executions: 0,
    referenceRuns: 0,
    states: 1,
    merged: 0,
    rejected: 0,
    symmetric: 0,
    levels: [1],
    complete: true,
    completeLength: 0,
    exact: true,
  };
}

/** Adds one expanded batch's counts and failures (`members`: its parents' nodes). */
function countBatch(
  stats: SearchStats,
  failures: Map<string, FoundFailure>,
  r: ChildBatch,
  members: readonly number[],
  nodes: Nodes,
  speculation: boolean,
): void {
  stats.executions += r.executions;
  stats.referenceRuns += r.referenceRuns;
  stats.rejected += r.rejected;
  stats.symmetric += r.symmetric;
  for (const f of r.failures) record(failures, f, members, nodes, speculation);
}

/**
 * Whether the child at `c[o..]` reaches a state not seen before (marking it
 * seen); a child whose state was not hashed exactly is always new.
 */
function isNewState(
  c: Int32Array,
  o: number,
  config: ExploreConfig,
  seen: HashSet64,
  stats: SearchStats,
): boolean {
  const exact = c[o + 6] === 1 && config.stateHashing;
  if (c[o + 6] !== 1) stats.exact = false;
  if (exact && !seen.add(c[o + 4], c[o + 5])) {
    stats.merged++;
    return false;
  }
  return true;
}

function countLevel(stats: SearchStats, fresh: number): void {
  stats.states += fresh;
  stats.levels.push(fresh);
}

function record(
  failures: Map<string, FoundFailure>,
  hit: FailureHit,
  members: readonly number[],
  nodes: Nodes,
  speculation: boolean,
): void {
  const id = `${hit.blame}/${hit.kind}`;
  const known = failures.get(id);
  if (known !== undefined) {
    known.count++;
    return;
  }
  const w = nodes.witness(members[hit.parent], speculation);
  w.ops.push(hit.op);
  w.key.push(hit.op, hit.pick2, hit.pickJ);
  if (speculation) {
    w.picks.push(hit.pick2);
    if (hit.pick2 === 1) w.picks.push(hit.pickJ);
  }
  failures.set(id, {
    blame: hit.blame,
    kind: hit.kind,
    count: 1,
    ops: w.ops,
    picks: w.picks,
    key: [w.ops.length, ...w.key],
  });
}

/**
 * One part's search with an exchange (see the module doc and exchange.ts).
 * Each part expands the level's states at the positions it owns, in
 * batches streamed through the runner as in the single search; at the end
 * of a length it publishes its children (with their parents' positions)
 * and merges every part's in position order, which is the single search's
 * order, against the seen set every part keeps alike. Failures and counts
 * stay the part's own (the merge of the reports adds them), but the parts
 * also exchange each failure group's first key, the last length's too, so
 * that only the part with the whole search's first counterexample shrinks
 * it (the others mark theirs `firstElsewhere`); a budget is
 * checked on the whole search's executions before the level and this
 * part's since, and a part that stops tells the others, which stop too.
 */
async function searchExchanged(
  config: ExploreConfig,
  runLevel: LevelRunner,
  speculation: boolean,
  exchange: ShardExchange,
  progress?: ProgressHook,
): Promise<{ failures: Map<string, FoundFailure>; stats: SearchStats }> {
  const { index, count } = config.shard;
  const fingerprint = configFingerprint(config);
  const nodes = new Nodes();
  nodes.add(0, -1, 0, 0);
  const seen = new HashSet64(1 << 14);
  const failures = new Map<string, FoundFailure>();
  const stats = newStats();
  const started = performance.now();
  let allExecutions = 0;
  // Each failure group's first key in the whole search, and whether it is this part's.
  const firsts = new Map<string, { key: readonly number[]; mine: boolean }>();
  let frontier = [0];
  for (let depth = 0; depth < config.maxOps && frontier.length > 0; depth++) {
    const last = depth + 1 === config.maxOps;
    const known = new Set(failures.keys());
    const owned: number[] = [];
    for (let p = index; p < frontier.length; p += count) owned.push(p);
    const levelExecutions = stats.executions;
    const batchCount = Math.ceil(owned.length / BATCH);
    let children = new Int32Array(1024 * LEVEL_CHILD_INTS);
    let childCount = 0;
    let stopped = false;
    const queued: { result: Promise<ChildBatch[]>; positions: number[] }[] = [];
    let issued = 0;
    for (let consumed = 0; consumed < batchCount; consumed++) {
      const window = Math.max(1, runLevel.inFlight?.() ?? 1);
      while (issued < batchCount && issued - consumed < window) {
        const positions = owned.slice(issued * BATCH, ++issued * BATCH);
        const packed = nodes.pack(positions.map((p) => frontier[p]), speculation);
        const result = runLevel([packed], depth, [positions[0]]);
        result.catch(() => {});
        queued.push({ result, positions });
      }
      const { result, positions } = queued.shift()!;
      const [r] = await result;
      const members = positions.map((p) => frontier[p]);
      countBatch(stats, failures, r, members, nodes, speculation);
      if (!last) {
        const need = (childCount + r.count) * LEVEL_CHILD_INTS;
        if (need > children.length) {
          const bigger = new Int32Array(Math.max(need, children.length * 2));
          bigger.set(children.subarray(0, childCount * LEVEL_CHILD_INTS));
          children = bigger;
        }
        for (let i = 0; i < r.count; i++) {
          const from = i * CHILD_INTS, to = (childCount + i) * LEVEL_CHILD_INTS;
          children.set(r.children.subarray(from, from + CHILD_INTS), to);
          children[to] = positions[r.children[from]];
        }
        childCount += r.count;
      }
      if ((consumed + 1) % CHECK_EVERY !== 0 && consumed + 1 < batchCount) continue;
      const done = Math.min(owned.length, (consumed + 1) * BATCH);
      progress?.(
        stats.executions,
        failures.size,
        `length ${depth + 1}/${config.maxOps}: ${done}/${owned.length} states of part ` +
          `${index}/${count}`,
      );
      const elapsed = (performance.now() - started) / 1000;
      const executions = allExecutions + stats.executions - levelExecutions;
      if (executions >= config.executions || elapsed >= config.seconds) {
        stopped = true;
        break;
      }
    }
    const expected = { fingerprint, level: depth, count };
    const mine = encodeLevel({
      ...expected,
      part: index,
      executions: stats.executions - levelExecutions,
      stopped,
      firsts: [...failures].flatMap(([group, f]) =>
        known.has(group) ? [] : [{ group, key: f.key }]
      ),
      children: children.subarray(0, childCount * LEVEL_CHILD_INTS),
    });
    const all = (await exchange.exchange(depth, index, count, mine)).map((bytes, part) =>
      decodeLevel(bytes, { ...expected, part }, `part ${part}/${count}'s length ${depth}`)
    );
    for (const [part, r] of all.entries()) {
      for (const { group, key } of r.firsts) {
        const f = firsts.get(group);
        if (f === undefined || compareKeys(key, f.key) < 0) {
          firsts.set(group, { key, mine: part === index });
        }
      }
    }
    for (const [group, f] of failures) f.firstElsewhere = firsts.get(group)?.mine !== true;
    // A part that stopped says only that it did, not whether after its share's last batch.
    if (!all.some((r) => r.stopped)) stats.completeLength = depth + 1;
    if (last) {
      if (stopped) stats.complete = false;
      break;
    }
    const next: number[] = [];
    let fresh = 0;
    const at = new Array<number>(count).fill(0);
    // Parent p belongs to part p mod count, whose children are in position order.
    for (let p = 0; p < frontier.length; p++) {
      const c = all[p % count].children;
      let o = at[p % count];
      for (; o < c.length && c[o] === p; o += LEVEL_CHILD_INTS) {
        if (!isNewState(c, o, config, seen, stats)) continue;
        fresh++;
        next.push(nodes.add(frontier[p], c[o + 1], c[o + 2], c[o + 3]));
      }
      at[p % count] = o;
    }
    countLevel(stats, fresh);
    allExecutions += all.reduce((n, r) => n + r.executions, 0);
    if (all.some((r) => r.stopped)) {
      stats.complete = false;
      break;
    }
    frontier = next;
  }
  return { failures, stats };
}
