/**
 * The cache lanes of `--html`: which words the timeline follows through the
 * caches (`--watch`, else every address a read returned a stale value
 * from), and the runs again with those words watched.
 *
 * A run records where a word's newest value lives only when asked before it
 * starts (`RunOptions.watch`), and which addresses went stale is known only
 * at its end. Runs are deterministic, so `--html` runs each policy a second
 * time, watching, and draws that run: the plain `run` and `compare` pay
 * nothing. A rerun that does not give the same events (a scenario module
 * whose `run()` does something of its own) is not used; the page then has
 * no cache lanes.
 *
 * @example Usage
 * ```ts
 * import { parseWatch } from "./html_watch.ts";
 * console.log(parseWatch("0x4000e000,0x40008000")); // [1073799168, 1073774592]
 * ```
 *
 * @module
 */

import { run } from "../engine/run.ts";
import type { RunResult } from "../engine/result.ts";
import type { Policy } from "../hyp/policy.ts";
import { MAX_WATCHED_ADDRESSES } from "../limits.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Parses `--watch`: word addresses, comma-separated, hexadecimal (`0x...`)
 * or decimal.
 *
 * @example Usage
 * ```ts
 * import { parseWatch } from "./html_watch.ts";
 * console.log(parseWatch(undefined)); // undefined
 * ```
 * @param value the flag's value, or undefined without the flag
 * @returns the addresses, or undefined
 * @throws {UsageError} for an address that is not a 4-byte aligned number, or too many
 */
export function parseWatch(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const out: number[] = [];
  for (const part of value.split(",")) {
    const text = part.trim();
    const n = /^0x[0-9a-f]+$/i.test(text) || /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n % 4 !== 0) {
      throw new UsageError(
        `--watch "${text}": expected a 4-byte aligned address, e.g. 0x4000e000`,
      );
    }
    if (!out.includes(n)) out.push(n);
  }
  if (out.length > MAX_WATCHED_ADDRESSES) {
    throw new UsageError(
      `--watch: ${out.length} addresses; at most ${MAX_WATCHED_ADDRESSES} (lib/limits.ts)`,
    );
  }
  return out;
}

/**
 * The addresses to watch in runs of one scenario: those given, else every
 * address any of the runs read a stale value from, in run order, at most
 * `MAX_WATCHED_ADDRESSES`.
 *
 * @example Usage
 * ```ts
 * import { addressesToWatch } from "./html_watch.ts";
 * console.log(addressesToWatch([], [0x1000])); // [4096]
 * ```
 * @param runs the runs
 * @param chosen the addresses of `--watch`, or undefined
 * @returns the addresses
 */
export function addressesToWatch(
  runs: readonly { readonly verdict: { readonly violations: readonly { addr: number }[] } }[],
  chosen: readonly number[] | undefined,
): number[] {
  if (chosen !== undefined) return [...chosen];
  const out: number[] = [];
  for (const r of runs) {
    for (const v of r.verdict.violations) {
      if (!out.includes(v.addr) && out.length < MAX_WATCHED_ADDRESSES) out.push(v.addr);
    }
  }
  return out;
}

/**
 * Runs `result`'s scenario again under `policy`, watching `addresses`;
 * returns the watched run, or `result` itself when the rerun fails or does
 * not give the same events.
 *
 * @example Usage
 * ```ts ignore
 * import { watchedRun } from "./html_watch.ts";
 * const drawn = watchedRun(result, "kvm-3.18", [0x4000e000]);
 * console.log(drawn.caches?.addresses.length); // 1
 * ```
 * @param result a finished run
 * @param policy its policy, by name or as the object
 * @param addresses the words to watch
 * @param collapse whether `result` was run collapsing events (false for `--raw`); default true.
 *   The rerun must collapse as it did, or its events differ and it is not drawn.
 * @returns the run to draw
 */
export function watchedRun(
  result: RunResult,
  policy: string | Policy,
  addresses: readonly number[],
  collapse = true,
): RunResult {
  let again: RunResult;
  try {
    again = run(result.scenario, { policy, watch: addresses, collapse });
  } catch {
    return result;
  }
  const same = again.events.length === result.events.length &&
    again.cost.cycles === result.cost.cycles && again.cost.exits === result.cost.exits &&
    again.verdict.violations.length === result.verdict.violations.length;
  return same ? again : result;
}
