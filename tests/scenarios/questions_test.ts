/**
 * The question scenarios of the 2015 thread (scenarios/questions/): each
 * one's output pinned by a golden, its findings checked directly, and its
 * answer shown to follow the findings (change them, the sentence changes).
 *
 * Regenerate the goldens with `deno test -P tests/scenarios/ -- --update`
 * and review every line.
 */

import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import * as q1 from "../../scenarios/questions/q1_deferred.ts";
import * as q2 from "../../scenarios/questions/q2_belt_and_braces.ts";
import * as q3 from "../../scenarios/questions/q3_escape.ts";
import * as q4 from "../../scenarios/questions/q4_price_of_tvm.ts";
import * as q5 from "../../scenarios/questions/q5_arch_invalid.ts";

const golden = (name: string) => new URL(`./golden/${name}.golden`, import.meta.url);

Deno.test("Q1: S/W at boot with caches off is deferred until caches come on", async () => {
  const data = await q1.findings();
  await assertGolden(await q1.story(data), golden("q1_deferred"));
  for (const f of data.findings) {
    assert.ok(f.trappedSetWay >= 16896, `${f.guest}: the whole boot walk trapped`);
    assert.equal(f.setWayFlushes, 0);
    assert.equal(f.flushesBeforeOn, 1);
    assert.equal(f.flushAtCachesOn, true);
    assert.equal(f.legacyLocalOps, f.trappedSetWay, "kvm-3.18 performs each one");
    assert.equal(f.ok, true);
  }
  assert.match(q1.answer(data.findings), /^Yes: /);
  const eager = data.findings.map((f, i) => (i === 0 ? { ...f, setWayFlushes: 1 } : f));
  assert.match(q1.answer(eager), /^No: under kvm-4\.0 uboot flushed before the caches came on/);
});

Deno.test("Q2: belt and braces, each flush has a guest that needs it", async () => {
  const s = await q2.search();
  await assertGolden(await q2.story(s), golden("q2_belt_and_braces"));
  assert.equal(s.kvm40Failures, 0);
  const noSw = s.found["kvm-4.0-no-sw-flush"];
  const noOff = s.found["kvm-4.0-no-off-flush"];
  // U-Boot turns its caches off untrapped: only the flush at its S/W op saves it.
  assert.ok(noSw.length > 0 && noSw.every((c) => c.guest === "uboot"));
  assert.ok(noSw.some((c) => c.speculation === "quiet"));
  // The soft restart dirties data after the S/W op: only the flush at caches-off saves it.
  assert.ok(noOff.length > 0 && noOff.every((c) => c.guest === "soft restart"));
  for (const c of [...noSw, ...noOff]) {
    assert.ok(c.run.verdict.violations.every((v) => v.blame === "hypervisor"));
  }
  assert.match(q2.answer(s), /^Both flushes are needed: /);
  const none = { ...s, found: { ...s.found, "kvm-4.0-no-off-flush": [] } };
  assert.match(
    q2.answer(none),
    /^Not both flushes are needed here: .*none exists in what this search reaches/,
  );
});

Deno.test("Q3: guests that turn caches off without S/W escape KVM; only the non-cleaning one suffers", async () => {
  const data = await q3.findings();
  await assertGolden(await q3.story(data), golden("q3_escape"));
  assert.equal(data.findings.length, 21);
  for (const f of data.findings) {
    assert.equal(f.caughtCachesOff, false);
    assert.equal(f.setWayFlushes, 0);
    if (f.clean) assert.equal(f.violations, 0, `${f.guest} on ${f.machine}`);
    else {
      assert.ok(f.violations > 0);
      assert.deepEqual(f.blame, ["guest"]);
      assert.equal(f.failsNatively, true);
    }
  }
  const broken = data.findings.map((f) =>
    f.guest === "vaCorrect" && f.machine === "tc2" ? { ...f, violations: 3 } : f
  );
  assert.match(q3.answer(broken), /the guests that clean by VA still failed on tc2/);
});

Deno.test("Q4: the price of TVM across guests, policies and machines", async () => {
  const rows = await q4.findings();
  await assertGolden(await q4.story(rows), golden("q4_price_of_tvm"));
  const at = (guest: string, machine: string, policy: string) =>
    rows.find((r) => r.guest === guest && r.machine === machine && r.policy === policy)!;
  // KVM 4.0 re-arms TVM at the S/W op: one more VM-register trap than 3.18 (the caches-off write).
  assert.equal(
    at("zImage32 2015", "generic", "kvm-4.0").vmRegTraps,
    at("zImage32 2015", "generic", "kvm-3.18").vmRegTraps + 1,
  );
  // Exits are the set/way traps plus the VM-register traps.
  for (const r of rows) assert.ok(r.exits >= r.vmRegTraps + r.setWayTraps);
  // Neoverse V1 runs AArch32 at EL0 only: the 32-bit guests are not run there.
  const onV1 = new Set(rows.filter((r) => r.machine === "neoverse-v1").map((r) => r.guest));
  assert.deepEqual([...onV1], ["linuxArm64 x2", "edk2", "uboot", "vaCorrect", "noMaintenance"]);
  if (q4.availablePolicies().includes("kvm-modern")) {
    // With FWB, modern KVM no longer sets TVM at reset.
    const modern = rows.filter((r) => r.machine === "neoverse-v1" && r.policy === "kvm-modern");
    assert.ok(modern.every((r) => r.vmRegTraps === 0));
  }
  const pricey = rows.map((r) => ({ ...r, vmRegTraps: r.exits }));
  assert.match(q4.answer(pricey), /^TVM is a real price/);
});

Deno.test("Q5: the 2015 decompressor is invalid everywhere and fails natively only with a system cache", async () => {
  const data = await q5.findings();
  await assertGolden(await q5.story(data), golden("q5_arch_invalid"));
  const at = (machine: string, era: string) =>
    data.findings.find((f) => f.machine === machine && f.era === era)!;
  assert.ok(at("tc2", "2015").archInvalid[0].startsWith("S/W with caches on"));
  assert.equal(at("tc2", "2015").violations, 0);
  assert.ok(at("xgene1", "2015").violations > 0);
  assert.deepEqual(at("xgene1", "2015").blame, ["machine"]);
  assert.equal(at("xgene1", "by-va").violations, 0);
  assert.match(q5.answer(data.findings), /so the luck is the lack of a system cache/);
  const unlucky = data.findings.map((f) =>
    f.machine === "tc2" && f.era === "2015" ? { ...f, violations: 2, blame: ["machine"] } : f
  );
  assert.match(q5.answer(unlucky), /so a system cache alone does not decide it/);
});
