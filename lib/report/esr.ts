/**
 * Names of ESR/HSR exception classes, as the kernel's `kvm_exit` trace point
 * prints them.
 *
 * The kernel maps the exception class (ESR_ELx.EC, HSR.EC on 32-bit ARM) to a
 * name with `__print_symbolic(esr_ec, kvm_arm_exception_class)`; a class not
 * in its table prints as `0x%lx`. The tables here hold the classes the kernel
 * names in its 2016-era `kvm_arm_exception_class` lists, with the same
 * spelling: arm64's (arch/arm64/include/asm/kvm_arm.h) and 32-bit arch/arm's
 * (arch/arm/include/asm/kvm_arm.h), which differ (`DABT_LOW` and `DABT`).
 *
 * @example Usage
 * ```ts
 * import { exceptionClassName } from "./esr.ts";
 * exceptionClassName(0x18); // "SYS64"
 * exceptionClassName(0x03); // "CP15_32"
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";

/** The exception classes the kernel names, by EC value. */
const EC_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, "UNKNOWN"],
  [0x01, "WFx"],
  [0x03, "CP15_32"],
  [0x04, "CP15_64"],
  [0x05, "CP14_MR"],
  [0x06, "CP14_LS"],
  [0x07, "FP_ASIMD"],
  [0x08, "CP10_ID"],
  [0x0c, "CP14_64"],
  [0x15, "SVC64"],
  [0x16, "HVC64"],
  [0x17, "SMC64"],
  [0x18, "SYS64"],
  [0x1f, "IMP_DEF"],
  [0x20, "IABT_LOW"],
  [0x21, "IABT_CUR"],
  [0x22, "PC_ALIGN"],
  [0x24, "DABT_LOW"],
  [0x25, "DABT_CUR"],
  [0x26, "SP_ALIGN"],
  [0x28, "FP_EXC32"],
  [0x2c, "FP_EXC64"],
  [0x2f, "SERROR"],
  [0x30, "BREAKPT_LOW"],
  [0x31, "BREAKPT_CUR"],
  [0x32, "SOFTSTP_LOW"],
  [0x33, "SOFTSTP_CUR"],
  [0x34, "WATCHPT_LOW"],
  [0x35, "WATCHPT_CUR"],
  [0x38, "BKPT32"],
  [0x3a, "VECTOR32"],
  [0x3c, "BRK64"],
]);

/**
 * The classes 32-bit arch/arm KVM names in its own `kvm_arm_exception_class`
 * (arch/arm/include/asm/kvm_arm.h, Linux 4.6 to 5.6: the `HSR_EC_*` names
 * without their prefix, so a data abort is `DABT`, not `DABT_LOW`).
 */
const HSR_EC_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, "UNKNOWN"],
  [0x01, "WFI"],
  [0x03, "CP15_32"],
  [0x04, "CP15_64"],
  [0x05, "CP14_MR"],
  [0x06, "CP14_LS"],
  [0x07, "CP_0_13"],
  [0x08, "CP10_ID"],
  [0x09, "JAZELLE"],
  [0x0a, "BXJ"],
  [0x0c, "CP14_64"],
  [0x11, "SVC_HYP"],
  [0x12, "HVC"],
  [0x13, "SMC"],
  [0x20, "IABT"],
  [0x21, "IABT_HYP"],
  [0x24, "DABT"],
  [0x25, "DABT_HYP"],
]);

/**
 * Which kernel names the class: arm64 KVM, or 32-bit arch/arm KVM.
 *
 * @example Usage
 * ```ts
 * import type { HostArch } from "./esr.ts";
 * const host: HostArch = "arm";
 * ```
 */
export type HostArch = "arm64" | "arm";

/**
 * The kernel's name for an exception class, or `0x<hex>` for one it does not
 * name (as `__print_symbolic` falls back).
 *
 * @example Usage
 * ```ts
 * import { exceptionClassName } from "./esr.ts";
 * exceptionClassName(0x24); // "DABT_LOW"
 * exceptionClassName(0x24, "arm"); // "DABT"
 * exceptionClassName(0x12); // "0x12"
 * ```
 * @param ec the exception class, an integer from 0 to 0x3f
 * @param host the kernel whose table names it; default `"arm64"`
 * @returns the class name
 */
export function exceptionClassName(ec: number, host: HostArch = "arm64"): string {
  if (!Number.isInteger(ec) || ec < 0 || ec > 0x3f) {
    throw new ScenarioError(
      "out_of_range",
      "exceptionClassName",
      ec,
      `exceptionClassName(${showValue(ec)}): expected an exception class from 0 to 0x3f`,
    );
  }
  return (host === "arm" ? HSR_EC_NAMES : EC_NAMES).get(ec) ?? "0x" + ec.toString(16);
}
