// Modern KVM's normalized CLIDR/CCSIDR (reset_clidr, get_ccsidr): the guest's set/way walk
// becomes one instruction over a LoC of 1 or 2, whatever the real caches.

import assert from "node:assert/strict";
import { vm } from "../../mod.ts";
import { kvmModernWith, normalizedCacheView } from "../../lib/api/policies.ts";
import {
  CTYPE_DATA,
  CTYPE_INSTRUCTION,
  CTYPE_SEPARATE,
  CTYPE_UNIFIED,
  decodeCcsidr,
  decodeClidr,
  encodeCcsidr,
} from "../../lib/hw/clidr.ts";
import { kvmModern } from "../../lib/hyp/policies/kvm_modern.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { machines } from "../../lib/machines/mod.ts";
import { testVm } from "../hyp/fixtures.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";

Deno.test("normalized CLIDR: LoC and cache types from CTR_EL0.IDC and DIC", () => {
  const cases = [
    // [idc, dic] -> LoC, Ctype1, Ctype2, LoUU
    { ctr: { idc: false, dic: false }, loc: 1, ctypes: [CTYPE_SEPARATE], lou: 1 },
    { ctr: { idc: false, dic: true }, loc: 1, ctypes: [CTYPE_DATA], lou: 1 },
    { ctr: { idc: true, dic: false }, loc: 2, ctypes: [CTYPE_INSTRUCTION, CTYPE_UNIFIED], lou: 0 },
    { ctr: { idc: true, dic: true }, loc: 1, ctypes: [CTYPE_UNIFIED], lou: 0 },
  ];
  for (const c of cases) {
    const view = normalizedCacheView(c.ctr, 64);
    const f = decodeClidr(view.clidr);
    const label = JSON.stringify(c.ctr);
    assert.equal(f.loc, c.loc, label);
    assert.deepEqual(f.ctypes.slice(0, c.loc), c.ctypes, label);
    assert.equal(f.louu, c.lou, label);
    assert.equal(f.louis, c.lou, label);
    assert.equal(view.levels.length, c.loc, label);
    // Levels with a data cache: CCSIDR fabricated with only the line size: 1 set, 1 way.
    const data = view.levels.filter((l) => l !== null);
    assert.equal(data.length, 1, `${label}: one data-cache level, so one S/W instruction`);
    const ccsidr = decodeCcsidr(encodeCcsidr(data[0]!));
    assert.deepEqual([ccsidr.sets, ccsidr.ways, ccsidr.lineSize], [1, 1, 64], label);
  }
});

Deno.test("kvm-modern: a walk on a 16-way 1 MiB L2 machine is one trapped instruction, after three ID reads", async () => {
  for (
    const [ctr, levels] of [[{ idc: true, dic: false }, 2], [
      { idc: false, dic: false },
      1,
    ]] as const
  ) {
    const policy = kvmModernWith({ ctr });
    const run = await vm().machine("juno-r0").policy(policy).guest((g) => g.sw_clean_invalidate())
      .run();
    const walk = run.events.find((e) => e.name === "sw_walk");
    assert.deepEqual([walk?.levels, walk?.instructions], [levels, 1], policy.name);
    // TID2: the walk's reads of CLIDR, then of CSSELR and CCSIDR for its one data level, trap
    // before its one S/W instruction does.
    assert.equal(run.cost.exits, 4, policy.name);
    const exits = run.events.filter((e) => e.name === "kvm_exit");
    assert.deepEqual(exits.map((e) => [e.reason, e.count]), [["cache_id", 3], ["dcsw", 1]]);
    const physical = await vm().machine("juno-r0").policy("kvm-4.0")
      .guest((g) => g.sw_clean_invalidate()).run();
    assert.ok((physical.events.find((e) => e.name === "sw_walk")?.instructions as number) > 1000);
  }
});

Deno.test("kvm-modern: on an FWB machine, IDC is assumed (FWB implies it): LoC 2 without DIC", async () => {
  // An FWB machine whose cores report LoUIS = LoUU = 1 (so the CLIDR alone would leave IDC
  // clear; FEAT_S2FWB requires both 0, and cpu_has_fwb warns otherwise).
  const fwbA57: Machine = {
    name: "fwb-a57",
    description: "",
    clusters: [{ cpus: 2, l1d: { size: 32768, ways: 2 }, l2: { size: 1 << 20, ways: 16 } }],
    features: { fwb: true },
  };
  const run = await vm().machine(fwbA57).policy("kvm-modern").guest((g) => g.sw_clean()).run();
  const walk = run.events.find((e) => e.name === "sw_walk");
  assert.deepEqual([walk?.levels, walk?.instructions], [2, 1]);
});

Deno.test("kvm-modern: neoverse-v1 sets DIC as well: one level, LoC 1", async () => {
  const run = await vm().machine("neoverse-v1").policy("kvm-modern").guest((g) => g.sw_clean())
    .run();
  const walk = run.events.find((e) => e.name === "sw_walk");
  assert.deepEqual([walk?.levels, walk?.instructions], [1, 1]);
});

