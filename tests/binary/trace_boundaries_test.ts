// binarySteps in exact mode at its edges: the first word of memory and the
// word after the image or a device, the MMU-on stop with more instructions
// in the same block, code the program rewrites, a first cache level
// without a data cache, 64-bit register values, registers given by name,
// forced reads followed by narrow stores and further reads, and load
// addresses beyond 32 bits.
import assert from "node:assert/strict";
import { binarySteps } from "../../lib/binary/trace.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { accesses, assemble, binaryTools, LOAD, traceToDone } from "./tools.ts";

const tools = await binaryTools();

Deno.test("binarySteps: a store after the MMU-on write in the same block is not recorded", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // The emulator finishes the translation block after the stop; what it
  // runs there belongs to code at virtual addresses this emulation does not follow.
  const p = await assemble(
    "a32",
    `
.arm
    ldr r1, =0x40010000
    mov r0, #1
mmu:
    mcr p15, 0, r0, c1, c0, 0
    str r0, [r1]
    str r0, [r1, #4]
done: b done
`,
    LOAD,
  );
  const t = binarySteps({ bytes: p.bytes, isa: "a32", load: LOAD, until: { mmuOn: true } });
  assert.deepEqual(accesses(t), [{
    kind: "sctlr",
    vcpu: 0,
    bits: { m: true, c: false, i: false },
  }]);
  assert.equal(t.pc, p.symbols.mmu);
});

Deno.test("binarySteps: an undefined instruction right after the MMU-on write ends the run normally", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a32",
    `
.arm
    mov r0, #5
mmu:
    mcr p15, 0, r0, c1, c0, 0
    udf #0
done: b done
`,
    LOAD,
  );
  const t = binarySteps({ bytes: p.bytes, isa: "a32", load: LOAD, until: { mmuOn: true } });
  assert.deepEqual(accesses(t), [{ kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: false } }]);
  assert.equal(t.pc, p.symbols.mmu);
});

Deno.test("binarySteps: code the program rewrites runs as its new instruction", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // The loop's first pass stores a DC CIVAC over its own DC CVAC: the second
  // pass cleans and invalidates the next line.
  const { trace } = await traceToDone(
    "a64",
    `
    movz x0, #0x4001, lsl #16
    adr x3, target
    ldr w4, civac
    mov x5, #2
loop:
target:
    dc cvac, x0
    str w4, [x3]
    add x0, x0, #64
    subs x5, x5, #1
    b.ne loop
done: b done
civac: dc civac, x0
`,
  );
  assert.deepEqual(trace.steps.filter((s) => s.kind === "dc_va"), [
    { kind: "dc_va", vcpu: 0, op: "cvac", addr: 0x4001_0000, len: 64 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: 0x4001_0040, len: 64 },
  ]);
});

Deno.test("binarySteps: a load of the word right after the image is a read, of its last word not", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace, symbols } = await traceToDone(
    "a64",
    `
    adr x1, last
    ldr w2, [x1]
    ldr w3, [x1, #4]
done: b done
last: .word 0x1234
`,
  );
  assert.deepEqual(accesses(trace), [{ kind: "read", vcpu: 0, addr: symbols.last + 4 }]);
  assert.deepEqual(trace.readValues, [0]);
});

Deno.test("binarySteps: the first word of memory is RAM, even right after a device", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // Memory starts at 0x40000000 (the load address rounded down to 1 MiB);
  // a device's last page ends there.
  const writes: [number, number, bigint][] = [];
  const { trace } = await traceToDone(
    "a64",
    `
    movz x1, #0x4000, lsl #16
    mov w2, #3
    str w2, [x1]
    stur w2, [x1, #-4]
done: b done
`,
    {
      load: 0x4000_1000,
      devices: [{
        base: 0x3fff_f000,
        size: 0x1000,
        write: (offset, size, value) => {
          writes.push([offset, size, value]);
        },
      }],
    },
  );
  assert.deepEqual(accesses(trace), [{ kind: "write", vcpu: 0, addr: 0x4000_0000, value: 3 }]);
  assert.deepEqual(writes, [[0xffc, 4, 3n]]);
});

Deno.test("binarySteps: DC by VA covers the line of the first level that has a data cache", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // No L1 data cache; the L2's lines are 128 bytes.
  const { trace } = await traceToDone(
    "a64",
    `
    movz x0, #0x4001, lsl #16
    movk x0, #0x00c4
    dc civac, x0
done: b done
`,
    { caches: [null, { sets: 1024, ways: 16, lineSize: 128 }] },
  );
  assert.deepEqual(accesses(trace), [
    { kind: "dc_va", vcpu: 0, op: "civac", addr: 0x4001_0080, len: 128 },
  ]);
});

Deno.test("binarySteps A64: a VM register write records the low 32 bits of the 64-bit value", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // TTBR0_EL1 with an ASID in bits [63:48] and the table at 0x40004000.
  const { trace } = await traceToDone(
    "a64",
    `
    movz x0, #0x4000, lsl #16
    movk x0, #0x4000
    movk x0, #0x0005, lsl #48
    msr ttbr0_el1, x0
done: b done
`,
  );
  assert.deepEqual(accesses(trace), [{
    kind: "vm_reg",
    vcpu: 0,
    reg: "TTBR0",
    value: 0x4000_4000,
  }]);
});

Deno.test("binarySteps A32: sp and lr given by name in regs reach the code", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const { trace } = await traceToDone(
    "a32",
    `
.arm
    str r2, [sp]
    str r2, [lr]
done: b done
`,
    { regs: { 2: 0x77, sp: 0x4002_0000, lr: 0x4003_0000 } },
  );
  assert.deepEqual(accesses(trace), [
    { kind: "write", vcpu: 0, addr: 0x4002_0000, value: 0x77 },
    { kind: "write", vcpu: 0, addr: 0x4003_0000, value: 0x77 },
  ]);
});

Deno.test("binarySteps: after a forced stale read, a byte store merges into what the program wrote, and the next read returns it", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // The first read returns the stale 0xdeadbeef the model gave; the program's
  // own view of the word is still 0x11112222, so its byte store makes
  // 0x111122ab, and the next (unforced) read returns that.
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    movz w2, #0x2222
    movk w2, #0x1111, lsl #16
    str w2, [x1]
    ldr w3, [x1]
    mov w5, #0xab
    strb w5, [x1]
    ldr w4, [x1]
done: b done
`,
    LOAD,
  );
  const t = binarySteps({
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    reads: [0xdead_beef],
    until: { pc: p.symbols.done },
  });
  const A = 0x4001_0000;
  assert.deepEqual(accesses(t), [
    { kind: "write", vcpu: 0, addr: A, value: 0x1111_2222 },
    { kind: "read", vcpu: 0, addr: A },
    { kind: "write", vcpu: 0, addr: A, value: 0x1111_22ab },
    { kind: "read", vcpu: 0, addr: A },
  ]);
  assert.deepEqual(t.readValues, [0xdead_beef, 0x1111_22ab]);
});

Deno.test("binarySteps: refuses a load or entry address beyond 32 bits", () => {
  for (const o of [{ load: 0x1_0000_0000 }, { load: LOAD, entry: 0x1_0000_0000 }]) {
    assert.throws(
      () => binarySteps({ bytes: new Uint8Array(4), isa: "a64", ...o }),
      (e) =>
        e instanceof ScenarioError && e.code === "invalid_value" &&
        /4-byte aligned 32-bit address/.test(e.message),
      JSON.stringify(o),
    );
  }
});
