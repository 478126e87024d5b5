// runBinary and guestCaches at their edges: the caches each vCPU reads
// from CLIDR and CCSIDR (its own physical CPU's on a big.LITTLE machine,
// modern KVM's normalized view), reads of the VM's own steps before the
// code, and a polling loop whose repeated reads the model counts as one
// event.
//
// Geometries, from the machines' TRMs: Versatile Express TC2 has two
// Cortex-A15 (32 KiB 2-way L1D, 1 MiB 16-way L2) then three Cortex-A7
// (32 KiB 4-way L1D, 512 KiB 8-way L2), 64-byte lines; vCPU n runs on CPU n.
// CCSIDR (no FEAT_CCIDX; Arm ARM, CCSIDR_EL1): NumSets - 1 in [27:13],
// Associativity - 1 in [12:3], log2(line bytes) - 4 in [2:0]. CLIDR: Ctype1
// [2:0], Ctype2 [5:3], LoUIS [23:21], LoC [26:24], LoUU [29:27].
import assert from "node:assert/strict";
import { guestCaches, runBinary } from "../../lib/binary/mod.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { assemble, binaryTools } from "./tools.ts";

const tools = await binaryTools();
const LOAD = 0x4000_8000;
const DATA = 0x4001_0000;

/** Separate L1 instruction and data caches, a unified L2, LoUIS = LoUU = 1, LoC = 2. */
const CLIDR_TWO_LEVELS = (0b011 | (0b100 << 3) | (1 << 21) | (2 << 24) | (1 << 27)) >>> 0;
/** One level, separate caches, LoUIS = LoC = LoUU = 1. */
const CLIDR_ONE_LEVEL = (0b011 | (1 << 21) | (1 << 24) | (1 << 27)) >>> 0;

const A15 = [{ sets: 256, ways: 2, lineSize: 64 }, { sets: 1024, ways: 16, lineSize: 64 }];
const A7 = [{ sets: 128, ways: 4, lineSize: 64 }, { sets: 1024, ways: 8, lineSize: 64 }];

/** CTR for 64-byte lines, IDC and DIC clear: the Cortex-A15's, A7's, A57's and Neoverse N1's. */
const CTR_64 = 0x8444_c004;

Deno.test("guestCaches: each vCPU sees its own CPU's caches; modern KVM one normalized level", () => {
  const tc2 = vm().machine("tc2").cpus(4).policy("kvm-4.0");
  assert.deepEqual(guestCaches(tc2), { caches: A15, clidr: CLIDR_TWO_LEVELS, ctr: CTR_64 });
  assert.deepEqual(guestCaches(tc2, 1), { caches: A15, clidr: CLIDR_TWO_LEVELS, ctr: CTR_64 });
  assert.deepEqual(guestCaches(tc2, 3), { caches: A7, clidr: CLIDR_TWO_LEVELS, ctr: CTR_64 });
  // Since Linux 6.3 KVM hides the real hierarchy: one level of one set and one way.
  assert.deepEqual(guestCaches(vm().machine("xgene1").policy("kvm-modern")), {
    caches: [{ sets: 1, ways: 1, lineSize: 64 }],
    clidr: CLIDR_ONE_LEVEL,
    ctr: CTR_64,
  });
  // Neoverse V1's cores set IDC and DIC (its TRM's CTR_EL0, 0xb444c004).
  assert.equal(guestCaches(vm().machine("neoverse-v1").policy("kvm-4.0")).ctr, 0xb444_c004);
  // Neoverse N1's cores read IDC clear; under kvm-modern the read traps (TID2) and access_ctr
  // answers the sanitised value, whose IDC its CLIDR sets (LoUIS = LoUU = 0).
  assert.equal(guestCaches(vm().machine("neoverse-n1").policy("kvm-4.0")).ctr, CTR_64);
  assert.equal(guestCaches(vm().machine("neoverse-n1").policy("kvm-modern")).ctr, 0x9444_c004);
  // A machine of 32-byte lines: DminLine 3.
  const small = vm().machine({
    name: "a9-like",
    description: "",
    clusters: [{ cpus: 1, l1d: { size: 32768, ways: 4, lineSize: 32 } }],
  });
  assert.equal(guestCaches(small).ctr, 0x8333_c003);
});

