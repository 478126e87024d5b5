/**
 * Guest operations: the steps of a scenario, as plain JSON data.
 *
 * Each step is a readonly node tagged with `kind`, carrying the vCPU that
 * performs it. `on(vcpu, fn)` in the DSL does not nest: it only changes the
 * `vcpu` of the steps it records, so a program is a flat list in the order
 * the scenario runs it.
 *
 * @module
 */

/** Data-cache maintenance by virtual address. */
export type DcVaOp = "cvac" | "civac" | "ivac" | "cvau";

/** Data-cache maintenance by set/way. */
export type DcSwOp = "csw" | "cisw" | "isw";

/**
 * The virtual-memory control registers that HCR.TVM traps (other than
 * SCTLR), by one name for the AArch64 register and its AArch32 views: `TCR`
 * is TCR_EL1 or TTBCR; `MAIR0`/`MAIR1` are MAIR_EL1's halves, and also PRRR
 * and NMRR (the same CP15 encoding, c10, c2, 0 and 1, read as PRRR/NMRR
 * without LPAE); `ESR` is ESR_EL1 or DFSR/IFSR; `FAR` is FAR_EL1 or
 * DFAR/IFAR; `AFSR0`/`AFSR1` are ADFSR/AIFSR; `DACR` exists in AArch32 only.
 * These are the registers of `access_vm_reg` in Linux 4.0's
 * arch/arm64/kvm/sys_regs.c and arch/arm/kvm/coproc.c.
 */
export type VmRegName =
  | "TTBR0"
  | "TTBR1"
  | "TCR"
  | "MAIR0"
  | "MAIR1"
  | "AMAIR0"
  | "AMAIR1"
  | "CONTEXTIDR"
  | "DACR"
  | "ESR"
  | "FAR"
  | "AFSR0"
  | "AFSR1";

/** Every register name `vmReg()` accepts. */
export const VM_REG_NAMES: readonly VmRegName[] = [
  "TTBR0",
  "TTBR1",
  "TCR",
  "MAIR0",
  "MAIR1",
  "AMAIR0",
  "AMAIR1",
  "CONTEXTIDR",
  "DACR",
  "ESR",
  "FAR",
  "AFSR0",
  "AFSR1",
];

/** The SCTLR bits setway models; a missing bit keeps its current value. */
export interface SctlrBits {
  /** M: stage-1 MMU enable. With M clear, data accesses are non-cacheable. */
  readonly m?: boolean;
  /** C: data and unified caches enable. */
  readonly c?: boolean;
  /** I: instruction cache enable (recorded, no data effect). */
  readonly i?: boolean;
}

/** A guest store of one 32-bit word. */
export interface WriteStep {
  /** The kind of step. */
  readonly kind: "write";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The guest physical address, 4-byte aligned, inside RAM. */
  readonly addr: number;
  /** The 32-bit value stored. */
  readonly value: number;
}

/** A guest load of one 32-bit word; the oracle checks what it returns. */
export interface ReadStep {
  /** The kind of step. */
  readonly kind: "read";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The guest physical address, 4-byte aligned, inside RAM. */
  readonly addr: number;
}

/** `DC <op>, Xt` over `[addr, addr + len)`, one instruction per line. */
export interface DcVaStep {
  /** The kind of step. */
  readonly kind: "dc_va";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The DC operation by VA. */
  readonly op: DcVaOp;
  /** The first byte covered. */
  readonly addr: number;
  /** The number of bytes covered. */
  readonly len: number;
}

/** A whole set/way walk of every level up to LoC, as the guest reads CLIDR/CCSIDR. */
export interface SwWalkStep {
  /** The kind of step. */
  readonly kind: "sw_walk";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The set/way operation. */
  readonly op: DcSwOp;
}

