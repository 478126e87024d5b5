import assert from "node:assert/strict";
import { story, zimage } from "../../scenarios/zimage.ts";

Deno.test("scenarios/zimage.ts tells the same story, byte for byte, every run", () => {
  const a = story();
  const b = story();
  assert.equal(a, b);
  assert.match(a, /kvm-3\.18: verdict\n=+\n\nverdict: FAIL, \d+ violations/);
  assert.match(a, /kvm-4\.0: verdict\n=+\n\nverdict: ok/);
  assert.match(a, /kvm_set_way_flush: S\/W flush at 0x0000000040008660 \(cache on\)/);
});

Deno.test("the story's claims hold: 3.18 blames the hypervisor, the guest fails natively", async () => {
  const old = await zimage.policy("kvm-3.18").run();
  assert.ok(old.verdict.violations.every((v) => v.blame === "hypervisor"));
  assert.equal(old.verdict.failsNatively, true);
  const fixed = await zimage.policy("kvm-4.0").run();
  assert.equal(fixed.verdict.ok, true);
  assert.ok(fixed.verdict.archInvalid.length > 0);
});
