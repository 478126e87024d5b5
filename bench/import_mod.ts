/**
 * Loads the public API and does nothing else: `deno run` of this file
 * measures what loading mod.ts's module graph costs on top of a
 * hello-world (report.ts).
 *
 * @module
 */

import * as setway from "../mod.ts";

console.log(Object.keys(setway).length > 0 ? "loaded" : "empty");
