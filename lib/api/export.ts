/**
 * A scenario as a bare-metal AArch64 test: C and assembly, a linker script
 * and a Makefile that perform its guest program at EL1 on QEMU's `virt`
 * machine or a real board, and print each read and PASS/FAIL.
 *
 * @example Usage
 * ```ts
 * import { vm } from "@setway/setway";
 * import { exportBaremetal } from "@setway/setway/export";
 * const { files } = exportBaremetal(vm().guest((g) => g.vaCorrect()).toJSON(), { name: "va" });
 * console.log(Object.keys(files).includes("scenario.c")); // true
 * ```
 *
 * @module
 */

export {
  type BaremetalExport,
  type BaremetalPlan,
  exportBaremetal,
  type ExportOptions,
  planBaremetal,
  type PlannedStep,
  type Preload,
} from "../export/mod.ts";
export type { ProgramLayout } from "../export/layout.ts";
