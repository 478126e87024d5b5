/**
 * Export a scenario to a bootable AArch64 test: C and assembly, a linker
 * script, a Makefile and a README, self-contained (no libc, no external
 * source tree), that perform the scenario's guest program at EL1 on QEMU's
 * `virt` machine and report each read and a PASS/FAIL line on the PL011
 * UART.
 *
 * | file          | what it holds                                                      |
 * | ------------- | ------------------------------------------------------------------ |
 * | `scenario.c`  | the step table, the initial memory image, stack and table sizes    |
 * | `main.c`      | boot, the turn-taking interpreter, read checks, PASS/FAIL          |
 * | `cache.S`     | the set/way walk up to LoC from CLIDR_EL1/CCSIDR_EL1               |
 * | `cache.c`     | DC by VA over a range, single set/way instructions                 |
 * | `mmu.c`       | identity map, translation registers, VM-register and SCTLR writes  |
 * | `start.S`     | entry points, stacks, exception vectors                            |
 * | `psci.c`      | CPU_ON, SYSTEM_OFF                                                 |
 * | `uart.c`      | PL011 output                                                       |
 * | `setway.h`    | shared types                                                       |
 * | `test.ld`     | where the program lives                                            |
 * | `Makefile`    | `make`, `make run` (TCG), `make run-kvm` (arm64 host)             |
 * | `README.md`   | how to build and run, what is simplified                           |
 * | `scenario.json` | the scenario exported, for `setway run` on the model             |
 *
 * The same scenario and name always give the same files, byte for byte.
 * See {@linkcode planBaremetal} for what each step becomes and what is
 * refused. Simplified: a 32-bit guest (the zImage decompressor) runs as
 * AArch64 code at EL1 with the same operations; host writes are preloaded
 * before the guest program; `migrate` and `host_unmap` are not performed.
 *
 * @example Usage
 * ```ts
 * import { exportBaremetal } from "@setway/setway/export";
 * import { vm } from "@setway/setway";
 * const { files } = exportBaremetal(vm().guest((g) => g.vaCorrect()).toJSON(), { name: "va" });
 * console.log(Object.keys(files).includes("scenario.c")); // true
 * ```
 *
 * @module
 */

import type { Scenario } from "../engine/scenario.ts";
import { planBaremetal } from "./plan.ts";
import {
  buildCommand,
  qemuCommand,
  renderLinkerScript,
  renderMakefile,
  renderReadme,
} from "./render_build.ts";
import { renderScenarioC, renderScenarioJson } from "./render_scenario.ts";
import { CACHE_S, START_S } from "./runtime_asm.ts";
import { CACHE_C, MAIN_C, MMU_C, PSCI_C, SETWAY_H, UART_C } from "./runtime_c.ts";

export { type BaremetalPlan, planBaremetal, type PlannedStep, type Preload } from "./plan.ts";
export type { ProgramLayout } from "./layout.ts";
export { buildCommand, qemuCommand } from "./render_build.ts";

/**
 * Options of {@linkcode exportBaremetal}.
 *
 * @example Usage
 * ```ts
 * import type { ExportOptions } from "@setway/setway/export";
 * const options: ExportOptions = { name: "zimage.ts" };
 * ```
 */
export interface ExportOptions {
  /** The title the test prints first and the README names. Default `"scenario"`. */
  readonly name?: string;
}

/**
 * An exported test.
 *
 * @example Usage
 * ```ts
 * import type { BaremetalExport } from "@setway/setway/export";
 * const names = (e: BaremetalExport) => Object.keys(e.files).sort();
 * ```
 */
export interface BaremetalExport {
  /** Every file by name (no directories), in a fixed order. */
  readonly files: Readonly<Record<string, string>>;
  /** The compile-and-link command, to run in the files' directory. */
  readonly build: readonly string[];
  /** The QEMU (TCG) command that runs `test.elf` there. */
  readonly run: readonly string[];
  /** CPUs the test starts (QEMU's `-smp`). */
  readonly cpus: number;
  /** Reads the test checks. */
  readonly reads: number;
}

/**
 * Exports a scenario to a bootable AArch64 bare-metal test.
 *
 * @example Usage
 * ```ts
 * import { exportBaremetal } from "@setway/setway/export";
 * import { vm } from "@setway/setway";
 * const out = exportBaremetal(vm().guest((g) => g.zImage32()).toJSON(), { name: "zImage" });
 * console.log(out.run.join(" ")); // qemu-system-aarch64 -M virt -cpu cortex-a57 -smp 1 ...
 * ```
 * @param scenario a scenario (`vm()....toJSON()`, or read with `scenarioFrom`)
 * @param options the test's title
 * @returns the files and the commands that build and run them
 * @throws {ScenarioError} for an invalid scenario, or one the export cannot express
 */
export function exportBaremetal(scenario: Scenario, options: ExportOptions = {}): BaremetalExport {
  const plan = planBaremetal(scenario, options.name ?? "scenario");
  const sizes = { cpus: plan.cpus, memoryMiB: plan.layout.memoryMiB };
  const files: Record<string, string> = {
    "README.md": renderReadme(plan),
    "Makefile": renderMakefile(sizes),
    "test.ld": renderLinkerScript(plan.layout),
    "setway.h": SETWAY_H,
    "start.S": START_S,
    "cache.S": CACHE_S,
    "cache.c": CACHE_C,
    "mmu.c": MMU_C,
    "psci.c": PSCI_C,
    "uart.c": UART_C,
    "main.c": MAIN_C,
    "scenario.c": renderScenarioC(plan),
    "scenario.json": renderScenarioJson(plan.scenario),
  };
  return {
    files: Object.freeze(files),
    build: Object.freeze(buildCommand()),
    run: Object.freeze(qemuCommand(sizes)),
    cpus: plan.cpus,
    reads: plan.reads,
  };
}
