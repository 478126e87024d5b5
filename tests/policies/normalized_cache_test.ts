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

Deno.test("kvm-modern: a walk on a 16-way 1 MiB L2 machine is one trapped instruction", async () => {
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
    assert.equal(run.cost.exits, 1, policy.name);
    const physical = await vm().machine("juno-r0").policy("kvm-4.0")
      .guest((g) => g.sw_clean_invalidate()).run();
    assert.ok((physical.events.find((e) => e.name === "sw_walk")?.instructions as number) > 1000);
  }
});

Deno.test("kvm-modern: on an FWB machine, IDC is assumed (FWB implies it): LoC 2 by default", async () => {
  const run = await vm().machine("neoverse-v1").policy("kvm-modern").guest((g) => g.sw_clean())
    .run();
  const walk = run.events.find((e) => e.name === "sw_walk");
  assert.deepEqual([walk?.levels, walk?.instructions], [2, 1]);
});
