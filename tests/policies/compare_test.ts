// compare(): one guest under several policies, side by side, and its text table.

import assert from "node:assert/strict";
import {
  assertGolden,
  compare,
  definePolicy,
  kvm318,
  policies,
  run,
  ScenarioError,
  vm,
} from "../../mod.ts";
import fc from "fast-check";
import { scenarioOf, writesThenCachesOff } from "../reliability/arbitraries.ts";
import { formatComparison } from "../../lib/api/report.ts";
import { flushDiff, flushLines } from "../../lib/engine/compare.ts";
import { golden, THREAD, zimage } from "./helpers.ts";

const ALL = ["kvm-3.18", "kvm-4.0", "kvm-modern", "xen", "xen-iommu", "trap-nothing", "native"];

Deno.test("compare: the zImage under every policy, as data and as a table", async () => {
  const c = compare(zimage, ALL);
  await assertGolden(formatComparison(c), golden("compare_zimage_xgene1"));
  assert.equal(c.machine, "xgene1");
  assert.equal(c.baseline, "kvm-3.18");
  assert.deepEqual(c.rows.map((r) => r.policy), ALL);
  for (const [i, r] of c.rows.entries()) {
    const run = c.runs[i];
    assert.equal(r.ok, run.verdict.ok);
    assert.equal(r.exits, run.cost.exits);
    assert.equal(r.cycles, run.cost.cycles);
    assert.equal(r.violations, run.verdict.violations.length);
    // compare() works out the baseline's flush lines once: the same as flushDiff of the two runs.
    assert.deepEqual(r.flushDiff, flushDiff(c.runs[0].events, run.events));
    // Flush events, not records: a collapsed line "(xN)" is N of them.
    const events = flushLines(run.events)
      .reduce((n, line) => n + Number(/ \(x(\d+)\)$/.exec(line)?.[1] ?? 1), 0);
    assert.equal(r.flushEvents, events, r.policy);
  }
  assert.ok(
    flushLines(c.runs[0].events).some((l) => / \(x\d+\)$/.test(l)),
    "kvm-3.18's sw_local lines collapse",
  );
  const row = (p: string) => c.rows.find((r) => r.policy === p)!;
  assert.equal(row("kvm-3.18").flushDiff.same, true, "the baseline equals itself");
  assert.deepEqual(row("kvm-3.18").blame, ["hypervisor"]);
  assert.deepEqual(row("kvm-4.0").blame, []);
  assert.deepEqual(row("native").blame, ["machine"]);
  assert.ok(row("xen-iommu").crashed !== null);
  const counts = Object.fromEntries(
    row("kvm-4.0").flushDiff.counts.map((x) => [x.name, [x.baseline, x.here]]),
  );
  assert.deepEqual(counts.kvm_set_way_flush, [0, 1]);
  assert.equal(counts.sw_local[1], 0);
  assert.ok(row("kvm-modern").cycles < row("kvm-4.0").cycles / 100, "the normalized walk is cheap");
});

Deno.test("compare: each run, the native one run first, equals the policy's run alone", () => {
  const c = compare(zimage, ["kvm-3.18", "kvm-4.0", "native"]);
  assert.deepEqual(c.rows.map((r) => r.policy), ["kvm-3.18", "kvm-4.0", "native"]);
  for (const [i, policy] of ["kvm-3.18", "kvm-4.0", "native"].entries()) {
    assert.deepEqual(c.runs[i].toJSON(), run(zimage.toJSON(), { policy }).toJSON(), policy);
  }
});

Deno.test("compare: with adversarial hardware, each run still equals the policy's run alone", () => {
  // The native and ideal executions are shared between the rows only where they cannot depend
  // on the policy: an ideal run replays its own run's hardware choices, which differ by policy.
  const policies = ["kvm-3.18", "kvm-4.0", "trap-nothing", "xen", "kvm-modern", "native"];
  // A program where kvm-4.0's blame depends on its own choices: with kvm-3.18's ideal run
  // (made under kvm-3.18's choices) it would be blamed otherwise.
  const A = 0x4000_8000;
  const choiceDependent = vm().machine("xgene1").systemCache().speculation("adversarial").seed(2)
    .guest((g) =>
      g.write(A + 0x40, 7).sw_clean().mmuOn().read(A + 0x40).sw_clean().write(A, 7).mmuOn()
        .mmuOff().read(A).read(A + 0x40)
    );
  // Each run makes exactly one hardware choice, not the same one. Native's,
  // run first, is a speculative fill into an idle CPU, which the ideal
  // machine replays as a write-back of vCPU 0's dirty line, so its ideal read
  // sees the write; kvm-4.0's is a castout of another line, so its ideal read
  // does not, and the guest is to blame.
  const oneChoiceEach = vm().machine("xgene1").cpus(2).systemCache().speculation("adversarial")
    .seed(27).guest((g) => g.mmuOn().write(A, 1).mmuOff().on(1, (h) => h.read(A)));
  assert.deepEqual(
    run(oneChoiceEach.toJSON(), { policy: "kvm-4.0" }).verdict.violations.map((v) => v.blame),
    ["guest"],
  );
  const scenarios = [1, 2, 3, 4, 5, 6].map((seed) =>
    THREAD.on_walk_off.speculation("adversarial").seed(seed)
  );
  let blamed = 0;
  for (const scenario of [choiceDependent, oneChoiceEach, ...scenarios]) {
    const seed = scenario.toJSON().seed;
    const c = compare(scenario, policies);
    for (const [i, policy] of policies.entries()) {
      const alone = run(scenario.toJSON(), { policy });
      assert.deepEqual(c.runs[i].toJSON(), alone.toJSON(), `${policy}, seed ${seed}`);
      blamed += alone.verdict.violations.length;
    }
  }
  assert.ok(blamed > 0, "some runs have violations to blame");
});

