import assert from "node:assert/strict";
import { ArchCheck } from "../../lib/engine/arch_check.ts";
import type { GuestCacheView } from "../../lib/hyp/policy.ts";
import { vm } from "../../lib/dsl/vm.ts";

const PC = 0x4000_8234;

/**
 * Level 1: instruction cache only (no data cache); level 2: 256 sets of 2
 * ways; level 3: 1024 sets of 16 ways; LoC 3. The CLIDR value is not read.
 */
const VIEW: GuestCacheView = {
  clidr: 0,
  levels: [null, { sets: 256, ways: 2, lineSize: 64 }, { sets: 1024, ways: 16, lineSize: 64 }],
};

function reasonsFor(level: number, set: number, way: number): string[] {
  const check = new ArchCheck();
  check.setWayOperand(PC, { level, set, way }, VIEW);
  return check.reasons();
}

Deno.test("arch check: S/W with caches on, or with another CPU caching, each flagged once", () => {
  const check = new ArchCheck();
  check.setWay(PC, false, 1);
  assert.deepEqual(check.reasons(), [], "caches off on the only caching CPU is what S/W is for");
  check.setWay(PC, false, 0);
  assert.deepEqual(check.reasons(), []);
  // Caches off here, but a second vCPU has run with its caches on.
  check.setWay(PC, false, 2);
  assert.deepEqual(check.reasons(), ["S/W with other CPUs online"]);
  check.setWay(PC + 4, true, 1);
  check.setWay(PC + 4, true, 3);
  check.setWay(PC + 4, true, 1);
  assert.deepEqual(check.reasons(), [
    "S/W with other CPUs online",
    "S/W with caches on at 0x40008238",
  ]);
});

Deno.test("arch check: set/way operands inside the geometry, up to the last set and way of each level", () => {
  for (const [level, set, way] of [[2, 0, 0], [2, 255, 1], [3, 1023, 15], [3, 0, 15]]) {
    assert.deepEqual(reasonsFor(level, set, way), [], `level ${level} set ${set} way ${way}`);
  }
});

Deno.test("arch check: a set or a way one past the level's CCSIDR is flagged with that geometry", () => {
  assert.deepEqual(reasonsFor(2, 256, 0), [
    "S/W operand level 2 set 256 way 0 at 0x40008234 outside the cache geometry (level 2: 256 sets, 2 ways)",
  ]);
  assert.deepEqual(reasonsFor(2, 0, 2), [
    "S/W operand level 2 set 0 way 2 at 0x40008234 outside the cache geometry (level 2: 256 sets, 2 ways)",
  ]);
  assert.deepEqual(reasonsFor(3, 1023, 16), [
    "S/W operand level 3 set 1023 way 16 at 0x40008234 outside the cache geometry (level 3: 1024 sets, 16 ways)",
  ]);
});

Deno.test("arch check: a level without a data cache, and one beyond the LoC, are flagged as such", () => {
  assert.deepEqual(reasonsFor(1, 0, 0), [
    "S/W operand level 1 set 0 way 0 at 0x40008234 at a level with no data cache",
  ]);
  assert.deepEqual(reasonsFor(4, 0, 0), [
    "S/W operand level 4 set 0 way 0 at 0x40008234 beyond the LoC (3)",
  ]);
  assert.deepEqual(reasonsFor(7, 0, 0), [
    "S/W operand level 7 set 0 way 0 at 0x40008234 beyond the LoC (3)",
  ]);
});

Deno.test("arch check: reasons come in the order first met, without repeats", () => {
  const check = new ArchCheck();
  check.setWay(PC, true, 1);
  check.setWayOperand(PC, { level: 4, set: 0, way: 0 }, VIEW);
  check.setWay(PC, true, 1);
  check.setWayOperand(PC, { level: 4, set: 0, way: 0 }, VIEW);
  check.setWay(PC, true, 2);
  assert.deepEqual(check.reasons(), [
    "S/W with caches on at 0x40008234",
    "S/W operand level 4 set 0 way 0 at 0x40008234 beyond the LoC (3)",
    "S/W with other CPUs online",
  ]);
});

Deno.test("kvm-modern: DC CISW names a level of the normalized CLIDR, which the host's CTR_EL0 shapes", async () => {
  // Neoverse N1: IDC counted set (its CLIDR needs no clean to the PoU), DIC clear:
  // reset_clidr gives L1 an instruction cache only and puts the unified cache at L2 (the LoC).
  const n1 = await vm().machine("neoverse-n1").cpus(1).policy("kvm-modern").guest((g) =>
    g.dc_cisw(1, 0, 0).dc_cisw(2, 0, 0)
  ).run();
  assert.deepEqual(n1.verdict.archInvalid, [
    "S/W operand level 1 set 0 way 0 at 0x40000000 at a level with no data cache",
  ]);
  // Neoverse V1: IDC and DIC set (CTR_EL0 0xb444c004): one unified level, the LoC.
  const v1 = await vm().machine("neoverse-v1").cpus(1).policy("kvm-modern").guest((g) =>
    g.dc_cisw(1, 0, 0).dc_cisw(2, 0, 0)
  ).run();
  assert.deepEqual(v1.verdict.archInvalid, [
    "S/W operand level 2 set 0 way 0 at 0x40000004 beyond the LoC (1)",
  ]);
});

Deno.test("a vCPU put in AArch32 on Neoverse N1 or V1 is flagged: their cores run AArch32 at EL0 only", async () => {
  // Neoverse N1 and V1 TRMs, ID_AA64PFR0_EL1: EL1 = 0x1 (AArch64 only); KVM's
  // kvm_vcpu_init_check_features refuses KVM_ARM_VCPU_EL1_32BIT on such a host.
  const reason = (m: string) =>
    `AArch32 at EL1 on ${m}, whose cores run AArch32 at EL0 only ` +
    "(KVM refuses a vCPU with KVM_ARM_VCPU_EL1_32BIT)";
  for (const machine of ["neoverse-n1", "neoverse-v1"]) {
    const r = await vm().machine(machine).cpus(1).policy("kvm-modern").guest((g) =>
      g.aarch32().write(0x4000_0000, 1).read(0x4000_0000)
    ).run();
    assert.deepEqual(r.verdict.archInvalid, [reason(machine)], machine);
    // The same program with the vCPU put in AArch64 is not flagged.
    const a64 = await vm().machine(machine).cpus(1).policy("kvm-modern").guest((g) =>
      g.aarch32(false).write(0x4000_0000, 1).read(0x4000_0000)
    ).run();
    assert.deepEqual(a64.verdict.archInvalid, [], machine);
  }
  // Cortex-A57 and X-Gene 1 run AArch32 at EL1: nothing to flag.
  for (const machine of ["juno-r0", "xgene1"]) {
    const r = await vm().machine(machine).cpus(1).guest((g) =>
      g.aarch32().write(0x4000_0000, 1).read(0x4000_0000)
    ).run();
    assert.deepEqual(r.verdict.archInvalid, [], machine);
  }
});