// The register values, worked out by hand from the CLIDR_EL1 layout rather than
// decoded with lib/hw/clidr.ts.

/**
 * CLIDR_EL1 fields: Ctype<n> in bits [3n-1:3n-3], LoUIS [23:21], LoC [26:24],
 * LoUU [29:27]; Ctype 1 instruction only, 2 data only, 3 separate, 4 unified.
 */
const CLIDR = {
  // IDC clear, DIC clear: L1 separate I+D, LoUIS = LoC = LoUU = 1.
  noIdcNoDic: 3 | 1 << 21 | 1 << 24 | 1 << 27, // 0x0920_0003
  // IDC clear, DIC set: L1 data only, LoUIS = LoC = LoUU = 1.
  noIdcDic: 2 | 1 << 21 | 1 << 24 | 1 << 27, // 0x0920_0002
  // IDC set, DIC clear: L1 instruction only, L2 unified, LoC 2, no LoU.
  idcNoDic: 1 | 4 << 3 | 2 << 24, // 0x0200_0021
  // IDC set, DIC set: L1 unified, LoC 1, no LoU.
  idcDic: 4 | 1 << 24, // 0x0100_0004
};

Deno.test("kvm-modern: a host whose CLIDR needs no clean to the PoU counts as IDC (Neoverse N1)", () => {
  // read_cpuid_effective_cachetype (arch/arm64/include/asm/cache.h): N1's CLIDR has LoUIS =
  // LoUU = 0, so the sanitised CTR_EL0 that reset_clidr reads has IDC set, with DIC clear.
  const n1 = testVm(kvmModern, { machine: machines["neoverse-n1"] });
  assert.equal(n1.hyp.guestCacheView(n1.hyp.vcpus[0]).clidr, CLIDR.idcNoDic);
  // A Cortex-A57 (LoUIS = LoUU = 1) without FWB: IDC stays clear.
  const a57 = testVm(kvmModern, { machine: machines["juno-r0"] });
  assert.equal(a57.hyp.guestCacheView(a57.hyp.vcpus[0]).clidr, CLIDR.noIdcNoDic);
  // LoUIS 0 alone is not enough: the uniprocessor PoU still needs L1 cleaned.
  const l1 = { size: 32768, ways: 4 }, l2 = { size: 1 << 20, ways: 8 };
  const half = testVm(kvmModern, {
    machine: {
      name: "louu-1",
      description: "",
      clusters: [{ cpus: 2, l1d: l1, l2, clidr: { louis: 0, louu: 1 } }],
    },
  });
  assert.equal(half.hyp.guestCacheView(half.hyp.vcpus[0]).clidr, CLIDR.noIdcNoDic);
});

Deno.test("kvm-modern: the host's CTR_EL0 is the lowest over every CPU, whichever CPU a vCPU is on", () => {
  // Neoverse V1 (CTR_EL0 0xb444c004): IDC and DIC set, one unified level.
  const v1 = testVm(kvmModern, { machine: machines["neoverse-v1"] });
  assert.equal(v1.hyp.guestCacheView(v1.hyp.vcpus[0]).clidr, CLIDR.idcDic);
  // IDC and DIC are FTR_LOWER_SAFE (cpufeature.c ftr_ctr): one cluster without DIC clears it
  // for both, and one whose CLIDR needs a clean to the PoU clears IDC for both.
  const l1 = { size: 32768, ways: 4 }, l2 = { size: 1 << 20, ways: 8 };
  const v1Core = {
    cpus: 1,
    l1d: l1,
    l2,
    clidr: { louis: 0, louu: 0 },
    ctr: { idc: true, dic: true },
  };
  const cases = [
    { other: { cpus: 1, l1d: l1, l2, clidr: { louis: 0, louu: 0 } }, clidr: CLIDR.idcNoDic },
    { other: { cpus: 1, l1d: l1, l2, ctr: { dic: true } }, clidr: CLIDR.noIdcDic },
    { other: { cpus: 1, l1d: l1, l2 }, clidr: CLIDR.noIdcNoDic },
    // A core that reads IDC set counts as IDC whatever its CLIDR says.
    { other: { cpus: 1, l1d: l1, l2, ctr: { idc: true } }, clidr: CLIDR.idcNoDic },
  ];
  for (const c of cases) {
    const m: Machine = { name: "mixed", description: "", clusters: [v1Core, c.other] };
    const { hyp } = testVm(kvmModern, { machine: m, vcpus: 2 });
    for (const pcpu of [0, 1]) {
      const v = hyp.vcpus[0];
      hyp.migrate(v, pcpu);
      assert.equal(
        hyp.guestCacheView(v).clidr,
        c.clidr,
        `${JSON.stringify(c.other)} on CPU ${pcpu}`,
      );
    }
  }
});

