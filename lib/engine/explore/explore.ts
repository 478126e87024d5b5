/**
 * `explore(options)`: every guest up to N operations, every hardware choice.
 *
 * The review thread of the 2015 change asked whether any conceivable guest
 * could turn its MMU off without a set/way operation and escape the
 * hypervisor's notice. `explore` answers such questions with evidence: it
 * runs every program of up to `maxOps` operations over an alphabet you
 * choose (writes, reads, maintenance by VA, set/way walks, SCTLR and
 * VM-register writes, migrations, host writes), on up to `cpus` vCPUs,
 * with every speculative fill and castout the hardware could make before
 * each operation, through the oracle; failures are grouped by (policy,
 * blame, kind), and each group's first counterexample is shrunk and printed
 * as a snippet you can paste.
 *
 * ```ts
 * import { explore, formatExploreReport } from "@setway/setway/explore";
 * const report = await explore({
 *   machine: "xgene1", policy: "kvm-4.0", guestClass: "cleans-by-va", maxOps: 4,
 *   ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"], progress: false,
 * });
 * console.log(formatExploreReport(report));
 * ```
 *
 * Exhaustive mode is a breadth-first search over distinct states (see
 * exhaustive.ts for what is pruned and why it is sound); random mode runs
 * seeded random programs with seeded random hardware choices (see
 * random_mode.ts). `workers: n` spreads the work over this thread and
 * n − 1 worker threads, and `shard: "i/n"` over machines (with `exchange`,
 * parts running at once split every length of the search; see
 * exchange.ts); either way the failure groups and their counterexamples
 * are those of a single-threaded run.
 *
 * Simplified: each address of the alphabet is one 32-bit word in its own
 * page, and maintenance by VA covers that word's line; `vmReg` writes TTBR0
 * only (all VM registers trap alike); host operations run on one fixed
 * physical CPU; RAM is prefaulted unless `prefault: false` (then the
 * stage-2 fault path, with the host zeroing each page through its
 * cacheable mapping, is explored too, much more slowly). A single-threaded
 * exploration needs no permission; workers need `--allow-read`.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import { ExploreContext, loadParts } from "./context.ts";
import { expandBatch } from "./expand.ts";
import { configFingerprint } from "./fingerprint.ts";
import { directoryExchange, type ShardExchange } from "./exchange.ts";
import { type FoundFailure, searchExhaustive } from "./exhaustive.ts";
import { type ProofSummary, searchProof } from "./prove.ts";
import type { ExploreConfig, ExploreOptions } from "./options.ts";
import { resolveExploreOptions } from "./options.ts";
import { canStartWorkers, type OfferedUnit, type PoolTask, WorkerPool } from "./pool.ts";
import { Progress } from "./progress.ts";
import { type RandomBatch, randomBatch } from "./random_mode.ts";
import { replay } from "./replay.ts";
import {
  compareGroups,
  type Counterexample,
  type ExploreQuestion,
  type ExploreReport,
  type FailureGroup,
} from "./report.ts";
import { shrink } from "./shrink.ts";
import { counterexampleSnippet } from "./snippet.ts";
import type { Scenario } from "../scenario.ts";
import type { ChildBatch } from "./expand.ts";

/** Random executions in the first task (see {@linkcode randomTaskSize}). */
const RANDOM_CHUNK = 512;
/** The most random executions in one task. */
const RANDOM_CHUNK_MAX = 4096;

/**
 * How many random executions the next task takes: {@linkcode RANDOM_CHUNK}
 * for the first, twice as many for each next one up to
 * {@linkcode RANDOM_CHUNK_MAX}, and never more than one thread's share of
 * what is left. Handing a task to a worker and reading its answer back
 * costs a fixed amount of time on both threads (messages, wake-ups) that
 * a task of 512 fast executions does not hide: on two threads of a
 * 2-core machine, tasks of 4096 ran 10^6 executions 4-12 % sooner
 * (alternated pairs). The first tasks stay small so
 * that a short exploration still spreads over the threads, and the last
 * ones shrink so that the threads finish together. Which executions a
 * task holds never changes what they find (see random_mode.ts).
 *
 * @example Usage
 * ```ts
 * import { randomTaskSize } from "./explore.ts";
 * console.log(randomTaskSize(0, 20_000, 2), randomTaskSize(5, Infinity, 2)); // 512 4096
 * console.log(randomTaskSize(5, 3000, 2), randomTaskSize(9, 4, 2)); // 1500 4
 * ```
 * @param issued the tasks handed out so far
 * @param remaining the executions not yet handed out (may be Infinity)
 * @param threads the threads that run tasks
 * @returns the next task's size, at least 1 when `remaining` is
 */
