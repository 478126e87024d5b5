/**
 * Loads the modules `scenarios/zimage.ts` imports (mod.ts and the two report
 * formatters) without evaluating the scenario, which builds its guest
 * program at import: `deno run` of this file minus a hello-world is the
 * module loading of row (d) (issue_rows.ts). bench/import_zimage.ts loads
 * the scenario too.
 *
 * @module
 */

import * as setway from "../mod.ts";
import { formatVerdict } from "../lib/report/verdict.ts";
import { formatComparison } from "../lib/report/compare.ts";

console.log(
  Object.keys(setway).length > 0 && typeof formatVerdict === "function" &&
    typeof formatComparison === "function"
    ? "loaded"
    : "empty",
);
