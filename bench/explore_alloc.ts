/**
 * What an exploration allocates on the JavaScript heap per execution, a
 * machine-independent figure of `deno task bench:report` (issue_rows.ts,
 * row (e)): every object an execution leaves behind is work for the
 * garbage collector, and with two workers the collectors of both threads
 * compete with the threads for the machine's two cores.
 *
 * The figure is V8's `total_allocated_bytes` (node:v8
 * `getHeapStatistics`) across one exploration on this thread, after two
 * that let V8 compile and optimize it, divided by its executions. Code V8
 * has not optimized yet boxes numbers that optimized code keeps in
 * registers, so a cold exploration allocates more.
 *
 * Prints `{"bytesPerExecution":..,"executions":..}`.
 *
 * Run: `deno run bench/explore_alloc.ts '<ExploreOptions as JSON>'`.
 *
 * @example Usage
 * ```ts ignore
 * import { allocatedPerExecution } from "./explore_alloc.ts";
 * console.log(await allocatedPerExecution({ ops: ["write", "read"], maxOps: 3 }));
 * ```
 *
 * @module
 */

import v8 from "node:v8";
import { explore, type ExploreOptions } from "../mod.ts";

/**
 * Bytes V8 allocates per execution of an exploration on this thread, warm.
 *
 * @example Usage
 * ```ts ignore
 * import { allocatedPerExecution } from "./explore_alloc.ts";
 * const { bytesPerExecution } = await allocatedPerExecution({ ops: ["write", "read"], maxOps: 3 });
 * console.log(bytesPerExecution > 0); // true
 * ```
 * @param options the exploration (run on one thread, without progress or shrinking)
 * @returns the bytes per execution and the executions of the measured exploration
 */
export async function allocatedPerExecution(
  options: ExploreOptions,
): Promise<{ bytesPerExecution: number; executions: number }> {
  const quiet: ExploreOptions = { ...options, progress: false, shrink: false, workers: 1 };
  await explore(quiet);
  await explore(quiet);
  const before = allocatedBytes();
  const r = await explore(quiet);
  const bytes = allocatedBytes() - before;
  return { bytesPerExecution: bytes / r.stats.executions, executions: r.stats.executions };
}

/** V8's count of the bytes this thread's heap has allocated so far. */
function allocatedBytes(): number {
  // Node's typings do not list it; V8 (and Deno's node:v8) report it.
  const n = (v8.getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes;
  if (typeof n !== "number") throw new Error("node:v8 reports no total_allocated_bytes here");
  return n;
}

if (import.meta.main) {
  const options: ExploreOptions = JSON.parse(Deno.args[0] ?? "{}");
  console.log(JSON.stringify(await allocatedPerExecution(options)));
}
