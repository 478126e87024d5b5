// Thumb (T32) code and register read-back: a program that switches to
// Thumb state records the same steps as its A32 twin, in exact and in bulk
// mode (whose exact phase starts in Thumb state), an MCR an IT block skips
// records nothing; and a read of SCTLR after a write returns what was
// written, so a read-modify-write keeps the earlier write's bits.
import assert from "node:assert/strict";
import { binarySteps, type BinaryTrace } from "../../lib/binary/trace.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { assemble, binaryTools } from "./tools.ts";

const tools = await binaryTools();
const LOAD = 0x4000_0000;

/** The body, in unified syntax for both states: stores, maintenance, SCTLR read-modify-writes. */
const BODY = `
    movw r1, #0x0000
    movt r1, #0x4010
    movw r2, #0x1234
    str r2, [r1]
    strh r2, [r1, #6]
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    mov r3, #0
    mcr p15, 0, r3, c7, c14, 2
    mcr p15, 0, r1, c7, c14, 1
    ldr r4, [r1]
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #4
    mcr p15, 0, r0, c1, c0, 0
    cmp r3, #0
    it ne
    mcrne p15, 0, r1, c7, c6, 1
    mrc p15, 0, r5, c2, c0, 0
    mcr p15, 0, r1, c2, c0, 0
    mrc p15, 0, r5, c2, c0, 0
    str r5, [r1, #8]
`;

async function run(thumb: boolean, mode: "exact" | "bulk"): Promise<BinaryTrace> {
  const entry = thumb
    ? `
.arm
    adr r0, body + 1
    bx r0
.thumb
.align 2
body:`
    : `
.arm
body:`;
  const p = await assemble("a32", `.syntax unified\n${entry}${BODY}done: b done\n`, LOAD);
  return binarySteps({
    bytes: p.bytes,
    isa: "a32",
    load: LOAD,
    mode,
    until: { pc: p.symbols.done },
  });
}

const noPc = (steps: Step[]) => steps.filter((s) => s.kind !== "pc");

Deno.test("binarySteps Thumb: the same steps as the A32 program, an MCR an IT block skips records nothing", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const A = 0x4010_0000;
  const want: Step[] = [
    { kind: "exec_state", vcpu: 0, aarch32: true },
    { kind: "write", vcpu: 0, addr: A, value: 0x1234 },
    { kind: "write", vcpu: 0, addr: A + 4, value: 0x1234_0000 },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: false, i: false } },
    { kind: "sw", vcpu: 0, op: "cisw", level: 1, set: 0, way: 0 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 64 },
    { kind: "read", vcpu: 0, addr: A },
    // The read back of SCTLR keeps M: the second write is M and C.
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: false } },
    { kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: A },
    // TTBR0 read back after the write: A.
    { kind: "write", vcpu: 0, addr: A + 8, value: A },
  ];
  const arm = await run(false, "exact");
  assert.deepEqual(noPc(arm.steps), want);
  const thumb = await run(true, "exact");
  assert.deepEqual(noPc(thumb.steps), want);
  // Thumb PCs are shown rounded down to a word.
  for (const s of thumb.steps) if (s.kind === "pc") assert.equal(s.addr % 4, 0);
  // Bulk mode: the stores before the first maintenance (a Thumb MCR) are
  // entered as writes in address order, the SCTLR write as recorded, and
  // the exact phase resumes in Thumb state.
  for (const t of [await run(false, "bulk"), await run(true, "bulk")]) {
    assert.deepEqual(noPc(t.steps).slice(3), want.slice(3));
    assert.deepEqual(noPc(t.steps).slice(0, 3), want.slice(0, 3));
  }
});

Deno.test("binarySteps A64: a read of SCTLR_EL1 after a write returns what was written", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a64",
    `
    mrs x0, sctlr_el1
    orr x0, x0, #1
    msr sctlr_el1, x0
    mrs x1, sctlr_el1
    orr x1, x1, #4
    msr sctlr_el1, x1
done: b done
`,
    LOAD,
  );
  for (const mode of ["exact", "bulk"] as const) {
    const t = binarySteps({
      bytes: p.bytes,
      isa: "a64",
      load: LOAD,
      mode,
      until: { pc: p.symbols.done },
    });
    assert.deepEqual(
      t.steps.filter((s) => s.kind === "sctlr").map((s) => s.kind === "sctlr" && s.bits),
      [
        { m: true, c: false, i: false },
        { m: true, c: true, i: false },
      ],
      mode,
    );
  }
});
