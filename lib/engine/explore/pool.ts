/**
 * A pool of exploration workers (worker threads running worker.ts).
 *
 * Units of work are claimed, not assigned: every unit is offered to every
 * worker (it waits in each one's message queue) and to the calling thread,
 * and whoever comes to it first claims it with one atomic compare-and-swap
 * on a slot of shared memory (see {@linkcode claimSlot}); the others skip
 * it. So a worker that finishes a unit starts the next unclaimed one at
 * once, without waiting for the calling thread to read its answer or hand
 * it more, and threads that run slower (a cold worker, a thread the system
 * pauses) simply claim fewer units. The caller keeps a few units offered
 * per thread and consumes the answers in its own order. Each worker builds
 * its exploration context, with its caches and hardware, once, and keeps
 * it for every unit.
 *
 * A pool outlives its exploration: {@linkcode WorkerPool.close} puts it
 * aside, its workers idle and unreferenced (they keep no process alive),
 * and the next exploration that asks for as many workers takes it back and
 * sends it its configuration. What a worker keeps is the code V8 compiled
 * for it: every new thread compiles the explorer again (about 0.9 s of CPU
 * on the compiler's threads) and runs slowly until it has, which costs as
 * much as most of a short exploration's work. A pool left idle for tens of
 * seconds keeps its threads but not all of that code: V8's memory reducer
 * then collects the idle heaps, and the next exploration optimizes much of
 * the explorer again (`workerScaling` in bench/explore_scaling.ts gives
 * figures). The workers are Node-style
 * (`node:worker_threads`) because only those can be unreferenced.
 *
 * The busiest messages are bare buffers of integers: an expansion task is
 * its id, depth, first position and packed parents ({@linkcode taskBuffer}),
 * and its answer is the packed batch (`packBatch` in expand.ts), which the
 * worker transfers. Deno's Node-style workers look for message ports in
 * every property of an object sent, a typed array's elements included; a
 * bare buffer has none to look at.
 *
 * Starting a worker needs read permission on its module (Deno checks the
 * parent's); the exploration a worker runs needs no permission (it
 * inherits the parent's, which it uses only to import a policy or guest
 * class given as `{ module }`). A single-threaded exploration needs no
 * permission at all.
 *
 * @example Usage
 * ```ts ignore
 * import { WorkerPool } from "./pool.ts";
 * import { resolveExploreOptions } from "./options.ts";
 * const pool = await WorkerPool.create(2, resolveExploreOptions({ workers: 3 }));
 * const unit = pool.offer({ type: "random", from: 0, to: 100 });
 * const batch = await unit.result; // run by whichever worker claimed it
 * pool.close();
 * ```
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { ScenarioError } from "../../errors.ts";
import type { ExploreConfig } from "./options.ts";
import { unpackBatch } from "./expand.ts";

/** A task for a worker (without its id). */
export type PoolTask =
  | {
    readonly type: "expand";
    readonly packed: Int32Array;
    readonly depth: number;
    readonly first: number;
  }
  | { readonly type: "random"; readonly from: number; readonly to: number };

/**
 * Claim slots in shared memory: a unit's slot (its id modulo this) holds
 * the id while nobody has claimed it. The caller keeps fewer units than
 * this outstanding, so a slot is reused only once its unit is answered.
 */
export const CLAIM_SLOTS = 4096;

/**
 * The index, after the claim slots, of the number of answers the workers
 * have sent: more than the pool has read means answers wait in the calling
 * thread's event queue.
 */
export const ANSWERS = CLAIM_SLOTS;

/** What the calling thread writes in a slot it claims; worker k writes `-2 - k`. */
const CLAIMED_HERE = -1;

/**
 * Claims unit `id` for a thread: true when nobody had.
 *
 * @example Usage
 * ```ts
 * import { claimSlot } from "./pool.ts";
 * const claims = new Int32Array(new SharedArrayBuffer(4 * 4096));
 * claims[7] = 7; // unit 7 offered
 * console.log(claimSlot(claims, 7, -2), claimSlot(claims, 7, -1)); // true false
 * ```
 * @param claims the slots
 * @param id the unit's id
 * @param who the claimant: -1 for the calling thread, -2 - k for worker k
 * @returns whether this claimant runs the unit
 */