export function randomTaskSize(issued: number, remaining: number, threads: number): number {
  const grown = Math.min(RANDOM_CHUNK_MAX, RANDOM_CHUNK * 2 ** Math.min(issued, 3));
  const share = Math.max(RANDOM_CHUNK, Math.ceil(remaining / threads));
  return Math.min(grown, share, remaining);
}

/** The share of `seconds` the search may take when it shrinks what it finds. */
const SEARCH_SHARE = 0.75;

/**
 * Explores (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { explore } from "@setway/setway/explore";
 * const report = await explore({
 *   policy: "kvm-4.0", ops: ["write", "read", "mmuOn", "mmuOff"], maxOps: 4, progress: false,
 * });
 * console.log(report.failures.map((f) => `${f.blame}/${f.kind}`)); // ["guest/stale_read"]
 * ```
 * @param options what to explore (every field optional; see {@linkcode ExploreOptions})
 * @returns the report
 * @throws {ScenarioError} for a bad option, naming it and the value
 */
export async function explore(options: ExploreOptions = {}): Promise<ExploreReport> {
  const started = performance.now();
  const config = resolveExploreOptions(options);
  const deadline = started + config.seconds * 1000;
  // The search leaves a quarter of `seconds` to shrinking what it found.
  const searchSeconds = config.shrink ? config.seconds * SEARCH_SHARE : config.seconds;
  const { policy, guestClass } = await loadParts(config);
  const ctx = new ExploreContext(config, policy, guestClass);
  const progress = new Progress(config.progress);
  const threads = Threads.start(config, ctx);
  try {
    let found: FoundFailure[];
    let complete: boolean;
    let stats: ExploreReport["stats"];
    let proof: ProofSummary | undefined;
    if (config.mode === "exhaustive" || config.mode === "prove") {
      const speculation = config.speculation && ctx.candidates.length > 0;
      const runLevel = Object.assign(
        (batches: Int32Array[], depth: number, firsts: number[]) =>
          Promise.all(batches.map((b, i) => threads.expand(b, depth, firsts[i]))),
        { inFlight: () => threads.inFlight },
      );
      const searchConfig = { ...config, seconds: searchSeconds };
      const onProgress = (done: number, failures: number, where: string) =>
        progress.update(done, failures, where);
      const exchange = exchangeOf(options.exchange);
      let r;
      if (config.mode === "prove") {
        const p = await searchProof(searchConfig, runLevel, speculation, onProgress, exchange);
        proof = p.proof;
        r = p;
      } else {
        r = await searchExhaustive(searchConfig, runLevel, speculation, onProgress, exchange);
      }
      found = [...r.failures.values()];
      complete = r.stats.complete;
      // The report's own statistics, without `complete`, which the report states once.
      stats = {
        executions: r.stats.executions,
        referenceRuns: r.stats.referenceRuns,
        states: r.stats.states,
        merged: r.stats.merged,
        rejected: r.stats.rejected,
        symmetric: r.stats.symmetric,
        levels: r.stats.levels,
        exact: r.stats.exact,
      };
    } else {
      const r = await searchRandom(config, threads, progress, started + searchSeconds * 1000);
      found = r.found;
      complete = false;
      stats = {
        executions: r.executions,
        referenceRuns: r.referenceRuns,
        states: 0,
        merged: 0,
        rejected: 0,
        symmetric: 0,
        levels: [],
        exact: true,
      };
    }
    await threads.check();
    progress.update(stats.executions, found.length, "shrinking");
    found.sort(compareGroups);
    const failures: FailureGroup[] = [];
    for (const f of found) {
      failures.push({
        policy: policy.name,
        blame: f.blame,
        kind: f.kind,
        count: f.count,
        found: f.key,
        // A part of an exchanged search shrinks only the counterexamples it met first.
        counterexample: f.firstElsewhere ? null : await counterexample(ctx, f, deadline),
        witness: { ops: f.ops, picks: f.picks },
      });
    }
    const q = question(config, ctx);
    return proof
      ? { question: q, complete, failures, stats, proof }
      : { question: q, complete, failures, stats };
  } finally {
    await threads.close();
    progress.finish();
  }
}

/** The exchange `explore({ exchange })` asks for: a directory's, or the one given. */
function exchangeOf(exchange: string | ShardExchange | undefined): ShardExchange | undefined {
  return typeof exchange === "string" ? directoryExchange(exchange) : exchange;
}

/**
 * Time on this thread before default workers start: a short exploration
 * pays no start-up. A warm pool put aside by an earlier exploration
 * starts at once (see {@linkcode WorkerPool.idleWith}).
 */
