// binarySteps in bulk mode, before and at the switch to exact hooks: the
// conditions of modelled instructions, identification reads, the PCs and
// number of the bulk writes, words of the image the bulk phase wrote, the
// instruction limits of each phase, and a maintenance instruction in the
// image's last word.
import assert from "node:assert/strict";
import { type BinaryOptions, binarySteps, type BinaryTrace } from "../../lib/binary/trace.ts";
import { assemble, binaryTools } from "./tools.ts";

const tools = await binaryTools();
const LOAD = 0x4000_0000;
const A = 0x4001_0000;

/** Assembles `source` at LOAD and records it in bulk mode, with the other `options`, until `done`. */
async function bulkToDone(
  isa: "a32" | "a64",
  source: string,
  options: Partial<Omit<BinaryOptions, "bytes" | "isa" | "load">> = {},
): Promise<{ trace: BinaryTrace; symbols: Readonly<Record<string, number>> }> {
  const p = await assemble(isa, source, LOAD);
  const trace = binarySteps({
    ...options,
    bytes: p.bytes,
    isa,
    load: LOAD,
    mode: "bulk",
    until: { pc: p.symbols.done, ...options.until },
  });
  return { trace, symbols: p.symbols };
}

Deno.test("binarySteps bulk: a CP15 write whose condition fails before the first maintenance records nothing", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace } = await bulkToDone(
    "a32",
    `
.arm
    mov r0, #5
    cmp r0, #5
    mcrne p15, 0, r0, c2, c0, 0
    mcreq p15, 0, r0, c3, c0, 0
    ldr r1, =0x40010000
    mcr p15, 0, r1, c7, c14, 1
done: b done
`,
  );
  assert.deepEqual(trace.steps.filter((s) => s.kind !== "pc"), [
    { kind: "exec_state", vcpu: 0, aarch32: true },
    { kind: "vm_reg", vcpu: 0, reg: "DACR", value: 5 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 64 },
  ]);
});

Deno.test("binarySteps bulk: a CTR read before the first maintenance returns the machine's line size", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace } = await bulkToDone(
    "a64",
    `
    mrs x3, ctr_el0
    movz x1, #0x4001, lsl #16
    str w3, [x1]
    dc civac, x1
done: b done
`,
    { caches: [{ sets: 256, ways: 4, lineSize: 32 }] },
  );
  assert.deepEqual(trace.steps.filter((s) => s.kind === "write"), [
    { kind: "write", vcpu: 0, addr: A, value: 0x8333_c003 },
  ]);
});

Deno.test("binarySteps bulk: the bulk writes are entered once, at the PC of the modelled instruction after them", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // Two VM register writes, then the first maintenance: the stores before
  // the first register write are entered there, and not again at the second
  // or at the maintenance; each write step moves the shown PC on, so the
  // next instruction shows its own PC again.
  const { trace, symbols } = await bulkToDone(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    mov w2, #7
    str w2, [x1]
    str w2, [x1, #4]
ttbr0:
    msr ttbr0_el1, x1
ttbr1:
    msr ttbr1_el1, x1
clean:
    dc civac, x1
done: b done
`,
  );
  assert.deepEqual(trace.steps, [
    { kind: "pc", vcpu: 0, addr: symbols.ttbr0 },
    { kind: "write", vcpu: 0, addr: A, value: 7 },
    { kind: "write", vcpu: 0, addr: A + 4, value: 7 },
    { kind: "pc", vcpu: 0, addr: symbols.ttbr0 },
    { kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: A },
    { kind: "vm_reg", vcpu: 0, reg: "TTBR1", value: A },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 64 },
  ]);
  assert.equal(trace.bulkSteps, 6);
  assert.equal(symbols.clean, symbols.ttbr1 + 4);
});

Deno.test("binarySteps bulk: a word of the image the bulk phase wrote is read as any other afterwards", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace, symbols } = await bulkToDone(
    "a64",
    `
    adr x1, lit
    mov w2, #9
    str w2, [x1]
    dc civac, x1
    ldr w3, [x1]
done: b done
lit: .word 0
`,
  );
  assert.deepEqual(trace.steps.filter((s) => s.kind === "write" || s.kind === "read"), [
    { kind: "write", vcpu: 0, addr: symbols.lit, value: 9 },
    { kind: "read", vcpu: 0, addr: symbols.lit },
  ]);
  assert.deepEqual(trace.readValues, [9]);
});

/** A loop of 100 stores, then the code at `kernel`: a read. */
const LOOP_THEN_KERNEL = `
    movz x1, #0x4001, lsl #16
    mov x5, #100
loop:
    str w5, [x1]
    subs x5, x5, #1
    b.ne loop
kernel:
    ldr w3, [x1, #8]
done: b done
`;

Deno.test("binarySteps bulk with exactAt: until.instructions bounds the exact phase only", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // The bulk phase runs 300 instructions to reach the kernel, more than
  // until.instructions; the exact phase runs the kernel's two.
  const p = await assemble("a64", LOOP_THEN_KERNEL, LOAD);
  const t = binarySteps({
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    mode: "bulk",
    exactAt: p.symbols.kernel,
    until: { pc: p.symbols.done, instructions: 50 },
  });
  assert.equal(t.pc, p.symbols.done);
  assert.deepEqual(t.steps.filter((s) => s.kind === "read"), [
    { kind: "read", vcpu: 0, addr: A + 8 },
  ]);
});

Deno.test("binarySteps bulk: until.exactInstructions bounds the exact phase", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    dc civac, x1
    mov x5, #100
loop:
    str w5, [x1]
    subs x5, x5, #1
    b.ne loop
done: b done
`,
    LOAD,
  );
  const t = binarySteps({
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    mode: "bulk",
    until: { pc: p.symbols.done, exactInstructions: 8 },
  });
  // The maintenance, the mov, and two passes of the loop.
  assert.equal(t.instructions, 8);
  assert.equal(t.steps.filter((s) => s.kind === "write").length, 2);
  assert.notEqual(t.pc, p.symbols.done);
});

Deno.test("binarySteps bulk: a maintenance instruction in the image's last word ends the bulk phase", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    str w1, [x1]
clean:
    dc civac, x1
`,
    LOAD,
  );
  assert.equal(p.bytes.length, 12);
  const t = binarySteps({
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    mode: "bulk",
    until: { pc: LOAD + 12 },
  });
  assert.deepEqual(t.steps, [
    { kind: "pc", vcpu: 0, addr: p.symbols.clean },
    { kind: "write", vcpu: 0, addr: A, value: A },
    { kind: "pc", vcpu: 0, addr: p.symbols.clean },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 64 },
  ]);
  assert.equal(t.bulkSteps, 2);
});
