/**
 * Row (a) of `deno task bench:report` alone: `replay()` against the plain C
 * -O2 true-LRU simulator (bench/lru_sim.c) on the long gzip trace, with the
 * D1 counts checked equal: `deno task bench:replay [n]` (n pairs, default 5).
 *
 * @module
 */

import { replayRow } from "./issue_rows.ts";

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 5);
  const r = await replayRow(n);
  if (r === null) console.log("skipped: gcc or valgrind is missing");
  else {
    console.log(r.counts);
    console.log(
      `${r.row.row}: ${r.row.ratio.toFixed(2)} [${r.row.low.toFixed(2)}-${
        r.row.high.toFixed(2)
      }] n=${r.row.n} ${r.row.detail}`,
    );
  }
}
