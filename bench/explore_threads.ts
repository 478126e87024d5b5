/**
 * Where the CPU time of row (e) goes, thread by thread: runs the scaling
 * rows' exhaustive workload in one process on a sequence of worker counts
 * (default `1,2,1,2,1,2`: the first 2-worker run starts a new worker, the
 * next ones reuse it, warm) and prints, for each run, the CPU per execution
 * (user + system, every thread) and the milliseconds of CPU of the calling
 * thread, of the workers, and of V8's own threads (its compilers and
 * garbage collector), read from `/proc/self/task` (Linux; Deno asks for `-A` to read it).
 *
 * `deno run -A bench/explore_threads.ts [sequence] [maxOps]`, e.g.
 * `deno run -A bench/explore_threads.ts 1,2,1,2 7`.
 *
 * @module
 */

import process from "node:process";
import { explore } from "../mod.ts";
import { closeIdleWorkers } from "../lib/engine/explore/pool.ts";
import { SCALING_EXHAUSTIVE } from "./explore_scaling.ts";

/** CPU milliseconds of each thread of this process, by thread id and name. */
function threadTimes(): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 1000 / 100; // USER_HZ
  for (const e of Deno.readDirSync("/proc/self/task")) {
    const stat = Deno.readTextFileSync(`/proc/self/task/${e.name}/stat`);
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.set(`${e.name} ${name}`, (Number(fields[11]) + Number(fields[12])) * tick);
  }
  return out;
}

if (import.meta.main) {
  const sequence = (Deno.args[0] ?? "1,2,1,2,1,2").split(",").map(Number);
  const maxOps = Number(Deno.args[1] ?? 7);
  // The calling thread's id is the process id.
  const main = `${Deno.pid} `;
  for (const workers of sequence) {
    const before = threadTimes();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const r = await explore({
      ...SCALING_EXHAUSTIVE,
      maxOps,
      workers,
      progress: false,
      shrink: false,
    });
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    let here = 0, worker = 0, v8 = 0;
    for (const [thread, ms] of threadTimes()) {
      const d = ms - (before.get(thread) ?? 0);
      if (thread.startsWith(main)) here += d;
      else if (thread.includes(" worker-")) worker += d;
      else v8 += d;
    }
    const executions = r.stats.executions;
    console.log(
      `workers ${workers}: ${(executions / seconds / 1000).toFixed(1)}k/s, ` +
        `${((used.user + used.system) / executions).toFixed(2)} us CPU per execution; ` +
        `CPU ms: this thread ${here}, workers ${worker}, V8's threads ${v8}, ` +
        `system ${Math.round(used.system / 1000)} (load ${Deno.loadavg()[0].toFixed(2)})`,
    );
  }
  closeIdleWorkers();
}
