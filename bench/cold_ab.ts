/**
 * A cold A/B comparison between two checkouts: a bench that prints one JSON
 * line (bench/engine_ops.ts, bench/zimage_phases.ts) is run in a fresh
 * process alternately in checkout A and checkout B, `n` times each, and
 * every numeric field is summarised by its two medians, the median of the
 * per-pair differences (B - A) and the number of pairs in which B is lower.
 * On a shared machine a single run varies by tens of milliseconds; pairs
 * run back to back see nearly the same load, and how often B wins says
 * more than two medians. The load average is printed before and after.
 *
 * Run: `deno run -A bench/cold_ab.ts <dirA> <dirB> [n=30] [bench=bench/engine_ops.ts]`,
 * for instance with A a detached worktree of main
 * (`git worktree add --detach /tmp/base main`) and B this one.
 *
 * @example Usage
 * ```ts
 * import { comparePairs } from "./cold_ab.ts";
 * const c = comparePairs([100, 110, 90], [95, 112, 80]);
 * console.log(c.medianDiff, c.bLower); // -5 2
 * ```
 *
 * @module
 */

import { median } from "./measure.ts";

/**
 * What {@linkcode comparePairs} says of one field.
 *
 * @example Usage
 * ```ts
 * import type { PairComparison } from "./cold_ab.ts";
 * const none: PairComparison = { pairs: 0, medianA: NaN, medianB: NaN, medianDiff: NaN, bLower: 0 };
 * ```
 */
export interface PairComparison {
  /** Number of pairs. */
  readonly pairs: number;
  /** Median of A's values. */
  readonly medianA: number;
  /** Median of B's values. */
  readonly medianB: number;
  /** Median of the per-pair differences B - A. */
  readonly medianDiff: number;
  /** Pairs in which B's value is lower than A's. */
  readonly bLower: number;
}

/**
 * Compares the values of one field over runs paired by index (A's run `i`
 * ran next to B's run `i`); extra runs of either side are left out.
 *
 * @example Usage
 * ```ts
 * import { comparePairs } from "./cold_ab.ts";
 * console.log(comparePairs([3, 1], [2, 2]).medianDiff); // 0
 * ```
 * @param a A's values, one per run
 * @param b B's values, one per run
 * @returns medians, median difference and B's wins; NaN medians without pairs
 */
export function comparePairs(a: readonly number[], b: readonly number[]): PairComparison {
  const pairs = Math.min(a.length, b.length);
  if (pairs === 0) return { pairs, medianA: NaN, medianB: NaN, medianDiff: NaN, bLower: 0 };
  const as = a.slice(0, pairs), bs = b.slice(0, pairs);
  let bLower = 0;
  const diffs = as.map((x, i) => {
    if (bs[i] < x) bLower++;
    return bs[i] - x;
  });
  return { pairs, medianA: median(as), medianB: median(bs), medianDiff: median(diffs), bLower };
}

/** The last line of a bench's output that parses as a JSON object. */
function lastJson(text: string): Record<string, unknown> {
  const lines = text.trim().split("\n").reverse();
  for (const line of lines) {
    try {
      const v = JSON.parse(line);
      if (typeof v === "object" && v !== null) return v;
    } catch {
      // not the JSON line
    }
  }
  throw new Error(`no JSON line in the bench's output:\n${text}`);
}

async function runOnce(dir: string, bench: string): Promise<Record<string, unknown>> {
  const out = await new Deno.Command("nice", {
    args: ["-n", "10", Deno.execPath(), "run", "-A", bench],
    cwd: dir,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`${bench} failed in ${dir}`);
  return lastJson(new TextDecoder().decode(out.stdout));
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

if (import.meta.main) {
  const [dirA, dirB, nText = "30", bench = "bench/engine_ops.ts"] = Deno.args;
  if (dirA === undefined || dirB === undefined) {
    console.error("usage: cold_ab.ts <dirA> <dirB> [n] [bench]");
    Deno.exit(2);
  }
  const n = Number(nText);
  console.log(`load average before: ${loadAverage()}`);
  const runs: { a: Record<string, unknown>[]; b: Record<string, unknown>[] } = { a: [], b: [] };
  for (let i = 0; i < n; i++) {
    runs.a.push(await runOnce(dirA, bench));
    runs.b.push(await runOnce(dirB, bench));
  }
  console.log(`load average after: ${loadAverage()}`);
  for (const field of Object.keys(runs.a[0])) {
    const values = (rows: Record<string, unknown>[]) =>
      rows.map((r) => r[field]).filter((v): v is number => typeof v === "number");
    const c = comparePairs(values(runs.a), values(runs.b));
    if (c.pairs === 0) continue;
    console.log(
      `${field}: A ${c.medianA.toFixed(1)}, B ${c.medianB.toFixed(1)}, ` +
        `B - A ${c.medianDiff.toFixed(1)} (median of ${c.pairs} pairs), B lower in ${c.bLower}`,
    );
  }
}
