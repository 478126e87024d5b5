/**
 * The stage-2 flush workload: a prefaulted guest, the same few dozen lines
 * resident whatever its RAM size, and three `stage2_flush_vm` under kvm-4.0
 * (turning caches on, a trapped set/way op, turning caches off). Only the
 * RAM size changes between the 1 GiB and the 64 GiB runs, so the modelled
 * cost grows 64 times while the simulated work must not.
 *
 * @example Usage
 * ```ts
 * import { stage2Scenario } from "./stage2_scenario.ts";
 * import { run } from "../lib/engine/run.ts";
 * const r = run(stage2Scenario(2 ** 30));
 * console.log(r.events.filter((e) => e.name === "stage2_flush_vm").length); // 3
 * ```
 *
 * @module
 */

import type { Step } from "../lib/guest/ops.ts";
import type { Scenario } from "../lib/engine/scenario.ts";

/** One GiB in bytes. */
export const GIB = 2 ** 30;

const RAM_BASE = 0x4000_0000;
const PAGES_TOUCHED = 32;

/**
 * The workload on `ram` bytes of prefaulted guest RAM.
 *
 * @example Usage
 * ```ts
 * import { GIB, stage2Scenario } from "./stage2_scenario.ts";
 * console.log(stage2Scenario(64 * GIB).ram / GIB); // 64
 * ```
 * @param ram guest RAM in bytes (at least 1 MiB)
 * @returns the scenario
 */
export function stage2Scenario(ram: number): Scenario {
  const steps: Step[] = [];
  const line = (page: number, k: number) => RAM_BASE + page * 4096 + k * 64;
  // Caches off: these stores go to DRAM.
  for (let p = 0; p < PAGES_TOUCHED; p++) {
    steps.push({ kind: "write", vcpu: 0, addr: line(p, 0), value: p + 1 });
  }
  steps.push({ kind: "sctlr", vcpu: 0, bits: { m: true, c: true } });
  // Caches on: dirty lines on both vCPUs.
  for (let p = 0; p < PAGES_TOUCHED; p++) {
    steps.push({ kind: "write", vcpu: p & 1, addr: line(p, 1), value: 0x100 + p });
    steps.push({ kind: "read", vcpu: (p + 1) & 1, addr: line(p, 0) });
  }
  steps.push({ kind: "sw", vcpu: 0, op: "cisw", level: 1, set: 0, way: 0 });
  steps.push({ kind: "sctlr", vcpu: 0, bits: { m: false, c: false } });
  // Caches off again: the data must have reached DRAM.
  for (let p = 0; p < PAGES_TOUCHED; p++) {
    steps.push({ kind: "read", vcpu: 0, addr: line(p, 1) });
  }
  return {
    version: 1,
    machine: "xgene1",
    cpus: 2,
    systemCache: "machine",
    policy: "kvm-4.0",
    ram,
    ramBase: RAM_BASE,
    prefault: true,
    seed: 1,
    speculation: "quiet",
    steps,
  };
}
