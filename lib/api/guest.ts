/**
 * Guest programs and the details of a scenario: the step types a guest
 * program is made of, the guest presets as functions, the DSL's option
 * types, the scenario format's constants and run limits, and
 * {@linkcode runIsolated}, which runs a scenario module in a worker with
 * no permission and a time limit.
 *
 * @example Usage
 * ```ts
 * import { vm } from "@setway/setway";
 * import { type Step, zImage32 } from "@setway/setway/guest";
 * const steps: readonly Step[] = zImage32({ words: 4, pages: 1 });
 * console.log(steps[0].kind); // "exec_state"
 * console.log(vm().guest((g) => g.zImage32({ words: 4, pages: 1 })).toJSON().steps.length > 0);
 * ```
 *
 * @module
 */

export type {
  DcSwOp,
  DcVaOp,
  DcVaStep,
  ExecStateStep,
  HostUnmapStep,
  HostWriteStep,
  MigrateStep,
  PcStep,
  ReadStep,
  SctlrBits,
  SctlrStep,
  Step,
  StepKind,
  SwStep,
  SwWalkStep,
  VmRegName,
  VmRegStep,
  WriteStep,
} from "../guest/ops.ts";
export {
  edk2,
  type GuestPreset,
  linuxArm64,
  noMaintenance,
  presets,
  smpSecondary,
  uboot,
  vaCorrect,
  zImage32,
} from "../guest/mod.ts";
export type { SimpleGuestOptions } from "../guest/options.ts";
export type { ImageOptions } from "../guest/image.ts";
export type { ZImage32Options, ZImageEra } from "../guest/zimage32.ts";
export type { LinuxArm64Loader, LinuxArm64Options } from "../guest/linux_arm64.ts";
export type { Edk2Options } from "../guest/edk2.ts";
export type { UbootOptions } from "../guest/uboot.ts";
export type { L1Geometry, SmpSecondaryOptions } from "../guest/smp_secondary.ts";
export type { RamOptions, SystemCacheChoice, VmProps } from "../dsl/vm.ts";
export type { GuestBuilderProps, GuestPresetFn } from "../dsl/guest.ts";
export type { HostBuilderProps, HostOptions } from "../dsl/host.ts";
export { parseRam, type RamSize, type RamString, type RamUnit } from "../dsl/ram.ts";
export type { StepList } from "../dsl/step_list.ts";
export type { StepContext } from "../engine/rules/steps.ts";
export type { RamRange } from "../engine/rules/values.ts";
export { DEFAULT_RAM_BASE, SCENARIO_VERSION } from "../engine/scenario.ts";
export {
  DEFAULT_MAX_EVENTS,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TOUCHED_PAGES,
} from "../engine/options.ts";
export { type IsolateOptions, runIsolated } from "../engine/isolate.ts";
