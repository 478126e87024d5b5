// What binarySteps records for each kind of access and instruction, and how
// it stops: word splitting and merging of stores, loads of the code's own
// image and of extra images, device accesses, conditional CP15 writes,
// forced read values, the default memory, the stop conditions and the
// errors; and the emulator binding underneath, as the binary module
// exports it.
import assert from "node:assert/strict";
import { Unicorn, UnicornError } from "../../lib/binary/mod.ts";
import { binarySteps, clidrOf, ctrOf, GENERIC_CACHES } from "../../lib/binary/trace.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { accesses, assemble, binaryTools, LOAD, traceToDone } from "./tools.ts";

const tools = await binaryTools();

Deno.test("binarySteps A64: an 8-byte pair store is four words, a byte store merges into its word", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace: t, symbols } = await traceToDone(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    movz x2, #0x2222
    movk x2, #0x1111, lsl #32
    movz x3, #0x4444
    movk x3, #0x3333, lsl #32
    stp x2, x3, [x1]
    mov w4, #0xab
    strb w4, [x1, #5]
    ldp x5, x6, [x1]
done: b done
`,
  );
  const A = 0x4001_0000;
  assert.deepEqual(t.steps.filter((s) => s.kind !== "pc"), [
    { kind: "write", vcpu: 0, addr: A, value: 0x2222 },
    { kind: "write", vcpu: 0, addr: A + 4, value: 0x1111 },
    { kind: "write", vcpu: 0, addr: A + 8, value: 0x4444 },
    { kind: "write", vcpu: 0, addr: A + 12, value: 0x3333 },
    { kind: "write", vcpu: 0, addr: A + 4, value: 0xab11 },
    { kind: "read", vcpu: 0, addr: A },
    { kind: "read", vcpu: 0, addr: A + 4 },
    { kind: "read", vcpu: 0, addr: A + 8 },
    { kind: "read", vcpu: 0, addr: A + 12 },
  ]);
  assert.deepEqual(t.readValues, [0x2222, 0xab11, 0x4444, 0x3333]);
  assert.equal(t.pc, symbols.done);
});

Deno.test("binarySteps A32: literal loads of the image are not reads until the code writes the word", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace: t, symbols } = await traceToDone(
    "a32",
    `
.arm
    ldr r1, =0x40010000
    ldr r2, lit
    str r2, [r1]
    adr r3, lit
    str r1, [r3]
    ldr r4, lit
done: b done
lit: .word 0x12345678
`,
  );
  assert.deepEqual(t.steps.filter((s) => s.kind === "read" || s.kind === "write"), [
    { kind: "write", vcpu: 0, addr: 0x4001_0000, value: 0x1234_5678 },
    { kind: "write", vcpu: 0, addr: symbols.lit, value: 0x4001_0000 },
    { kind: "read", vcpu: 0, addr: symbols.lit },
  ]);
});

Deno.test("binarySteps A32: a CP15 write whose condition fails records nothing", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace: t } = await traceToDone(
    "a32",
    `
.arm
    mov r0, #5
    cmp r0, #5
    mcrne p15, 0, r0, c1, c0, 0
    mcreq p15, 0, r0, c2, c0, 0
done: b done
`,
  );
  assert.deepEqual(t.steps, [
    { kind: "exec_state", vcpu: 0, aarch32: true },
    { kind: "pc", vcpu: 0, addr: LOAD + 12 },
    { kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 5 },
  ]);
});

Deno.test("binarySteps: forced read values reach the code, which stores them", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    mov w2, #7
    str w2, [x1]
    ldr w3, [x1]
    str w3, [x1, #4]
done: b done
`,
    LOAD,
  );
  const options = {
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    until: { pc: p.symbols.done },
  } as const;
  const free = binarySteps(options);
  const forced = binarySteps({ ...options, reads: [0xdead] });
  assert.deepEqual(free.readValues, [7]);
  assert.deepEqual(forced.readValues, [0xdead]);
  assert.deepEqual(forced.steps.at(-1), {
    kind: "write",
    vcpu: 0,
    addr: 0x4001_0004,
    value: 0xdead,
  });
  assert.deepEqual(free.steps.at(-1), { kind: "write", vcpu: 0, addr: 0x4001_0004, value: 7 });
});

