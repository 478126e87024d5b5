/**
 * What a thread running scenarios is doing, in memory another thread can
 * read while this one is stuck: the deadline of the current run (or of the
 * loading of a scenario module), what it is, and the policy hook being run.
 *
 * A synchronous policy hook that never returns, or a scenario module whose
 * top level never ends, cannot be stopped from its own thread: no budget
 * check runs again. So `runIsolated()` and the command line run scenarios in
 * a worker that publishes here ({@linkcode installWatch}), and the thread
 * that started it reads the page ({@linkcode readWatch}) to end the worker
 * once the deadline has passed, naming the hook it was stuck in.
 *
 * The page is one per thread (a module variable): only a worker made for
 * this installs one, and without it every function here does nothing, so a
 * run in the ordinary way pays one comparison per hypervisor built.
 *
 * @example Usage
 * ```ts
 * import { installWatch, newWatchPage, readWatch, watchDeadline } from "./watch.ts";
 * const page = newWatchPage();
 * installWatch(page); // in the worker, normally
 * watchDeadline(1000, "loading s.ts");
 * console.log(readWatch(page).label); // "loading s.ts"
 * ```
 *
 * @module
 */

import { POLICY_HOOKS } from "./policy.ts";
import type { Policy } from "./policy.ts";

/** Byte offsets in the page. */
// Float64 0: the deadline, epoch milliseconds, NaN for none; Float64 1: its budget, in ms.
const HOOK = 16; // Int32: 1 + index in POLICY_HOOKS (or of "state"), 0 for none
const POLICY_LENGTH = 20; // Int32
const LABEL_LENGTH = 24; // Int32
const POLICY_TEXT = 32;
const POLICY_BYTES = 128;
const LABEL_TEXT = POLICY_TEXT + POLICY_BYTES;
const LABEL_BYTES = 256;
const PAGE_BYTES = LABEL_TEXT + LABEL_BYTES;

/** The hooks a watched policy reports, by id - 1. */
const HOOK_NAMES: readonly string[] = Object.freeze([...POLICY_HOOKS, "state"]);

/** This thread's page, when a worker installed one. */
let page: {
  readonly floats: Float64Array;
  readonly ints: Int32Array;
  readonly bytes: Uint8Array;
  fallbackMs: number;
} | null = null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A new, empty watch page, to share with a worker.
 *
 * @example Usage
 * ```ts
 * import { newWatchPage, readWatch } from "./watch.ts";
 * console.log(readWatch(newWatchPage()).deadline); // NaN
 * ```
 * @returns the shared memory
 */
export function newWatchPage(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(PAGE_BYTES);
  new Float64Array(buffer, 0, 2).fill(NaN);
  return buffer;
}

/**
 * Makes this thread publish on `buffer` (a worker calls it once, first).
 *
 * @example Usage
 * ```ts
 * import { installWatch, newWatchPage } from "./watch.ts";
 * installWatch(newWatchPage(), 5000);
 * ```
 * @param buffer a page from {@linkcode newWatchPage}
 * @param fallbackMs the deadline of a run whose budget has no wall time; default none
 */
export function installWatch(buffer: SharedArrayBuffer, fallbackMs = Infinity): void {
  page = {
    floats: new Float64Array(buffer, 0, 2),
    ints: new Int32Array(buffer, 0, PAGE_BYTES / 4),
    bytes: new Uint8Array(buffer),
    fallbackMs,
  };
}

/**
 * Writes `text` into its field of the page, cut at the field's size (128
 * bytes of a policy's name, 256 of a label) on a character boundary: the
 * page names what is stuck, a long name's start is enough for that.
 */
function writeText(at: number, lengthAt: number, max: number, text: string): void {
  const p = page!;
  const { written } = encoder.encodeInto(text, p.bytes.subarray(at, at + max));
  Atomics.store(p.ints, lengthAt / 4, written);
}

function readText(bytes: Uint8Array, ints: Int32Array, at: number, lengthAt: number): string {
  const n = Atomics.load(ints, lengthAt / 4);
  return decoder.decode(bytes.slice(at, at + n));
}

/**
 * Publishes a deadline `ms` from now for `label` (what runs until then).
 * Does nothing without a page.
 *
 * @example Usage
 * ```ts
 * import { watchDeadline } from "./watch.ts";
 * watchDeadline(10_000, "loading scenario.ts");
 * ```
 * @param ms the budget, in milliseconds; `Infinity` for none
 * @param label what runs, for the message of a worker ended at the deadline
 */
