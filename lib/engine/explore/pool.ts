/**
 * A pool of exploration workers (Deno Web Workers running worker.ts).
 *
 * One shared queue: a task goes to the worker holding the fewest, as long
 * as it holds fewer than `depth` (see {@linkcode WorkerPool.create}); the
 * ones it holds beyond the one it runs wait in its own message queue, so
 * that a worker that finishes a task starts the next at once, even while
 * the calling thread is busy and has not read its answer yet (the caller
 * keeps a few tasks queued per worker and consumes the answers in its own
 * order). Each worker builds its exploration context,
 * with its caches and hardware, once, and keeps it for every task.
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
 * const pool = await WorkerPool.create(2, resolveExploreOptions({ workers: 2 }));
 * const batches = await pool.runAll([{ type: "random", from: 0, to: 100 }]);
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
 * const pool = await WorkerPool.create(2, resolveExploreOptions({ workers: 2 }));
 * pool.close();
 * ```
 */
export class WorkerPool {
  readonly #workers: Worker[];
  readonly #depth: number;
  readonly #queue: { task: PoolTask; id: number }[] = [];
  readonly #pending = new Map<number, Pending>();
  /** The tasks each worker holds (running or waiting in its message queue). */
  readonly #held = new Map<Worker, Set<number>>();
  #nextId = 0;

  private constructor(workers: Worker[], depth: number) {
    this.#workers = workers;
    this.#depth = depth;
    for (const w of workers) {
      this.#held.set(w, new Set());
      w.onmessage = (e: MessageEvent) => this.#answer(w, e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        // An uncaught error cannot be told apart by task: every task the worker holds fails.
        for (const id of [...this.#held.get(w)!]) {
          this.#answer(w, { type: "error", id, message: e.message });
        }
      };
    }
  }

  /**
   * Starts `n` workers and sends each the configuration.
   *
   * @param n the number of workers
   * @param config the configuration (plain data: no policy or class objects)
   * @param depth how many tasks each worker holds at once: the next ones wait
   *   in its own message queue, so it never waits for this thread to answer
   * @returns the pool, once every worker is ready
   * @throws {ScenarioError} when a worker cannot start (e.g. no read permission) or refuses the configuration
   */
  static async create(n: number, config: ExploreConfig, depth = 1): Promise<WorkerPool> {
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
    const sendable = { ...config, policyObject: null, classObjects: [] };
    await Promise.all(workers.map((w) =>
      new Promise<void>((resolve, reject) => {
        w.onmessage = (e: MessageEvent) => {
          if (e.data?.type === "ready") resolve();
          else reject(workerError(n, e.data?.message));
        };
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(workerError(n, e.message));
        };
        w.postMessage({ type: "init", config: sendable });
      })
    )).catch((e) => {
      for (const w of workers) w.terminate();
      throw e;
    });
    return new WorkerPool(workers, Math.max(1, depth));
  }

  /**
   * Runs tasks on the workers.
   *
   * @param tasks the tasks
   * @returns their results, in the tasks' order
   */
  runAll<T>(tasks: readonly PoolTask[]): Promise<T[]> {
    return Promise.all(tasks.map((task) => this.#run(task) as Promise<T>));
  }

  /**
   * Queues one task: the first worker with room takes it.
   *
   * @param task the task
   * @returns its result
   */
  run<T>(task: PoolTask): Promise<T> {
    return this.#run(task) as Promise<T>;
  }

  /** Whether a task given now would go to a worker at once (some worker holds fewer than `depth`). */
  get hasRoom(): boolean {
    if (this.#queue.length > 0) return false;
    for (const held of this.#held.values()) if (held.size < this.#depth) return true;
    return false;
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

  #run(task: PoolTask): Promise<unknown> {
    const id = this.#nextId++;
    const done = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#queue.push({ task, id });
    this.#dispatch();
    return done;
  }

  /** The worker holding the fewest tasks, if it has room. */
  #leastHeld(): Worker | null {
    let best: Worker | null = null;
    let fewest = this.#depth;
    for (const [w, held] of this.#held) {
      if (held.size < fewest) {
        best = w;
        fewest = held.size;
      }
    }
    return best;
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const w = this.#leastHeld();
      if (w === null) return;
      const { task, id } = this.#queue.shift()!;
      this.#held.get(w)!.add(id);
      if (task.type === "expand") {
        const packed = task.packed;
        w.postMessage({ ...task, id }, [packed.buffer as ArrayBuffer]);
      } else {
        w.postMessage({ ...task, id });
      }
    }
  }

  #answer(
    w: Worker,
    m: {
      type: string;
      id: number;
      result?: unknown;
      message?: string;
      code?: string;
      call?: string;
    },
  ): void {
    this.#held.get(w)!.delete(m.id);
    const p = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    if (p !== undefined) {
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
    this.#dispatch();
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
