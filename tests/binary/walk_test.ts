// A set/way walk written as firmware writes it (CLIDR for the Level of
// Coherency, CSSELR and CCSIDR for each level's geometry, DC CSW per set and
// way) runs through lib/binary with the caches the vCPU sees on each machine
// under each policy, and ends as the DSL's sw_clean() does: the same reads,
// verdict (failsNatively included: natively the code walks the physical
// caches), exits, flushes and cycles, one `sw` step per slot of the view.
import assert from "node:assert/strict";
import { runBinary } from "../../lib/binary/run_binary.ts";
import type { GuestBuilder } from "../../lib/dsl/guest.ts";
import { vm } from "../../lib/dsl/vm.ts";
import type { RunResult } from "../../lib/engine/result.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { assemble, binaryTools } from "./tools.ts";

const tools = await binaryTools();
const LOAD = 0x4000_8000;
const DATA = 0x4001_0000;

const WALK = `
_start:
    mov x0, #0x1005
    msr sctlr_el1, x0
    movz x1, #0x4001, lsl #16
    movz w2, #0xbeef
    str w2, [x1]
    str w2, [x1, #4096]
    mrs x10, clidr_el1
    ubfx x11, x10, #24, #3
    cbz x11, walked
    mov x12, #0
level_loop:
    add x13, x12, x12, lsl #1
    lsr x14, x10, x13
    and x14, x14, #7
    cmp x14, #2
    b.lt next_level
    lsl x15, x12, #1
    msr csselr_el1, x15
    isb
    mrs x16, ccsidr_el1
    and x17, x16, #7
    add x17, x17, #4
    ubfx x18, x16, #3, #10
    ubfx x19, x16, #13, #15
    clz w20, w18
    mov x21, x18
way_loop:
    mov x22, x19
set_loop:
    lsl x23, x21, x20
    orr x23, x23, x15
    lsl x24, x22, x17
    orr x23, x23, x24
    dc csw, x23
    subs x22, x22, #1
    b.ge set_loop
    subs x21, x21, #1
    b.ge way_loop
next_level:
    add x12, x12, #1
    cmp x12, x11
    b.lt level_loop
walked:
    msr sctlr_el1, xzr
    ldr w3, [x1]
    ldr w4, [x1, #4096]
done: b done
`;

function dsl(g: GuestBuilder): GuestBuilder {
  return g.sctlr({ m: true, c: true, i: true }).write(DATA, 0xbeef).write(DATA + 4096, 0xbeef)
    .sw_clean().sctlr({ m: false, c: false, i: false }).read(DATA).read(DATA + 4096);
}

/** What both programs must agree on: every read, the verdict without PCs, the cost. */
/**
 * kvm-modern with HCR.TID2 clear: the DSL walk a binary's walk is compared with under
 * kvm-modern. The binary's own reads of CLIDR, CSSELR and CCSIDR are answered without a trap
 * (lib/binary/trace.ts), where a `sw_walk` step's reads trap under TID2.
 */
const kvmModernUntrappedIds: Policy = {
  ...policies["kvm-modern"],
  onReset(hyp, state) {
    policies["kvm-modern"].onReset!(hyp, state);
    hyp.vcpu.hcr.tid2 = false;
  },
};

function observed(r: RunResult) {
  const v = r.verdict;
  return {
    reads: r.events.filter((e) => e.name === "read").map((e) => e.value),
    ok: v.ok,
    failsNatively: v.failsNatively,
    crashed: v.crashed !== null,
    violations: v.violations.map((x) => ({ ...x, pc: 0 })),
    cost: r.cost,
  };
}

Deno.test("binary A64: a CLIDR/CCSIDR-driven DC CSW walk ends as sw_clean() under every policy on X-Gene 1", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const p = await assemble("a64", WALK, LOAD);
  const options = {
    bytes: p.bytes,
    isa: "a64",
    load: LOAD,
    until: { pc: p.symbols.done },
  } as const;
  const oks = new Set<boolean>();
  // Every policy on X-Gene 1 (its system cache deaf to set/way); on the
  // generic machine and on Neoverse N1 (stage-2 FWB), the policies whose
  // view differs (modern KVM's normalized CLIDR/CCSIDR) and the seed's.
  const runs = [
    ...Object.keys(policies).map((policy) => ["xgene1", policy]),
    ["generic", "kvm-4.0"],
    ["generic", "kvm-modern"],
    ["neoverse-n1", "kvm-modern"],
  ];
  for (const [machine, policy] of runs) {
    const base = () => vm().machine(machine).policy(policy);
    const dslPolicy = policy === "kvm-modern" ? kvmModernUntrappedIds : policy;
    const want = await vm().machine(machine).policy(dslPolicy).guest(dsl).run();
    const { result, trace } = await runBinary(base(), options);
    const walk = want.events.find((e) => e.name === "sw_walk");
    const sw = trace.steps.filter((s) => s.kind === "sw").length;
    assert.equal(sw, Number(walk?.instructions), `${machine} ${policy}: slots walked`);
    assert.deepEqual(observed(result), observed(want), `${machine} ${policy}`);
    oks.add(want.verdict.ok);
  }
  assert.deepEqual([...oks].sort(), [false, true]);
});