/** One set/way instruction on one slot. `level` is 1-based, as in ARM documents. */
export interface SwStep {
  /** The kind of step. */
  readonly kind: "sw";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The set/way operation. */
  readonly op: DcSwOp;
  /** The cache level, 1-based. */
  readonly level: number;
  /** The set index. */
  readonly set: number;
  /** The way index. */
  readonly way: number;
}

/** One write to SCTLR (read-modify-write of the bits given). */
export interface SctlrStep {
  /** The kind of step. */
  readonly kind: "sctlr";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The SCTLR bits written; the others keep their value. */
  readonly bits: SctlrBits;
}

/** One write to another trapped VM register. */
export interface VmRegStep {
  /** The kind of step. */
  readonly kind: "vm_reg";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The register written. */
  readonly reg: VmRegName;
  /** The value written to the register. */
  readonly value: number;
}

/** Sets the guest PC shown by the following steps of that vCPU. */
export interface PcStep {
  /** The kind of step. */
  readonly kind: "pc";
  /** The vCPU that executes the step. */
  readonly vcpu: number;
  /** The guest PC the following steps show. */
  readonly addr: number;
}

/** The host scheduler moves a vCPU to another physical CPU. */
export interface MigrateStep {
  /** The kind of step. */
  readonly kind: "migrate";
  /** The vCPU that moves. */
  readonly vcpu: number;
  /** The physical CPU it moves to. */
  readonly pcpu: number;
}

/** The VMM writes guest RAM through the host's cacheable mapping, on physical CPU `cpu`. */
export interface HostWriteStep {
  /** The kind of step. */
  readonly kind: "host_write";
  /** The physical CPU the VMM runs on; default: the first one not running a vCPU. */
  readonly cpu?: number;
  /** The guest physical address written, 4-byte aligned, inside RAM. */
  readonly addr: number;
  /** The 32-bit value written. */
  readonly value: number;
}

/** The host unmaps a guest page from stage 2 (swap-out, balloon, migration). */
export interface HostUnmapStep {
  /** The kind of step. */
  readonly kind: "host_unmap";
  /** The physical CPU the VMM runs on; default: the first one not running a vCPU. */
  readonly cpu?: number;
  /** An address inside the page to unmap. */
  readonly addr: number;
}

/**
 * The execution state of a vCPU's EL1 from this step on: AArch32 (a 32-bit
 * guest such as the zImage decompressor) or AArch64 (the reset state).
 *
 * It is the VMM's choice when it initialises the vCPU (KVM's
 * `KVM_ARM_VCPU_EL1_32BIT` feature; on a 32-bit host every guest is
 * AArch32): EL1 cannot change its own execution state, so a program sets it
 * before the vCPU's first instruction. It is not an instruction: it is no
 * hardware choice point and records no event (it counts as one step of the
 * budget, as every step does). It decides the exception class of the
 * vCPU's traps: a trapped set/way or VM-register write is an MCR to CP15
 * from AArch32 (EC 0x03, `CP15_32`) and an MSR or SYS from AArch64 (EC 0x18,
 * `SYS64`).
 *
 * Simplified: an AArch32 guest is taken to write every VM register with a
 * 32-bit MCR; the 64-bit MCRR of a TTBR with LPAE (EC 0x04, `CP15_64`) is
 * not modelled, as register values are 32-bit.
 */
export interface ExecStateStep {
  /** The kind of step. */
  readonly kind: "exec_state";
  /** The vCPU whose execution state is set. */
  readonly vcpu: number;
  /** True for AArch32 at EL1, false for AArch64 (the state every vCPU starts in). */
  readonly aarch32: boolean;
}

/** One step of a scenario's program. */
export type Step =
  | WriteStep
  | ReadStep
  | DcVaStep
  | SwWalkStep
  | SwStep
  | SctlrStep
  | VmRegStep
  | PcStep
  | MigrateStep
  | HostWriteStep
  | HostUnmapStep
  | ExecStateStep;

/** The `kind` tags of {@linkcode Step}. */
export type StepKind = Step["kind"];
