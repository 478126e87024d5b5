/**
 * Wall time of `deno run scenarios/zimage.ts` next to a Deno hello-world
 * and to a script that only loads mod.ts, each a fresh process.
 *
 * Run: `deno bench -P bench/zimage_bench.ts`
 *
 * @module
 */

import { spawnMs } from "./measure.ts";

const deno = Deno.execPath();
const path = (p: string) => new URL(p, import.meta.url).pathname;

Deno.bench("deno run bench/hello.ts", { group: "process", baseline: true }, async () => {
  await spawnMs(deno, ["run", path("./hello.ts")]);
});

Deno.bench("deno run bench/import_mod.ts (load mod.ts only)", { group: "process" }, async () => {
  await spawnMs(deno, ["run", path("./import_mod.ts")]);
});

Deno.bench("deno run scenarios/zimage.ts", { group: "process" }, async () => {
  await spawnMs(deno, ["run", path("../scenarios/zimage.ts")]);
});