Deno.test("normalized CLIDR_EL1: the register value for each CTR_EL0.IDC and DIC", () => {
  const line = { sets: 1, ways: 1, lineSize: 64 };
  const cases = [
    { ctr: { idc: false, dic: false }, clidr: CLIDR.noIdcNoDic, levels: [line] },
    { ctr: { idc: false, dic: true }, clidr: CLIDR.noIdcDic, levels: [line] },
    { ctr: { idc: true, dic: false }, clidr: CLIDR.idcNoDic, levels: [null, line] },
    { ctr: { idc: true, dic: true }, clidr: CLIDR.idcDic, levels: [line] },
  ];
  for (const c of cases) {
    const view = normalizedCacheView(c.ctr, 64);
    const label = JSON.stringify(c.ctr);
    assert.equal(view.clidr, c.clidr, `${label}: 0x${view.clidr.toString(16)}`);
    assert.deepEqual(view.levels, c.levels, label);
  }
});

Deno.test("normalized CCSIDR_EL1: one set, one way, of the line size the host reports", () => {
  for (const lineSize of [16, 32, 128, 2048]) {
    for (const idc of [false, true]) {
      for (const dic of [false, true]) {
        const levels = normalizedCacheView({ idc, dic }, lineSize).levels;
        const data = levels.filter((l) => l !== null);
        assert.deepEqual(data, [{ sets: 1, ways: 1, lineSize }], `${lineSize} ${idc} ${dic}`);
      }
    }
  }
});

/** TINY's caches with 32-byte lines: 1 KiB 2-way L1D (16 sets), 4 KiB 4-way L2 (32 sets). */
const LINES_32: Machine = {
  name: "tiny-32",
  description: "2 CPUs, tiny caches, 32-byte lines",
  clusters: [
    {
      cpus: 2,
      l1d: { size: 1024, ways: 2, lineSize: 32 },
      l2: { size: 4096, ways: 4, lineSize: 32 },
    },
  ],
  systemCache: null,
};

Deno.test("kvm-modern: the vCPU reads the machine's own line size in the fabricated CCSIDR", () => {
  const t = testVm(kvmModern, { machine: LINES_32 });
  const view = t.hyp.guestCacheView(t.hyp.vcpus[0]);
  // No FWB here: IDC is not assumed, so L1 is separate I+D and the LoC is 1.
  assert.equal(view.clidr, CLIDR.noIdcNoDic);
  assert.deepEqual(view.levels, [{ sets: 1, ways: 1, lineSize: 32 }]);
  const idc = testVm(kvmModernWith({ ctr: { idc: true, dic: false } }), { machine: LINES_32 });
  assert.deepEqual(idc.hyp.guestCacheView(idc.hyp.vcpus[0]).levels, [null, {
    sets: 1,
    ways: 1,
    lineSize: 32,
  }]);
});

Deno.test("cache ID traps: kvm-modern sets TID2, so a walk's CLIDR/CSSELR/CCSIDR accesses exit; no older policy traps them", async () => {
  const reset = testVm(kvmModern, { machine: machines["juno-r0"] });
  assert.equal(reset.hyp.vcpus[0].hcr.tid2, true);
  const exitsOf = async (policy: string, aarch32: boolean) => {
    const run = await vm().machine("xgene1").policy(policy).guest((g) =>
      g.aarch32(aarch32).sw_clean()
    ).run();
    return run.events.filter((e) => e.name === "kvm_exit" && e.reason === "cache_id")
      .map((e) => [e.ec, e.count]);
  };
  // X-Gene 1 has no FWB and a CLIDR that needs a clean to the PoU: LoC 1, one data level.
  assert.deepEqual(await exitsOf("kvm-modern", false), [[0x18, 3]]); // MRS/MSR: SYS64
  assert.deepEqual(await exitsOf("kvm-modern", true), [[0x03, 3]]); // MRC/MCR p15: CP15_32
  for (const policy of ["kvm-3.18", "kvm-4.0", "xen", "trap-nothing", "native"]) {
    assert.deepEqual(await exitsOf(policy, true), [], policy);
  }
});

Deno.test("cache ID traps: a user policy that sets TID2 sees each one come back through onGuestEntry", async () => {
  const entries = definePolicy({
    name: "tid2-entries",
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
      hyp.vcpu.hcr.tid2 = true;
    },
    onGuestEntry(hyp) {
      hyp.emit("guest_entry");
    },
  });
  // On X-Gene 1 (L1 and L2, both data): CLIDR, then CSSELR and CCSIDR twice, then the walk's
  // 4608 set/way instructions, each trap back into the guest.
  const run = await vm().machine("xgene1").policy(entries).guest((g) => g.sw_clean()).run();
  const count = (name: string, reason?: string) =>
    run.events.filter((e) => e.name === name && (reason === undefined || e.reason === reason))
      .reduce((n, e) => n + e.count, 0);
  assert.equal(count("kvm_exit", "cache_id"), 5);
  assert.equal(count("kvm_exit", "dcsw"), 4608);
  assert.equal(count("guest_entry"), 5 + 4608);
});
