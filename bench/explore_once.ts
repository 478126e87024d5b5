/**
 * One process of the machine's yardstick for row (e) (explore_scaling.ts
 * `processCeiling`): explores `warm` times on this thread to warm up
 * (explore_scaling.ts `WARM_EXPLORATIONS`), prints `ready`, waits for a line
 * on standard input, then explores again and prints
 * `{"executions":..,"ms":..,"cpuMs":..}` for that last run. Two of
 * these released together show what two independent one-thread
 * explorations get from this machine at once, with no code of ours
 * between them.
 *
 * Run: `deno run -R bench/explore_once.ts '<ExploreOptions as JSON>' [warm=1]`.
 *
 * @module
 */

import process from "node:process";
import { explore, type ExploreOptions } from "../mod.ts";

const options: ExploreOptions = {
  ...JSON.parse(Deno.args[0] ?? "{}"),
  progress: false,
  shrink: false,
  workers: 1,
};

const warm = Number(Deno.args[1] ?? 1);
for (let k = 0; k < warm; k++) await explore(options);
console.log("ready");
// The go signal: any line (or the end of input).
for await (const _ of Deno.stdin.readable) break;
const cpu = process.cpuUsage();
const start = performance.now();
const r = await explore(options);
const ms = performance.now() - start;
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({ executions: r.stats.executions, ms, cpuMs: (used.user + used.system) / 1000 }),
);
