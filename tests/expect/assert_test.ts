/**
 * `deno test` integration: assertExpectations passes quietly when every
 * expectation holds and throws an ExpectationError whose message shows the
 * counterexample's trace when one fails; expectTest registers such a test
 * (the one at the bottom of this file is a real one); formatCheck's text is
 * pinned by a golden.
 */

import assert from "node:assert/strict";
import { assertGolden, type Policy, vm } from "../../mod.ts";
import {
  assertExpectations,
  crashed,
  exists,
  ExpectationError,
  expectTest,
  forall,
  formatCheck,
  lostWrite,
  never,
  noSetWayFlush,
  stale,
  staleAnywhere,
  wrongRead,
} from "../../lib/api/expect.ts";
import { A, NO_CLEAN, scenario, SW_CLEAN, tinyWithL3 } from "./helpers.ts";

const zImage = vm().machine("xgene1").guest((g) => g.zImage32({ words: 4, pages: 1 }));

Deno.test("assertExpectations: resolves with the result when every expectation holds", async () => {
  const r = await assertExpectations(zImage.policy("kvm-4.0").expect(never(staleAnywhere())));
  assert.equal(r.ok, true);
  assert.equal(r.policy, "kvm-4.0");
});

Deno.test("assertExpectations: a failing expectation throws its counterexample's trace", async () => {
  const failing = zImage.policy("kvm-3.18").expect(never(staleAnywhere())).expect(never(crashed()));
  await assert.rejects(assertExpectations(failing), ExpectationError);
  try {
    await assertExpectations(failing);
  } catch (err) {
    assert.ok(err instanceof ExpectationError);
    const m = err.message;
    assert.ok(m.startsWith("expectation failed: never(staleAnywhere())\n"), m);
    assert.match(m, /FAIL never\(staleAnywhere\(\)\): Always/);
    assert.match(m, /PASS never\(crashed\(\)\): Never/);
    assert.match(m, /counterexample \[witness 1\]: no perturbation/);
    assert.match(m, /sw_local: dc cisw/);
    assert.match(m, /stale_read: at 0x40008000/);
    assert.equal(err.result.ok, false);
  }
});

Deno.test("assertExpectations: takes a scenario too, and check options", async () => {
  const s = scenario(NO_CLEAN, { expect: [exists(stale(A))] });
  const r = await assertExpectations(s, { maxPerturbations: 0 });
  assert.equal(r.stats.executions, 1);
  await assert.rejects(
    assertExpectations({ ...s, expect: [forall(wrongRead())] }),
    (e: unknown) => e instanceof ExpectationError && /counterexample/.test(e.message),
  );
  await assert.rejects(
    assertExpectations(42 as never),
    /expected a scenario builder or a scenario/,
  );
});

Deno.test("the builder's policy object reaches the check", async () => {
  // A hypervisor that traps nothing and leaves HCR.SWIO clear: DC ISW stays an invalidate.
  const noSwio: Policy<undefined> = {
    name: "trap-nothing-no-swio",
    description: "TSW, TVM and SWIO clear",
    source: "a test",
    state: () => undefined,
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = false;
      hyp.vcpu.hcr.tvm = false;
      hyp.vcpu.hcr.swio = false;
    },
  };
  const program = vm().machine(tinyWithL3).prefault().guest((g) =>
    g.mmuOn().write(A, 9).sw_invalidate().read(A)
  ).expect(exists(lostWrite(A)));
  const r = await program.policy(noSwio).check();
  assert.equal(r.policy, "trap-nothing-no-swio");
  assert.equal(r.ok, true);
  assert.equal((await program.policy("trap-nothing").check()).ok, false);
});

Deno.test("formatCheck: the text of a check, pinned", async () => {
  const s = scenario(SW_CLEAN, {
    machine: tinyWithL3,
    policy: "kvm-3.18",
    expect: [
      exists(stale(A, { blame: "hypervisor" })),
      never(wrongRead()),
      forall(noSetWayFlush()),
    ],
  });
  const r = await assertExpectations(s).catch((e: ExpectationError) => e.result);
  await assertGolden(
    formatCheck(r, { witnesses: "all" }),
    new URL("./golden/format_all.golden", import.meta.url),
  );
  await assertGolden(formatCheck(r), new URL("./golden/format_failures.golden", import.meta.url));
  assert.doesNotMatch(formatCheck(r, { witnesses: "none" }), /witness/);
});

// A real test registered by expectTest: the 2015 decompressor on X-Gene under KVM 4.0.
expectTest(zImage.policy("kvm-4.0").expect(never(staleAnywhere())).expect(never(crashed())));
