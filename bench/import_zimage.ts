/**
 * Loads `scenarios/zimage.ts` (and everything it imports) without telling
 * the story: module loading plus the guest program the scenario builds at
 * import. Row (d) (issue_rows.ts) times the loading alone with
 * bench/import_story_modules.ts.
 *
 * @module
 */

import { zimage } from "../scenarios/zimage.ts";

console.log(zimage.toJSON === undefined ? "empty" : "loaded");