Deno.test("runBinary: the code's CCSIDR, CLIDR and CTR reads give its vCPU's view, caches: undefined as if absent", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble(
    "a64",
    `
    movz x1, #0x4001, lsl #16
    msr csselr_el1, xzr
    isb
    mrs x2, ccsidr_el1
    mrs x3, clidr_el1
    mrs x4, ctr_el0
    str w2, [x1]
    str w3, [x1, #4]
    str w4, [x1, #8]
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
  const stored = async (builder: ReturnType<typeof vm>, extra: object) => {
    const { trace } = await runBinary(builder, { ...options, ...extra });
    return trace.steps.flatMap((s) => s.kind === "write" ? [s.value] : []);
  };
  // A15's L1: 256 sets, 2 ways, 64-byte lines; A7's: 128 sets, 4 ways.
  const a15 = ((255 << 13) | (1 << 3) | 2) >>> 0;
  const a7 = ((127 << 13) | (3 << 3) | 2) >>> 0;
  const tc2 = vm().machine("tc2").cpus(4).policy("kvm-4.0");
  const modern = vm().machine("xgene1").policy("kvm-modern");
  for (const extra of [{}, { caches: undefined }]) {
    assert.deepEqual(await stored(tc2, extra), [a15, CLIDR_TWO_LEVELS, CTR_64]);
    assert.deepEqual(await stored(tc2, { ...extra, vcpu: 3 }), [a7, CLIDR_TWO_LEVELS, CTR_64]);
    assert.deepEqual(await stored(modern, extra), [2, CLIDR_ONE_LEVEL, CTR_64]);
  }
  // Neoverse V1's cores set CTR_EL0.IDC and DIC (its TRM's 0xb444c004).
  const v1 = vm().machine("neoverse-v1").policy("kvm-modern");
  assert.equal((await stored(v1, {}))[2], 0xb444_c004);
  // A CLIDR or a CTR the caller gives is kept, with the vCPU's caches.
  assert.deepEqual(await stored(tc2, { clidr: 0x1234 }), [a15, 0x1234, CTR_64]);
  assert.deepEqual(await stored(tc2, { ctr: 0x8333_c003 }), [a15, CLIDR_TWO_LEVELS, 0x8333_c003]);
});

Deno.test("runBinary: reads of the VM's steps before the code are not the code's", async () => {
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
  const before = vm().guest((g) => g.write(0x4002_0000, 5).read(0x4002_0000));
  const { trace, rounds, result } = await runBinary(before, {
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    until: { pc: p.symbols.done },
  });
  assert.equal(rounds, 1);
  assert.deepEqual(trace.readValues, [7]);
  assert.deepEqual(trace.steps.at(-1), { kind: "write", vcpu: 0, addr: DATA + 4, value: 7 });
  assert.deepEqual(
    result.events.filter((e) => e.name === "read").map((e) => Number(e.value)),
    [5, 7],
  );
});

Deno.test("runBinary: a polling loop's reads, one event to the model, each count before a stale read", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // Both words are written with caches on; only the first is cleaned to
  // memory. With caches off the loads go to memory: the first word's three
  // loads (one read event of count 3) see 0x1111, the second word's load
  // sees the 0 memory still holds natively.
  const p = await assemble(
    "a64",
    `
    mov x0, #0x1005
    msr sctlr_el1, x0
    movz x1, #0x4001, lsl #16
    movz w2, #0x1111
    str w2, [x1]
    movz w3, #0x2222
    str w3, [x1, #64]
    dc cvac, x1
    dsb sy
    msr sctlr_el1, xzr
    mov x5, #3
poll:
    ldr w4, [x1]
    subs x5, x5, #1
    b.ne poll
    ldr w6, [x1, #64]
    str w4, [x1, #256]
    str w6, [x1, #260]
done: b done
`,
    LOAD,
  );
  const { trace, result } = await runBinary(vm().policy("native"), {
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    until: { pc: p.symbols.done },
  });
  const reads = result.events.filter((e) => e.name === "read");
  assert.deepEqual(reads.map((e) => [e.count, Number(e.value)]), [[3, 0x1111], [1, 0]]);
  assert.deepEqual(trace.readValues, [0x1111, 0x1111, 0x1111, 0]);
  assert.deepEqual(trace.steps.slice(-2), [
    { kind: "write", vcpu: 0, addr: DATA + 256, value: 0x1111 },
    { kind: "write", vcpu: 0, addr: DATA + 260, value: 0 },
  ]);
  assert.equal(result.verdict.ok, false);
});
