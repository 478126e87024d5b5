// Hand-assembled A32 and A64 programs run through lib/binary give the same
// steps, events, verdict and cost as the same programs written in the DSL,
// under every built-in policy on machines with and without a system cache
// (and with stage-2 FWB). The coupled run (runBinary) feeds the model's
// read values back to the code: where a read is stale, the code stores and
// branches on the stale value, and the DSL program that does the same with
// the value the hardware gave is its equal.
import assert from "node:assert/strict";
import { binarySteps } from "../../lib/binary/trace.ts";
import { runBinary } from "../../lib/binary/run_binary.ts";
import { GuestBuilder } from "../../lib/dsl/guest.ts";
import { vm, type VmBuilder } from "../../lib/dsl/vm.ts";
import type { RunResult } from "../../lib/engine/result.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { assemble, binaryTools } from "./tools.ts";

const tools = await binaryTools();
const POLICIES = Object.keys(policies);
const LOAD = 0x4000_8000;
const DATA = 0x4001_0000;
const VALUE = 0xcafe_f00d;

/**
 * AArch32: MMU and caches on, three lines written, the first cleaned by VA
 * (DCCMVAC), then all of L1 cleaned by set/way (DCCSW, 256 sets × 4 ways,
 * the loop of v7_flush_dcache_all), MMU and caches off, the lines read back.
 */
const A32_SOURCE = `
.arm
_start:
    movw r0, #0x1005
on: mcr p15, 0, r0, c1, c0, 0
    movw r1, #0x0000
    movt r1, #0x4001
    movw r2, #0xf00d
    movt r2, #0xcafe
st: str r2, [r1]
    str r2, [r1, #64]
    str r2, [r1, #128]
va: mcr p15, 0, r1, c7, c10, 1
    mov r4, #3
way_loop:
    mov r5, #255
set_loop:
    lsl r6, r4, #30
    orr r6, r6, r5, lsl #6
sw: mcr p15, 0, r6, c7, c10, 2
    subs r5, r5, #1
    bge set_loop
    subs r4, r4, #1
    bge way_loop
    mov r0, #0
off: mcr p15, 0, r0, c1, c0, 0
ld: ldr r3, [r1]
    ldr r3, [r1, #64]
    ldr r3, [r1, #128]
done: b done
`;

/** The A32 program in the DSL, at the PCs of its labels. */
function a32Dsl(pc: Readonly<Record<string, number>>): (g: GuestBuilder) => GuestBuilder {
  return (g) => {
    let b = g.aarch32().pc(pc.on).sctlr({ m: true, c: true, i: true })
      .pc(pc.st).write(DATA, VALUE).write(DATA + 64, VALUE).write(DATA + 128, VALUE)
      .dc_cvac(DATA, 64);
    for (let way = 3; way >= 0; way--) {
      for (let set = 255; set >= 0; set--) b = b.pc(pc.sw).dc_csw(1, set, way);
    }
    return b.pc(pc.off).sctlr({ m: false, c: false, i: false })
      .read(DATA).read(DATA + 64).read(DATA + 128);
  };
}

/**
 * AArch64: the VM registers Linux's __cpu_setup writes, MMU and caches on,
 * two lines written, the first cleaned and invalidated by VA (DC CIVAC),
 * one DC CISW, MMU and caches off, both lines read back; the second read's
 * value is stored and branched on.
 */
const A64_SOURCE = `
_start:
    movz x0, #0x4000, lsl #16
    mov x7, #0x19
    mov x8, #0xff
    mov x9, #7
vm: msr ttbr0_el1, x0
    msr tcr_el1, x7
    msr mair_el1, x8
    msr contextidr_el1, x9
    mov x0, #0x1005
on: msr sctlr_el1, x0
    movz x1, #0x4001, lsl #16
    movz w2, #0xf00d
    movk w2, #0xcafe, lsl #16
st: str w2, [x1]
    str w2, [x1, #64]
    dc civac, x1
    mov x3, #0x40
    dc cisw, x3
    mov x0, #0
off: msr sctlr_el1, x0
    ldr w3, [x1]
    ldr w4, [x1, #64]
    str w4, [x1, #256]
    cbz w4, zero
    mov w6, #1
    b tail
zero:
    mov w6, #2
tail:
    str w6, [x1, #320]
done: b done
`;

