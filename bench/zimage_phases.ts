/**
 * Times the two phases of `scenarios/zimage.ts` inside one fresh process:
 * loading the scenario module (and with it mod.ts), then computing the
 * story: once cold, as `deno run scenarios/zimage.ts` computes it, then
 * again with the code already compiled and optimized by V8. Prints
 * `{"loadMs":..,"storyMs":..,"warmStoryMs":..}`.
 *
 * Run: `deno run bench/zimage_phases.ts`.
 *
 * @module
 */

const start = performance.now();
const { story } = await import("../scenarios/zimage.ts");
const loaded = performance.now();
story();
const done = performance.now();
for (let i = 0; i < 5; i++) story();
const warm = performance.now();
story();
const again = performance.now();
console.log(
  JSON.stringify({ loadMs: loaded - start, storyMs: done - loaded, warmStoryMs: again - warm }),
);
