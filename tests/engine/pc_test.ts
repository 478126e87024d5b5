// The guest's PC: every step that is a guest instruction (a read, a write, a
// DC range, a set/way instruction or walk, an SCTLR or VM-register write)
// moves it on by 4, trapped or not; a `pc` step sets it; migrations, host
// actions and execution-state changes are not instructions and leave it.
// Each step below is followed by a read, whose event carries the PC it ran at.
import assert from "node:assert/strict";
import { type GuestBuilder, vm } from "../../mod.ts";

const P = 0x4008_0000;
const A = 0x4000_0000;

/** Each step, and how far it moves the PC. */
const STEPS: readonly [string, (g: GuestBuilder) => GuestBuilder, number][] = [
  ["write", (g) => g.write(A, 1), 4],
  ["read", (g) => g.read(A), 4],
  ["dc_civac over 4 lines", (g) => g.dc_civac(A, 256), 4],
  ["dc_csw", (g) => g.dc_csw(1, 0, 0), 4],
  ["sw_clean (a walk)", (g) => g.sw_clean(), 4],
  ["sctlr", (g) => g.sctlr({ m: true, c: true }), 4],
  ["vmReg", (g) => g.vmReg("TTBR0", 0x4000_4000), 4],
  ["migrate", (g) => g.migrate(0, 1), 0],
  ["host write", (g) => g.host((h) => h.write(A + 64, 2)), 0],
];

Deno.test("pc: each guest instruction moves the PC by 4, trapped or not; other steps leave it", async () => {
  for (const policy of ["kvm-4.0", "native"]) {
    let program = (g: GuestBuilder) => g.pc(P);
    // The PC each read runs at: the steps' own read, and the read after each step.
    const want: number[] = [];
    let pc = P;
    for (const [name, step, moves] of STEPS) {
      const before = program;
      program = (g) => step(before(g)).read(A);
      if (name === "read") want.push(pc);
      pc += moves;
      want.push(pc);
      pc += 4;
    }
    const run = await vm().cpus(1).policy(policy).guest(program).run();
    const got = run.events.filter((e) => e.name === "read").map((e) => e.pc);
    assert.deepEqual(got, want, policy);
  }
});
