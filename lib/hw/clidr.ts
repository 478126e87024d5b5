/**
 * The cache ID registers a guest reads before a set/way walk: CLIDR_EL1
 * (which levels exist, the Level of Coherency, the Levels of Unification)
 * and CCSIDR_EL1 (line size, associativity and number of sets of one level),
 * encoded and decoded with the ARMv8-A field layout.
 *
 * CLIDR_EL1: `Ctype<n>` in bits `[3n-1:3n-3]` for n = 1..7, `LoUIS` in
 * `[23:21]`, `LoC` in `[26:24]`, `LoUU` in `[29:27]`, `ICB` in `[32:30]`.
 * Values here are bits `[31:0]` (CLIDR, the AArch32 view, ends there), so
 * ICB is held by its low two bits: 0 (not disclosed: ARMv8.0 cores, where
 * `[31:30]` are RES0) to 0b011 (L3 is the highest inner level), enough for
 * every hierarchy setway models. CCSIDR_EL1 (the 32-bit format, without FEAT_CCIDX):
 * `LineSize` in `[2:0]` = log2(bytes) - 4, `Associativity` in `[12:3]` =
 * ways - 1, `NumSets` in `[27:13]` = sets - 1, and the ARMv8.0 policy bits
 * WT `[31]`, WB `[30]`, RA `[29]`, WA `[28]`.
 *
 * This is how the Linux walkers (`v7_flush_dcache_all`, `__flush_dcache_all`)
 * derive the (level, set, way) operands: see {@linkcode setWayOperand}.
 *
 * @example Usage
 * ```ts
 * import { decodeCcsidr, encodeCcsidr } from "./clidr.ts";
 * const v = encodeCcsidr({ lineSize: 64, ways: 16, sets: 1024 });
 * console.log(v.toString(16), decodeCcsidr(v).sets); // "707fe07a" 1024
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";

/** CLIDR `Ctype` value: no cache at this level. */
export const CTYPE_NONE = 0b000;
/** CLIDR `Ctype` value: instruction cache only. */
export const CTYPE_INSTRUCTION = 0b001;
/** CLIDR `Ctype` value: data cache only. */
export const CTYPE_DATA = 0b010;
/** CLIDR `Ctype` value: separate instruction and data caches. */
export const CTYPE_SEPARATE = 0b011;
/** CLIDR `Ctype` value: unified cache. */
export const CTYPE_UNIFIED = 0b100;

/** The fields of CLIDR_EL1 that setway models. */
export interface ClidrFields {
  /** `Ctype1..Ctype7`; missing entries are {@linkcode CTYPE_NONE}. */
  readonly ctypes: readonly number[];
  /** Level of Unification Inner Shareable. */
  readonly louis: number;
  /** Level of Coherency: levels 1..LoC need maintenance to reach the PoC. */
  readonly loc: number;
  /** Level of Unification Uniprocessor. */
  readonly louu: number;
  /**
   * Inner Cache Boundary: the highest inner cacheable level, 0 when not
   * disclosed. At most 3 here (see the module doc). Default 0.
   */
  readonly icb?: number;
}

/** The fields of CCSIDR_EL1 (32-bit format). */
export interface CcsidrFields {
  /** Line size in bytes (16..2048). */
  readonly lineSize: number;
  /** Associativity (1..1024). */
  readonly ways: number;
  /** Number of sets (1..32768). */
  readonly sets: number;
  /** Write-through support (ARMv8.0 bit 31). Default false. */
  readonly writeThrough?: boolean;
  /** Write-back support (bit 30). Default true. */
  readonly writeBack?: boolean;
  /** Read-allocate (bit 29). Default true. */
  readonly readAllocate?: boolean;
  /** Write-allocate (bit 28). Default true. */
  readonly writeAllocate?: boolean;
}

function field(call: string, name: string, value: number, max: number): number {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new ScenarioError(
      "out_of_range",
      call,
      value,
      `${call}: ${name} ${showValue(value)} must be an integer from 0 to ${max}`,
    );
  }
  return value;
}

