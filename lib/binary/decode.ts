/**
 * Decodes the guest instructions setway models from machine code: data-cache
 * maintenance by set/way and by address, instruction-cache maintenance, and
 * writes to SCTLR and the virtual-memory control registers HCR.TVM traps.
 * Every other instruction decodes to `null` (it is left to the emulator).
 *
 * A32 (ARM state): `MCR p15, <opc1>, Rt, CRn, CRm, <opc2>` as in the ARMv7-A
 * ARM, B4.2 (cache maintenance, CP15 c7) and B4.1 (SCTLR c1, TTBR0/1 and
 * TTBCR c2, DACR c3, DFSR/IFSR c5, DFAR c6, PRRR/NMRR and AMAIR0/1 c10,
 * CONTEXTIDR c13). A64: `DC`/`IC` (aliases of `SYS`, op0 = 1) and
 * `MSR <sysreg>, Xt` (op0 = 3) of the EL1 registers, as in the ARMv8-A ARM,
 * C5.3. The register names are those of `VmRegName`: an AArch64 register
 * maps to the AArch32 register that shares its state (TCR_EL1 to TTBCR,
 * MAIR_EL1 to MAIR0 = PRRR, ESR_EL1 to DFSR, FAR_EL1 to DFAR), as KVM's
 * sys_regs tables do.
 *
 * T32 (Thumb state): the 32-bit `MCR`/`MRC` encoding T1, which is the A32
 * encoding with the condition AL (ARMv7-A ARM A8.8.98, A8.8.108); the
 * caller joins its two halfwords ({@linkcode t32Word}) and checks an IT
 * block's condition. Reads of the registers whose writes are decoded
 * (`MRC`, `MRS`) decode too ({@linkcode decodeRegReadA32}), so that a
 * read-modify-write sees what the guest wrote.
 *
 * Simplified: the 64-bit `MCRR` writes of TTBR0/1 with LPAE are not decoded.
 *
 * @example Usage
 * ```ts
 * import { decodeA32, decodeA64 } from "@setway/setway/binary";
 * console.log(decodeA32(0xee070f5e)); // { kind: "dc_sw", op: "cisw", rt: 0, cond: 14 }
 * console.log(decodeA64(0xd50b7e20)); // { kind: "dc_va", op: "civac", rt: 0 }
 * ```
 *
 * @module
 */

import type { DcSwOp, DcVaOp, VmRegName } from "../guest/ops.ts";

/** A data-cache maintenance instruction by set/way; the operand is in register `rt`. */
export interface DecodedDcSw {
  /** The kind of instruction. */
  readonly kind: "dc_sw";
  /** The operation. */
  readonly op: DcSwOp;
  /** The operand register. */
  readonly rt: number;
}

/** A data-cache maintenance instruction by address; the address is in register `rt`. */
export interface DecodedDcVa {
  /** The kind of instruction. */
  readonly kind: "dc_va";
  /** The operation (DCCMVAU and DC CVAU are `"cvau"`). */
  readonly op: DcVaOp;
  /** The address register. */
  readonly rt: number;
}

/** An instruction-cache maintenance instruction (no data effect in the model). */
export interface DecodedIc {
  /** The kind of instruction. */
  readonly kind: "ic";
  /** `"iallu"` (ICIALLU, IC IALLU), `"ialluis"` or `"ivau"` (ICIMVAU, IC IVAU). */
  readonly op: "iallu" | "ialluis" | "ivau";
  /** The operand register. */
  readonly rt: number;
}

/** A write of SCTLR from register `rt`. */
export interface DecodedSctlr {
  /** The kind of instruction. */
  readonly kind: "sctlr";
  /** The source register. */
  readonly rt: number;
}

/** A write of another virtual-memory control register from register `rt`. */
export interface DecodedVmReg {
  /** The kind of instruction. */
  readonly kind: "vm_reg";
  /** The register written. */
  readonly reg: VmRegName;
  /** The source register. */
  readonly rt: number;
}

/** An instruction setway models. */
export type Decoded = DecodedDcSw | DecodedDcVa | DecodedIc | DecodedSctlr | DecodedVmReg;

/** An A32 instruction setway models, with its condition field (14: always). */
export type DecodedA32 = Decoded & { readonly cond: number };