Deno.test("binarySteps: stops after until.instructions, throws past until.steps or on an unmapped access", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4001, lsl #16
loop:
    str w2, [x1]
    add w2, w2, #1
    b loop
`,
    LOAD,
  );
  const options = { bytes: p.bytes, isa: "a64", load: LOAD } as const;
  const t = binarySteps({ ...options, until: { instructions: 31 } });
  assert.equal(t.steps.filter((s) => s.kind === "write").length, 10);
  assert.equal(t.instructions, 31);
  assert.throws(
    () => binarySteps({ ...options, until: { steps: 50 } }),
    (e) =>
      e instanceof ScenarioError && e.code === "budget_exceeded" &&
      /until\.steps = 50/.test(e.message),
  );
  const far = await assemble("a64", "movz x1, #0x8000, lsl #16\nstr w2, [x1]\nb .\n", LOAD);
  assert.throws(
    () => binarySteps({ bytes: far.bytes, isa: "a64", load: LOAD, until: { instructions: 3 } }),
    (e) =>
      e instanceof ScenarioError && e.code === "bad_address" &&
      /stores to 0x80000000 at pc 0x40000004, outside the memory mapped/.test(e.message),
  );
});

Deno.test("binarySteps: refuses a load or entry address that is not 4-byte aligned", () => {
  for (const o of [{ load: LOAD + 2 }, { load: LOAD, entry: LOAD + 2 }]) {
    assert.throws(
      () => binarySteps({ bytes: new Uint8Array(4), isa: "a64", ...o }),
      (e) =>
        e instanceof ScenarioError && e.code === "invalid_value" &&
        /4-byte aligned 32-bit address/.test(e.message),
      JSON.stringify(o),
    );
  }
});

Deno.test("binarySteps: refuses bytes that are not whole instructions and an unknown isa", () => {
  assert.throws(
    () => binarySteps({ bytes: new Uint8Array(3), isa: "a64", load: LOAD }),
    (e) => e instanceof ScenarioError && /whole 4-byte instructions/.test(e.message),
  );
  assert.throws(
    // @ts-expect-error: an isa the type does not allow, as a JavaScript caller may pass
    () => binarySteps({ bytes: new Uint8Array(4), isa: "t32", load: LOAD }),
    (e) => e instanceof ScenarioError && /expected "a32" or "a64"/.test(e.message),
  );
});

Deno.test("binarySteps: byte and halfword stores change only their own bytes of the word", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // The byte after each narrow store (0x22 at +2, 0x22 at +10) is not
  // zero, so a store that also wrote it would show in the word.
  const { trace } = await traceToDone(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    movz w2, #0x3344
    movk w2, #0x1122, lsl #16
    str w2, [x1]
    mov w4, #0xab
    strb w4, [x1, #1]
    mov w5, #0xcdef
    strh w5, [x1, #4]
    str w2, [x1, #8]
    strh w5, [x1, #8]
done: b done
`,
  );
  assert.deepEqual(accesses(trace), [
    { kind: "write", vcpu: 0, addr: 0x4001_0000, value: 0x1122_3344 },
    { kind: "write", vcpu: 0, addr: 0x4001_0000, value: 0x1122_ab44 },
    { kind: "write", vcpu: 0, addr: 0x4001_0004, value: 0x0000_cdef },
    { kind: "write", vcpu: 0, addr: 0x4001_0008, value: 0x1122_3344 },
    { kind: "write", vcpu: 0, addr: 0x4001_0008, value: 0x1122_cdef },
  ]);
});

Deno.test("binarySteps: until.steps allows exactly that many steps, one fewer throws", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    str w2, [x1]
    str w2, [x1, #4]
    str w2, [x1, #8]
done: b done
`,
    LOAD,
  );
  const options = { bytes: p.bytes, isa: "a64", load: LOAD } as const;
  // The entry's pc step and three writes.
  assert.equal(binarySteps({ ...options, until: { pc: p.symbols.done } }).steps.length, 4);
  assert.equal(
    binarySteps({ ...options, until: { pc: p.symbols.done, steps: 4 } }).steps.length,
    4,
  );
  assert.throws(
    () => binarySteps({ ...options, until: { pc: p.symbols.done, steps: 3 } }),
    (e) =>
      e instanceof ScenarioError && e.code === "budget_exceeded" &&
      /until\.steps = 3 steps \(at pc 0x4000000c\)/.test(e.message),
  );
});

Deno.test("binarySteps: a store running past the end of memory is a bad address naming it, the pc and the memory", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // An 8-byte store at the last word of memory: its first byte is inside.
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4000, lsl #16
    movk x1, #0xfffc
    str x2, [x1]
done: b done
`,
    LOAD,
  );
  assert.throws(
    () =>
      binarySteps({
        bytes: p.bytes,
        isa: "a64",
        load: LOAD,
        memory: { base: LOAD, size: 0x1_0000 },
        until: { pc: p.symbols.done },
      }),
    (e) =>
      e instanceof ScenarioError && e.code === "bad_address" &&
      /stores to 0x4000fffc at pc 0x40000008, outside the memory mapped for it \(0x40000000 to 0x40010000\)/
        .test(e.message),
  );
});

