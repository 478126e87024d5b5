// Every policy of the zoo on the 32-bit zImage guest of the 2015 thread, pinned by goldens.
// Regenerate with `deno test -P tests/policies/ -- --update` and review every line.

import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import { countOf, golden, NEW_POLICIES, report, zimage } from "./helpers.ts";

for (const policy of NEW_POLICIES) {
  Deno.test(`zImage (2015) on X-Gene 1 under ${policy}`, async () => {
    const run = await zimage.policy(policy).run();
    await assertGolden(report(run), golden(`zimage_xgene1_${policy}`));
    assert.equal(run.verdict.failsNatively, true, "the L3 is deaf to set/way natively too");
    assert.ok(run.verdict.archInvalid.some((r) => r.startsWith("S/W with caches on")));
  });
}

Deno.test("zImage: what each policy does with the S/W clean", async () => {
  const modern = await zimage.policy("kvm-modern").run();
  // The normalized CLIDR/CCSIDR: one set, one way, one level: the walk is one instruction.
  const walks = modern.events.filter((e) => e.name === "sw_walk");
  assert.ok(walks.length > 0);
  for (const w of walks) assert.equal(w.instructions, 1);
  assert.equal(modern.verdict.ok, true);
  assert.equal(countOf(modern, "kvm_set_way_flush"), 1, "no FWB on X-Gene: the 4.0 logic runs");

  const old = await zimage.policy("kvm-4.0").run();
  assert.ok(old.cost.exits > 100 * modern.cost.exits, "thousands of traps against a handful");

  const xen = await zimage.policy("xen").run();
  assert.equal(xen.verdict.ok, true);
  assert.equal(countOf(xen, "stage2_flush_vm"), 0);
  assert.equal(countOf(xen, "p2m_flush_vm"), 2, "at the first S/W op and at caches off");

  const iommu = await zimage.policy("xen-iommu").run();
  assert.equal(iommu.verdict.ok, false);
  assert.equal(iommu.verdict.violations.length, 0, "reads after the crash are not judged");
  assert.ok(iommu.verdict.crashed !== null);
  assert.equal(countOf(iommu, "undef_injected"), 1);
  const trapped = (r: typeof iommu) =>
    r.events.filter((e) => e.name === "kvm_exit" && e.reason !== "dabt")
      .reduce((n, e) => n + e.count, 0);
  assert.equal(trapped(iommu), 1, "the first S/W op is the last instruction the guest runs");

  const none = await zimage.policy("trap-nothing").run();
  assert.equal(trapped(none), 0, "only the stage-2 faults exit");
  assert.ok(none.verdict.violations.length > 0);
  assert.ok(none.verdict.violations.every((v) => v.blame === "hypervisor"));
});

Deno.test("zImage on a machine with stage-2 FWB under kvm-modern: no flush at all, and flagged", async () => {
  const run = await zimage.machine("neoverse-v1").policy("kvm-modern").run();
  await assertGolden(report(run), golden("zimage_neoverse-v1_kvm-modern"));
  assert.equal(run.verdict.ok, true);
  // Neoverse V1 runs AArch32 at EL0 only: KVM would not have created this 32-bit vCPU.
  assert.match(run.verdict.archInvalid[0], /^AArch32 at EL1 on neoverse-v1/);
  assert.equal(run.cost.flushes, 0);
  assert.equal(countOf(run, "kvm_set_way_flush"), 0);
  // Forced write-back: the kernel's reads with its MMU off still go through the caches.
  const reads = run.events.filter((e) => e.name === "read");
  assert.ok(reads.length > 0 && reads.every((e) => e.cacheable === true));
});