/**
 * Builds a CLIDR_EL1 value (bits [31:0]).
 *
 * @example Usage
 * ```ts
 * import { CTYPE_SEPARATE, CTYPE_UNIFIED, encodeClidr } from "./clidr.ts";
 * const v = encodeClidr({ ctypes: [CTYPE_SEPARATE, CTYPE_UNIFIED], louis: 1, loc: 2, louu: 1 });
 * console.log(v.toString(16)); // "a200023"
 * ```
 * @param fields the Ctype fields and levels
 * @returns the register value, unsigned
 * @throws {ScenarioError} `out_of_range` for a field that does not fit (ICB above 3 included)
 */
export function encodeClidr(fields: ClidrFields): number {
  if (fields.ctypes.length > 7) {
    throw new ScenarioError(
      "out_of_range",
      "encodeClidr",
      fields.ctypes.length,
      `encodeClidr: ${fields.ctypes.length} Ctype fields given, at most 7 exist`,
    );
  }
  let v = 0;
  fields.ctypes.forEach((c, i) => {
    v |= field("encodeClidr", `Ctype${i + 1}`, c, 7) << (3 * i);
  });
  v |= field("encodeClidr", "LoUIS", fields.louis, 7) << 21;
  v |= field("encodeClidr", "LoC", fields.loc, 7) << 24;
  v |= field("encodeClidr", "LoUU", fields.louu, 7) << 27;
  v |= field("encodeClidr", "ICB", fields.icb ?? 0, 3) << 30;
  return v >>> 0;
}

/**
 * Splits a CLIDR_EL1 value into its fields.
 *
 * @example Usage
 * ```ts
 * import { decodeClidr } from "@setway/setway/hw";
 * const f = decodeClidr(0x0a200023);
 * console.log(f.loc, f.ctypes[0], f.ctypes[1]); // 2 3 4
 * ```
 * @param value the register value (bits [31:0])
 * @returns the seven Ctype fields, LoUIS, LoC, LoUU and ICB
 */
export function decodeClidr(value: number): ClidrFields {
  const ctypes: number[] = [];
  for (let i = 0; i < 7; i++) ctypes.push((value >>> (3 * i)) & 7);
  return {
    ctypes,
    louis: (value >>> 21) & 7,
    loc: (value >>> 24) & 7,
    louu: (value >>> 27) & 7,
    icb: (value >>> 30) & 3,
  };
}

/**
 * Builds a CCSIDR_EL1 value (32-bit format).
 *
 * @example Usage
 * ```ts
 * import { encodeCcsidr } from "./clidr.ts";
 * console.log(encodeCcsidr({ lineSize: 64, ways: 2, sets: 256 }).toString(16)); // "701fe00a"
 * ```
 * @param fields line size, ways, sets and policy bits
 * @returns the register value, unsigned
 * @throws {ScenarioError} `out_of_range` when a field does not fit (lines 16..2048 bytes,
 *   1..1024 ways, 1..32768 sets, powers of two for the line size)
 */
export function encodeCcsidr(fields: CcsidrFields): number {
  const log = Math.log2(fields.lineSize);
  if (!Number.isInteger(log) || log < 4 || log > 11) {
    throw new ScenarioError(
      "out_of_range",
      "encodeCcsidr",
      fields.lineSize,
      `encodeCcsidr: lineSize ${showValue(fields.lineSize)} must be a power of two from 16 to 2048`,
    );
  }
  const assoc = field("encodeCcsidr", "ways - 1", fields.ways - 1, 1023);
  const numSets = field("encodeCcsidr", "sets - 1", fields.sets - 1, 32767);
  let v = (log - 4) | (assoc << 3) | (numSets << 13);
  if (fields.writeThrough === true) v |= 1 << 31;
  if (fields.writeBack !== false) v |= 1 << 30;
  if (fields.readAllocate !== false) v |= 1 << 29;
  if (fields.writeAllocate !== false) v |= 1 << 28;
  return v >>> 0;
}

