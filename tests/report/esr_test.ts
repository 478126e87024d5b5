/**
 * The exception class names of a trace's kvm_exit lines, checked against
 * the kernel's own tables: arm64's `kvm_arm_exception_class` (the
 * `ESR_ELx_EC_*` values of arch/arm64/include/asm/esr.h, 2016-era list
 * without PAC and SVE) and 32-bit arch/arm's (the `HSR_EC_*` values of
 * arch/arm/include/asm/kvm_arm.h), with `__print_symbolic`'s `0x%lx` for a
 * class neither names.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exceptionClassName } from "../../lib/report/esr.ts";
import { ScenarioError } from "../../lib/errors.ts";

/** arm64's kvm_arm_exception_class, copied by hand from the kernel headers. */
const ARM64: Record<number, string> = {
  0x00: "UNKNOWN",
  0x01: "WFx",
  0x03: "CP15_32",
  0x04: "CP15_64",
  0x05: "CP14_MR",
  0x06: "CP14_LS",
  0x07: "FP_ASIMD",
  0x08: "CP10_ID",
  0x0c: "CP14_64",
  0x15: "SVC64",
  0x16: "HVC64",
  0x17: "SMC64",
  0x18: "SYS64",
  0x1f: "IMP_DEF",
  0x20: "IABT_LOW",
  0x21: "IABT_CUR",
  0x22: "PC_ALIGN",
  0x24: "DABT_LOW",
  0x25: "DABT_CUR",
  0x26: "SP_ALIGN",
  0x28: "FP_EXC32",
  0x2c: "FP_EXC64",
  0x2f: "SERROR",
  0x30: "BREAKPT_LOW",
  0x31: "BREAKPT_CUR",
  0x32: "SOFTSTP_LOW",
  0x33: "SOFTSTP_CUR",
  0x34: "WATCHPT_LOW",
  0x35: "WATCHPT_CUR",
  0x38: "BKPT32",
  0x3a: "VECTOR32",
  0x3c: "BRK64",
};

/** 32-bit arch/arm's kvm_arm_exception_class: the HSR_EC_* names without their prefix. */
const ARM: Record<number, string> = {
  0x00: "UNKNOWN",
  0x01: "WFI",
  0x03: "CP15_32",
  0x04: "CP15_64",
  0x05: "CP14_MR",
  0x06: "CP14_LS",
  0x07: "CP_0_13",
  0x08: "CP10_ID",
  0x09: "JAZELLE",
  0x0a: "BXJ",
  0x0c: "CP14_64",
  0x11: "SVC_HYP",
  0x12: "HVC",
  0x13: "SMC",
  0x20: "IABT",
  0x21: "IABT_HYP",
  0x24: "DABT",
  0x25: "DABT_HYP",
};

Deno.test("every exception class from 0 to 0x3f is named as arm64's kvm_exit names it", () => {
  for (let ec = 0; ec <= 0x3f; ec++) {
    // __print_symbolic prints a value missing from its table with "0x%lx": no padding.
    const expected = ARM64[ec] ?? `0x${ec.toString(16)}`;
    assert.equal(exceptionClassName(ec), expected, `EC ${ec}`);
    assert.equal(exceptionClassName(ec, "arm64"), expected, `EC ${ec}`);
  }
});

Deno.test("every exception class from 0 to 0x3f is named as 32-bit arch/arm's kvm_exit names it", () => {
  for (let ec = 0; ec <= 0x3f; ec++) {
    const expected = ARM[ec] ?? `0x${ec.toString(16)}`;
    assert.equal(exceptionClassName(ec, "arm"), expected, `EC ${ec}`);
  }
});

Deno.test("the classes a hypervisor engineer meets most, by their Arm ARM meaning", () => {
  // Trapped MCR/MRC to CP15 (an AArch32 guest's set/way or VM register write).
  assert.equal(exceptionClassName(0x03), "CP15_32");
  // Trapped MSR/MRS/system instruction (an AArch64 guest's DC CISW or SCTLR_EL1 write).
  assert.equal(exceptionClassName(0x18), "SYS64");
  // Data and instruction aborts from a lower EL: the stage-2 faults.
  assert.equal(exceptionClassName(0x24), "DABT_LOW");
  assert.equal(exceptionClassName(0x20), "IABT_LOW");
  // The same aborts on a 32-bit host are taken to Hyp mode from the guest: DABT, IABT.
  assert.equal(exceptionClassName(0x24, "arm"), "DABT");
  assert.equal(exceptionClassName(0x20, "arm"), "IABT");
  // AArch32 HVC has no name in arm64's table; arm64's HVC64 none in arch/arm's.
  assert.equal(exceptionClassName(0x12), "0x12");
  assert.equal(exceptionClassName(0x16, "arm"), "0x16");
  assert.equal(exceptionClassName(0x0b), "0xb");
});

Deno.test("a value that is not a 6-bit exception class is refused, naming the call", () => {
  for (const bad of [-1, 0x40, 0x3f + 0.5, 1.5, Number.NaN, 2 ** 53]) {
    assert.throws(
      () => exceptionClassName(bad),
      (e: unknown) =>
        e instanceof ScenarioError && e.code === "out_of_range" &&
        e.call === "exceptionClassName" && /from 0 to 0x3f/.test(e.message),
      String(bad),
    );
  }
  // Both ends of the range are classes.
  assert.equal(exceptionClassName(0), "UNKNOWN");
  assert.equal(exceptionClassName(0x3f), "0x3f");
  assert.equal(exceptionClassName(0x3f, "arm"), "0x3f");
});
