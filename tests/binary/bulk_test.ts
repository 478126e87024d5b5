// Bulk mode (hooks only on the modelled instructions until the first cache
// maintenance, the memory written meanwhile entered as write steps) gives
// the verdict exact mode gives, on a small decompressor-like program: a
// table written with caches off, caches on, 16 KiB "inflated", cleaned by
// VA or by set/way, caches off, the image read back. With exactAt (the
// image read back), bulk mode runs through the by-VA clean loop, recorded
// as one step, and gives the same verdict. The diff of the pages that
// changed gives the steps the diff of every word gives.
import assert from "node:assert/strict";
import { changedPages } from "../../lib/binary/pages.ts";
import { runBinary } from "../../lib/binary/run_binary.ts";
import { binarySteps } from "../../lib/binary/trace.ts";
import { vm } from "../../lib/dsl/vm.ts";
import type { RunResult } from "../../lib/engine/result.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { assemble, binaryTools } from "./tools.ts";

const tools = await binaryTools();
const LOAD = 0x4000_8000;

const CLEANS = {
  "by-va": `
    movw r1, #0x0000
    movt r1, #0x4020
    movw r2, #256
va: mcr p15, 0, r1, c7, c14, 1
    add r1, r1, #64
    subs r2, r2, #1
    bne va
`,
  "set-way": `
    mov r4, #3
way_loop:
    mov r5, #127
set_loop:
    lsl r6, r4, #30
    orr r6, r6, r5, lsl #6
    mcr p15, 0, r6, c7, c14, 2
    subs r5, r5, #1
    bge set_loop
    subs r4, r4, #1
    bge way_loop
`,
};

function program(clean: string): string {
  return `
.arm
_start:
    movw r1, #0x0000
    movt r1, #0x4010
    mov r2, #16
    mov r3, #0
tbl:
    str r3, [r1], #4
    add r3, r3, #0x100000
    subs r2, r2, #1
    bne tbl
    movw r0, #0x1005
    mcr p15, 0, r0, c1, c0, 0
    movw r1, #0x0000
    movt r1, #0x4020
    movw r2, #4096
    movw r3, #0x1234
inflate:
    str r3, [r1], #4
    add r3, r3, r3, lsl #3
    subs r2, r2, #1
    bne inflate
${clean}
    mov r0, #0
    mcr p15, 0, r0, c1, c0, 0
kernel:
    movw r1, #0x0000
    movt r1, #0x4020
    movw r2, #256
check:
    ldr r4, [r1], #64
    subs r2, r2, #1
    bne check
done: b done
`;
}

/** The verdict, each violation by its address and values. */
function verdictOf(r: RunResult) {
  const v = r.verdict;
  return {
    ok: v.ok,
    failsNatively: v.failsNatively,
    crashed: v.crashed?.reason ?? null,
    violations: v.violations.map((x) => `${x.kind} ${x.addr} ${x.expected} ${x.got} ${x.blame}`),
  };
}

for (const [name, clean] of Object.entries(CLEANS)) {
  Deno.test(`binary bulk mode: the ${name} decompressor's verdict is exact mode's under every policy`, async () => {
    if (!tools.ok) assert.fail(tools.message);
    const p = await assemble("a32", program(clean), LOAD);
    const options = {
      bytes: p.bytes,
      isa: "a32",
      load: LOAD,
      until: { pc: p.symbols.done },
      caches: [{ sets: 128, ways: 4, lineSize: 64 }],
    } as const;
    const oks = new Set<boolean>();
    for (const machine of ["generic", "xgene1"]) {
      for (const policy of Object.keys(policies)) {
        const base = () => vm().machine(machine).policy(policy);
        const exact = await runBinary(base(), options);
        const bulk = await runBinary(base(), { ...options, mode: "bulk" });
        assert.deepEqual(verdictOf(bulk.result), verdictOf(exact.result), `${machine} ${policy}`);
        if (name === "by-va") {
          // Through the clean loop (one coalesced step) to the "kernel", exact from there.
          const through = await runBinary(base(), {
            ...options,
            mode: "bulk",
            exactAt: p.symbols.kernel,
          });
          assert.deepEqual(
            verdictOf(through.result),
            verdictOf(exact.result),
            `${machine} ${policy}`,
          );
          const vas = through.trace.steps.filter((s) => s.kind === "dc_va");
          assert.deepEqual(vas.map((s) => s.kind === "dc_va" && s.len), [256 * 64]);
        }
        // The bulk phase hooked no instruction of the table and inflate loops.
        assert.ok(bulk.trace.instructions < exact.trace.instructions - 3 * 4096);
        oks.add(exact.result.verdict.ok);
      }
    }
    if (name === "set-way") assert.deepEqual([...oks].sort(), [false, true]);
  });
}

Deno.test("binary bulk mode: the diff of changed pages gives the steps of the diff of every word", async () => {
  if (!tools.ok) assert.fail(tools.message);
  for (const clean of Object.values(CLEANS)) {
    const p = await assemble("a32", program(clean), LOAD);
    const options = {
      bytes: p.bytes,
      isa: "a32",
      load: LOAD,
      until: { pc: p.symbols.done },
    } as const;
    for (const exactAt of [undefined, p.symbols.kernel]) {
      const pages = binarySteps({ ...options, mode: "bulk", exactAt });
      const words = binarySteps({ ...options, mode: "bulk", exactAt, bulkDiff: "words" });
      assert.deepEqual(pages.steps, words.steps);
      assert.ok(pages.bulkSteps > 4096, `${pages.bulkSteps} bulk steps`);
    }
  }
});

Deno.test("binary bulk mode with exactAt: a by-VA op of another kind on the next line is a step of its own", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // The loop rewrites its own DC CVAC as DC CIVAC: the second pass runs
  // the op at the same pc on the next line, which extends the clean step
  // only when the op is the same.
  const p = await assemble(
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
kernel:
    nop
done: b done
civac: dc civac, x0
`,
    LOAD,
  );
  const t = binarySteps({
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    mode: "bulk",
    exactAt: p.symbols.kernel,
    until: { pc: p.symbols.done },
  });
  assert.deepEqual(t.steps.filter((s) => s.kind === "dc_va"), [
    { kind: "dc_va", vcpu: 0, op: "cvac", addr: 0x4001_0000, len: 64 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: 0x4001_0040, len: 64 },
  ]);
});

Deno.test("changedPages: memcmp and the JavaScript loop find the same pages", () => {
  let s = 2026;
  const r = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  for (let k = 0; k < 50; k++) {
    const size = 4096 * (1 + (r() % 600));
    const a = new Uint8Array(size);
    for (let i = 0; i < 64; i++) a[r() % size] = r() & 0xff;
    const b = new Uint8Array(a);
    const touched = new Set<number>();
    for (let i = r() % 8; i > 0; i--) {
      const at = r() % size;
      b[at] ^= 1 + (r() % 255);
      touched.add(at - (at % 4096));
    }
    const want = [...touched].sort((x, y) => x - y);
    assert.deepEqual(changedPages(b, a, "memcmp"), want);
    assert.deepEqual(changedPages(b, a, "js"), want);
  }
});
