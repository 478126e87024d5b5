/**
 * Row (d) of `deno task bench:report` alone: `deno run scenarios/zimage.ts`
 * against a Deno hello-world, with its split into runtime start, module
 * loading and computation: `deno task bench:zimage [pairs] [phase runs]`
 * (default 9 and 5).
 *
 * @module
 */

import { storyCompilesLine, zimageRows } from "./issue_rows.ts";
import { benchArgsOrExit } from "./task_args.ts";

if (import.meta.main) {
  const [pairs, phaseRuns] = benchArgsOrExit("bench:zimage", [
    { name: "pairs", default: 9, min: 1 },
    { name: "phase-runs", default: 5, min: 1 },
  ]).counts;
  console.log(await storyCompilesLine());
  const d = await zimageRows(pairs, phaseRuns);
  for (const r of d.rows) {
    console.log(
      `${r.row}: ${r.ratio.toFixed(2)} [${r.low.toFixed(2)}-${
        r.high.toFixed(2)
      }] n=${r.n}\n  ${r.detail}`,
    );
  }
  if (d.note !== null) console.log(d.note);
}