/** The A64 program in the DSL, given the value its second read returned. */
function a64Dsl(pc: Readonly<Record<string, number>>, read: number | null) {
  return (g: GuestBuilder): GuestBuilder => {
    const b = g.pc(pc.vm).vmReg("TTBR0", 0x4000_0000).vmReg("TCR", 0x19).vmReg("MAIR0", 0xff)
      .vmReg("CONTEXTIDR", 7).pc(pc.on).sctlr({ m: true, c: true, i: true })
      .pc(pc.st).write(DATA, VALUE).write(DATA + 64, VALUE).dc_civac(DATA, 64)
      .pc(pc.st + 16).dc_cisw(1, 1, 0)
      .pc(pc.off).sctlr({ m: false, c: false, i: false }).read(DATA).read(DATA + 64);
    if (read === null) return b;
    return b.write(DATA + 256, read).pc(pc.tail).write(DATA + 320, read === 0 ? 2 : 1);
  };
}

type Outcome = { error: string } | { trace: string; verdict: string; cost: string };

async function outcome(builder: () => VmBuilder | Promise<RunResult>): Promise<Outcome> {
  try {
    const b = builder();
    const r = b instanceof Promise ? await b : await b.run();
    return {
      trace: r.trace(),
      verdict: JSON.stringify(r.verdict),
      cost: JSON.stringify(r.cost),
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

Deno.test("binary A32: the same steps as the DSL program, and the same run under every policy", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble("a32", A32_SOURCE, LOAD);
  // The caches the program's loop assumes (256 sets, 4 ways, 64-byte lines),
  // whatever the machine's: on a machine with fewer sets the high set bits
  // are ignored, on one with fewer ways the slot is missing (archInvalid).
  const caches = [{ sets: 256, ways: 4, lineSize: 64 }];
  const options = {
    bytes: p.bytes,
    isa: "a32",
    load: LOAD,
    until: { pc: p.symbols.done },
    caches,
  } as const;
  const trace = binarySteps(options);
  const dsl = a32Dsl(p.symbols);
  assert.deepEqual(trace.steps, dsl(GuestBuilder.create()).toSteps());
  const verdicts = new Set<string>();
  for (const machine of ["generic", "xgene1", "tc2"]) {
    for (const policy of POLICIES) {
      const base = () => vm().machine(machine).cpus(2).policy(policy);
      const want = await outcome(() => base().guest(dsl));
      const got = await outcome(() => runBinary(base(), options).then((r) => r.result));
      assert.deepEqual(got, want, `${machine} ${policy}`);
      if ("verdict" in want) verdicts.add(JSON.parse(want.verdict).ok);
    }
  }
  // Both outcomes happen: the programs are not trivially fine.
  assert.deepEqual([...verdicts].sort(), [false, true]);
});

Deno.test("binary A64: stale reads feed back into the code as the DSL program with those values", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble("a64", A64_SOURCE, LOAD);
  // The caches the program assumes (its DC CISW names L1 set 1 way 0).
  const caches = [{ sets: 128, ways: 4, lineSize: 64 }];
  const options = {
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    until: { pc: p.symbols.done },
    caches,
  } as const;
  const reads = new Set<number>();
  let rounds = 0;
  for (const machine of ["generic", "xgene1", "neoverse-n1"]) {
    for (const policy of POLICIES) {
      const base = () => vm().machine(machine).cpus(2).policy(policy);
      // What the hardware gives the second read, from the DSL program up to it.
      const prefix = await outcome(() => base().guest(a64Dsl(p.symbols, null)));
      let want: Outcome = prefix;
      if ("trace" in prefix) {
        const r = await base().guest(a64Dsl(p.symbols, null)).run();
        const got = r.events.filter((e) => e.name === "read").map((e) => Number(e.value));
        // A crashed vCPU performs no more steps: the code's own value stands.
        const value = got[1] ?? VALUE;
        reads.add(value);
        want = await outcome(() => base().guest(a64Dsl(p.symbols, value)));
      }
      const got = await outcome(() =>
        runBinary(base(), options).then((r) => {
          rounds = Math.max(rounds, r.rounds);
          return r.result;
        })
      );
      assert.deepEqual(got, want, `${machine} ${policy}`);
    }
  }
  // Some runs read the value written and some a stale one (what DRAM held);
  // the stale ones took a second round.
  assert.ok(reads.has(VALUE) && reads.size > 1, [...reads].join(", "));
  assert.equal(rounds, 2);
});