Deno.test("compare: a scenario as data, policy objects, and a builder's costs", () => {
  const scenario = THREAD.on_walk_off.toJSON();
  const c = compare(scenario, [kvm318, "kvm-4.0"]);
  assert.deepEqual(c.rows.map((r) => r.policy), ["kvm-3.18", "kvm-4.0"]);
  const cheap = compare(THREAD.on_walk_off.costs({ trap: 1 }), ["kvm-4.0"]);
  assert.equal(cheap.rows[0].cyclesByCategory.trap, cheap.rows[0].exits);
  const cheaper = compare(THREAD.on_walk_off.costs({ trap: 1 }), ["kvm-4.0"], {
    costs: { trap: 0 },
  });
  assert.equal(cheaper.rows[0].cyclesByCategory.trap, 0, "options beat the builder's");
});

Deno.test("compare: identical policies under two names have the same flush events", () => {
  const twin = definePolicy({ ...kvm318, name: "kvm-3.18-twin" } as never);
  const c = compare(THREAD.on_walk_off, ["kvm-3.18", twin]);
  assert.equal(c.rows[1].flushDiff.same, true);
  assert.deepEqual(c.rows[1].flushDiff.counts, []);
  assert.match(formatComparison(c), /kvm-3\.18-twin .* same\n/);
});

Deno.test("compare: flushDiff finds the first differing lines and the counts", () => {
  const ev = (seq: number, name: string, fields: Record<string, number | boolean>) => ({
    seq,
    name,
    vcpu: 0,
    pcpu: 0,
    pc: 0x4000_0000,
    count: 1,
    cycles: 99,
    ...fields,
  });
  const a = [ev(0, "kvm_set_way_flush", { cache: true }), ev(1, "read", { addr: 0, value: 0 })];
  const b = [
    ev(0, "kvm_set_way_flush", { cache: true }),
    ev(1, "stage2_flush_vm", { pages: 1, lines: 64, cleaned: 0, invalidated: 0 }),
  ];
  const d = flushDiff(a, b);
  assert.equal(d.same, false);
  assert.deepEqual([d.removed, d.added], [0, 1]);
  assert.deepEqual(d.first, {
    baseline: null,
    here: "stage2_flush_vm: 1 pages, 64 lines: 0 cleaned, 0 invalidated",
  });
  assert.deepEqual(d.counts, [{ name: "stage2_flush_vm", baseline: 0, here: 1 }]);
  // Cycles are not events: a run costed differently has the same flush events.
  assert.equal(flushDiff(a, a.map((e) => ({ ...e, cycles: 1 }))).same, true);
});

Deno.test("compare: bad policy lists are refused", () => {
  const refused = (f: () => unknown, call: string) =>
    assert.throws(f, (e: unknown) => e instanceof ScenarioError && e.call === call);
  refused(() => compare(vm(), []), "compare.policies");
  refused(() => compare(vm(), ["kvm-4.0", "kvm-4.0"]), "compare.policies[1]");
  refused(() => compare(vm(), ["kvm-9"]), "policy");
});

Deno.test("property: compare's runs of random programs, under every policy, equal each policy's run alone", () => {
  // compare() shares the native and ideal executions between its rows where
  // they cannot depend on the policy; here on programs of every kind of
  // step, quiet or adversarial hardware.
  const every = Object.keys(policies);
  let failing = 0, compared = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        scenarioOf({ mix: "any", policies: ["kvm-4.0"], maxSteps: 20 }),
        scenarioOf({ mix: "native-on", policies: ["kvm-4.0"], maxSteps: 12 }),
        writesThenCachesOff(["kvm-4.0"]),
      ),
      (scenario) => {
        let c;
        try {
          c = compare(scenario, every);
        } catch (e) {
          // A scenario compare refuses, run refuses for some policy: the same message.
          const alone = every.map((policy) => {
            try {
              run(scenario, { policy });
              return null;
            } catch (f) {
              return String(f);
            }
          });
          assert.ok(alone.includes(String(e)), `${e} vs ${alone}`);
          return;
        }
        for (const [i, policy] of every.entries()) {
          const alone = run(scenario, { policy });
          assert.equal(JSON.stringify(c.runs[i].toJSON()), JSON.stringify(alone.toJSON()), policy);
          if (alone.verdict.violations.length > 0) failing++;
        }
        compared++;
      },
    ),
    { seed: 20261206, numRuns: 60 },
  );
  // Seeded: the same programs every time, some with stale reads.
  assert.ok(compared >= 40 && failing >= 10, `${compared} compared, ${failing} failing`);
});
