// Random mode draws programs and hardware choices from a seed: what it reports must be what an
// exhaustive search of the same question finds (never a failure outside it), reproducible, and
// the same however its executions are cut into batches.
import assert from "node:assert/strict";
import {
  definePolicy,
  explore,
  type ExploreOptions,
  type ExploreReport,
  policies,
  type Step,
} from "../../mod.ts";
import { formatExploreReport } from "../../lib/api/explore.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { picksUpTo, randomBatch, type RandomHit } from "../../lib/engine/explore/random_mode.ts";
import { judge, picksToPlan } from "../../lib/engine/explore/shrink.ts";
import { CRASHES_ON_CACHES_OFF } from "./fixtures.ts";

Deno.test("picksUpTo keeps whole steps: one pick for a quiet step, two for a perturbed one", () => {
  // Steps: quiet, perturbed (option 4), quiet, perturbed (option 0), quiet.
  const picks = [0, 1, 4, 0, 1, 0, 0];
  assert.deepEqual(picksUpTo(picks, 0), []);
  assert.deepEqual(picksUpTo(picks, 1), [0]);
  assert.deepEqual(picksUpTo(picks, 2), [0, 1, 4]);
  assert.deepEqual(picksUpTo(picks, 3), [0, 1, 4, 0]);
  assert.deepEqual(picksUpTo(picks, 4), [0, 1, 4, 0, 1, 0]);
  assert.deepEqual(picksUpTo(picks, 5), picks);
  assert.deepEqual(picksUpTo(picks, 9), picks);
  assert.deepEqual(picksUpTo([], 3), []);
});

const kvm40 = policies["kvm-4.0"];

/**
 * kvm-4.0 that keeps trapping the guest's SCTLR writes and crashes the guest when it turns its
 * caches off: nothing else fails.
 */
const kvm40CrashesOnCachesOff = definePolicy({
  ...kvm40,
  name: "kvm-4.0-crash-on-caches-off",
  onVmRegWrite(hyp, write, state) {
    kvm40.onVmRegWrite!(hyp, write, state);
    hyp.vcpu.hcr.tvm = true;
    if (write.wasEnabled && !hyp.cacheEnabled()) hyp.injectUndef("caches turned off");
  },
});

/**
 * Small questions, and the failure groups a random search of 3000 executions must find among
 * those the exhaustive search finds.
 */
const QUESTIONS: [string, ExploreOptions, string[]][] = [
  // The hypervisor's failure needs a speculative fill; the guest's needs none.
  ["kvm-4.0, fills", {
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 5,
  }, ["guest/stale_read", "hypervisor/stale_read"]],
  // The VMM writes: every write a value of its own, or a stale read looks right.
  ["kvm-4.0, the VMM writes", {
    machine: "xgene1",
    policy: "kvm-4.0",
    ops: ["host_write", "read", "mmuOn"],
    maxOps: 3,
  }, ["hypervisor/stale_read"]],
  // Only programs that use set/way count.
  ["trap-nothing, uses-sw", {
    policy: "trap-nothing",
    guestClass: "uses-sw",
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    maxOps: 4,
  }, ["hypervisor/stale_read"]],
  // Only programs that clean every dirty line before turning caches off are drawn.
  ["trap-nothing, cleans-by-va", {
    policy: "trap-nothing",
    guestClass: "cleans-by-va",
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    maxOps: 4,
  }, ["hypervisor/stale_read"]],
  // A crash cuts the program: the reads after it are not judged.
  ["a policy that crashes the guest", {
    policy: CRASHES_ON_CACHES_OFF,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 3,
  }, ["hypervisor/crash", "hypervisor/stale_read"]],
  // The reads after a crash would fail (they return nothing), but they are not judged: the crash
  // is the only failure.
  ["kvm-4.0 that crashes the guest, quiet hardware", {
    policy: kvm40CrashesOnCachesOff,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 4,
    speculation: false,
  }, ["hypervisor/crash"]],
];

const groups = (r: ExploreReport) => r.failures.map((f) => `${f.blame}/${f.kind}`).sort();

for (const [name, question, expected] of QUESTIONS) {
  Deno.test(`random mode finds what exhaustive search finds, nothing else, reproducibly: ${name}`, async () => {
    const options = { ...question, progress: false } as const;
    const exhaustive = await explore({ ...options, shrink: false });
    const random = await explore({ ...options, mode: "random", seed: 1, executions: 3000 });
    const all = groups(exhaustive);
    assert.deepEqual(all.filter((g) => expected.includes(g)), expected, "exhaustive search");
    const found = groups(random);
    const report = formatExploreReport(random);
    for (const g of found) assert.ok(all.includes(g), `${g} is not a failure:\n${report}`);
    for (const g of expected) assert.ok(found.includes(g), `${g} is missed:\n${report}`);
    for (const f of random.failures) {
      const c = f.counterexample!;
      assert.equal(c.reproduced, true, `${f.blame}/${f.kind}: ${c.violation}`);
      // The witness ends at the failing step: a read, or the operation that crashed.
      if (f.kind !== "crash") assert.equal(c.steps.at(-1)!.kind, "read");
    }
  });
}

/**
 * A batch reuses its program, chooser and expectations from one execution to
 * the next: cut into batches of one execution, nothing is reused, and the
 * answers must be the same. Questions: failures of both blames; a policy
 * under which programs crash (the reruns that find where); two vCPUs with
 * migrations.
 */
