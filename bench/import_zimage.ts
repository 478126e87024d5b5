/**
 * Loads `scenarios/zimage.ts` (and everything it imports) without telling
 * the story: `deno run` of this file minus a hello-world is the module
 * loading of row (d) (issue_rows.ts).
 *
 * @module
 */

import { zimage } from "../scenarios/zimage.ts";

console.log(zimage.toJSON === undefined ? "empty" : "loaded");
