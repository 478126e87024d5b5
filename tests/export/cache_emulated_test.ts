// The exported cache maintenance code (cache.S's set/way walk, cache.c's
// single set/way instruction and DC by VA over a range), built as a user
// builds it (the export's own compiler flags and link script), run under
// Unicorn on cache geometries the test chooses. QEMU's emulation has no
// caches and answers CLIDR/CCSIDR for one CPU only, so booting the test cannot
// tell a walk that misses a set from one that does not; here every read of
// CLIDR_EL1, CCSIDR_EL1 (for the level CSSELR_EL1 selects), ID_AA64MMFR2_EL1
// and CTR_EL0 is answered from the geometry, and every DC operand is recorded.
//
// The expected operands come from the ARMv8-A ARM's definition of the DC
// CSW/CISW/ISW operand (DDI 0487, "SetWay, bits [31:4]" and "Level, bits
// [3:1]"): the way in bits [31:32-A], the set in bits [B+S-1:B], A, B and S
// the base-2 logarithms, rounded up, of the associativity, the line length in
// bytes and the number of sets; from CLIDR_EL1's Ctype<n> and LoC and
// CCSIDR_EL1's two formats (FEAT_CCIDX: ID_AA64MMFR2_EL1.CCIDX); and, by
// address, from CTR_EL0.DminLine (log2 of the smallest line in words). Nothing
// of lib/ is used but the export itself and the Unicorn binding.
import assert from "node:assert/strict";
import { Unicorn } from "../../lib/binary/unicorn.ts";
import { exportBaremetal } from "../../lib/export/mod.ts";
import { binaryTools, exec } from "../binary/tools.ts";
import { build, toolchain, vaCleanScenario, writeFiles } from "./helpers.ts";

const tools = await toolchain();
const emulator = tools.ok ? await binaryTools() : tools;

/** One data or unified cache level as CCSIDR_EL1 describes it. */
interface Level {
  /** Ctype<n> of CLIDR_EL1: 1 instructions only, 2 data only, 3 separate, 4 unified. */
  readonly ctype: 1 | 2 | 3 | 4;
  readonly sets: number;
  readonly ways: number;
  readonly lineBytes: number;
}

/** A CPU's cache hierarchy, as its ID registers describe it. */
interface Geometry {
  readonly name: string;
  /** Level 1 first. */
  readonly levels: readonly Level[];
  /** CLIDR_EL1.LoC. */
  readonly loc: number;
  /** FEAT_CCIDX: the 64-bit CCSIDR_EL1 format. */
  readonly ccidx: boolean;
  /** CTR_EL0.DminLine, in bytes: the smallest data cache line; default 64. */
  readonly dminLineBytes?: number;
}

const GEOMETRIES: readonly Geometry[] = [
  {
    name: "QEMU's Cortex-A57: 32 KiB 2-way L1, 2 MiB 16-way L2",
    levels: [
      { ctype: 3, sets: 256, ways: 2, lineBytes: 64 },
      { ctype: 4, sets: 2048, ways: 16, lineBytes: 64 },
    ],
    loc: 2,
    ccidx: false,
  },
  {
    name: "X-Gene 1: 32 KiB 8-way L1, 256 KiB 32-way L2 (the L3 is not in CLIDR)",
    levels: [
      { ctype: 3, sets: 64, ways: 8, lineBytes: 64 },
      { ctype: 4, sets: 128, ways: 32, lineBytes: 64 },
    ],
    loc: 2,
    ccidx: false,
  },
  {
    name: "fields rounded up: 3-way L1 of 16-byte lines, 12-way 96-set L2, 5-way L3 of 128 bytes",
    levels: [
      { ctype: 2, sets: 64, ways: 3, lineBytes: 16 },
      { ctype: 4, sets: 96, ways: 12, lineBytes: 64 },
      { ctype: 4, sets: 40, ways: 5, lineBytes: 128 },
    ],
    loc: 3,
    ccidx: false,
  },
  {
    name: "a direct-mapped L1 and an L2 of 2 KiB lines",
    levels: [
      { ctype: 3, sets: 128, ways: 1, lineBytes: 32 },
      { ctype: 4, sets: 8, ways: 4, lineBytes: 2048 },
    ],
    loc: 2,
    ccidx: false,
  },
  {
    name: "the 32-bit format's widest fields: 1024 ways, then 32768 sets",
    levels: [
      { ctype: 3, sets: 2, ways: 1024, lineBytes: 64 },
      { ctype: 4, sets: 32768, ways: 1, lineBytes: 64 },
    ],
    loc: 2,
    ccidx: false,
  },
  {
    name: "an instruction-only L1 is skipped",
    levels: [
      { ctype: 1, sets: 128, ways: 4, lineBytes: 64 },
      { ctype: 4, sets: 64, ways: 8, lineBytes: 64 },
    ],
    loc: 2,
    ccidx: false,
  },
  {
    name: "levels past the Level of Coherency are not walked",
    levels: [
      { ctype: 3, sets: 32, ways: 4, lineBytes: 64 },
      { ctype: 4, sets: 64, ways: 8, lineBytes: 64 },
    ],
    loc: 1,
    ccidx: false,
  },
  {
    name: "LoC 0: no walk at all",
    levels: [{ ctype: 3, sets: 32, ways: 4, lineBytes: 64 }],
    loc: 0,
    ccidx: false,
  },
  {
    name:
      "FEAT_CCIDX: the 64-bit CCSIDR, 2048 ways, then 70000 sets (wider than the 32-bit format holds)",
    levels: [
      { ctype: 3, sets: 4, ways: 2048, lineBytes: 64 },
      { ctype: 4, sets: 70000, ways: 1, lineBytes: 64 },
    ],
    loc: 2,
    ccidx: true,
  },
];

