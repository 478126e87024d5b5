/**
 * Watching a worker that runs scenarios, and ending it when it overruns:
 * the worker publishes its deadlines and the policy hook it is in on a
 * shared page (lib/hyp/watch.ts); {@linkcode superviseWorker} looks at the
 * page every few tens of milliseconds and terminates the worker once a
 * deadline is more than a grace period past. That is the only way to stop
 * a synchronous hook that never returns, or a module whose top level never
 * ends: no check of the run's own budget runs again in that thread.
 *
 * @example Usage
 * ```ts ignore
 * import { superviseWorker } from "./supervise.ts";
 * import { newWatchPage } from "../hyp/watch.ts";
 * const page = newWatchPage();
 * const worker = new Worker(new URL("./isolate_worker.ts", import.meta.url), { type: "module" });
 * const end = await superviseWorker(worker, page, 1000, (data, finish) => finish(data));
 * ```
 *
 * @module
 */

import { readWatch, type WatchState } from "../hyp/watch.ts";

/** How often the page is read, in milliseconds. */
const POLL_MS = 25;

/**
 * How a supervised worker ended: it said it was done (`finished`, with what
 * it said), it was stopped at a deadline (`overran`, with the page as it
 * was), or it failed outside any handler (`crashed`).
 *
 * @example Usage
 * ```ts
 * import type { WorkerEnd } from "./supervise.ts";
 * const end: WorkerEnd<number> = { kind: "finished", value: 0 };
 * ```
 */
export type WorkerEnd<T> =
  | { readonly kind: "finished"; readonly value: T }
  | { readonly kind: "overran"; readonly watch: WatchState; readonly afterMs: number }
  | { readonly kind: "crashed"; readonly message: string };

/**
 * Waits for a worker to finish, ending it when it overruns a deadline it
 * published on `page` by more than `graceMs`. The worker is terminated in
 * every case before the promise settles.
 *
 * @example Usage
 * ```ts ignore
 * import { superviseWorker } from "./supervise.ts";
 * import { newWatchPage } from "../hyp/watch.ts";
 * const page = newWatchPage();
 * const worker = new Worker(new URL("./isolate_worker.ts", import.meta.url), { type: "module" });
 * const end = await superviseWorker(worker, page, 1000, (data, finish) => finish(data));
 * console.log(end.kind);
 * ```
 * @param worker the worker, already started
 * @param page the watch page it publishes on
 * @param graceMs how long past a deadline it may run
 * @param onMessage handles each message; calls `finish` with the result when the worker is done
 * @returns how it ended
 */
export function superviseWorker<T>(
  worker: Worker,
  page: SharedArrayBuffer,
  graceMs: number,
  onMessage: (data: unknown, finish: (value: T) => void) => void | Promise<void>,
): Promise<WorkerEnd<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (end: WorkerEnd<T>) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      worker.terminate();
      resolve(end);
    };
    const timer = setInterval(() => {
      const watch = readWatch(page);
      const now = performance.timeOrigin + performance.now();
      if (!Number.isNaN(watch.deadline) && now > watch.deadline + graceMs) {
        settle({ kind: "overran", watch, afterMs: Math.round(watch.limitMs + graceMs) });
      }
    }, POLL_MS);
    // One message at a time, in order: a handler may wait (for a write to standard output).
    let queue = Promise.resolve();
    worker.onmessage = (e: MessageEvent) => {
      queue = queue.then(async () => {
        if (settled) return;
        try {
          await onMessage(e.data, (value) => settle({ kind: "finished", value }));
        } catch (err) {
          settle({ kind: "crashed", message: err instanceof Error ? err.message : String(err) });
        }
      });
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      settle({ kind: "crashed", message: e.message });
    };
    worker.onmessageerror = () =>
      settle({ kind: "crashed", message: "a message could not be read" });
  });
}

/**
 * The one-line account of a worker stopped at a deadline: the policy hook
 * it was stuck in, or what it was doing.
 *
 * @example Usage
 * ```ts
 * import { overrunMessage } from "./supervise.ts";
 * console.log(overrunMessage({
 *   deadline: 0, limitMs: 500, label: "a run", policy: "spin", hook: "onSetWay",
 * }, 1500));
 * // policy "spin": onSetWay did not return within the wall budget (500 ms); stopped after 1500 ms
 * ```
 * @param watch the page as it was when the worker was stopped
 * @param afterMs how long it had been given, grace included
 * @returns the message
 */
export function overrunMessage(watch: WatchState, afterMs: number): string {
  const budget = `${watch.limitMs} ms`;
  if (watch.hook !== null) {
    return `policy "${watch.policy}": ${watch.hook} did not return within the wall budget ` +
      `(${budget}); stopped after ${afterMs} ms`;
  }
  return `${watch.label} did not finish within the wall budget (${budget}); ` +
    `stopped after ${afterMs} ms`;
}