/**
 * Splits a CCSIDR_EL1 value (32-bit format) into its fields.
 *
 * @example Usage
 * ```ts
 * import { decodeCcsidr } from "@setway/setway/hw";
 * const f = decodeCcsidr(0x701fe00a);
 * console.log(f.lineSize, f.ways, f.sets); // 64 2 256
 * ```
 * @param value the register value
 * @returns line size in bytes, ways, sets and the policy bits
 */
export function decodeCcsidr(value: number): Required<CcsidrFields> {
  return {
    lineSize: 16 << (value & 7),
    ways: ((value >>> 3) & 0x3ff) + 1,
    sets: ((value >>> 13) & 0x7fff) + 1,
    writeThrough: ((value >>> 31) & 1) === 1,
    writeBack: ((value >>> 30) & 1) === 1,
    readAllocate: ((value >>> 29) & 1) === 1,
    writeAllocate: ((value >>> 28) & 1) === 1,
  };
}

/**
 * The `Xt` operand of `DC CSW/CISW/ISW` for (level, set, way), as the
 * architecture packs it: way in the top bits (`32 - ceil(log2(ways))`), set
 * shifted by log2(line size), level - 1 in bits [3:1].
 *
 * @example Usage
 * ```ts
 * import { setWayOperand } from "./clidr.ts";
 * // 16-way, 64-byte lines, level 2, set 3, way 15
 * console.log(setWayOperand(2, 3, 15, 16, 64).toString(16)); // "f00000c2"
 * ```
 * @param level 1-based cache level
 * @param set set index
 * @param way way index
 * @param ways associativity of the level
 * @param lineSize line size in bytes of the level
 * @returns the operand, unsigned 32-bit
 */
export function setWayOperand(
  level: number,
  set: number,
  way: number,
  ways: number,
  lineSize: number,
): number {
  const a = Math.ceil(Math.log2(ways));
  const wayBits = a === 0 ? 0 : (way << (32 - a)) >>> 0;
  return (wayBits + set * lineSize + (level - 1) * 2) >>> 0;
}

/** A mistake in a core's CLIDR fields: which field, its value, what it must be. */
export interface CoreClidrProblem {
  /** `""` for the object itself, else `louis`, `louu`, `icb` or the unknown key. */
  readonly field: string;
  /** The value given. */
  readonly value: unknown;
  /** What would have been accepted. */
  readonly expected: string;
  /** Whether a known field is out of its range (else the shape is wrong). */
  readonly outOfRange: boolean;
}

const CORE_CLIDR_FIELDS = ["louis", "louu", "icb"];

/**
 * Checks a cluster's `clidr` (machine.ts `CoreClidr`) for a cluster with
 * `levels` architected levels: each field an integer from 0 to `levels`,
 * since a Level of Unification or an Inner Cache Boundary names one of the
 * levels CLIDR describes (or none).
 *
 * @example Usage
 * ```ts
 * import { coreClidrProblem } from "./clidr.ts";
 * console.log(coreClidrProblem({ louis: 0, louu: 0, icb: 2 }, 2)); // null
 * console.log(coreClidrProblem({ icb: 3 }, 2)?.field); // "icb"
 * ```
 * @param spec the cluster's `clidr`, undefined when it has none
 * @param levels the cluster's architected levels (1 or 2)
 * @returns the first problem, or null
 */
export function coreClidrProblem(spec: unknown, levels: number): CoreClidrProblem | null {
  if (spec === undefined) return null;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    return {
      field: "",
      value: spec,
      expected: "an object { louis?, louu?, icb? }",
      outOfRange: false,
    };
  }
  const fields = spec as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!CORE_CLIDR_FIELDS.includes(key)) {
      return {
        field: key,
        value: fields[key],
        expected: "no such field (louis, louu, icb)",
        outOfRange: false,
      };
    }
    const v = fields[key];
    if (
      v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= levels)
    ) {
      return {
        field: key,
        value: v,
        expected: `an integer from 0 to ${levels}, a level of the cluster`,
        outOfRange: Number.isInteger(v),
      };
    }
  }
  return null;
}