/** A32 CP15 writes, keyed `opc1,CRn,CRm,opc2`. */
const A32_CP15: Readonly<Record<string, Decoded>> = {
  "0,7,6,2": { kind: "dc_sw", op: "isw", rt: 0 }, // DCISW
  "0,7,10,2": { kind: "dc_sw", op: "csw", rt: 0 }, // DCCSW
  "0,7,14,2": { kind: "dc_sw", op: "cisw", rt: 0 }, // DCCISW
  "0,7,6,1": { kind: "dc_va", op: "ivac", rt: 0 }, // DCIMVAC
  "0,7,10,1": { kind: "dc_va", op: "cvac", rt: 0 }, // DCCMVAC
  "0,7,11,1": { kind: "dc_va", op: "cvau", rt: 0 }, // DCCMVAU
  "0,7,14,1": { kind: "dc_va", op: "civac", rt: 0 }, // DCCIMVAC
  "0,7,5,0": { kind: "ic", op: "iallu", rt: 0 }, // ICIALLU
  "0,7,1,0": { kind: "ic", op: "ialluis", rt: 0 }, // ICIALLUIS
  "0,7,5,1": { kind: "ic", op: "ivau", rt: 0 }, // ICIMVAU
  "0,1,0,0": { kind: "sctlr", rt: 0 },
  "0,2,0,0": { kind: "vm_reg", reg: "TTBR0", rt: 0 },
  "0,2,0,1": { kind: "vm_reg", reg: "TTBR1", rt: 0 },
  "0,2,0,2": { kind: "vm_reg", reg: "TCR", rt: 0 }, // TTBCR
  "0,3,0,0": { kind: "vm_reg", reg: "DACR", rt: 0 },
  "0,5,0,0": { kind: "vm_reg", reg: "ESR", rt: 0 }, // DFSR
  "0,5,0,1": { kind: "vm_reg", reg: "ESR", rt: 0 }, // IFSR
  "0,5,1,0": { kind: "vm_reg", reg: "AFSR0", rt: 0 }, // ADFSR
  "0,5,1,1": { kind: "vm_reg", reg: "AFSR1", rt: 0 }, // AIFSR
  "0,6,0,0": { kind: "vm_reg", reg: "FAR", rt: 0 }, // DFAR
  "0,6,0,2": { kind: "vm_reg", reg: "FAR", rt: 0 }, // IFAR
  "0,10,2,0": { kind: "vm_reg", reg: "MAIR0", rt: 0 }, // PRRR
  "0,10,2,1": { kind: "vm_reg", reg: "MAIR1", rt: 0 }, // NMRR
  "0,10,3,0": { kind: "vm_reg", reg: "AMAIR0", rt: 0 },
  "0,10,3,1": { kind: "vm_reg", reg: "AMAIR1", rt: 0 },
  "0,13,0,1": { kind: "vm_reg", reg: "CONTEXTIDR", rt: 0 },
};

/**
 * Decodes one A32 instruction (ARM state, little-endian word).
 *
 * @example Usage
 * ```ts
 * import { decodeA32 } from "@setway/setway/binary";
 * console.log(decodeA32(0x1e010f10)); // { kind: "sctlr", rt: 0, cond: 1 } (mcrne p15, 0, r0, c1, c0, 0)
 * console.log(decodeA32(0xe3a00001)); // null (mov r0, #1)
 * ```
 * @param insn the instruction word
 * @returns what it does, or null when setway does not model it
 */
export function decodeA32(insn: number): DecodedA32 | null {
  const w = insn >>> 0;
  const cond = w >>> 28;
  // MCR: cond 1110 opc1 0 CRn Rt 1111 opc2 1 CRm (coprocessor 15, L = 0).
  if (cond === 0xf || (w & 0x0f100f10) !== 0x0e000f10) return null;
  const opc1 = (w >>> 21) & 7, crn = (w >>> 16) & 0xf, rt = (w >>> 12) & 0xf;
  const opc2 = (w >>> 5) & 7, crm = w & 0xf;
  const found = A32_CP15[`${opc1},${crn},${crm},${opc2}`];
  if (found === undefined) return null;
  return { ...found, rt, cond };
}