export function watchDeadline(ms: number, label: string): void {
  if (page === null) return;
  page.floats[1] = ms;
  page.floats[0] = ms === Infinity ? NaN : performance.timeOrigin + performance.now() + ms;
  writeText(LABEL_TEXT, LABEL_LENGTH, LABEL_BYTES, label);
}

/**
 * Publishes the deadline of a run whose wall budget is `wallMs`, or of the
 * page's fallback when the budget has none. Does nothing without a page.
 *
 * @example Usage
 * ```ts
 * import { watchRun } from "./watch.ts";
 * watchRun(Infinity);
 * ```
 * @param wallMs the run's wall budget
 */
export function watchRun(wallMs: number): void {
  if (page === null) return;
  watchDeadline(wallMs === Infinity ? page.fallbackMs : wallMs, "a run");
}

/**
 * Withdraws the deadline (the run or the loading is over).
 *
 * @example Usage
 * ```ts
 * import { clearDeadline } from "./watch.ts";
 * clearDeadline();
 * ```
 */
export function clearDeadline(): void {
  if (page !== null) page.floats[0] = NaN;
}

/**
 * The policy as the hypervisor should call it: itself without a page;
 * with one, an object whose hooks publish their name while they run (the
 * policy's other fields come through its prototype).
 *
 * @example Usage
 * ```ts
 * import { watchPolicy } from "./watch.ts";
 * import { kvm40 } from "./policies/kvm40.ts";
 * console.log(watchPolicy(kvm40) === kvm40); // true: no page in this thread
 * ```
 * @param policy the policy
 * @returns the policy, or its watched copy
 */
export function watchPolicy<S>(policy: Policy<S>): Policy<S> {
  if (page === null) return policy;
  writeText(POLICY_TEXT, POLICY_LENGTH, POLICY_BYTES, String(policy.name));
  const watched: Record<string, unknown> = Object.create(policy);
  const ints = page.ints;
  HOOK_NAMES.forEach((name, i) => {
    const hook = (policy as unknown as Record<string, unknown>)[name];
    if (typeof hook !== "function") return;
    // Defined, not assigned: a frozen policy's own hooks are read-only on the prototype.
    Object.defineProperty(watched, name, {
      value: function (this: unknown, a: unknown, b: unknown, c: unknown): unknown {
        const before = Atomics.exchange(ints, HOOK / 4, i + 1);
        try {
          return hook.call(this, a, b, c);
        } finally {
          Atomics.store(ints, HOOK / 4, before);
        }
      },
    });
  });
  return watched as unknown as Policy<S>;
}

/**
 * What a watched thread publishes.
 *
 * @example Usage
 * ```ts
 * import type { WatchState } from "./watch.ts";
 * const s: WatchState = {
 *   deadline: NaN, limitMs: NaN, label: "", policy: "trap-once", hook: "onSetWay",
 * };
 * ```
 */
export interface WatchState {
  /** The deadline, in epoch milliseconds (`performance.timeOrigin + performance.now()`); NaN for none. */
  readonly deadline: number;
  /** The budget the deadline came from, in milliseconds. */
  readonly limitMs: number;
  /** What runs until the deadline. */
  readonly label: string;
  /** The policy of the latest hypervisor built. */
  readonly policy: string;
  /** The hook running now, or null. */
  readonly hook: string | null;
}

/**
 * Reads a page another thread publishes on.
 *
 * @example Usage
 * ```ts
 * import { newWatchPage, readWatch } from "./watch.ts";
 * console.log(readWatch(newWatchPage()).hook); // null
 * ```
 * @param buffer the page
 * @returns what it says now
 */
export function readWatch(buffer: SharedArrayBuffer): WatchState {
  const floats = new Float64Array(buffer, 0, 2);
  const ints = new Int32Array(buffer, 0, PAGE_BYTES / 4);
  const bytes = new Uint8Array(buffer);
  const hook = Atomics.load(ints, HOOK / 4);
  return {
    deadline: floats[0],
    limitMs: floats[1],
    label: readText(bytes, ints, LABEL_TEXT, LABEL_LENGTH),
    policy: readText(bytes, ints, POLICY_TEXT, POLICY_LENGTH),
    hook: hook > 0 ? HOOK_NAMES[hook - 1] : null,
  };
}
