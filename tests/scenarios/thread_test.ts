/**
 * The scenarios of the 2015 thread, pinned by golden traces of their flush
 * events and by assertions on their verdicts.
 *
 * Regenerate the goldens with `deno test -P tests/scenarios/ -- --update`
 * and review the diff line by line: each line is what the kernel would do.
 */

import assert from "node:assert/strict";
import { assertGolden, vm } from "../../mod.ts";

const golden = (name: string) => new URL(`./golden/${name}.golden`, import.meta.url);

const IMAGE = 0x4000_8000;

for (const policy of ["kvm-3.18", "kvm-4.0"] as const) {
  Deno.test(`zImage (2015) on X-Gene 1 under ${policy}`, async () => {
    const run = await vm().machine("xgene1").cpus(4).systemCache().policy(policy)
      .guest((g) => g.zImage32())
      .run();
    await assertGolden(run, golden(`zimage_xgene1_${policy}`));
    if (policy === "kvm-3.18") {
      assert.equal(run.verdict.ok, false);
      assert.ok(run.verdict.violations.length > 0);
      for (const v of run.verdict.violations) {
        assert.equal(v.kind, "stale_read");
        assert.equal(v.blame, "hypervisor");
      }
      // The S/W clean ran locally: no stage-2 flush ever reached the L3 after the decompression.
      assert.equal(run.events.filter((e) => e.name === "sw_local").length > 0, true);
    } else {
      assert.equal(run.verdict.ok, true);
      assert.equal(run.events.filter((e) => e.name === "kvm_set_way_flush").length, 1);
    }
    assert.equal(run.verdict.failsNatively, true);
    assert.ok(run.verdict.archInvalid.some((r) => r.startsWith("S/W with caches on")));
  });
}

Deno.test("the card: S/W with caches off from reset is deferred (no flush)", async () => {
  const run = await vm().cpus(4).systemCache().guest((g) => g.sw_clean().mmuOff()).run();
  await assertGolden(run, golden("card_from_reset"));
  assert.equal(run.events.filter((e) => e.name === "kvm_set_way_flush").length, 0);
  assert.equal(run.events.filter((e) => e.name === "stage2_flush_vm").length, 0);
  const toggles = run.events.filter((e) => e.name === "kvm_toggle_cache");
  assert.deepEqual(toggles.map((e) => [e.was, e.now]), [[false, false]]);
});

Deno.test("caches on, S/W walk, caches off: one S/W flush, then belt and braces", async () => {
  const run = await vm().machine("xgene1").systemCache()
    .guest((g) =>
      g.mmuOn().write(IMAGE, 0x1234_5678).write(IMAGE + 0x1000, 0x9abc_def0)
        .sw_clean().mmuOff().read(IMAGE).read(IMAGE + 0x1000)
    )
    .run();
  await assertGolden(run, golden("on_walk_off"));
  const names = run.events.filter((e) =>
    e.name === "kvm_set_way_flush" || e.name === "stage2_flush_vm" || e.name === "kvm_toggle_cache"
  ).map((e) => e.name);
  assert.deepEqual(names, [
    "stage2_flush_vm", // caches on: off -> on
    "kvm_toggle_cache",
    "kvm_set_way_flush", // the first S/W op of the walk, TVM clear
    "stage2_flush_vm",
    "stage2_flush_vm", // caches off: on -> off
    "kvm_toggle_cache",
  ]);
  assert.equal(run.verdict.ok, true);
});

Deno.test("a guest that cleans by VA before caches off is safe, even with a system cache", async () => {
  const run = await vm().machine("xgene1").guest((g) => g.vaCorrect()).run();
  await assertGolden(run, golden("va_correct_xgene1"));
  assert.equal(run.verdict.ok, true);
  assert.equal(run.verdict.failsNatively, false);
  assert.equal(run.events.filter((e) => e.name === "kvm_set_way_flush").length, 0);
});

Deno.test("a guest that never cleans reads stale data, blamed on the guest", async () => {
  const run = await vm().machine("xgene1").guest((g) => g.noMaintenance()).run();
  await assertGolden(run, golden("no_maintenance_xgene1"));
  assert.equal(run.verdict.ok, false);
  for (const v of run.verdict.violations) assert.equal(v.blame, "guest");
  assert.equal(run.verdict.failsNatively, true);
});