/**
 * The A32 word of a T32 coprocessor instruction: `MCR`/`MRC` encoding T1
 * (`1110 1110 opc1 L CRn | Rt 1111 opc2 1 CRm`, ARMv7-A ARM A8.8.98) is the
 * A32 encoding A1 with the condition AL in its first halfword's top
 * nibble; encoding T2 (`1111 1110 ...`, `MCR2`/`MRC2`) has 0xF there, as
 * A32's `MCR2` has, and no CP15 register.
 *
 * @example Usage
 * ```ts
 * import { t32Word } from "@setway/setway/binary";
 * console.log(t32Word(0xee07, 0x0f5e).toString(16)); // "ee070f5e"
 * ```
 * @param first the first halfword (at the instruction's address)
 * @param second the second halfword (at the address + 2)
 * @returns the 32-bit instruction, first halfword high
 */
export function t32Word(first: number, second: number): number {
  return (((first & 0xffff) << 16) | (second & 0xffff)) >>> 0;
}

/**
 * Decodes one 32-bit T32 instruction (Thumb state, the two halfwords as
 * {@linkcode t32Word} joins them). Only `MCR` encoding T1 of CP15 decodes:
 * the same operations as {@linkcode decodeA32}, with condition 14 (an IT
 * block's condition is the caller's to check).
 *
 * @example Usage
 * ```ts
 * import { decodeT32 } from "@setway/setway/binary";
 * console.log(decodeT32(0xee070f5e)); // { kind: "dc_sw", op: "cisw", rt: 0, cond: 14 }
 * console.log(decodeT32(0xfe070f5e)); // null (mcr2)
 * ```
 * @param insn the instruction, first halfword in bits [31:16]
 * @returns what it does, or null when setway does not model it
 */
export function decodeT32(insn: number): DecodedA32 | null {
  const w = insn >>> 0;
  return w >>> 24 === 0xee ? decodeA32(w) : null;
}

/** A64 `SYS` (op0 = 1) cache maintenance, keyed `op1,CRn,CRm,op2`. */
const A64_SYS: Readonly<Record<string, Decoded>> = {
  "0,7,6,2": { kind: "dc_sw", op: "isw", rt: 0 },
  "0,7,10,2": { kind: "dc_sw", op: "csw", rt: 0 },
  "0,7,14,2": { kind: "dc_sw", op: "cisw", rt: 0 },
  "0,7,6,1": { kind: "dc_va", op: "ivac", rt: 0 },
  "3,7,10,1": { kind: "dc_va", op: "cvac", rt: 0 },
  "3,7,11,1": { kind: "dc_va", op: "cvau", rt: 0 },
  "3,7,14,1": { kind: "dc_va", op: "civac", rt: 0 },
  "0,7,5,0": { kind: "ic", op: "iallu", rt: 0 },
  "0,7,1,0": { kind: "ic", op: "ialluis", rt: 0 },
  "3,7,5,1": { kind: "ic", op: "ivau", rt: 0 },
};

/** A64 `MSR` (op0 = 3) of EL1 registers, keyed `op1,CRn,CRm,op2`. */
const A64_MSR: Readonly<Record<string, Decoded>> = {
  "0,1,0,0": { kind: "sctlr", rt: 0 }, // SCTLR_EL1
  "0,2,0,0": { kind: "vm_reg", reg: "TTBR0", rt: 0 },
  "0,2,0,1": { kind: "vm_reg", reg: "TTBR1", rt: 0 },
  "0,2,0,2": { kind: "vm_reg", reg: "TCR", rt: 0 },
  "0,5,1,0": { kind: "vm_reg", reg: "AFSR0", rt: 0 },
  "0,5,1,1": { kind: "vm_reg", reg: "AFSR1", rt: 0 },
  "0,5,2,0": { kind: "vm_reg", reg: "ESR", rt: 0 },
  "0,6,0,0": { kind: "vm_reg", reg: "FAR", rt: 0 },
  "0,10,2,0": { kind: "vm_reg", reg: "MAIR0", rt: 0 }, // MAIR_EL1
  "0,10,3,0": { kind: "vm_reg", reg: "AMAIR0", rt: 0 }, // AMAIR_EL1
  "0,13,0,1": { kind: "vm_reg", reg: "CONTEXTIDR", rt: 0 },
};

/**
 * Decodes one A64 instruction.
 *
 * @example Usage
 * ```ts
 * import { decodeA64 } from "@setway/setway/binary";
 * console.log(decodeA64(0xd5181000)); // { kind: "sctlr", rt: 0 } (msr sctlr_el1, x0)
 * console.log(decodeA64(0xd503201f)); // null (nop)
 * ```
 * @param insn the instruction word
 * @returns what it does, or null when setway does not model it
 */
