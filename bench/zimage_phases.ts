/**
 * Times the phases of `scenarios/zimage.ts` inside one fresh process:
 * loading the modules the scenario imports (mod.ts and the two report
 * formatters), then evaluating the scenario module itself, which builds the
 * guest program at import (computation, not loading), then computing the
 * story: once cold, as `deno run scenarios/zimage.ts` computes it, then
 * again with the code already compiled and optimized by V8. Prints
 * `{"loadMs":..,"buildMs":..,"storyMs":..,"warmStoryMs":..,"loadCpuMs":..,"buildCpuMs":..,"storyCpuMs":..}`:
 * wall milliseconds, then the process's CPU time (user+sys, every thread:
 * V8's compiler and GC threads included) of the same three cold phases,
 * which other load on a shared machine disturbs less than the wall time.
 *
 * Run: `deno run bench/zimage_phases.ts`.
 *
 * @module
 */

import process from "node:process";

const cpuMs = (since: ReturnType<typeof process.cpuUsage>) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

const c0 = process.cpuUsage();
const start = performance.now();
// What scenarios/zimage.ts imports, and nothing of its own top level.
await import("../mod.ts");
await import("../lib/report/verdict.ts");
await import("../lib/report/compare.ts");
const loaded = performance.now();
const loadCpuMs = cpuMs(c0);
const c1 = process.cpuUsage();
const { story } = await import("../scenarios/zimage.ts");
const built = performance.now();
const buildCpuMs = cpuMs(c1);
const c2 = process.cpuUsage();
story();
const done = performance.now();
const storyCpuMs = cpuMs(c2);
for (let i = 0; i < 5; i++) story();
const warm = performance.now();
story();
const again = performance.now();
console.log(
  JSON.stringify({
    loadMs: loaded - start,
    buildMs: built - loaded,
    storyMs: done - built,
    warmStoryMs: again - warm,
    loadCpuMs,
    buildCpuMs,
    storyCpuMs,
  }),
);
