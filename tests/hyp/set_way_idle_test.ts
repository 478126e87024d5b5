import assert from "node:assert/strict";
import fc from "fast-check";
import { run } from "../../lib/engine/run.ts";
import { resolvePolicy } from "../../lib/hyp/policies/mod.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { scenarioOf } from "../reliability/arbitraries.ts";
import { zimage } from "../../scenarios/zimage.ts";

const IDLE_POLICIES = ["kvm-4.0", "kvm-modern", "xen"] as const;

/** The same policy calling its hooks for every slot of a trapped walk. */
function slotBySlot(name: string): Policy {
  const policy = resolvePolicy(name) as Policy;
  assert.equal(typeof policy.setWayIdle, "function", `${name} declares setWayIdle`);
  return Object.freeze({ ...policy, setWayIdle: undefined });
}

function same(a: ReturnType<typeof run>, b: ReturnType<typeof run>): void {
  assert.equal(a.trace({ filter: "all" }), b.trace({ filter: "all" }));
  assert.equal(JSON.stringify(a.toJSON()), JSON.stringify(b.toJSON()));
}

Deno.test("setWayIdle: the zImage walks give the same trace and JSON as slot by slot", () => {
  const scenario = zimage.toJSON();
  for (const name of IDLE_POLICIES) {
    const fast = run(scenario, { policy: name });
    const slow = run(scenario, { policy: slotBySlot(name) });
    same(fast, slow);
    // The shortcut took most of the walk: thousands of exits in one record
    // (kvm-modern's normalized view has a single slot).
    const longest = Math.max(
      ...fast.events.filter((e) => e.name === "kvm_exit").map((e) => e.count),
    );
    assert.ok(name === "kvm-modern" || longest > 1000, `${name}: ${longest}`);
  }
});

Deno.test("property: setWayIdle never changes a run (random programs with S/W walks)", () => {
  let walked = 0;
  fc.assert(
    fc.property(
      scenarioOf({ mix: "any", policies: [...IDLE_POLICIES], maxSteps: 25 }),
      (scenario) => {
        let fast;
        try {
          fast = run(scenario);
        } catch (e) {
          assert.throws(() => run(scenario, { policy: slotBySlot(scenario.policy) }));
          return void e;
        }
        const slow = run(scenario, { policy: slotBySlot(scenario.policy) });
        same(fast, slow);
        if (fast.events.some((e) => e.name === "kvm_exit" && e.count > 1)) walked++;
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(walked >= 20, `only ${walked} runs had a folded trapped walk`);
});
