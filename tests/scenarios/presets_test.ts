/**
 * The boot-path guest presets (linuxArm64, edk2, uboot, smpSecondary, the
 * 2021 zImage) on the machine presets, pinned by golden traces of their flush
 * events and by assertions on what the kernel would do.
 *
 * Regenerate the goldens with `deno test -P tests/scenarios/ -- --update`
 * and review the diff line by line.
 */

import assert from "node:assert/strict";
import { assertGolden, machines, type RunResult, type SetwayEvent, vm } from "../../mod.ts";

const golden = (name: string) => new URL(`./golden/${name}.golden`, import.meta.url);

function count(run: RunResult, pred: (e: SetwayEvent) => boolean): number {
  return run.events.filter(pred).reduce((n, e) => n + e.count, 0);
}

Deno.test("linuxArm64 on juno-r0, 4 vCPUs, kvm-4.0: no set/way, one flush per CPU's caches-on", async () => {
  const run = await vm().machine("juno-r0").cpus(4).guest((g) => g.linuxArm64()).run();
  await assertGolden(run, golden("linux_arm64_juno-r0_kvm-4.0"));
  assert.equal(run.verdict.ok, true);
  assert.equal(run.verdict.archInvalid.length, 0);
  assert.equal(count(run, (e) => e.name === "kvm_exit" && e.reason === "dcsw"), 0);
  // MAIR, TCR, TTBR0, TTBR1, SCTLR on each of the four CPUs.
  assert.equal(count(run, (e) => e.name === "kvm_exit" && e.reason === "vm_reg"), 20);
  const on = run.events.filter((e) => e.name === "kvm_toggle_cache" && e.now === true);
  assert.deepEqual(on.map((e) => e.vcpu), [0, 1, 2, 3]);
});

Deno.test("edk2 on neoverse-n1, kvm-4.0: deferred at MMU set-up, flushed at the hand-over", async () => {
  const run = await vm().machine("neoverse-n1").guest((g) => g.edk2()).run();
  await assertGolden(run, golden("edk2_neoverse-n1_kvm-4.0"));
  assert.equal(run.verdict.ok, true);
  // The SLC ignores set/way: natively this firmware path leaves the image there.
  assert.equal(run.verdict.failsNatively, true);
  assert.ok(run.verdict.archInvalid.some((r) => r.startsWith("S/W with caches on")));
  const sw = run.events.filter((e) => e.name === "kvm_set_way_flush");
  assert.deepEqual(sw.map((e) => e.cache), [true]);
  const off = run.events.filter((e) => e.name === "kvm_toggle_cache" && e.was === true);
  assert.equal(off.length, 1, "ArmDisableDataCache traps: TVM was re-armed by the S/W clean");
});

Deno.test("uboot on juno-r0, kvm-4.0: caches go off untrapped; the S/W op is the only flush", async () => {
  // arm64 U-Boot needs AArch64: TC2's ARMv7 cores cannot run it (see below).
  const run = await vm().machine("juno-r0").guest((g) => g.uboot()).run();
  await assertGolden(run, golden("uboot_juno-r0_kvm-4.0"));
  assert.equal(run.verdict.ok, true);
  assert.equal(run.verdict.failsNatively, false);
  const sw = run.events.filter((e) => e.name === "kvm_set_way_flush");
  assert.deepEqual(sw.map((e) => e.cache), [false]);
  assert.equal(run.events.filter((e) => e.name === "kvm_toggle_cache" && e.was === true).length, 0);
});

Deno.test("uboot on xgene1, kvm-3.18: the local S/W flush stops at the L3", async () => {
  const run = await vm().machine("xgene1").policy("kvm-3.18").guest((g) => g.uboot()).run();
  await assertGolden(run, golden("uboot_xgene1_kvm-3.18"));
  assert.equal(run.verdict.ok, false);
  assert.ok(run.verdict.violations.every((v) => v.blame === "hypervisor"));
  assert.equal(run.verdict.failsNatively, true);
  assert.ok(count(run, (e) => e.name === "sw_local") > 0);
});

Deno.test("smpSecondary on tc2, kvm-4.0: the secondary's L1 invalidate is deferred", async () => {
  const run = await vm().machine("tc2").cpus(2)
    .guest((g) => g.smpSecondary({ l1: machines.tc2.clusters[0].l1d }))
    .run();
  // Every DCISW of v7_invalidate_l1 traps on its own: the golden leaves them out.
  const text = run.trace({
    filter: "flush",
    only: (e) => !(e.name === "kvm_exit" && e.reason === "dcsw"),
  });
  await assertGolden(text, golden("smp_secondary_tc2_kvm-4.0"));
  assert.equal(run.verdict.ok, true);
  assert.equal(count(run, (e) => e.name === "kvm_exit" && e.reason === "dcsw"), 256 * 2);
  assert.equal(run.events.filter((e) => e.name === "kvm_set_way_flush").length, 0);
  assert.deepEqual(run.verdict.archInvalid, []);
});

Deno.test("zImage32 2021 on armada-8040, kvm-4.0: by-VA after caches off, nothing to defer", async () => {
  // A Cortex-A72 runs AArch32 at EL1, and the AP806's LLC is a system cache that only a clean
  // by VA reaches.
  const run = await vm().machine("armada-8040").guest((g) => g.zImage32({ era: "2021" })).run();
  await assertGolden(run, golden("zimage_2021_armada-8040_kvm-4.0"));
  assert.equal(run.verdict.ok, true);
  assert.deepEqual(run.verdict.archInvalid, []);
  assert.equal(run.verdict.failsNatively, false);
  assert.equal(count(run, (e) => e.name === "kvm_exit" && e.reason === "dcsw"), 0);
});
