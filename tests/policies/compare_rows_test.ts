import assert from "node:assert/strict";
import { compare, vm } from "../../mod.ts";

const A = 0x4000_8000;

Deno.test("compare: a crash is its own column: a guest that passes natively and is crashed by xen-iommu", () => {
  // Architecturally valid: the line is cleaned by VA before the MMU goes off,
  // and the set/way clean runs with the caches off.
  const guest = vm().machine("juno-r0").guest((g) =>
    g.mmuOn().write(A, 7).dc_civac(A).mmuOff().sw_clean().read(A)
  );
  const c = compare(guest, ["kvm-4.0", "xen-iommu", "native"]);
  const rows = c.rows.map((r) => ({
    policy: r.policy,
    ok: r.ok,
    crashed: r.crashed !== null,
    failsNatively: r.failsNatively,
    archInvalid: r.archInvalid,
  }));
  assert.deepEqual(rows, [
    { policy: "kvm-4.0", ok: true, crashed: false, failsNatively: false, archInvalid: false },
    { policy: "xen-iommu", ok: false, crashed: true, failsNatively: false, archInvalid: false },
    { policy: "native", ok: true, crashed: false, failsNatively: false, archInvalid: false },
  ]);
  for (const [i, r] of c.rows.entries()) {
    assert.equal(r.archInvalid, c.runs[i].verdict.archInvalid.length > 0, r.policy);
    assert.equal(r.failsNatively, c.runs[i].verdict.failsNatively, r.policy);
  }
});