Deno.test("binarySteps: the default memory starts at load rounded down to 1 MiB", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // Loaded 512 KiB into its megabyte, the code stores below its own load address.
  const { trace } = await traceToDone(
    "a64",
    `
    movz x1, #0x4000, lsl #16
    movk x1, #0x0100
    str w2, [x1]
done: b done
`,
    { load: 0x4008_0000 },
  );
  assert.deepEqual(accesses(trace), [{ kind: "write", vcpu: 0, addr: 0x4000_0100, value: 0 }]);
});

Deno.test("binarySteps: a device's loads and stores reach its callbacks and are not steps", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const reads: [number, number][] = [];
  const writes: [number, number, bigint][] = [];
  // The device is outside memory; the value read from it is stored in RAM.
  const { trace } = await traceToDone(
    "a64",
    `
    movz x1, #0x0900, lsl #16
    ldr w2, [x1, #0x18]
    str w2, [x1]
    movz x3, #0x4001, lsl #16
    str w2, [x3]
done: b done
`,
    {
      devices: [{
        base: 0x0900_0000,
        size: 0x1000,
        read: (offset, size) => {
          reads.push([offset, size]);
          return 0x90;
        },
        write: (offset, size, value) => {
          writes.push([offset, size, value]);
        },
      }],
    },
  );
  assert.deepEqual(accesses(trace), [{ kind: "write", vcpu: 0, addr: 0x4001_0000, value: 0x90 }]);
  assert.deepEqual(reads, [[0x18, 4]]);
  assert.deepEqual(writes, [[0, 4, 0x90n]]);
});

Deno.test("binarySteps: loads of an extra image are not reads until the code writes the word", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // A device tree the VMM placed: its first load returns the image's word
  // without a step; once written, the word is read as any other.
  const { trace } = await traceToDone(
    "a64",
    `
    movz x1, #0x4010, lsl #16
    ldr w2, [x1]
    add w2, w2, #1
    str w2, [x1]
    ldr w3, [x1]
done: b done
`,
    { images: [{ addr: 0x4010_0000, bytes: new Uint8Array([0x78, 0x56, 0x34, 0x12]) }] },
  );
  assert.deepEqual(accesses(trace), [
    { kind: "write", vcpu: 0, addr: 0x4010_0000, value: 0x1234_5679 },
    { kind: "read", vcpu: 0, addr: 0x4010_0000 },
  ]);
  assert.deepEqual(trace.readValues, [0x1234_5679]);
});

Deno.test("binarySteps: until.mmuOn stops at the SCTLR write that sets M, not one that sets only C", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // SCTLR 4 is C (bit 2) alone, 5 is C and M (bit 0).
  const p = await assemble(
    "a32",
    `
.arm
    mov r0, #4
    mcr p15, 0, r0, c1, c0, 0
    mov r0, #5
mmu:
    mcr p15, 0, r0, c1, c0, 0
    mov r1, #0
    mcr p15, 0, r1, c2, c0, 0
done: b done
`,
    LOAD,
  );
  const t = binarySteps({ bytes: p.bytes, isa: "a32", load: LOAD, until: { mmuOn: true } });
  assert.deepEqual(
    t.steps.filter((s) => s.kind === "sctlr").map((s) => s.kind === "sctlr" && s.bits),
    [{ m: false, c: true, i: false }, { m: true, c: true, i: false }],
  );
  assert.equal(t.steps.at(-1)?.kind, "sctlr");
  assert.equal(t.pc, p.symbols.mmu);
});