export function decodeA64(insn: number): Decoded | null {
  const w = insn >>> 0;
  // System instructions: 1101 0101 00 L op0(2) op1(3) CRn CRm op2 Rt, L = 0 (a write).
  if (((w & 0xffe00000) >>> 0) !== 0xd5000000) return null;
  const op0 = (w >>> 19) & 3, op1 = (w >>> 16) & 7, crn = (w >>> 12) & 0xf;
  const crm = (w >>> 8) & 0xf, op2 = (w >>> 5) & 7, rt = w & 0x1f;
  const key = `${op1},${crn},${crm},${op2}`;
  const found = op0 === 1 ? A64_SYS[key] : op0 === 3 ? A64_MSR[key] : undefined;
  return found === undefined ? null : { ...found, rt };
}

/**
 * Whether an A32 condition holds for the flags of a CPSR value (ARMv7-A ARM,
 * A8.3 "Conditional execution").
 *
 * @example Usage
 * ```ts
 * import { conditionPasses } from "@setway/setway/binary";
 * console.log(conditionPasses(1, 0x4000_0000)); // false: NE with Z set
 * ```
 * @param cond the condition field (0 to 14)
 * @param cpsr the CPSR (N bit 31, Z 30, C 29, V 28)
 * @returns true when the instruction executes
 */
export function conditionPasses(cond: number, cpsr: number): boolean {
  const n = (cpsr >>> 31) & 1, z = (cpsr >>> 30) & 1, c = (cpsr >>> 29) & 1, v = (cpsr >>> 28) & 1;
  switch (cond) {
    case 0:
      return z === 1;
    case 1:
      return z === 0;
    case 2:
      return c === 1;
    case 3:
      return c === 0;
    case 4:
      return n === 1;
    case 5:
      return n === 0;
    case 6:
      return v === 1;
    case 7:
      return v === 0;
    case 8:
      return c === 1 && z === 0;
    case 9:
      return c === 0 || z === 1;
    case 10:
      return n === v;
    case 11:
      return n !== v;
    case 12:
      return z === 0 && n === v;
    case 13:
      return z === 1 || n !== v;
    default:
      return true;
  }
}

/**
 * The cache slot a set/way operand names, given the geometry of its level
 * (ARMv7-A ARM B4.2.1, ARMv8-A ARM D4.4.7: level in bits [3:1], the set
 * index above log2(line size), the way index in the top log2(ways) bits).
 *
 * @example Usage
 * ```ts
 * import { setWayOperand } from "@setway/setway/binary";
 * const l1 = [{ sets: 256, ways: 2, lineSize: 64 }];
 * console.log(setWayOperand(0x8000_0040 | 0, l1)); // { level: 1, set: 1, way: 1 }
 * ```
 * @param operand the register value
 * @param levels each level's geometry, L1 first, as the guest sees it
 * @returns the 1-based level, set and way; an operand naming a level the guest does not see decodes with set 0 and way 0
 */
export function setWayOperand(
  operand: number,
  levels:
    readonly ({ readonly sets: number; readonly ways: number; readonly lineSize: number } | null)[],
): { level: number; set: number; way: number } {
  const v = operand >>> 0;
  const level = ((v >>> 1) & 7) + 1;
  const g = levels[level - 1];
  if (g === undefined || g === null) return { level, set: 0, way: 0 };
  const l = Math.log2(g.lineSize), a = Math.ceil(Math.log2(g.ways));
  const set = (v >>> l) & (g.sets - 1);
  const way = a === 0 ? 0 : v >>> (32 - a);
  return { level, set, way };
}

/**
 * The cache identification registers a cache maintenance loop reads: CLIDR,
 * CSSELR and CCSIDR for a set/way walk, CTR for the line size of a loop by
 * address.
 */
export type CacheIdReg = "CLIDR" | "CCSIDR" | "CSSELR" | "CTR";

/** A read or write of a cache identification register, to or from register `rt`. */
export interface CacheIdAccess {
  /** The register. */
  readonly reg: CacheIdReg;
  /** True for a write (of these, only CSSELR is writable), false for a read. */
  readonly write: boolean;
  /** The general-purpose register read into or written from. */
  readonly rt: number;
}

