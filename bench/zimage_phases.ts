/**
 * Times the two phases of `scenarios/zimage.ts` inside one fresh process:
 * loading the scenario module (and with it mod.ts), then computing the
 * story. Prints `{"loadMs":..,"storyMs":..}`. The story is computed once,
 * cold, as `deno run scenarios/zimage.ts` computes it.
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
console.log(JSON.stringify({ loadMs: loaded - start, storyMs: done - loaded }));