function log2Up(n: number): number {
  let bits = 0;
  while (2 ** bits < n) bits++;
  return bits;
}

/** CLIDR_EL1: Ctype<n> in bits [3n-1:3n-3], LoC in bits [26:24]. */
function clidr(g: Geometry): bigint {
  let v = BigInt(g.loc) << 24n;
  g.levels.forEach((l, i) => v |= BigInt(l.ctype) << BigInt(3 * i));
  return v;
}

/**
 * CCSIDR_EL1 for the level CSSELR_EL1 selects. LineSize (bits [2:0]) is
 * log2(bytes) - 4 in both formats; Associativity - 1 and NumSets - 1 are in
 * bits [12:3] and [27:13], or with FEAT_CCIDX [23:3] and [55:32].
 */
function ccsidr(g: Geometry, csselr: bigint): bigint {
  const level = g.levels[Number(csselr >> 1n)];
  // CSSELR_EL1.InD selects the instruction cache; the code under test must never set it.
  if ((csselr & 1n) !== 0n || level === undefined) return 0n;
  const line = BigInt(Math.log2(level.lineBytes) - 4);
  const ways = BigInt(level.ways - 1);
  const sets = BigInt(level.sets - 1);
  return g.ccidx ? (sets << 32n) | (ways << 3n) | line : (sets << 13n) | (ways << 3n) | line;
}

/** The operand of DC CSW/CISW/ISW for (level, set, way), level 1-based. */
function swOperand(l: Level, level: number, set: number, way: number): bigint {
  const a = log2Up(l.ways);
  const b = Math.log2(l.lineBytes);
  const wayField = a === 0 ? 0n : BigInt(way) << BigInt(32 - a);
  return wayField | (BigInt(set) << BigInt(b)) | BigInt((level - 1) << 1);
}

