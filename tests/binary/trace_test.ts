// What binarySteps records for each kind of access and instruction, and how
// it stops: word splitting and merging of stores, loads of the code's own
// image, conditional CP15 writes, forced read values, the stop conditions
// and the errors.
import assert from "node:assert/strict";
import { binarySteps, type BinaryTrace, clidrOf, GENERIC_CACHES } from "../../lib/binary/trace.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { assemble, binaryTools } from "./tools.ts";

const tools = await binaryTools();
const LOAD = 0x4000_0000;

/** Assembles `source` at LOAD and records it until it reaches its `done` label. */
async function traceToDone(
  isa: "a32" | "a64",
  source: string,
): Promise<{ trace: BinaryTrace; symbols: Readonly<Record<string, number>> }> {
  const p = await assemble(isa, source, LOAD);
  const trace = binarySteps({ bytes: p.bytes, isa, load: LOAD, until: { pc: p.symbols.done } });
  return { trace, symbols: p.symbols };
}

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
