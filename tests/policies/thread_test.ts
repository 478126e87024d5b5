// Every policy of the zoo on the thread's review scenarios, pinned by goldens, with the
// answer each scenario gives asserted on its own.
// Regenerate with `deno test -P tests/policies/ -- --update` and review every line.

import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import { countOf, golden, NEW_POLICIES, report, THREAD } from "./helpers.ts";

for (const [scenario, builder] of Object.entries(THREAD)) {
  for (const policy of NEW_POLICIES) {
    Deno.test(`${scenario} under ${policy}`, async () => {
      const run = await builder.policy(policy).run();
      await assertGolden(report(run), golden(`${scenario}_${policy}`));
    });
  }
}

Deno.test("S/W with caches off from reset: deferred by KVM, not by Xen (no TVM at reset)", async () => {
  const modern = await THREAD.card_from_reset.policy("kvm-modern").run();
  assert.equal(countOf(modern, "kvm_set_way_flush"), 0);
  assert.equal(countOf(modern, "stage2_flush_vm"), 0);
  const xen = await THREAD.card_from_reset.policy("xen").run();
  assert.equal(countOf(xen, "p2m_set_way_flush"), 1);
  assert.equal(countOf(xen, "p2m_flush_vm"), 1);
  const resetHcr = xen.events.find((e) => e.name === "hcr_write");
  assert.deepEqual([resetHcr?.tsw, resetHcr?.tvm], [true, false]);
});

Deno.test("caches on, S/W, caches off: every trapping policy flushes twice, trap-nothing never", async () => {
  for (const policy of ["kvm-modern", "kvm-4.0-sw-only"]) {
    const run = await THREAD.on_walk_off.policy(policy).run();
    assert.equal(run.verdict.ok, true, policy);
    assert.equal(countOf(run, "kvm_set_way_flush"), 1, policy);
    assert.equal(countOf(run, "stage2_flush_vm"), 3, `${policy}: caches on, S/W, caches off`);
  }
  const xen = await THREAD.on_walk_off.policy("xen").run();
  assert.equal(xen.verdict.ok, true);
  assert.equal(countOf(xen, "p2m_flush_vm"), 2, "belt and braces, deferred to guest entry");
  const none = await THREAD.on_walk_off.policy("trap-nothing").run();
  assert.equal(none.verdict.ok, false);
  assert.ok(none.verdict.violations.every((v) => v.blame === "hypervisor"));
  assert.equal(none.cost.flushes, 0);
});

Deno.test("a guest that cleans by VA is safe under every policy, even xen-iommu", async () => {
  for (const policy of NEW_POLICIES) {
    const run = await THREAD.va_correct.policy(policy).run();
    assert.equal(run.verdict.ok, true, policy);
    assert.equal(run.verdict.crashed, null, policy);
  }
});

Deno.test("a guest that never cleans fails under every policy, blamed on the guest", async () => {
  for (const policy of NEW_POLICIES) {
    const run = await THREAD.no_maintenance.policy(policy).run();
    assert.equal(run.verdict.ok, false, policy);
    assert.ok(run.verdict.violations.length > 0, policy);
    assert.ok(run.verdict.violations.every((v) => v.blame === "guest"), policy);
  }
});
