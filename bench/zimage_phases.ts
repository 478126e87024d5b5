/**
 * Times the two phases of `scenarios/zimage.ts` inside one fresh process:
 * loading the scenario module (and with it mod.ts), then computing the
 * story: once cold, as `deno run scenarios/zimage.ts` computes it, then
 * again with the code already compiled and optimized by V8. Prints
 * `{"loadMs":..,"storyMs":..,"warmStoryMs":..,"loadCpuMs":..,"storyCpuMs":..}`:
 * wall milliseconds, then the process's CPU time (user+sys, every thread:
 * V8's compiler and GC threads included) of the same two cold phases, which
 * other load on a shared machine disturbs less than the wall time.
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
const { story } = await import("../scenarios/zimage.ts");
const loaded = performance.now();
const loadCpuMs = cpuMs(c0);
const c1 = process.cpuUsage();
story();
const done = performance.now();
const storyCpuMs = cpuMs(c1);
for (let i = 0; i < 5; i++) story();
const warm = performance.now();
story();
const again = performance.now();
console.log(
  JSON.stringify({
    loadMs: loaded - start,
    storyMs: done - loaded,
    warmStoryMs: again - warm,
    loadCpuMs,
    storyCpuMs,
  }),
);
