/**
 * The syndrome a stage-2 abort from the guest reports to the hypervisor: the
 * exception class of the exit and the ESR_EL2 (HSR on a 32-bit host) value
 * and fault address that KVM's `kvm_handle_guest_abort` reads and traces
 * (`trace_kvm_guest_fault(*vcpu_pc(vcpu), kvm_vcpu_get_hsr(vcpu),
 * kvm_vcpu_get_hfar(vcpu), fault_ipa)` in `kvm_handle_guest_abort`,
 * arch/arm/kvm/mmu.c in Linux 4.0, virt/kvm/arm/mmu.c later; the trace point
 * is `kvm_guest_fault` in arch/arm/kvm/trace.h, later virt/kvm/arm/trace.h).
 * Both arm and arm64 dispatch the exit to it from `handle_exit` by class
 * (`arm_exit_handlers[HSR_EC_DABT]` and `[HSR_EC_IABT]` on arch/arm).
 *
 * The encoding follows the ARMv8-A ESR_ELx layout (arch/arm64/include/asm/
 * esr.h: EC in bits [31:26], IL bit 25, then the ISS), which the ARMv7 HSR
 * shares for these fields (arch/arm/include/asm/kvm_arm.h `HSR_EC_SHIFT`,
 * `HSR_IL`, `HSR_ISV`, `HSR_WNR`, `HSR_DABT_CM`), and stage 2 uses the
 * long-descriptor fault status codes on both:
 *
 * - a load or store: EC 0x24 (`ESR_ELx_EC_DABT_LOW`, `HSR_EC_DABT`), IL 1,
 *   ISV 1 with SAS = word (every access setway models is a 32-bit word), SRT
 *   0, WnR set for a store, DFSC 0x07 (translation fault, level 3);
 * - a data-cache maintenance by VA: the same class with ISV 0, CM 1 and WnR
 *   1 (the architecture reports a cache maintenance instruction as a write);
 * - an instruction fetch: EC 0x20 (`ESR_ELx_EC_IABT_LOW`, `HSR_EC_IABT`),
 *   IL 1, IFSC 0x07.
 *
 * An AArch32 guest on an arm64 host takes the same classes (a guest abort
 * is DABT_LOW/IABT_LOW whatever the guest's execution state).
 *
 * `hxfar` is the faulting virtual address (FAR_EL2; HDFAR or HIFAR on a
 * 32-bit host): the address accessed, or the PC for a fetch. The trace's
 * `ipa` is the page the fault names (HPFAR_EL2), page aligned.
 *
 * Simplified: the guest's VA equals the IPA (an identity stage 1, or the MMU
 * off); the transfer register is always x0/r0; every fault is reported at
 * level 3, where KVM would see a higher level while no table covers the
 * address yet.
 *
 * @module
 */

/**
 * The exception class of a data abort from a lower exception level
 * (`ESR_ELx_EC_DABT_LOW`; `HSR_EC_DABT` on a 32-bit host).
 *
 * @example Usage
 * ```ts
 * import { ESR_EC_DABT_LOW } from "./abort_syndrome.ts";
 * console.log(ESR_EC_DABT_LOW.toString(16)); // "24"
 * ```
 */
export const ESR_EC_DABT_LOW = 0x24;

/**
 * The exception class of an instruction abort from a lower exception level
 * (`ESR_ELx_EC_IABT_LOW`; `HSR_EC_IABT` on a 32-bit host).
 *
 * @example Usage
 * ```ts
 * import { ESR_EC_IABT_LOW } from "./abort_syndrome.ts";
 * console.log(ESR_EC_IABT_LOW.toString(16)); // "20"
 * ```
 */
export const ESR_EC_IABT_LOW = 0x20;

/**
 * What the guest was doing when stage 2 faulted: a load, a store, a
 * data-cache maintenance instruction by VA, or an instruction fetch.
 *
 * @example Usage
 * ```ts
 * import type { AbortAccess } from "./abort_syndrome.ts";
 * const access: AbortAccess = "write";
 * ```
 */
export type AbortAccess = "read" | "write" | "cmo" | "fetch";

/** ESR/HSR fields (bit positions of the ARMv8-A ESR_ELx and the ARMv7 HSR). */
const EC_SHIFT = 26;
const IL = 1 << 25;
const ISV = 1 << 24;
const SAS_WORD = 0b10 << 22;
const CM = 1 << 8;
const WNR = 1 << 6;
/** Translation fault, level 3 (long-descriptor DFSC/IFSC 0b000111). */
const FSC_TRANSLATION_L3 = 0x07;

/**
 * The exception class of the exit a stage-2 abort causes.
 *
 * @example Usage
 * ```ts
 * import { abortClass } from "./abort_syndrome.ts";
 * console.log(abortClass("fetch").toString(16)); // "20"
 * ```
 * @param access what faulted
 * @returns EC 0x20 for a fetch, 0x24 otherwise
 */
export function abortClass(access: AbortAccess): number {
  return access === "fetch" ? ESR_EC_IABT_LOW : ESR_EC_DABT_LOW;
}

/**
 * The ESR_EL2 (HSR) value of a stage-2 translation fault, as an unsigned
 * 32-bit number.
 *
 * @example Usage
 * ```ts
 * import { abortSyndrome } from "./abort_syndrome.ts";
 * console.log(abortSyndrome("read").toString(16)); // "93800007"
 * console.log(abortSyndrome("write").toString(16)); // "93800047"
 * console.log(abortSyndrome("fetch").toString(16)); // "82000007"
 * ```
 * @param access what faulted
 * @returns the syndrome
 */
export function abortSyndrome(access: AbortAccess): number {
  const ec = abortClass(access) << EC_SHIFT;
  let iss: number;
  switch (access) {
    case "read":
      iss = ISV | SAS_WORD | FSC_TRANSLATION_L3;
      break;
    case "write":
      iss = ISV | SAS_WORD | WNR | FSC_TRANSLATION_L3;
      break;
    case "cmo":
      iss = CM | WNR | FSC_TRANSLATION_L3;
      break;
    case "fetch":
      iss = FSC_TRANSLATION_L3;
      break;
  }
  return (ec | IL | iss) >>> 0;
}
