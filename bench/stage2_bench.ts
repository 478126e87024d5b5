/**
 * Stage-2 flush benchmarks: the same workload (stage2_scenario.ts) on a
 * prefaulted 1 GiB and 64 GiB guest. The modelled cost is 64 times larger
 * on the 64 GiB guest; the simulated time must stay within 1.2 times.
 *
 * Run: `deno bench -P bench/stage2_bench.ts`
 *
 * @module
 */

import { run } from "../lib/engine/run.ts";
import { GIB, stage2Scenario } from "./stage2_scenario.ts";

const small = stage2Scenario(GIB);
const large = stage2Scenario(64 * GIB);

Deno.bench("run(): prefaulted 1 GiB guest, 3 stage2_flush_vm", {
  group: "stage2",
  baseline: true,
}, () => {
  run(small);
});

Deno.bench("run(): prefaulted 64 GiB guest, 3 stage2_flush_vm", { group: "stage2" }, () => {
  run(large);
});
