import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/mod.ts";
import { scenarioFrom } from "../../lib/dsl/scenario_from.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { VM_REG_NAMES } from "../../lib/guest/ops.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { testVm } from "../hyp/fixtures.ts";

/**
 * The VM registers HCR.TVM traps writes to, besides SCTLR (Arm ARM, HCR.TVM:
 * TTBR0, TTBR1, TTBCR, DACR, DFSR/IFSR, DFAR/IFAR, ADFSR/AIFSR, PRRR/NMRR or
 * MAIR0/MAIR1, AMAIR0/AMAIR1, CONTEXTIDR; HCR_EL2.TVM: TTBR0_EL1, TTBR1_EL1,
 * TCR_EL1, ESR_EL1, FAR_EL1, AFSR0_EL1, AFSR1_EL1, MAIR_EL1, AMAIR_EL1,
 * CONTEXTIDR_EL1), under the names setway gives them.
 */
const TVM_TRAPPED = [
  "TTBR0",
  "TTBR1",
  "TCR",
  "MAIR0",
  "MAIR1",
  "AMAIR0",
  "AMAIR1",
  "CONTEXTIDR",
  "DACR",
  "ESR",
  "FAR",
  "AFSR0",
  "AFSR1",
];

Deno.test("vmReg: every register HCR.TVM traps is accepted, by the DSL and in JSON", () => {
  assert.deepEqual([...VM_REG_NAMES], TVM_TRAPPED);
  for (const reg of TVM_TRAPPED) {
    const s = vm().guest((g) => g.vmReg(reg as never, 0x1234)).toJSON();
    assert.deepEqual(s.steps.at(-1), { kind: "vm_reg", vcpu: 0, reg, value: 0x1234 });
    const again = scenarioFrom(JSON.parse(JSON.stringify(s)));
    assert.deepEqual(again.steps.at(-1), { kind: "vm_reg", vcpu: 0, reg, value: 0x1234 });
  }
});

Deno.test("vmReg: a register HCR.TVM does not trap (VBAR, TPIDR) is refused, naming it", () => {
  for (const reg of ["VBAR", "TPIDR", "TTBCR", "MAIR", "ttbr0"]) {
    assert.throws(() => vm().guest((g) => g.vmReg(reg as never, 0)), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.code, "unknown_name");
      assert.equal(e.value, reg);
      return true;
    });
    const s = JSON.parse(JSON.stringify(vm().guest((g) => g.vmReg("TTBR0", 0)).toJSON()));
    s.steps.at(-1).reg = reg;
    assert.throws(() => scenarioFrom(s), ScenarioError);
  }
});

/** A policy that only sets the trap bits given, and does nothing on a trap. */
function trapping(tsw: boolean, tvm: boolean): Policy {
  return {
    name: `tsw-${tsw}-tvm-${tvm}`,
    description: "fixed trap bits",
    source: "test",
    state: () => undefined,
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = tsw;
      hyp.vcpu.hcr.tvm = tvm;
    },
  };
}

Deno.test("a guest at EL1 traps DC CSW/ISW/CISW only under TSW, SCTLR and VM-register writes only under TVM", () => {
  for (const tsw of [false, true]) {
    for (const tvm of [false, true]) {
      const vm = testVm(trapping(tsw, tvm));
      const v = vm.hyp.vcpus[0];
      const mark = vm.sink.events.length;
      for (const op of ["csw", "isw", "cisw"] as const) {
        vm.hyp.setWay(v, { op, level: 1, set: 0, way: 0 });
      }
      vm.hyp.sctlrWrite(v, { m: true, c: true });
      vm.hyp.vmRegWrite(v, "TTBR0", 0x4000_4000);
      vm.hyp.vmRegWrite(v, "CONTEXTIDR", 1);
      const exits = vm.sink.named("kvm_exit", mark).map((e) => e.fields);
      // An AArch64 DC by set/way and an MSR both report EC 0x18 (MSR, MRS or System instruction).
      assert.deepEqual(exits, [
        ...Array(tsw ? 3 : 0).fill({ reason: "dcsw", ec: 0x18 }),
        ...Array(tvm ? 3 : 0).fill({ reason: "vm_reg", ec: 0x18 }),
      ], `TSW ${tsw}, TVM ${tvm}`);
    }
  }
});

Deno.test("from AArch32 the same traps are MCRs to CP15 (EC 0x03)", () => {
  const vm = testVm(trapping(true, true));
  const v = vm.hyp.vcpus[0];
  vm.hyp.setExecState(v, true);
  const mark = vm.sink.events.length;
  vm.hyp.setWay(v, { op: "cisw", level: 2, set: 3, way: 1 });
  vm.hyp.vmRegWrite(v, "DACR", 0x5555_5555);
  assert.deepEqual(vm.sink.named("kvm_exit", mark).map((e) => e.fields), [
    { reason: "dcsw", ec: 0x03 },
    { reason: "vm_reg", ec: 0x03 },
  ]);
});

Deno.test("SCTLR: a bit left out keeps its value; data is cacheable only with both M and C set", () => {
  const vm = testVm(trapping(false, false));
  const v = vm.hyp.vcpus[0];
  const cases: [{ m?: boolean; c?: boolean; i?: boolean }, [boolean, boolean, boolean], boolean][] =
    [
      [{ m: true }, [true, false, false], false],
      [{ c: true }, [true, true, false], true],
      [{ i: true }, [true, true, true], true],
      [{ m: false }, [false, true, true], false],
      [{ m: true, c: false }, [true, false, true], false],
    ];
  for (const [bits, [m, c, i], cacheable] of cases) {
    vm.hyp.sctlrWrite(v, bits);
    assert.deepEqual(
      vm.sink.named("sctlr_write").at(-1)?.fields,
      { m, c, i },
      JSON.stringify(bits),
    );
    assert.equal(vm.hyp.cacheable(v), cacheable, JSON.stringify(bits));
  }
});

Deno.test("dc_csw/dc_isw/dc_cisw: the level is 1-based, 1 to 7, as the operand's 3-bit Level field (level - 1) holds", () => {
  const s = vm().guest((g) => g.dc_csw(1, 5, 3).dc_isw(7, 0, 0).dc_cisw(2, 0xffff_ffff, 0))
    .toJSON();
  assert.deepEqual(s.steps.filter((x) => x.kind === "sw"), [
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 5, way: 3 },
    { kind: "sw", vcpu: 0, op: "isw", level: 7, set: 0, way: 0 },
    { kind: "sw", vcpu: 0, op: "cisw", level: 2, set: 0xffff_ffff, way: 0 },
  ]);
  for (const level of [0, 8, 1.5]) {
    assert.throws(() => vm().guest((g) => g.dc_cisw(level, 0, 0)), ScenarioError, String(level));
  }
  assert.throws(() => vm().guest((g) => g.dc_csw(1, 2 ** 32, 0)), ScenarioError);
  assert.throws(() => vm().guest((g) => g.dc_csw(1, 0, -1)), ScenarioError);
});