const WORKER_DELAY_MS = 300;

/**
 * Units the search keeps offered per thread, so that every thread finds
 * one when it is free: the answers are consumed in order, so a unit that
 * takes long (or a thread the system pauses) holds the others back only
 * once they have run this far ahead.
 */
const QUEUED_PER_THREAD = 8;

interface Unit {
  readonly here: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly task: PoolTask;
  /** The unit as offered to the workers (null while they start). */
  offered: OfferedUnit | null;
}

/**
 * Where units of work run. `workers: n` is n threads: this one and n − 1
 * worker threads (a {@linkcode WorkerPool}, which the next exploration
 * reuses). Without workers, a unit runs here
 * when it is given. With them, every unit is offered to all threads, and
 * the first to reach it claims and runs it (see pool.ts): the workers in
 * the order they receive them, this thread the oldest unclaimed one
 * between two events (so that it still hears the workers' answers when it
 * has nothing left to claim), also while the workers start. Workers given
 * explicitly start at once (an error if they cannot, see
 * {@linkcode Threads.check}); default workers start after
 * {@linkcode WORKER_DELAY_MS} of work (at once when a warm pool of
 * their number is idle), and only where they can (see
 * `ExploreOptions.workers`). A unit gives the same answer on any thread.
 */
class Threads {
  readonly #config: ExploreConfig;
  readonly #ctx: ExploreContext;
  readonly #started = performance.now();
  /** Units this thread may still claim, oldest first. */
  readonly #open: Unit[] = [];
  #pool: WorkerPool | null = null;
  /** The pool while its workers get ready (then `#pool`): asked whether their answers wait. */
  #startingPool: WorkerPool | null = null;
  #starting: Promise<WorkerPool | null> | null = null;
  #failure: unknown = null;
  /** Whether a wake-up for this thread's next unit is pending. */
  #awake = false;
  #closed = false;

  private constructor(config: ExploreConfig, ctx: ExploreContext) {
    this.#config = config;
    this.#ctx = ctx;
  }

