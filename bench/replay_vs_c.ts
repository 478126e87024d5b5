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

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 5);
  const m = Number(Deno.args[1] ?? 3);
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
