/**
 * run(), check() and explore() blame with one rule (lib/engine/ideal_choices.ts):
 * random programs with random hardware choices, judged by each driver, give
 * the same violations with the same blame.
 */

import assert from "node:assert/strict";
import { Random } from "../../lib/hw/random.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { replay } from "../../lib/engine/explore/replay.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { RandomChooser } from "../../lib/engine/choosers.ts";
import { judge, picksToPlan } from "../../lib/engine/explore/shrink.ts";
import { CheckRunner } from "../../lib/engine/expect/runner.ts";
import { baseVariant } from "../../lib/engine/expect/migrations.ts";
import { scenarioMachine } from "../../lib/engine/resolve.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";

const OPS = ["write", "read", "dc_civac", "mmuOn", "mmuOff", "migrate", "host_write"] as const;

/** The picks of a run as the check's plan: `(point, option)` for each point where something happened. */
function picksToPoints(picks: readonly number[]): Int32Array {
  const out: number[] = [];
  for (let i = 0, point = 0; i < picks.length; point++) {
    if (picks[i] === 1) {
      out.push(point, picks[i + 1]);
      i += 2;
    } else {
      i += 1;
    }
  }
  return Int32Array.from(out);
}

for (const policy of ["kvm-4.0", "kvm-3.18", "xen", "trap-nothing", "native"]) {
  Deno.test(`${policy}: run, check and explore blame random executions alike`, async () => {
    const config = resolveExploreOptions({
      machine: "xgene1",
      policy,
      cpus: 2,
      addresses: 1,
      ops: OPS,
      migrateTo: [0, 2],
      perturbRate: 0.6,
    });
    const parts = await loadParts(config);
    const ctx = new ExploreContext(config, parts.policy, parts.guestClass);
    const firstWrites = [0].map((a) =>
      ctx.alphabet.instances.findIndex((op) =>
        op.name === "write" && op.vcpu === 0 && op.addrIndex === a
      )
    );
    let failures = 0, guest = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const random = new Random(seed);
      // The address written first: the check's choice points then offer the
      // same fills as exploration's (its candidates are the program's lines).
      const ops = [
        ...firstWrites,
        ...Array.from({ length: 9 }, () => random.below(ctx.alphabet.size)),
      ];
      const steps = ctx.steps(ops, ops.length);
      const chooser = new RandomChooser(random, config.perturbRate);
      ctx.runReal(steps, chooser);
      const picks = chooser.picks;
      const plan = picksToPlan(ctx, ops, picks);
      const explored = judge(ctx, ops, plan).groups;

      const scenario: Scenario = {
        version: 1,
        machine: "xgene1",
        cpus: 2,
        systemCache: "machine",
        policy,
        ram: config.ram,
        ramBase: config.ramBase,
        prefault: true,
        seed: 1,
        speculation: "adversarial",
        steps,
      };
      const ran = replay(scenario, plan).verdict.violations.map((v) => `${v.blame}/${v.kind}`);
      const runner = new CheckRunner(scenario, scenarioMachine(scenario), policies[policy], []);
      const checked = runner.run(baseVariant(steps), picksToPoints(picks)).observation.violations
        .map((v) => `${v.blame}/${v.kind}`);

      const what = `seed ${seed}: ${JSON.stringify(steps)} ${JSON.stringify(plan)}`;
      assert.deepEqual(ran, explored, what);
      assert.deepEqual(checked, explored, what);
      failures += explored.length;
      guest += explored.filter((g) => g.startsWith("guest/")).length;
    }
    // The comparison covers both blames.
    assert.ok(guest > 0 && failures > guest, `${failures} failures, ${guest} the guest's`);
  });
}
