/**
 * Exploration throughput: executions (runs of a program through the policy
 * and the oracle) per second on one core, for short programs.
 *
 * - `deno bench -P bench/explore_bench.ts`: the benches below, one
 *   exploration per iteration (its execution count is in the name, so
 *   executions per second = count / time per iteration).
 * - `deno run bench/explore_bench.ts`: a table of executions per second
 *   per core for each workload, against the 50 000/s target.
 * - `deno run bench/explore_bench.ts --reach`: how long a program, on how
 *   many vCPUs, an exhaustive exploration finishes within 60 s on this
 *   machine (several minutes).
 *
 * @module
 */

import { explore, type ExploreOptions } from "../mod.ts";
import { rate, WORKLOADS } from "./explore_workloads.ts";

const quiet = { progress: false, shrink: false } as const;

if (!import.meta.main) {
  for (const w of WORKLOADS) {
    const probe = await explore({ ...w.options, ...quiet });
    Deno.bench(
      `${w.name} (${probe.stats.executions} executions)`,
      { group: "explore" },
      async () => {
        await explore({ ...w.options, ...quiet });
      },
    );
  }
}

/**
 * The 60-second reach: for each vCPU count, the longest programs an
 * exhaustive exploration finishes within 60 s.
 *
 * @param base the alphabet and machine
 * @param cpus vCPU counts to try
 */
async function reach(base: ExploreOptions, cpus: readonly number[]): Promise<void> {
  for (const n of cpus) {
    let best = 0;
    for (let maxOps = 1; maxOps <= 16; maxOps++) {
      const t = performance.now();
      const r = await explore({ ...base, cpus: n, maxOps, seconds: 60, ...quiet });
      const s = (performance.now() - t) / 1000;
      console.log(
        `  ${n} vCPU${n > 1 ? "s" : " "} ${String(maxOps).padStart(2)} ops: ${
          r.complete ? "complete" : "cut at 60 s"
        } in ${s.toFixed(1)} s, ${r.stats.executions} executions, ${r.stats.states} states`,
      );
      if (!r.complete) break;
      best = maxOps;
      if (s > 20) break; // the next length would take several times longer
    }
    console.log(`=> ${n} vCPU${n > 1 ? "s" : ""}: up to ${best} ops in 60 s`);
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--reach")) {
    const escape: ExploreOptions = {
      machine: "xgene1",
      policy: "kvm-4.0",
      ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff", "migrate"],
    };
    console.log(
      "xgene1, kvm-4.0, write/read/DC CIVAC/MMU on/MMU off (+migrate), every hardware choice:",
    );
    await reach(escape, [1, 2, 3]);
    const setway: ExploreOptions = {
      machine: "xgene1",
      policy: "kvm-3.18",
      speculation: false,
      ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff", "migrate"],
    };
    console.log("xgene1, kvm-3.18, write/read/S/W clean/MMU on/MMU off/migrate, quiet hardware:");
    await reach(setway, [1, 2, 3]);
  } else {
    console.log("executions per second, one core (target: 50 000/s for short programs)");
    for (const w of WORKLOADS) {
      const { executions, perSecond } = await rate(w.options);
      console.log(
        `${String(Math.round(perSecond)).padStart(8)}/s  ${executions} executions  ${w.name}`,
      );
    }
  }
}