export function claimSlot(claims: Int32Array, id: number, who: number): boolean {
  return Atomics.compareExchange(claims, id % CLAIM_SLOTS, id, who) === id;
}

/** A unit offered to the workers. */
export interface OfferedUnit {
  /** Its id (the claim slot is `id % CLAIM_SLOTS`). */
  readonly id: number;
  /** Its answer, when a worker claims it (never settles when the calling thread does). */
  readonly result: Promise<unknown>;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/** A worker's message to the pool. */
interface Answer {
  readonly type: string;
  readonly id: number;
  readonly result?: unknown;
  readonly message?: string;
  readonly code?: string;
  readonly call?: string;
}

/** The pool put aside by the last exploration to end, its workers warm (see the module doc). */
let idle: WorkerPool | null = null;

/** Units answered by worker threads in this process (see {@linkcode unitsRunByWorkers}). */
let workerUnits = 0;

/**
 * How many units worker threads have run and answered in this process, over
 * every exploration: which thread claims a unit depends on timing, so this
 * is for tests and benchmarks that must know the workers took part, never
 * for an answer.
 *
 * @example Usage
 * ```ts
 * import { unitsRunByWorkers } from "./pool.ts";
 * console.log(unitsRunByWorkers()); // 0: no exploration has started workers
 * ```
 * @returns the number of units
 */
export function unitsRunByWorkers(): number {
  return workerUnits;
}

/**
 * Workers that each hold an exploration context.
 *
 * @example Usage
 * ```ts ignore
 * import { WorkerPool } from "./pool.ts";
 * import { resolveExploreOptions } from "./options.ts";
 * const pool = await WorkerPool.create(2, resolveExploreOptions({ workers: 3 }));
 * pool.close();
 * ```
 */
export class WorkerPool {
  readonly #workers: Worker[];
  readonly #claims: Int32Array;
  readonly #pending = new Map<number, Pending>();
  /** Each worker's wait for its answer to a configuration, while one is sent. */
  readonly #ready: (Pending | null)[];
  #nextId = 0;
  #answersRead = 0;
  /** Whether an exploration uses the pool (false once it is put aside). */
  #inUse = true;
  /** Whether a worker failed outside a unit: the pool is then not kept. */
  #broken = false;
  /** Called after each answer from a worker is read, and after each worker's readiness. */
  onAnswer: (() => void) | null = null;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    this.#claims = new Int32Array(new SharedArrayBuffer(4 * (CLAIM_SLOTS + 1))).fill(-1);
    this.#claims[ANSWERS] = 0;
    this.#ready = workers.map(() => null);
    workers.forEach((w, k) => {
      w.on("message", (m: Answer | ArrayBuffer) => {
        if (m instanceof ArrayBuffer) {
          const { tag, batch } = unpackBatch(m);
          m = { type: "done", id: tag, result: batch };
        }
        const ready = this.#ready[k];
        if (ready !== null && (m.type === "ready" || m.id === -1)) {
          this.#ready[k] = null;
          if (m.type === "ready") {
            // The worker counts its readiness among its answers (answersWaiting).
            this.#answersRead++;
            ready.resolve(undefined);
            this.onAnswer?.();
          } else ready.reject(m.message);
          return;
        }
        this.#answersRead++;
        this.#answer(m);
        this.onAnswer?.();
      });
      w.on("error", (e: Error) => this.#failed(k, e?.message ?? String(e)));
      w.on("exit", () => this.#failed(k, "the worker stopped"));
    });
  }

  /**
   * Whether the pool the last exploration put aside has `n` workers and
   * can be taken back: starting it costs no new thread and no compile, so
   * default workers need not wait to see whether the exploration is short.
   *
   * @example Usage
   * ```ts
   * import { WorkerPool } from "./pool.ts";
   * console.log(WorkerPool.idleWith(1)); // false: no exploration has put a pool aside
   * ```
   * @param n the number of workers wanted
   * @returns true when {@linkcode WorkerPool.create} would take back a warm pool of `n`
   */
  static idleWith(n: number): boolean {
    return idle !== null && idle.size === n && !idle.#broken;
  }

  /**
   * Starts `n` workers, or takes back the pool the last exploration put
   * aside when it has `n`, and sends each the configuration and the claim
   * slots.
   *
   * @param n the number of workers
   * @param config the configuration (plain data: no policy or class objects)
   * @param starting told of the pool as soon as it exists, before its
   *   workers are ready: a calling thread busy with units of its own asks
   *   it whether answers wait ({@linkcode WorkerPool.answersWaiting}), the
   *   workers' readiness among them, so that it lets them through
   * @returns the pool, once every worker is ready
   * @throws {ScenarioError} when a worker cannot start (e.g. no read permission) or refuses the configuration
   */
  static async create(
    n: number,
    config: ExploreConfig,
    starting?: (pool: WorkerPool) => void,
  ): Promise<WorkerPool> {
    let pool = idle;
    idle = null;
    if (pool !== null && (pool.size !== n || pool.#broken)) {
      pool.#terminate();
      pool = null;
    }
    if (pool === null) {
      const workers: Worker[] = [];
      try {
        for (let i = 0; i < n; i++) workers.push(new Worker(WORKER_URL));
      } catch (e) {
        for (const w of workers) w.terminate();
        // The error names the count the user gave (this thread is one of them).
        throw new ScenarioError(
          "invalid_value",
          "explore.workers",
          config.workers,
          `explore.workers(${config.workers}): cannot start a worker (${(e as Error).message}); ` +
            "workers need --allow-read, or use workers: 0",
        );
      }
      pool = new WorkerPool(workers);
    }
    pool.#inUse = true;
    starting?.(pool);
    try {
      await pool.#configure(config);
    } catch (e) {
      pool.#terminate();
      throw workerError(config.workers, e);
    }
    return pool;
  }

  /**
   * Offers a unit to every worker: the first to reach it runs it, unless
   * the calling thread claims it first ({@linkcode WorkerPool.claimHere}).
   *
   * @param task the unit
   * @returns its id and its answer
   */
  offer(task: PoolTask): OfferedUnit {
    const id = this.#nextId++;
    const result = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    Atomics.store(this.#claims, id % CLAIM_SLOTS, id);
    // Each worker gets its own copy: any of them, or this thread, may run it.
    const message = task.type === "expand" ? taskBuffer(id, task) : { ...task, id };
    for (const w of this.#workers) w.postMessage(message);
    return { id, result };
  }

  /**
   * Claims an offered unit for the calling thread.
   *
   * @param unit the unit
   * @returns true when no worker has claimed it: the caller runs it (its `result` never settles)
   */
  claimHere(unit: OfferedUnit): boolean {
    if (!claimSlot(this.#claims, unit.id, CLAIMED_HERE)) return false;
    this.#pending.delete(unit.id);
    return true;
  }

  /**
   * Whether workers have sent answers not read yet: the calling thread
   * should then let its event loop run (Deno delivers them only after
   * every callback queued with `setImmediate`).
   */
  get answersWaiting(): boolean {
    return Atomics.load(this.#claims, ANSWERS) > this.#answersRead;
  }

  /** The number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Ends this exploration's use of the workers: the units no worker has
   * claimed yet are withdrawn (a worker skips them), the answers not come
   * yet are refused, and the pool is put aside, warm, for the next
   * exploration (see the module doc); one that failed is stopped instead.
   */
  close(): void {
    if (!this.#inUse) return;
    this.#inUse = false;
    for (const id of this.#pending.keys()) claimSlot(this.#claims, id, CLAIMED_HERE);
    for (const p of this.#pending.values()) {
      p.reject(new Error("explore: the worker pool was closed"));
    }
    this.#pending.clear();
    this.onAnswer = null;
    if (this.#broken) {
      this.#terminate();
      return;
    }
    for (const w of this.#workers) {
      // The worker drops its context, and keeps only its compiled code.
      w.postMessage({ type: "release" });
      w.unref();
    }
    if (idle !== null) idle.#terminate();
    idle = this;
  }

  /** Stops the pool put aside, if any (see {@linkcode closeIdleWorkers}). */
  static closeIdle(): void {
    if (idle !== null) idle.#terminate();
    idle = null;
  }

  /** Sends every worker the configuration and waits until each has built its context. */
  #configure(config: ExploreConfig): Promise<void> {
    const sendable = { ...config, policyObject: null, classObjects: [] };
    return Promise.all(this.#workers.map((w, index) => {
      w.ref();
      return new Promise<unknown>((resolve, reject) => {
        this.#ready[index] = { resolve, reject };
        w.postMessage({ type: "init", config: sendable, claims: this.#claims, index });
      });
    })).then(() => {});
  }

  /** Worker k failed outside a unit it answers: every unit it claimed fails. */
  #failed(k: number, message: string): void {
    this.#broken = true;
    if (idle === this) WorkerPool.closeIdle();
    const ready = this.#ready[k];
    this.#ready[k] = null;
    ready?.reject(message);
    for (const id of [...this.#pending.keys()]) {
      if (Atomics.load(this.#claims, id % CLAIM_SLOTS) === -2 - k) {
        this.#answer({ type: "error", id, message });
      }
    }
  }

  #terminate(): void {
    this.#broken = true;
    for (const w of this.#workers) {
      w.removeAllListeners("exit");
      w.terminate();
    }
    if (idle === this) idle = null;
  }

  #answer(m: Answer): void {
    const p = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    if (p === undefined) return;
    if (m.type === "done") {
      workerUnits++;
      p.resolve(m.result);
    } else {
      p.reject(
        m.code
          ? new ScenarioError(
            m.code as "invalid_value",
            m.call ?? "explore",
            null,
            m.message ?? "",
          )
          : new Error(`explore worker: ${m.message}`),
      );
    }
  }
}

/**
 * Stops the workers an exploration put aside (see the module doc), if any:
 * they would otherwise stay, idle, until the process ends.
 *
 * @example Usage
 * ```ts
 * import { closeIdleWorkers, explore } from "@setway/setway/explore";
 * await explore({ maxOps: 2, ops: ["write", "read"], progress: false, workers: 2 });
 * closeIdleWorkers(); // the worker it started is stopped, not kept for the next exploration
 * ```
 */
export function closeIdleWorkers(): void {
  WorkerPool.closeIdle();
}

/**
 * An expansion task as the buffer a worker is sent: its id, depth and
 * first position, then the packed parents.
 *
 * @example Usage
 * ```ts
 * import { taskBuffer } from "./pool.ts";
 * const b = taskBuffer(7, { type: "expand", packed: Int32Array.of(0), depth: 2, first: 32 });
 * console.log(Array.from(new Int32Array(b))); // [7, 2, 32, 0]
 * ```
 * @param id the unit's id
 * @param task the task
 * @returns the buffer
 */
export function taskBuffer(id: number, task: PoolTask & { type: "expand" }): ArrayBuffer {
  const out = new Int32Array(TASK_HEADER + task.packed.length);
  out[0] = id;
  out[1] = task.depth;
  out[2] = task.first;
  out.set(task.packed, TASK_HEADER);
  return out.buffer;
}

/** Integers before the packed parents in {@linkcode taskBuffer}'s form. */
export const TASK_HEADER = 3;

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/**
 * Whether workers can start here without an error: Deno runs, the
 * worker's module is a local file this process may read, and the policy
 * and classes can be sent (names or modules, no objects).
 *
 * @example Usage
 * ```ts
 * import { canStartWorkers } from "./pool.ts";
 * import { resolveExploreOptions } from "./options.ts";
 * console.log(typeof canStartWorkers(resolveExploreOptions({}))); // "boolean"
 * ```
 * @param config the configuration
 * @returns true when {@linkcode WorkerPool.create} can start workers
 */
export function canStartWorkers(config: ExploreConfig): boolean {
  if (config.policyObject !== null || config.classObjects.length > 0) return false;
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno?.permissions?.querySync === undefined || WORKER_URL.protocol !== "file:") return false;
  const path = decodeURIComponent(WORKER_URL.pathname);
  return deno.permissions.querySync({ name: "read", path }).state === "granted";
}

/** A worker that failed to start, named by the count of threads the user asked for. */
function workerError(n: number, message: unknown): ScenarioError {
  return new ScenarioError(
    "invalid_value",
    "explore.workers",
    n,
    `explore.workers(${n}): a worker failed to start: ${String(message)}`,
  );
}
