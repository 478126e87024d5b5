/**
 * Rows (a) and (b) of `deno task bench:report` alone: `replay()` against the
 * plain C -O2 true-LRU simulator (bench/lru_sim.c) and against cachegrind's
 * simulation on the long gzip trace, with the D1 counts checked equal:
 * `deno task bench:replay [n] [m]` (n pairs for (a), default 5; m runs of
 * cachegrind with and without its simulation for (b), default 3, 0 to skip).
 *
 * @module
 */

import { replayRow } from "./issue_rows.ts";
import { benchArgsOrExit } from "./task_args.ts";

if (import.meta.main) {
  const [n, m] = benchArgsOrExit("bench:replay", [
    { name: "n", default: 5, min: 1 },
    { name: "m", default: 3, min: 0 },
  ]).counts;
  const r = await replayRow(n, m);
  if (r === null) console.log("skipped: gcc or valgrind is missing");
  else {
    for (const c of r.counts) console.log(c);
    for (const row of r.rows) {
      console.log(
        `${row.row}: ${row.ratio.toFixed(2)} [${row.low.toFixed(2)}-${
          row.high.toFixed(2)
        }] n=${row.n} ${row.detail}`,
      );
    }
  }
}