/** A32 `MRC`/`MCR p15, <opc1>, Rt, c0, c0, <opc2>`, keyed `opc1,opc2`. */
const A32_CACHE_ID: Readonly<Record<string, CacheIdReg>> = {
  "0,1": "CTR",
  "1,0": "CCSIDR",
  "1,1": "CLIDR",
  "2,0": "CSSELR",
};

/**
 * Decodes an A32 access of CLIDR, CCSIDR, CSSELR or CTR (`mrc p15, 1, Rt,
 * c0, c0, 1` and friends, ARMv7-A ARM B4.1.19, B4.1.20, B4.1.41, B4.1.42),
 * with its condition field.
 *
 * @example Usage
 * ```ts
 * import { decodeCacheIdA32 } from "@setway/setway/binary";
 * console.log(decodeCacheIdA32(0xee300f30)); // { reg: "CLIDR", write: false, rt: 0, cond: 14 }
 * ```
 * @param insn the instruction word
 * @returns the access, or null for any other instruction
 */
export function decodeCacheIdA32(insn: number): (CacheIdAccess & { cond: number }) | null {
  const w = insn >>> 0;
  const cond = w >>> 28;
  // MRC/MCR: cond 1110 opc1 L CRn Rt 1111 opc2 1 CRm, CRn = CRm = 0.
  if (cond === 0xf || (w & 0x0f0f0f1f) !== 0x0e000f10) return null;
  const reg = A32_CACHE_ID[`${(w >>> 21) & 7},${(w >>> 5) & 7}`];
  if (reg === undefined) return null;
  const write = ((w >>> 20) & 1) === 0;
  if (write && reg !== "CSSELR") return null;
  return { reg, write, rt: (w >>> 12) & 0xf, cond };
}

/**
 * {@linkcode decodeCacheIdA32} of a 32-bit T32 instruction (`MRC`/`MCR`
 * encoding T1, joined by {@linkcode t32Word}), with condition 14.
 *
 * @example Usage
 * ```ts
 * import { decodeCacheIdT32 } from "@setway/setway/binary";
 * console.log(decodeCacheIdT32(0xee300f30)); // { reg: "CLIDR", write: false, rt: 0, cond: 14 }
 * ```
 * @param insn the instruction, first halfword in bits [31:16]
 * @returns the access, or null for any other instruction
 */
export function decodeCacheIdT32(insn: number): (CacheIdAccess & { cond: number }) | null {
  const w = insn >>> 0;
  return w >>> 24 === 0xee ? decodeCacheIdA32(w) : null;
}

/** A64 `MRS`/`MSR` with op0 = 3, CRn = CRm = 0, keyed `op1,op2`. */
const A64_CACHE_ID: Readonly<Record<string, CacheIdReg>> = {
  "3,1": "CTR",
  "1,0": "CCSIDR",
  "1,1": "CLIDR",
  "2,0": "CSSELR",
};

/**
 * Decodes an A64 access of CLIDR_EL1, CCSIDR_EL1, CSSELR_EL1 or CTR_EL0
 * (ARMv8-A ARM D13.2).
 *
 * @example Usage
 * ```ts
 * import { decodeCacheIdA64 } from "@setway/setway/binary";
 * console.log(decodeCacheIdA64(0xd5390020)); // { reg: "CLIDR", write: false, rt: 0 }
 * ```
 * @param insn the instruction word
 * @returns the access, or null for any other instruction
 */
export function decodeCacheIdA64(insn: number): CacheIdAccess | null {
  const w = insn >>> 0;
  // 1101 0101 00 L 1 1 op1 0000 0000 op2 Rt.
  if (((w & 0xffd8ff00) >>> 0) !== 0xd5180000) return null;
  const reg = A64_CACHE_ID[`${(w >>> 16) & 7},${(w >>> 5) & 7}`];
  if (reg === undefined) return null;
  const write = ((w >>> 21) & 1) === 0;
  if (write && reg !== "CSSELR") return null;
  return { reg, write, rt: w & 0x1f };
}

/**
 * CCSIDR (without FEAT_CCIDX) for a cache: LineSize = log2(bytes) - 4,
 * Associativity = ways - 1, NumSets = sets - 1 (ARMv7-A ARM B4.1.19).
 *
 * @example Usage
 * ```ts
 * import { ccsidrOf } from "@setway/setway/binary";
 * console.log(ccsidrOf({ sets: 256, ways: 4, lineSize: 64 }).toString(16)); // "1fe01a"
 * ```
 * @param g the cache's geometry
 * @returns the register value
 */
