/**
 * The yardstick of row (c) of `deno task bench:report` (issue_rows.ts):
 * the cache accesses that engine_ops.ts's program makes, without the
 * engine. One fresh process replays the program's reads and writes straight
 * on a {@linkcode Hardware} of the scenario's machine, vCPU `i` on CPU `i`
 * (as the engine places them in a program without migrations), cacheable
 * when the vCPU's SCTLR.M and SCTLR.C are set, with DRAM reading zero as
 * the prefaulted RAM of the engine's run does. No scenario validation, no
 * hypervisor or stage 2, no event log, no oracle: what is left is what the
 * engine cannot do without.
 *
 * Prints `{"accesses":..,"ms":..,"cpuMs":..,"warmMs":..,"faults":..,"readsDigest":..}`:
 * the wall time of the replay alone in this fresh process (a new hardware
 * model included, as `run()` builds one), the process's CPU time over the
 * same span (every thread), the wall time of a second replay in the same
 * process, the minor page faults of the first replay (engine_ops.ts
 * `minorFaults`; null without the permission to read /proc/self/stat),
 * and the digest of the values read (engine_ops.ts `foldRead`),
 * which must equal engine_ops.ts's `readsDigest`: the two read the same
 * data. tests/perf/hardware_ops_test.ts checks more: that the replay leaves
 * every cache and DRAM as the engine's execution of the program does.
 *
 * Run: `deno run -A bench/hardware_ops.ts` (report.ts runs it, alternated
 * with engine_ops.ts).
 *
 * @module
 */

import process from "node:process";
import { Hardware } from "../lib/hw/hardware.ts";
import { scenarioMachine } from "../lib/engine/resolve.ts";
import type { Scenario } from "../lib/engine/scenario.ts";
import { faultsSince, foldRead, minorFaults, OPS, opsScenario } from "./engine_ops.ts";

/**
 * Replays a program's guest reads and writes on a new hardware model of its
 * machine ({@linkcode replayAccesses}), then releases the model.
 *
 * @example Usage
 * ```ts
 * import { hardwareOps } from "./hardware_ops.ts";
 * import { opsScenario } from "./engine_ops.ts";
 * console.log(hardwareOps(opsScenario(10)).accesses); // 8
 * ```
 * @param scenario the program (engine_ops.ts `opsScenario`)
 * @returns as {@linkcode replayAccesses}
 * @throws {Error} as {@linkcode replayAccesses}
 */
export function hardwareOps(scenario: Scenario): { accesses: number; digest: number } {
  const hw = new Hardware(scenarioMachine(scenario), { seed: scenario.seed });
  try {
    return replayAccesses(hw, scenario);
  } finally {
    hw.release();
  }
}

/**
 * Replays a program's guest reads and writes on a hardware model of its
 * machine, as the engine's run of it drives the hardware: DRAM reads zero
 * over the program's RAM, vCPU `i` on CPU `i`. A program of other steps
 * than reads, writes and SCTLR writes is refused: this replays
 * engine_ops.ts's programs, not any scenario.
 *
 * @example Usage
 * ```ts
 * import { replayAccesses } from "./hardware_ops.ts";
 * import { opsScenario } from "./engine_ops.ts";
 * import { Hardware } from "../lib/hw/hardware.ts";
 * import { xgene1 } from "../lib/machines/mod.ts";
 * console.log(replayAccesses(new Hardware(xgene1), opsScenario(10)).accesses); // 8
 * ```
 * @param hw a new hardware model of the program's machine
 * @param scenario the program (engine_ops.ts `opsScenario`)
 * @returns the accesses made, and the digest of the values read (engine_ops.ts `foldRead`)
 * @throws {Error} for a step that is not a read, a write or an SCTLR write
 */
export function replayAccesses(
  hw: Hardware,
  scenario: Scenario,
): { accesses: number; digest: number } {
  // The engine's run prefaults RAM: DRAM reads zero where nothing was written.
  hw.memory.zeroFill(scenario.ramBase, scenario.ram);
  // Per vCPU: whether its accesses are cacheable (SCTLR.M and SCTLR.C both set).
  const m = new Uint8Array(scenario.cpus), c = new Uint8Array(scenario.cpus);
  let accesses = 0, digest = 0;
  const steps = scenario.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    switch (step.kind) {
      case "read": {
        const cacheable = m[step.vcpu] === 1 && c[step.vcpu] === 1;
        digest = foldRead(digest, hw.read(step.vcpu, step.addr, cacheable));
        accesses++;
        break;
      }
      case "write":
        hw.write(step.vcpu, step.addr, step.value, m[step.vcpu] === 1 && c[step.vcpu] === 1);
        accesses++;
        break;
      case "sctlr":
        if (step.bits.m !== undefined) m[step.vcpu] = step.bits.m ? 1 : 0;
        if (step.bits.c !== undefined) c[step.vcpu] = step.bits.c ? 1 : 0;
        break;
      default:
        throw new Error(`replayAccesses: step ${i} is a ${step.kind}, not a read, write or sctlr`);
    }
  }
  return { accesses, digest };
}

if (import.meta.main) {
  const scenario = opsScenario(OPS);
  const faultsBefore = minorFaults();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const { accesses, digest } = hardwareOps(scenario);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const faults = faultsSince(faultsBefore);
  const warmStart = performance.now();
  hardwareOps(scenario);
  const warmMs = performance.now() - warmStart;
  console.log(JSON.stringify({
    accesses,
    ms,
    cpuMs: (used.user + used.system) / 1000,
    warmMs,
    faults,
    readsDigest: digest,
  }));
}
