/**
 * `deno test` integration: assertExpectations passes quietly when every
 * expectation holds and throws an ExpectationError whose message shows the
 * counterexample's trace when one fails; expectTest registers such a test
 * (the one at the bottom of this file is a real one); formatCheck's text is
 * pinned by a golden.
 */

import assert from "node:assert/strict";
import { assertGolden, type Policy, ScenarioError, vm } from "../../mod.ts";
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

Deno.test("an ExpectationError names every failing expectation, after the prefix given", async () => {
  const s = scenario(NO_CLEAN, {
    expect: [never(staleAnywhere()), never(crashed()), exists(crashed())],
  });
  const err = await assertExpectations(s).then(
    () => assert.fail("the check should fail"),
    (e: unknown) => e as ExpectationError,
  );
  assert.ok(err instanceof ExpectationError);
  assert.equal(err.name, "ExpectationError");
  assert.ok(
    err.message.startsWith(
      "expectations failed: never(staleAnywhere()), exists(crashed())\n\n",
    ),
    err.message,
  );
  const named = new ExpectationError(err.result, "no clean: ");
  assert.ok(named.message.startsWith("no clean: expectations failed: "), named.message);
});

Deno.test("assertExpectations: a builder is checked with the options given", async () => {
  const builder = vm().machine(tinyWithL3).prefault().guest((g) => g.mmuOn().write(A, 7).read(A))
    .expect(never(staleAnywhere()));
  // No hardware choice: the program alone, run once.
  assert.equal((await assertExpectations(builder, { maxPerturbations: 0 })).stats.executions, 1);
  assert.ok((await assertExpectations(builder)).stats.executions > 1);
});

Deno.test("assertExpectations: null is neither a builder nor a scenario", async () => {
  await assert.rejects(
    assertExpectations(null as never),
    (e: unknown) =>
      e instanceof ScenarioError && /expected a scenario builder or a scenario/.test(e.message),
  );
});

/** The tests `body` registers through expectTest: their names and functions. */
function registered(body: () => void): { name: string; fn: () => Promise<void> }[] {
  const tests: { name: string; fn: () => Promise<void> }[] = [];
  const test = Deno.test;
  (Deno as { test: unknown }).test = (name: string, fn: () => Promise<void>) => {
    tests.push({ name, fn });
  };
  try {
    body();
  } finally {
    (Deno as { test: unknown }).test = test;
  }
  return tests;
}

Deno.test("expectTest: the test is named after its expectations, or as asked", () => {
  const names = registered(() => {
    expectTest(zImage.expect(never(staleAnywhere())).expect(never(crashed())));
    expectTest(zImage.expect(never(crashed())), { name: "zImage does not crash" });
    expectTest(zImage, { expect: [exists(stale(A)), forall(noSetWayFlush())] });
    expectTest(scenario(NO_CLEAN, { expect: [exists(stale(A))] }));
    expectTest(scenario(NO_CLEAN, { expect: [] }));
    expectTest(scenario(NO_CLEAN));
  }).map((t) => t.name);
  assert.deepEqual(names, [
    "expectations: never(staleAnywhere()), never(crashed())",
    "zImage does not crash",
    `expectations: exists(stale(0x${A.toString(16)})), forall(noSetWayFlush())`,
    `expectations: exists(stale(0x${A.toString(16)}))`,
    "expectations: (none)",
    "expectations: (none)",
  ]);
});

Deno.test("expectTest: the registered test checks with the options given", async () => {
  // The scenario's own expectation fails; the one given in the options holds.
  const [t] = registered(() =>
    expectTest(scenario(NO_CLEAN, { expect: [never(stale(A))] }), {
      name: "no clean, stale",
      expect: [exists(stale(A))],
      maxPerturbations: 0,
    })
  );
  await t.fn();
});

// A real test registered by expectTest: the 2015 decompressor on X-Gene under KVM 4.0.
expectTest(zImage.policy("kvm-4.0").expect(never(staleAnywhere())).expect(never(crashed())));