const CUTS: readonly {
  name: string;
  options: Parameters<typeof resolveExploreOptions>[0];
  n: number;
}[] = [
  {
    name: "kvm-4.0",
    options: {
      mode: "random",
      policy: "kvm-4.0",
      ops: ["write", "read", "mmuOn", "mmuOff"],
      maxOps: 5,
    },
    n: 2000,
  },
  {
    name: "xen-iommu with set/way cleans (crashes)",
    options: {
      mode: "random",
      machine: "xgene1",
      policy: "xen-iommu",
      ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff", "dc_civac"],
      maxOps: 6,
    },
    n: 600,
  },
  {
    name: "kvm-3.18, 2 vCPUs with migrations",
    options: {
      mode: "random",
      policy: "kvm-3.18",
      cpus: 2,
      ops: ["write", "read", "mmuOn", "mmuOff", "migrate"],
      maxOps: 5,
    },
    n: 1000,
  },
];

for (const { name, options, n } of CUTS) {
  Deno.test(`a random batch is the same cut into batches of one execution: ${name}`, async () => {
    const config = resolveExploreOptions(options);
    const { policy, guestClass } = await loadParts(config);
    const ctx = new ExploreContext(config, policy, guestClass);
    const whole = randomBatch(ctx, 0, n);
    // Each execution alone, gathered as the explorer gathers batches: counts add up, and each
    // group keeps its first failing execution.
    const byGroup = new Map<string, RandomHit & { count: number }>();
    let executions = 0, referenceRuns = 0;
    for (let i = 0; i < n; i++) {
      const one = randomBatch(ctx, i, i + 1);
      executions += one.executions;
      referenceRuns += one.referenceRuns;
      for (const h of one.hits) {
        const g = `${h.blame}/${h.kind}`;
        const known = byGroup.get(g);
        if (known) known.count += h.count;
        else byGroup.set(g, { ...h, ops: [...h.ops], picks: [...h.picks] });
      }
    }
    const order = (hits: readonly (RandomHit & { count: number })[]) =>
      [...hits].sort((a, b) => a.index - b.index).map((h) => ({ ...h, ops: [...h.ops] }));
    assert.equal(whole.executions, n);
    assert.equal(executions, n);
    assert.equal(whole.referenceRuns, referenceRuns);
    assert.deepEqual(order(whole.hits), order([...byGroup.values()]));
    assert.ok(whole.hits.some((h) => h.count > 1), "a group that fails more than once");
    if (name === "kvm-4.0") {
      assert.ok(
        new Set(whole.hits.map((h) => h.blame)).size > 1,
        "groups of the same kind and different blame",
      );
    }
    if (name.includes("crashes")) assert.ok(whole.hits.some((h) => h.kind === "crash"), "a crash");
    // A perturbed witness: the picks a batch hands on are its own execution's.
    assert.ok(whole.hits.some((h) => h.picks.some((p) => p === 1)), "a perturbed witness");
  });
}

Deno.test("random mode perturbs at the rate asked; a witness's picks run to its failing read", async () => {
  const question = {
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 6,
    mode: "random",
    seed: 1,
    executions: 3000,
    progress: false,
  } as const;
  const options = { ...question, ops: [...question.ops] };
  const never = await explore({ ...options, perturbRate: 0 });
  assert.deepEqual(groups(never), ["guest/stale_read"]);
  assert.ok(never.failures.every((f) => f.witness!.picks.every((p) => p === 0)));
  // Always perturbing: a fill lets the hypervisor's stale read happen, and a castout right
  // before the read loses the guest's write (the guest turned its caches off with it dirty).
  const always = await explore({ ...options, perturbRate: 1 });
  assert.deepEqual(groups(always), [
    "guest/lost_write",
    "guest/stale_read",
    "hypervisor/stale_read",
  ]);
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  const ctx = new ExploreContext(config, policy, guestClass);
  for (const f of always.failures) {
    const { ops, picks } = f.witness!;
    const group = `${f.blame}/${f.kind}`;
    assert.ok(judge(ctx, ops, picksToPlan(ctx, ops, picks)).groups.includes(group), group);
    assert.equal(f.counterexample!.reproduced, true, group);
  }
});

Deno.test("the seed decides the programs and the hardware's choices", async () => {
  const options = {
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 6,
    mode: "random",
    executions: 600,
    shrink: false,
    progress: false,
  } as const;
  const run = (seed: number) => explore({ ...options, ops: [...options.ops], seed });
  const witnesses = (r: ExploreReport) => r.failures.map((f) => [f.witness, f.count]);
  const one = await run(1);
  assert.deepEqual(witnesses(await run(1)), witnesses(one));
  assert.notDeepEqual(witnesses(await run(2)), witnesses(one));
});

Deno.test("a random program runs to the longest length the class allows, writing a new value each write", async () => {
  // A class that refuses to turn caches off, and records what the search shows it.
  let complete = 0, repeated = 0, writes = 0;
  const recording = {
    name: "never-turns-caches-off",
    description: "never clears SCTLR.C",
    start: () => ({ length: 0, values: [] as number[] }),
    next(s: { length: number; values: number[] }, step: Step) {
      if (step.kind === "sctlr" && step.bits.c === false) return null;
      const value = step.kind === "write" || step.kind === "host_write" ? step.value : null;
      if (value !== null) {
        writes++;
        if (s.values.includes(value)) repeated++;
      }
      if (s.length + 1 === 6) complete++;
      return { length: s.length + 1, values: value === null ? s.values : [...s.values, value] };
    },
  };
  const config = resolveExploreOptions({
    mode: "random",
    guestClass: recording,
    ops: ["write", "host_write", "read", "mmuOn", "mmuOff"],
    maxOps: 6,
  });
  const { policy, guestClass } = await loadParts(config);
  const b = randomBatch(new ExploreContext(config, policy, guestClass), 0, 300);
  assert.equal(b.executions, 300);
  // Four of the five operations are always allowed: every program gets its six.
  assert.equal(complete, 300);
  assert.ok(writes > 300);
  assert.equal(repeated, 0);
});