export function ccsidrOf(
  g: { readonly sets: number; readonly ways: number; readonly lineSize: number },
): number {
  return (((g.sets - 1) << 13) | ((g.ways - 1) << 3) | (Math.log2(g.lineSize) - 4)) >>> 0;
}

/**
 * A read of SCTLR or of another virtual-memory control register into
 * register `rt`. `encoding` names the architectural register (DFSR and
 * IFSR, both `ESR` to the model, differ there).
 */
export interface DecodedRegRead {
  /** The kind of instruction. */
  readonly kind: "reg_read";
  /** The register read, as the model names it. */
  readonly reg: "SCTLR" | VmRegName;
  /** Its encoding (`opc1,CRn,CRm,opc2`), one per architectural register. */
  readonly encoding: string;
  /** The destination register. */
  readonly rt: number;
}

function regRead(found: Decoded | undefined, encoding: string, rt: number): DecodedRegRead | null {
  if (found === undefined) return null;
  if (found.kind === "sctlr") return { kind: "reg_read", reg: "SCTLR", encoding, rt };
  if (found.kind === "vm_reg") return { kind: "reg_read", reg: found.reg, encoding, rt };
  return null;
}

/**
 * Decodes an A32 `MRC p15` of a register {@linkcode decodeA32} decodes the
 * writes of (SCTLR, TTBR0/1, TTBCR, DACR, ...), with its condition field.
 *
 * @example Usage
 * ```ts
 * import { decodeRegReadA32 } from "@setway/setway/binary";
 * console.log(decodeRegReadA32(0xee110f10)); // { kind: "reg_read", reg: "SCTLR", encoding: "0,1,0,0", rt: 0, cond: 14 }
 * ```
 * @param insn the instruction word
 * @returns the read, or null for any other instruction
 */
export function decodeRegReadA32(insn: number): (DecodedRegRead & { cond: number }) | null {
  const w = insn >>> 0;
  const cond = w >>> 28;
  // MRC: cond 1110 opc1 1 CRn Rt 1111 opc2 1 CRm.
  if (cond === 0xf || (w & 0x0f100f10) !== 0x0e100f10) return null;
  const encoding = `${(w >>> 21) & 7},${(w >>> 16) & 0xf},${w & 0xf},${(w >>> 5) & 7}`;
  const read = regRead(A32_CP15[encoding], encoding, (w >>> 12) & 0xf);
  return read === null ? null : { ...read, cond };
}

/**
 * {@linkcode decodeRegReadA32} of a 32-bit T32 instruction (`MRC` encoding
 * T1, joined by {@linkcode t32Word}), with condition 14.
 *
 * @example Usage
 * ```ts
 * import { decodeRegReadT32 } from "@setway/setway/binary";
 * console.log(decodeRegReadT32(0xee112f10)?.rt); // 2 (mrc p15, 0, r2, c1, c0, 0)
 * ```
 * @param insn the instruction, first halfword in bits [31:16]
 * @returns the read, or null for any other instruction
 */
export function decodeRegReadT32(insn: number): (DecodedRegRead & { cond: number }) | null {
  const w = insn >>> 0;
  return w >>> 24 === 0xee ? decodeRegReadA32(w) : null;
}

/**
 * Decodes an A64 `MRS Xt, <sysreg>` of a register {@linkcode decodeA64}
 * decodes the writes of (SCTLR_EL1, TTBR0_EL1, TCR_EL1, MAIR_EL1, ...).
 *
 * @example Usage
 * ```ts
 * import { decodeRegReadA64 } from "@setway/setway/binary";
 * console.log(decodeRegReadA64(0xd5381000)); // { kind: "reg_read", reg: "SCTLR", encoding: "0,1,0,0", rt: 0 }
 * ```
 * @param insn the instruction word
 * @returns the read, or null for any other instruction
 */
export function decodeRegReadA64(insn: number): DecodedRegRead | null {
  const w = insn >>> 0;
  // MRS: 1101 0101 0011 op1 CRn CRm op2 Rt (L = 1, op0 = 3).
  if (((w & 0xfff80000) >>> 0) !== 0xd5380000) return null;
  const encoding = `${(w >>> 16) & 7},${(w >>> 12) & 0xf},${(w >>> 8) & 0xf},${(w >>> 5) & 7}`;
  return regRead(A64_MSR[encoding], encoding, w & 0x1f);
}