Deno.test("binarySteps: DC by VA of an address inside a line is one step over that whole line", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // DCCIMVAC, DC CIVAC and DCCMVAC act on the line holding the address
  // (Arm ARM, data cache maintenance by VA): 0x40010024 is in the line at
  // 0x40010000 of GENERIC_CACHES' 64-byte lines, not in [0x40010024, 0x40010064).
  const t32 = (await traceToDone(
    "a32",
    `
.arm
    ldr r0, =0x40010024
    mcr p15, 0, r0, c7, c14, 1
    ldr r0, =0x4001007c
    mcr p15, 0, r0, c7, c10, 1
done: b done
`,
  )).trace;
  assert.deepEqual(t32.steps.filter((s) => s.kind === "dc_va"), [
    { kind: "dc_va", vcpu: 0, op: "civac", addr: 0x4001_0000, len: 64 },
    { kind: "dc_va", vcpu: 0, op: "cvac", addr: 0x4001_0040, len: 64 },
  ]);
  const t64 = (await traceToDone(
    "a64",
    `
    movz x0, #0x4001, lsl #16
    movk x0, #0x0024
    dc civac, x0
done: b done
`,
  )).trace;
  assert.deepEqual(t64.steps.filter((s) => s.kind === "dc_va"), [
    { kind: "dc_va", vcpu: 0, op: "civac", addr: 0x4001_0000, len: 64 },
  ]);
});

Deno.test("clidrOf: the CLIDR fields of a two-level hierarchy, from the Arm ARM's layout", () => {
  // Ctype1 [2:0] = 0b011 (separate instruction and data caches), Ctype2
  // [5:3] = 0b100 (unified), LoUIS [23:21] = 1, LoC [26:24] = 2 (both
  // levels), LoUU [29:27] = 1.
  const want = (0b011 | (0b100 << 3) | (1 << 21) | (2 << 24) | (1 << 27)) >>> 0;
  assert.equal(clidrOf(GENERIC_CACHES), want);
  assert.equal(want, 0x0a20_0023);
  // One level: only Ctype1, and LoC = 1.
  assert.equal(
    clidrOf(GENERIC_CACHES.slice(0, 1)),
    (0b011 | (1 << 21) | (1 << 24) | (1 << 27)) >>> 0,
  );
});

Deno.test("ctrOf: the CTR fields of a hierarchy, from the Arm ARM's layout", () => {
  // [31] 1 (the ARMv7 format 0b100, RES1 on ARMv8), DIC [29], IDC [28], CWG [27:24] and ERG
  // [23:20] log2 of the largest line in words, DminLine [19:16] and IminLine [3:0] log2 of the
  // smallest, L1Ip [15:14] 0b11 (PIPT).
  const field = (lineWords: number, largestWords: number, idc = 0, dic = 0) =>
    ((1 << 31) | (dic << 29) | (idc << 28) | (largestWords << 24) | (largestWords << 20) |
      (lineWords << 16) | (0b11 << 14) | lineWords) >>> 0;
  assert.equal(ctrOf(GENERIC_CACHES), field(4, 4));
  assert.equal(ctrOf(GENERIC_CACHES), 0x8444_c004); // the Cortex-A57's, A72's and Neoverse N1's
  assert.equal(ctrOf(GENERIC_CACHES, { idc: true, dic: true }), 0xb444_c004); // Neoverse V1's
  assert.equal(ctrOf(GENERIC_CACHES, { idc: true }), field(4, 4, 1, 0));
  const l1 = { sets: 128, ways: 4, lineSize: 32 }, l2 = { sets: 1024, ways: 16, lineSize: 128 };
  assert.equal(ctrOf([l1, l2]), field(3, 5));
  assert.equal(ctrOf([null, l2]), field(5, 5));
  assert.equal(ctrOf([]), field(4, 4), "no data cache: 64 bytes");
});

Deno.test("binarySteps: a loop by VA reads the machine's line size from CTR, not the emulator's", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // DminLine from CTR_EL0 (as Linux's dcache_line_size and EDK2's ArmDataCacheLineLength
  // read it), then DC CIVAC over 128 bytes: four lines of 32 bytes, where the emulator core's
  // own CTR says 64.
  const source = `
    mrs x3, ctr_el0
    ubfx x3, x3, #16, #4
    mov x2, #4
    lsl x2, x2, x3
    movz x0, #0x4001, lsl #16
    add x1, x0, #128
1:  dc civac, x0
    add x0, x0, x2
    cmp x0, x1
    b.lo 1b
done: b done
`;
  const p = await assemble("a64", source, LOAD);
  const caches = [{ sets: 256, ways: 4, lineSize: 32 }];
  const trace = binarySteps({
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    until: { pc: p.symbols.done },
    caches,
  });
  assert.deepEqual(
    trace.steps.filter((s) => s.kind === "dc_va").map((s) => s.kind === "dc_va" && s.addr),
    [0x4001_0000, 0x4001_0020, 0x4001_0040, 0x4001_0060],
  );
  // The A32 read (MRC p15, 0, Rt, c0, c0, 1) is answered the same way.
  const a32 = await assemble(
    "a32",
    `
.arm
    mrc p15, 0, r1, c0, c0, 1
    ldr r0, =0x40010000
    str r1, [r0]
done: b done
`,
    LOAD,
  );
  const t32 = binarySteps({
    bytes: a32.bytes,
    isa: "a32",
    load: LOAD,
    until: { pc: a32.symbols.done },
    caches,
  });
  assert.deepEqual(t32.steps.filter((s) => s.kind === "write"), [
    { kind: "write", vcpu: 0, addr: 0x4001_0000, value: 0x8333_c003 },
  ]);
});

