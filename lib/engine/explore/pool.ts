/**
 * A pool of exploration workers (Deno Web Workers running worker.ts).
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

import { ScenarioError } from "../../errors.ts";
import type { ExploreConfig } from "./options.ts";

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
  #nextId = 0;
  #answersRead = 0;
  /** Called after each answer from a worker is read. */
  onAnswer: (() => void) | null = null;

  private constructor(workers: Worker[], claims: Int32Array) {
    this.#workers = workers;
    this.#claims = claims;
    workers.forEach((w, k) => {
      w.onmessage = (e: MessageEvent) => {
        this.#answersRead++;
        this.#answer(e.data);
        this.onAnswer?.();
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        // An uncaught error cannot be told apart by unit: every unit the worker claimed fails.
        for (const id of [...this.#pending.keys()]) {
          if (Atomics.load(claims, id % CLAIM_SLOTS) === -2 - k) {
            this.#answer({ type: "error", id, message: e.message });
          }
        }
      };
    });
  }

  /**
   * Starts `n` workers and sends each the configuration and the claim slots.
   *
   * @param n the number of workers
   * @param config the configuration (plain data: no policy or class objects)
   * @returns the pool, once every worker is ready
   * @throws {ScenarioError} when a worker cannot start (e.g. no read permission) or refuses the configuration
   */
  static async create(n: number, config: ExploreConfig): Promise<WorkerPool> {
    const url = WORKER_URL;
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < n; i++) workers.push(new Worker(url, { type: "module" }));
    } catch (e) {
      for (const w of workers) w.terminate();
      throw new ScenarioError(
        "invalid_value",
        "explore.workers",
        n,
        `explore.workers(${n}): cannot start a worker (${(e as Error).message}); ` +
          "workers need --allow-read, or use workers: 0",
      );
    }
    const claims = new Int32Array(new SharedArrayBuffer(4 * (CLAIM_SLOTS + 1))).fill(-1);
    claims[ANSWERS] = 0;
    const sendable = { ...config, policyObject: null, classObjects: [] };
    await Promise.all(workers.map((w, index) =>
      new Promise<void>((resolve, reject) => {
        w.onmessage = (e: MessageEvent) => {
          if (e.data?.type === "ready") resolve();
          else reject(workerError(n, e.data?.message));
        };
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(workerError(n, e.message));
        };
        w.postMessage({ type: "init", config: sendable, claims, index });
      })
    )).catch((e) => {
      for (const w of workers) w.terminate();
      throw e;
    });
    return new WorkerPool(workers, claims);
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
    for (const w of this.#workers) w.postMessage({ ...task, id });
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

  /** Stops every worker. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    for (const p of this.#pending.values()) {
      p.reject(new Error("explore: the worker pool was closed"));
    }
    this.#pending.clear();
  }

  #answer(
    m: {
      type: string;
      id: number;
      result?: unknown;
      message?: string;
      code?: string;
      call?: string;
    },
  ): void {
    const p = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    if (p === undefined) return;
    if (m.type === "done") p.resolve(m.result);
    else {
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

function workerError(n: number, message: unknown): ScenarioError {
  return new ScenarioError(
    "invalid_value",
    "explore.workers",
    n,
    `explore.workers(${n}): a worker failed to start: ${String(message)}`,
  );
}
