/**
 * Row (e) of `deno task bench:report` alone: executions per second on 2
 * workers against 1 (pairs of runs alternated) and the CPU time per
 * execution on each: `deno task bench:scaling [n] [--large]` (n pairs,
 * default 3). `--large` runs the sizes (exhaustive to 7
 * operations, 10^6 random programs) instead of the report's. `--cold`
 * starts a new worker for every 2-worker run (as a process that explores
 * once must); by default untimed explorations on each count of workers
 * come before every pair (explore_scaling.ts `WARM_EXPLORATIONS`), so every
 * pair runs warm, as the yardstick's processes do, and the 2-worker runs
 * reuse one worker (see lib/engine/explore/pool.ts).
 *
 * @module
 */

import { scalingRows } from "./issue_rows.ts";
import {
  SCALING_EXHAUSTIVE,
  SCALING_EXHAUSTIVE_LARGE,
  SCALING_RANDOM,
  SCALING_RANDOM_LARGE,
} from "./explore_scaling.ts";
import { benchArgsOrExit } from "./task_args.ts";

if (import.meta.main) {
  const { counts: [n], flags } = benchArgsOrExit(
    "bench:scaling",
    [{ name: "n", default: 3, min: 1 }],
    ["--large", "--cold"],
  );
  const large = flags.includes("--large");
  const cold = flags.includes("--cold");
  const rows = await scalingRows(
    n,
    large ? SCALING_EXHAUSTIVE_LARGE : SCALING_EXHAUSTIVE,
    large ? SCALING_RANDOM_LARGE : SCALING_RANDOM,
    cold,
  );
  for (const r of rows) {
    console.log(
      `${r.row}: ${r.ratio.toFixed(2)} [${r.low.toFixed(2)}-${r.high.toFixed(2)}] n=${r.n} ` +
        r.detail,
    );
  }
}
