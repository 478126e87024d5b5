/**
 * A Deno hello-world: the start-up cost every `deno run` pays, the
 * reference of the zImage wall-time target (zimage_bench.ts, report.ts).
 *
 * @module
 */

console.log("hello, world");