/** Little-endian bytes of 32-bit instruction words. */
function code(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * words.length);
  words.forEach((w, i) => new DataView(bytes.buffer).setUint32(4 * i, w >>> 0, true));
  return bytes;
}

Deno.test("Unicorn A32: r0 to r12, sp, lr and pc, each 32 bits wide", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a32");
  try {
    for (let r = 0; r <= 12; r++) uc.setReg(r, 0x1000 + r);
    uc.setReg("sp", 0x4000_0800);
    uc.setReg("lr", 0x4000_0900);
    for (let r = 0; r <= 12; r++) assert.equal(uc.reg(r), 0x1000 + r, `r${r}`);
    assert.equal(uc.reg(13), 0x4000_0800);
    assert.equal(uc.reg(14), 0x4000_0900);
    // A value wider than the register keeps its low 32 bits.
    uc.setReg(12, 0x1_2345_6789n);
    assert.equal(uc.reg64(12), 0x2345_6789n);
    // mov r12, #7 (0xe3a0c007) runs from a mapped page.
    uc.map(LOAD, 0x1000);
    uc.write(LOAD, code(0xe3a0_c007));
    uc.start(LOAD, LOAD + 4);
    assert.equal(uc.reg(12), 7);
    assert.equal(uc.reg("pc"), LOAD + 4);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn A64: register 31 reads as zero, not the stack pointer", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a64");
  try {
    uc.setReg("sp", 0x4000_0800);
    uc.setReg(30, 0x4000_0900);
    assert.equal(uc.reg(31), 0);
    assert.equal(uc.reg("sp"), 0x4000_0800);
    assert.equal(uc.reg("lr"), 0x4000_0900);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn A64: a store of all ones shows in the memory hook as the unsigned 64-bit value", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a64");
  try {
    uc.map(LOAD, 0x1000);
    // movn x2, #0 (x2 = ~0); str x2, [x1]; ldr x3, [x1]
    uc.write(LOAD, code(0x9280_0002, 0xf900_0022, 0xf940_0023));
    uc.setReg(1, LOAD + 0x800);
    const seen: { write: boolean; addr: number; size: number; value: bigint }[] = [];
    uc.onMemory((a) => seen.push({ ...a }));
    uc.start(LOAD, LOAD + 12);
    assert.deepEqual(seen, [
      { write: true, addr: LOAD + 0x800, size: 8, value: 0xffff_ffff_ffff_ffffn },
      { write: false, addr: LOAD + 0x800, size: 8, value: 0n },
    ]);
    assert.equal(uc.reg64(3), 0xffff_ffff_ffff_ffffn);
    assert.equal(uc.readWord(LOAD + 0x804), 0xffff_ffff);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn: an unmapped load and an undefined instruction stop the run with Unicorn's error", () => {
  if (!tools.ok) assert.fail(tools.message);
  // uc_err in Unicorn 2's unicorn.h: UC_ERR_READ_UNMAPPED = 6, UC_ERR_MAP = 11,
  // UC_ERR_EXCEPTION = 21 (the CPU took an exception Unicorn does not handle).
  const uc = Unicorn.open("a64");
  const errorCode = (f: () => void) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof UnicornError, String(e));
      return e.code;
    }
    assert.fail("expected a UnicornError");
  };
  try {
    uc.map(LOAD, 0x1000);
    // ldr w0, [x1] with x1 outside the mapped page
    uc.write(LOAD, code(0xb940_0020));
    uc.setReg(1, 0x9000_0000);
    assert.equal(errorCode(() => uc.start(LOAD, LOAD + 4)), 6);
    // udf #0
    uc.write(LOAD, code(0));
    assert.equal(errorCode(() => uc.start(LOAD, LOAD + 4)), 21);
    // A page mapped twice.
    assert.equal(errorCode(() => uc.map(LOAD, 0x1000)), 11);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn: a mapping that is not whole 4 KiB pages is refused before Unicorn sees it", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a64");
  try {
    for (const [addr, size] of [[LOAD + 0x800, 0x1000], [LOAD, 0x1800], [LOAD, 0]]) {
      assert.throws(
        () => uc.map(addr, size),
        (e: unknown) =>
          e instanceof UnicornError && e.code === 15 && /must be 4 KiB aligned/.test(e.message),
        `map(${addr.toString(16)}, ${size.toString(16)})`,
      );
      assert.throws(() => uc.mapHost(addr, size), UnicornError);
    }
    uc.map(LOAD, 0x2000);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn A32: sp and lr are the r13 and r14 the code reads and writes", () => {
  if (!tools.ok) assert.fail(tools.message);
  // Reading back what setReg wrote passes for any register id; the code
  // running in between shows which register each name reached.
  const uc = Unicorn.open("a32");
  try {
    uc.map(LOAD, 0x1000);
    // mov r0, sp; mov r1, lr; mov sp, r2; mov lr, r3
    uc.write(LOAD, code(0xe1a0_000d, 0xe1a0_100e, 0xe1a0_d002, 0xe1a0_e003));
    uc.setReg("sp", 0x4000_0800);
    uc.setReg("lr", 0x4000_0900);
    uc.setReg(2, 0x4000_0a00);
    uc.setReg(3, 0x4000_0b00);
    uc.start(LOAD, LOAD + 16);
    assert.equal(uc.reg(0), 0x4000_0800, "sp as the code saw it");
    assert.equal(uc.reg(1), 0x4000_0900, "lr as the code saw it");
    assert.equal(uc.reg("sp"), 0x4000_0a00);
    assert.equal(uc.reg("lr"), 0x4000_0b00);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn A64: x0 to x30 are 31 separate registers, x28 and x29 as the code sees them", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a64");
  try {
    for (let r = 0; r <= 30; r++) uc.setReg(r, 0x1000 + r);
    for (let r = 0; r <= 30; r++) assert.equal(uc.reg(r), 0x1000 + r, `x${r}`);
    uc.map(LOAD, 0x1000);
    // add x0, x28, x29
    uc.write(LOAD, code(0x8b1d_0380));
    uc.start(LOAD, LOAD + 4);
    assert.equal(uc.reg(0), 0x1000 + 28 + 0x1000 + 29);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn A64: flags are NZCV in bits 31 to 28, as a compare leaves them", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a64");
  try {
    uc.map(LOAD, 0x1000);
    // cmp x0, x1 (subs xzr, x0, x1)
    uc.write(LOAD, code(0xeb01_001f));
    uc.setReg(0, 5);
    uc.setReg(1, 5);
    uc.start(LOAD, LOAD + 4);
    assert.equal(uc.reg("flags"), 0x6000_0000, "equal: Z and C");
    uc.setReg(0, 1);
    uc.setReg(1, 2);
    uc.start(LOAD, LOAD + 4);
    assert.equal(uc.reg("flags"), 0x8000_0000, "lower: N, no borrow-free C");
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn: an error thrown by a hook ends that run only, the next run starts clean", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a64");
  try {
    uc.map(LOAD, 0x1000);
    uc.write(LOAD, code(0xd503_201f)); // nop
    let calls = 0;
    uc.onCode(() => {
      if (calls++ === 0) throw new Error("the first run's hook fails");
    }, [LOAD]);
    assert.throws(() => uc.start(LOAD, LOAD + 4), /the first run's hook fails/);
    uc.start(LOAD, LOAD + 4);
    assert.equal(calls, 2);
    assert.equal(uc.reg("pc"), LOAD + 4);
  } finally {
    uc.close();
  }
});

Deno.test("Unicorn: onBlock sees only the blocks starting in its range", () => {
  if (!tools.ok) assert.fail(tools.message);
  const uc = Unicorn.open("a64");
  try {
    uc.map(LOAD, 0x1000);
    // A block of one branch to LOAD + 0x100, then a block of one nop there.
    uc.write(LOAD, code(0x1400_0040));
    uc.write(LOAD + 0x100, code(0xd503_201f));
    const blocks: [number, number][] = [];
    uc.onBlock((addr, size) => blocks.push([addr, size]), [LOAD + 0x100, LOAD + 0x1ff]);
    uc.start(LOAD, LOAD + 0x104);
    assert.deepEqual(blocks, [[LOAD + 0x100, 4]]);
  } finally {
    uc.close();
  }
});
