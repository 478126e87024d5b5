// README, "Which calls return a Promise": the table's shapes, and a bad
// input rejects the Promise of a Promise-returning call (never a throw from
// the call itself), while run() and compare() throw.
import assert from "node:assert/strict";
import {
  assertGolden,
  checkExpectations,
  compare,
  explore,
  run,
  RunResult,
  type Scenario,
  ScenarioError,
  vm,
} from "../../mod.ts";
import { runIsolated } from "../../lib/api/guest.ts";

const GOOD: Scenario = vm().guest((g) => g.write(0x4000_0000, 1).read(0x4000_0000)).toJSON();
const BAD = { ...GOOD, cpus: 0 } as Scenario;

/** Calls `f`; the call must not throw, and must give a Promise that rejects. */
async function rejects(what: string, f: () => unknown): Promise<unknown> {
  let result: unknown;
  assert.doesNotThrow(() => {
    result = f();
  }, what);
  assert.ok(result instanceof Promise, `${what} returns a Promise`);
  return await (result as Promise<unknown>).then(
    () => assert.fail(`${what} resolved`),
    (e: unknown) => e,
  );
}

Deno.test("README's table: which calls return a Promise, and how a bad input fails", async () => {
  // the synchronous pair
  assert.ok(run(GOOD) instanceof RunResult);
  assert.ok(Array.isArray(compare(GOOD, ["kvm-4.0", "xen"]).rows));
  assert.throws(() => run(BAD), ScenarioError);
  assert.throws(() => compare(BAD, ["kvm-4.0"]), ScenarioError);
  // await on them gives the same value
  assert.equal((await run(GOOD)).verdict.ok, run(GOOD).verdict.ok);

  // the Promise-returning calls
  const good = vm().guest((g) => g.write(0x4000_0000, 1).read(0x4000_0000));
  assert.ok((await good.run()) instanceof RunResult);
  const bad = vm().guest((g) => g.write(0x4000_0000, 1));
  assert.ok(await rejects("vm().run({ nope })", () => bad.run({ nope: 1 } as never)));
  assert.ok(await rejects("vm().check() without expect", () => bad.check()));
  assert.ok(await rejects("checkExpectations(BAD)", () => checkExpectations(BAD)));
  assert.ok(await rejects("explore({ maxOps: -1 })", () => explore({ maxOps: -1 })));
  assert.ok(await rejects("assertGolden(x, 42)", () => assertGolden("x", 42 as never)));
  assert.ok(await rejects("runIsolated(42)", () => runIsolated(42 as never)));
});
