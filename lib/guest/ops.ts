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

/** The virtual-memory control registers that HCR.TVM traps (other than SCTLR). */
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
  readonly kind: "write";
  readonly vcpu: number;
  readonly addr: number;
  readonly value: number;
}

/** A guest load of one 32-bit word; the oracle checks what it returns. */
export interface ReadStep {
  readonly kind: "read";
  readonly vcpu: number;
  readonly addr: number;
}

/** `DC <op>, Xt` over `[addr, addr + len)`, one instruction per line. */
export interface DcVaStep {
  readonly kind: "dc_va";
  readonly vcpu: number;
  readonly op: DcVaOp;
  readonly addr: number;
  readonly len: number;
}

/** A whole set/way walk of every level up to LoC, as the guest reads CLIDR/CCSIDR. */
export interface SwWalkStep {
  readonly kind: "sw_walk";
  readonly vcpu: number;
  readonly op: DcSwOp;
}

/** One set/way instruction on one slot. `level` is 1-based, as in ARM documents. */
export interface SwStep {
  readonly kind: "sw";
  readonly vcpu: number;
  readonly op: DcSwOp;
  readonly level: number;
  readonly set: number;
  readonly way: number;
}

/** One write to SCTLR (read-modify-write of the bits given). */
export interface SctlrStep {
  readonly kind: "sctlr";
  readonly vcpu: number;
  readonly bits: SctlrBits;
}

/** One write to another trapped VM register. */
export interface VmRegStep {
  readonly kind: "vm_reg";
  readonly vcpu: number;
  readonly reg: VmRegName;
  readonly value: number;
}

/** Sets the guest PC shown by the following steps of that vCPU. */
export interface PcStep {
  readonly kind: "pc";
  readonly vcpu: number;
  readonly addr: number;
}

/** The host scheduler moves a vCPU to another physical CPU. */
export interface MigrateStep {
  readonly kind: "migrate";
  readonly vcpu: number;
  readonly pcpu: number;
}

/** The VMM writes guest RAM through the host's cacheable mapping, on physical CPU `cpu`. */
export interface HostWriteStep {
  readonly kind: "host_write";
  /** The physical CPU the VMM runs on; default: the first one not running a vCPU. */
  readonly cpu?: number;
  readonly addr: number;
  readonly value: number;
}

/** The host unmaps a guest page from stage 2 (swap-out, balloon, migration). */
export interface HostUnmapStep {
  readonly kind: "host_unmap";
  readonly cpu?: number;
  readonly addr: number;
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
  | HostUnmapStep;

/** The `kind` tags of {@linkcode Step}. */
export type StepKind = Step["kind"];