/** Every operand a walk must issue, in a canonical order: level by level, sorted. */
function expectedWalk(g: Geometry): bigint[][] {
  const out: bigint[][] = [];
  for (let i = 0; i < g.loc; i++) {
    const l = g.levels[i];
    if (l === undefined || l.ctype < 2) continue;
    const ops: bigint[] = [];
    for (let set = 0; set < l.sets; set++) {
      for (let way = 0; way < l.ways; way++) ops.push(swOperand(l, i + 1, set, way));
    }
    out.push(ops.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  }
  return out;
}

// System instruction encodings (ARMv8-A ARM, C5.2 and C6.2): MRS is 0xd53 in
// bits [31:20], MSR (register) 0xd51, SYS (DC, IC, AT, TLBI) 0xd508 in bits
// [31:19]; op0:op1:CRn:CRm:op2 in bits [20:5] and Rt in bits [4:0].
const sysreg = (op0: number, op1: number, crn: number, crm: number, op2: number) =>
  (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
const CLIDR_EL1 = sysreg(3, 1, 0, 0, 1);
const CCSIDR_EL1 = sysreg(3, 1, 0, 0, 0);
const CSSELR_EL1 = sysreg(3, 2, 0, 0, 0);
const ID_AA64MMFR2_EL1 = sysreg(3, 0, 0, 7, 2);
const CTR_EL0 = sysreg(3, 3, 0, 0, 1);
const DC: Readonly<Record<number, DcOp>> = {
  [sysreg(1, 0, 7, 10, 2)]: "csw",
  [sysreg(1, 0, 7, 14, 2)]: "cisw",
  [sysreg(1, 0, 7, 6, 2)]: "isw",
  [sysreg(1, 3, 7, 10, 1)]: "cvac",
  [sysreg(1, 3, 7, 14, 1)]: "civac",
  [sysreg(1, 0, 7, 6, 1)]: "ivac",
  [sysreg(1, 3, 7, 11, 1)]: "cvau",
};

type DcOp = "csw" | "cisw" | "isw" | "cvac" | "civac" | "ivac" | "cvau";

type SysInsn =
  | { kind: "mrs" | "msr"; reg: number; rt: number }
  | { kind: "dc"; op: DcOp; rt: number };

function decodeSys(word: number): SysInsn | null {
  const reg = (word >>> 5) & 0xffff;
  const rt = word & 31;
  if (word >>> 20 === 0xd53) return { kind: "mrs", reg, rt };
  if (word >>> 20 === 0xd51) return { kind: "msr", reg, rt };
  if (word >>> 19 !== 0xd508 >>> 3) return null;
  const op = DC[reg];
  if (op === undefined) throw new Error(`unexpected SYS instruction 0x${word.toString(16)}`);
  return { kind: "dc", op, rt };
}

/** The exported code, built once: `.text`, where it is linked, and its functions. */
interface Built {
  readonly text: Uint8Array;
  readonly base: number;
  /** Each function's first and one-past-last address. */
  readonly functions: Readonly<Record<string, readonly [number, number]>>;
}

/** The export, built once for every test here. */
let building: Promise<Built> | undefined;

function buildExport(): Promise<Built> {
  building ??= buildOnce();
  return building;
}

async function buildOnce(): Promise<Built> {
  const out = exportBaremetal(vaCleanScenario(), { name: "set/way under Unicorn" });
  const dir = await writeFiles(out.files);
  try {
    await build(dir);
    await exec(["aarch64-linux-gnu-objcopy", "-O", "binary", "-j", ".text", "test.elf", "t"], dir);
    const nm = await exec(["aarch64-linux-gnu-nm", "-n", "-S", "test.elf"], dir);
    // The assembly's functions have no size: each ends where the next symbol starts.
    const symbols = nm.split("\n").flatMap((line) => {
      const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?[tT] (\w+)$/.exec(line.trim());
      return m === null ? [] : [{ name: m[3], at: parseInt(m[1], 16), size: m[2] }];
    });
    const functions: Record<string, [number, number]> = {};
    symbols.forEach((s, i) => {
      const end = s.size !== undefined ? s.at + parseInt(s.size, 16) : symbols[i + 1]?.at;
      if (end !== undefined) functions[s.name] = [s.at, end];
    });
    const headers = await exec(["aarch64-linux-gnu-objdump", "-h", "test.elf"], dir);
    const text = /^\s*\d+ \.text\s+[0-9a-f]+\s+([0-9a-f]+)/m.exec(headers);
    assert.ok(text !== null, headers);
    return { text: await Deno.readFile(`${dir}/t`), base: parseInt(text[1], 16), functions };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What a call did: the DC set/way instructions, CSSELR_EL1 at the end, the result. */
interface Call {
  readonly dc: { op: string; operand: bigint }[];
  readonly csselr: bigint;
  readonly result: bigint;
}

const STACK = 0x7000_0000;
const RETURN = 0x7100_0000;

/** Calls `fn(args)` in the exported code, the ID registers answering from `g`. */
function call(built: Built, fn: string, g: Geometry, args: readonly number[] = []): Call {
  const range = built.functions[fn];
  assert.ok(range !== undefined, `${fn} is not in the build`);
  const uc = Unicorn.open("a64");
  try {
    const size = Math.ceil(built.text.length / 4096) * 4096;
    uc.map(built.base, size);
    uc.write(built.base, built.text);
    uc.map(STACK - 0x4000, 0x4000);
    const words = new DataView(built.text.buffer, built.text.byteOffset);
    // Every system instruction of the function, decoded once; only these are hooked.
    const sites = new Map<number, SysInsn>();
    for (let at = range[0]; at < range[1]; at += 4) {
      const insn = decodeSys(words.getUint32(at - built.base, true));
      if (insn !== null) sites.set(at, insn);
    }
    const dc: { op: string; operand: bigint }[] = [];
    let csselr = 0xdeadn; // what firmware left: the code must select each level itself
    uc.onCode((addr) => {
      const insn = sites.get(addr)!;
      if (insn.kind === "dc") {
        dc.push({ op: insn.op, operand: uc.reg64(insn.rt) });
      } else if (insn.kind === "msr" && insn.reg === CSSELR_EL1) {
        csselr = uc.reg64(insn.rt);
      } else if (insn.kind === "mrs") {
        const value = insn.reg === CTR_EL0
          ? BigInt(Math.log2(g.dminLineBytes ?? 64) - 2) << 16n
          : insn.reg === CLIDR_EL1
          ? clidr(g)
          : insn.reg === CCSIDR_EL1
          ? ccsidr(g, csselr)
          : insn.reg === ID_AA64MMFR2_EL1
          ? (g.ccidx ? 1n : 0n) << 20n
          : null;
        if (value === null) throw new Error(`${fn} reads system register ${insn.reg}`);
        if (insn.rt !== 31) uc.setReg(insn.rt, value);
      } else {
        throw new Error(`${fn} writes system register ${insn.reg}`);
      }
      uc.setReg("pc", addr + 4);
    }, [...sites.keys()]);
    args.forEach((a, i) => uc.setReg(i, a));
    uc.setReg("sp", STACK);
    uc.setReg("lr", RETURN);
    uc.start(range[0], RETURN, 50_000_000);
    assert.equal(uc.reg("pc"), RETURN, `${fn} did not return`);
    return { dc, csselr, result: uc.reg64(0) };
  } finally {
    uc.close();
  }
}

const byValue = (x: bigint, y: bigint) => (x < y ? -1 : x > y ? 1 : 0);

/** The operands of a walk's DC instructions, grouped by the level field, in the order met. */
function byLevel(dc: readonly { operand: bigint }[]): bigint[][] {
  const out: bigint[][] = [];
  let last = -1n;
  for (const { operand } of dc) {
    const level = (operand >> 1n) & 7n;
    if (level !== last) out.push([]);
    last = level;
    out[out.length - 1].push(operand);
  }
  return out.map((ops) => ops.sort(byValue));
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

/**
 * The first difference between two walks, level by level, or null. (A diff
 * of two arrays of 10^5 operands would take the test's memory and time.)
 */
function firstDifference(got: readonly bigint[][], want: readonly bigint[][]): string | null {
  if (got.length !== want.length) return `${got.length} levels walked, not ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    const at = w.findIndex((v, j) => g[j] !== v);
    if (at >= 0) {
      return `walk ${i + 1}, operand ${at} of ${w.length}: ${hex(g[at])}, not ${hex(w[at])}`;
    }
    if (g.length !== w.length) return `walk ${i + 1}: ${g.length} operands, not ${w.length}`;
  }
  return null;
}

Deno.test("export: cache.S's walk issues each set and way of each level up to LoC once", async (t) => {
  if (!tools.ok) assert.fail(tools.message);
  if (!emulator.ok) assert.fail(emulator.message);
  const built = await buildExport();
  for (const g of GEOMETRIES) {
    await t.step(g.name, () => {
      const want = expectedWalk(g);
      for (const [fn, op] of [["dcache_csw_all", "csw"], ["dcache_cisw_all", "cisw"]] as const) {
        const done = call(built, fn, g);
        assert.ok(done.dc.every((d) => d.op === op), `${fn} issued another operation`);
        // Innermost level first, each level once, every slot of it once.
        assert.equal(firstDifference(byLevel(done.dc), want), null, fn);
        assert.equal(done.csselr, 0n, "CSSELR_EL1 is left selecting level 1's data cache");
      }
    });
  }
  await t.step("dcache_isw_all: the same walk, DC ISW", () => {
    const g = GEOMETRIES[2];
    const done = call(built, "dcache_isw_all", g);
    assert.ok(done.dc.every((d) => d.op === "isw"));
    assert.equal(firstDifference(byLevel(done.dc), expectedWalk(g)), null);
  });
});

/** setway.h's `enum dc_op` values of the set/way operations. */
const DC_OP = { csw: 5, cisw: 6, isw: 7 } as const;

Deno.test("export: cache.c's dcache_sw_one takes the slot modulo this CPU's geometry", async () => {
  if (!tools.ok) assert.fail(tools.message);
  if (!emulator.ok) assert.fail(emulator.message);
  const built = await buildExport();
  assert.match(
    exportBaremetal(vaCleanScenario()).files["setway.h"],
    /DC_CVAC = 1,\s+DC_CIVAC,\s+DC_IVAC,\s+DC_CVAU,\s+DC_CSW,\s+DC_CISW,\s+DC_ISW,/,
  );
  const one = (g: Geometry, op: keyof typeof DC_OP, level: number, set: number, way: number) =>
    call(built, "dcache_sw_one", g, [DC_OP[op], level, set, way]);
  const [a57, , rounded, , wide, iOnly, , , ccidx] = GEOMETRIES;
  const cases: {
    g: Geometry;
    op: keyof typeof DC_OP;
    at: [number, number, number];
    slot: [number, number] | null;
    reduced?: boolean;
  }[] = [
    { g: a57, op: "csw", at: [1, 3, 1], slot: [3, 1] },
    { g: a57, op: "cisw", at: [2, 2047, 15], slot: [2047, 15] },
    { g: a57, op: "isw", at: [1, 1, 3], slot: [1, 1], reduced: true },
    { g: a57, op: "isw", at: [1, 256, 1], slot: [0, 1], reduced: true },
    { g: a57, op: "isw", at: [1, 255, 2], slot: [255, 0], reduced: true },
    { g: a57, op: "csw", at: [2, 5000, 0], slot: [5000 % 2048, 0], reduced: true },
    { g: a57, op: "csw", at: [3, 0, 0], slot: null },
    { g: a57, op: "csw", at: [0, 0, 0], slot: null },
    { g: a57, op: "csw", at: [8, 0, 0], slot: null },
    { g: rounded, op: "cisw", at: [1, 63, 2], slot: [63, 2] },
    { g: rounded, op: "cisw", at: [2, 95, 11], slot: [95, 11] },
    { g: rounded, op: "cisw", at: [3, 41, 7], slot: [1, 2], reduced: true },
    { g: wide, op: "csw", at: [1, 1, 1023], slot: [1, 1023] },
    { g: wide, op: "csw", at: [2, 32767, 0], slot: [32767, 0] },
    { g: wide, op: "csw", at: [2, 32767, 1], slot: [32767, 0], reduced: true },
    { g: iOnly, op: "csw", at: [1, 0, 0], slot: null },
    { g: ccidx, op: "csw", at: [1, 3, 2047], slot: [3, 2047] },
    { g: ccidx, op: "csw", at: [2, 69999, 0], slot: [69999, 0] },
  ];
  for (const c of cases) {
    const [level, set, way] = c.at;
    const done = one(c.g, c.op, level, set, way);
    const what = `${c.g.name}: dcache_sw_one(${c.op}, ${c.at.join(", ")})`;
    if (c.slot === null) {
      assert.equal(BigInt.asIntN(32, done.result), -1n, what);
      assert.deepEqual(done.dc, [], what);
      continue;
    }
    const operand = swOperand(c.g.levels[level - 1], level, c.slot[0], c.slot[1]);
    assert.deepEqual(done.dc, [{ op: c.op, operand }], what);
    assert.equal(BigInt.asIntN(32, done.result), c.reduced ? 1n : 0n, what);
    assert.equal(done.csselr, 0n, what);
  }
});

/** setway.h's `enum dc_op` values of the operations by address. */
const DC_VA_OP = { cvac: 1, civac: 2, ivac: 3, cvau: 4 } as const;

Deno.test("export: cache.c's dcache_by_va issues one DC per line of CTR_EL0's DminLine", async () => {
  if (!tools.ok) assert.fail(tools.message);
  if (!emulator.ok) assert.fail(emulator.message);
  const built = await buildExport();
  const cases: { op: keyof typeof DC_VA_OP; line: number; start: number; end: number }[] = [
    { op: "cvac", line: 64, start: 0x4000_8000, end: 0x4000_8100 },
    { op: "civac", line: 64, start: 0x4000_8024, end: 0x4000_8041 },
    { op: "ivac", line: 16, start: 0x4001_0008, end: 0x4001_0030 },
    { op: "cvau", line: 128, start: 0x4002_00ff, end: 0x4002_0100 },
    { op: "cvac", line: 2048, start: 0x4003_0000, end: 0x4003_2001 },
    { op: "civac", line: 64, start: 0x4004_0000, end: 0x4004_0000 },
  ];
  for (const c of cases) {
    const g: Geometry = { ...GEOMETRIES[0], dminLineBytes: c.line };
    const done = call(built, "dcache_by_va", g, [DC_VA_OP[c.op], c.start, c.end]);
    // Every line that holds a byte of [start, end), by its first address.
    const want: { op: string; operand: bigint }[] = [];
    for (let a = c.start - (c.start % c.line); a < c.end; a += c.line) {
      want.push({ op: c.op, operand: BigInt(a) });
    }
    assert.deepEqual(
      done.dc,
      want,
      `${c.op} [0x${c.start.toString(16)}, 0x${c.end.toString(16)}) by ${c.line}`,
    );
  }
});