  static start(config: ExploreConfig, ctx: ExploreContext): Threads {
    const t = new Threads(config, ctx);
    if (t.#shouldStart()) t.#startWorkers();
    return t;
  }

  /** How many units the caller should keep queued. */
  get inFlight(): number {
    return this.#starting !== null ? this.#config.workers * QUEUED_PER_THREAD : 1;
  }

  /** How many threads run units: this one, and the workers once they are asked for. */
  get count(): number {
    return this.#starting !== null ? this.#config.workers : 1;
  }

  expand(packed: Int32Array, depth: number, first: number): Promise<ChildBatch> {
    return this.#run(
      { type: "expand", packed, depth, first },
      () => expandBatch(this.#ctx, packed, depth, first),
    );
  }

  random(from: number, to: number): Promise<RandomBatch> {
    return this.#run({ type: "random", from, to }, () => randomBatch(this.#ctx, from, to));
  }

  /**
   * Throws what kept workers given explicitly from starting (once they are
   * up or have failed), so that such an error does not depend on how soon
   * the search ended.
   */
  async check(): Promise<void> {
    await this.#starting;
    if (this.#failure !== null) throw this.#failure;
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Units still offered when a budget stopped the search are dropped unread.
    this.#open.length = 0;
    this.#pool?.close();
    // A pool still starting (a budget stopped the search meanwhile) is closed once it is up.
    (await this.#starting)?.close();
  }

  #run<T>(task: PoolTask, here: () => T): Promise<T> {
    if (this.#starting === null) {
      if (!this.#shouldStart()) return Promise.resolve(here());
      this.#startWorkers();
    }
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise<T>((resolve, reject) => {
      const unit: Unit = {
        task,
        here,
        resolve: resolve as (v: unknown) => void,
        reject,
        offered: null,
      };
      if (this.#pool !== null) this.#offer(unit);
      this.#open.push(unit);
      this.#wake();
    });
  }

  #offer(unit: Unit): void {
    unit.offered = this.#pool!.offer(unit.task);
    unit.offered.result.then(unit.resolve, unit.reject);
  }

  #startWorkers(): void {
    const given = this.#config.workersGiven;
    const starting = (pool: WorkerPool) => {
      this.#startingPool = pool;
      // A worker's readiness, read, lets this thread go on with its units.
      pool.onAnswer = () => this.#wake();
    };
    this.#starting = WorkerPool.create(this.#config.workers - 1, this.#config, starting).then(
      (pool) => {
        this.#startingPool = null;
        if (this.#closed) return pool;
        // `starting` has set its onAnswer, which woke this thread as each readiness was read.
        this.#pool = pool;
        for (const unit of this.#open) this.#offer(unit);
        return pool;
      },
      (e) => {
        this.#startingPool = null;
        // Default workers that cannot start leave the work to this thread.
        if (given) {
          this.#failure = e;
          for (const unit of this.#open.splice(0)) unit.reject(e);
        }
        return null;
      },
    );
  }

  #wake(): void {
    if (this.#awake || this.#closed || this.#open.length === 0) return;
    // Answers waiting are read first (the next answer wakes this thread
    // again; a worker's readiness, the pool once it is ready): Deno
    // delivers them only once no callback of setImmediate is queued, and
    // the search can hand out more units only once it reads them. setImmediate, not a MessageChannel (Deno delivers a port's
    // messages before the workers' too) or setTimeout (a few milliseconds
    // a step).
    if ((this.#pool ?? this.#startingPool)?.answersWaiting) return;
    this.#awake = true;
    setImmediate(() => this.#runOne());
  }

  /** Runs the oldest unit no worker has claimed, if any. */
  #runOne(): void {
    this.#awake = false;
    if (this.#closed) return;
    const pool = this.#pool;
    for (let unit = this.#open.shift(); unit !== undefined; unit = this.#open.shift()) {
      if (unit.offered !== null && !pool!.claimHere(unit.offered)) continue;
      try {
        unit.resolve(unit.here());
      } catch (e) {
        unit.reject(e);
      }
      break;
    }
    this.#wake();
  }

  #shouldStart(): boolean {
    const config = this.#config;
    if (config.workers <= 1) return false;
    if (config.workersGiven) return true;
    const waited = performance.now() - this.#started >= WORKER_DELAY_MS ||
      WorkerPool.idleWith(config.workers - 1);
    return waited && canStartWorkers(config);
  }
}

/** Random chunks between two checks of the time budget (and progress updates). */
const RANDOM_CHECK_EVERY = 2;

async function searchRandom(
  config: ExploreConfig,
  threads: Threads,
  progress: Progress,
  deadline: number,
): Promise<{ found: FoundFailure[]; executions: number; referenceRuns: number }> {
  const groups = new Map<string, FoundFailure>();
  let executions = 0, referenceRuns = 0;
  const budget = config.executions;
  // Chunks stream through the threads; the answers are consumed in chunk order.
  const queued: { result: Promise<RandomBatch>; to: number }[] = [];
  let next = 0, consumed = 0;
  while (next < budget || queued.length > 0) {
    while (next < budget && queued.length < threads.inFlight) {
      const issued = consumed + queued.length;
      const to = next + randomTaskSize(issued, budget - next, threads.count);
      const result = threads.random(next, to);
      // A chunk still queued when the time budget stops the search is dropped unread.
      result.catch(() => {});
      queued.push({ result, to });
      next = to;
    }
    const { result, to: done } = queued.shift()!;
    const r = await result;
    consumed++;
    executions += r.executions;
    referenceRuns += r.referenceRuns;
    for (const h of r.hits) {
      const id = `${h.blame}/${h.kind}`;
      const known = groups.get(id);
      if (known) known.count += h.count;
      else {
        groups.set(id, {
          blame: h.blame,
          kind: h.kind,
          count: h.count,
          ops: [...h.ops],
          picks: [...h.picks],
          key: [h.index],
        });
      }
    }
    const more = next < budget || queued.length > 0;
    if (consumed % RANDOM_CHECK_EVERY !== 0 && more) continue;
    const fraction = budget === Infinity ? undefined : Math.min(1, done / budget);
    progress.update(executions, groups.size, `execution ${done}`, fraction);
    if (performance.now() >= deadline) break;
  }
  return { found: [...groups.values()], executions, referenceRuns };
}

function question(config: ExploreConfig, ctx: ExploreContext): ExploreQuestion {
  const sc = config.systemCache;
  return {
    machine: config.machine.name,
    systemCache: sc === "machine"
      ? (config.machine.systemCache ? "machine" : "none")
      : sc === false
      ? "none"
      : `${sc.size} bytes`,
    policy: ctx.policy.name,
    cpus: config.cpus,
    maxOps: config.maxOps,
    ops: [...config.ops],
    addresses: [...config.addresses],
    guestClass: ctx.guestClass.name,
    mode: config.mode,
    seed: config.seed,
    speculation: config.speculation,
    prefault: config.prefault,
    shard: `${config.shard.index}/${config.shard.count}`,
    ...(config.shardExchanged ? { exchange: true } : {}),
    ...(config.abstraction === "verdicts" ? { abstraction: "verdicts" as const } : {}),
    fingerprint: configFingerprint(config),
    executions: config.executions === Infinity ? null : config.executions,
  };
}

/** Executions the search for a shorter counterexample may take, per failure group. */
const SHORTER_BUDGET = 20_000;

/**
 * Random mode's last shrinking step: a breadth-first search over the same
 * alphabet, class and hardware choices, up to the shrunk program's length,
 * for the first program of the same failure group in exhaustive order
 * (removing steps one by one only reaches a program that is minimal among
 * its own subsequences; this one is the shortest, and the one exhaustive
 * mode reports). Bounded by {@linkcode SHORTER_BUDGET} and by `seconds` left.
 */
async function firstUpTo(
  ctx: ExploreContext,
  id: string,
  maxOps: number,
  seconds: number,
): Promise<{ ops: number[]; picks: number[] } | null> {
  const config: ExploreConfig = {
    ...ctx.config,
    mode: "exhaustive",
    maxOps,
    executions: SHORTER_BUDGET,
    seconds,
    shard: { index: 0, count: 1 },
    shardExchanged: false,
    workers: 0,
  };
  const sub = new ExploreContext(config, ctx.policy, ctx.guestClass);
  const r = await searchExhaustive(
    config,
    (batches, depth, firsts) =>
      Promise.resolve(batches.map((b, i) => expandBatch(sub, b, depth, firsts[i]))),
    config.speculation && sub.candidates.length > 0,
  );
  const hit = r.failures.get(id);
  return hit === undefined ? null : { ops: hit.ops, picks: hit.picks };
}

/**
 * Shrinks a failure group's first counterexample, until `deadline` (a
 * `performance.now()` time; a shrink cut short keeps the shortest program
 * found so far), and replays it as an ordinary run.
 */
async function counterexample(
  ctx: ExploreContext,
  f: FoundFailure,
  deadline: number,
): Promise<Counterexample | null> {
  const config = ctx.config;
  if (!config.shrink) return null;
  const id = `${f.blame}/${f.kind}`;
  let s = shrink(ctx, f.ops, f.picks, id, deadline);
  const left = (deadline - performance.now()) / 1000;
  if (config.mode === "random" && s.ops.length > 1 && left > 0) {
    const first = await firstUpTo(ctx, id, s.ops.length, left);
    if (first !== null) s = shrink(ctx, first.ops, first.picks, id, deadline);
  }
  const plan = config.speculation ? s.plan : [];
  const policyIsName = typeof config.policy === "string" && config.policyObject === null;
  const scenario: Scenario = {
    version: 1,
    machine: config.machineName,
    cpus: config.cpus,
    systemCache: config.systemCache,
    policy: policyIsName ? config.policy as string : "kvm-4.0",
    ram: config.ram,
    ramBase: config.ramBase,
    prefault: config.prefault,
    seed: 1,
    speculation: plan.length > 0 ? "adversarial" : "quiet",
    steps: s.steps,
  };
  const result = replay(scenario, plan, policyIsName ? {} : { policy: ctx.policy });
  const v = result.verdict;
  let violation: string;
  let reproduced: boolean;
  if (f.kind === "crash") {
    reproduced = v.crashed !== null;
    violation = v.crashed
      ? `crash: vcpu${v.crashed.vcpu} at 0x${v.crashed.pc.toString(16)}: ${v.crashed.reason}`
      : "crash: not reproduced";
  } else {
    const hit = v.violations.find((x) => x.blame === f.blame && x.kind === f.kind);
    reproduced = hit !== undefined;
    violation = hit
      ? `${hit.kind} at 0x${hit.addr.toString(16)}: expected 0x${hit.expected.toString(16)}, ` +
        `got 0x${hit.got.toString(16)} (blame ${hit.blame})`
      : `${f.kind} (blame ${f.blame}): not reproduced`;
  }
  const trace = result.trace().split("\n").filter((l) => !l.startsWith("#") && l.trim() !== "")
    .join("\n");
  return {
    steps: s.steps,
    perturbations: plan,
    snippet: counterexampleSnippet(
      {
        machine: config.machineName,
        systemCache: config.systemCache,
        cpus: config.cpus,
        policy: ctx.policy.name,
        policyIsObject: !policyIsName,
        ram: config.ram,
        ramBase: config.ramBase,
        prefault: config.prefault,
      },
      s.steps,
      plan,
    ),
    violation,
    failsNatively: v.failsNatively,
    archInvalid: [...v.archInvalid],
    trace,
    reproduced,
  };
}
