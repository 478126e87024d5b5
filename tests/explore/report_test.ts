import assert from "node:assert/strict";
import { explore } from "../../mod.ts";
import {
  answerLine,
  type ExploreQuestion,
  type ExploreReport,
  type ExploreStats,
  type FailureGroup,
  formatExploreReport,
} from "../../lib/api/explore.ts";
import { compareFound, compareGroups } from "../../lib/engine/explore/report.ts";
import { formatSeconds, Progress } from "../../lib/engine/explore/progress.ts";
import { counterexampleSnippet, guestChain } from "../../lib/engine/explore/snippet.ts";

const OPTIONS = {
  machine: "generic",
  policy: "kvm-3.18",
  cpus: 2,
  maxOps: 3,
  ops: ["write", "read", "mmuOn", "mmuOff", "migrate"],
  progress: false,
} as const;

Deno.test("the same options give the same report, byte for byte", async () => {
  const a = formatExploreReport(await explore({ ...OPTIONS, ops: [...OPTIONS.ops] }));
  const b = formatExploreReport(await explore({ ...OPTIONS, ops: [...OPTIONS.ops] }));
  assert.equal(a, b);
  assert.match(a, /^explore: kvm-3\.18 on generic \(system cache: none\), 2 vCPUs$/m);
});

Deno.test("random mode: the seed decides, and the report says which", async () => {
  const run = (seed: number) =>
    explore({ ...OPTIONS, ops: [...OPTIONS.ops], mode: "random", seed, executions: 300 });
  const a = formatExploreReport(await run(1));
  assert.equal(formatExploreReport(await run(1)), a);
  assert.match(a, /seed 1/);
  assert.notEqual(formatExploreReport(await run(2)), a);
});

Deno.test("snippets: other vCPUs inside on(), host steps with their CPU", () => {
  assert.equal(
    guestChain([
      { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
      { kind: "write", vcpu: 1, addr: 0x4000_0000, value: 1 },
      { kind: "read", vcpu: 1, addr: 0x4000_0000 },
      { kind: "host_write", cpu: 3, addr: 0x4000_1040, value: 2 },
      { kind: "migrate", vcpu: 1, pcpu: 2 },
    ]),
    "g.mmuOn().on(1, (g) => g.write(0x40000000, 1).read(0x40000000))" +
      ".host((h) => h.write(0x40001040, 2), { cpu: 3 }).migrate(1, 2)",
  );
  const text = counterexampleSnippet(
    {
      machine: "juno-r0",
      systemCache: false,
      cpus: 2,
      policy: "my policy",
      policyIsObject: true,
      ram: 1 << 20,
      ramBase: 0x8000_0000,
      prefault: false,
    },
    [{ kind: "read", vcpu: 0, addr: 0x8000_0000 }],
    [],
  );
  assert.equal(
    text,
    'const result = await vm().machine("juno-r0").systemCache(false).cpus(2).policy(myPolicy)' +
      '.ram("1MiB", { base: 0x80000000 }).seed(1)\n  .guest((g) => g.read(0x80000000))\n  .run();',
  );
});

Deno.test("progress: quiet when asked to be, times read like a person would write them", () => {
  const p = new Progress(false);
  p.update(1, 0, "nowhere", 0.5);
  p.finish();
  assert.equal(formatSeconds(5), "5s");
  assert.equal(formatSeconds(185), "3m05s");
  assert.equal(formatSeconds(7260), "2h01m");
  assert.equal(formatSeconds(Infinity), "?");
});

const QUESTION: ExploreQuestion = {
  machine: "tiny",
  systemCache: "none",
  policy: "kvm-3.18",
  cpus: 1,
  maxOps: 4,
  ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
  addresses: [0x4000_0000],
  guestClass: "any",
  mode: "exhaustive",
  seed: 1,
  speculation: true,
  prefault: true,
  shard: "0/1",
  fingerprint: "0123456789abcdef",
  executions: null,
};

const STATS: ExploreStats = {
  executions: 120,
  referenceRuns: 80,
  states: 10,
  merged: 30,
  rejected: 2,
  symmetric: 3,
  levels: [1, 4, 5],
  exact: true,
};

const A = 0x4000_0000;

/** One hypervisor failure whose counterexample has a fill before its second step. */
const ESCAPE: FailureGroup = {
  policy: "kvm-3.18",
  blame: "hypervisor",
  kind: "stale_read",
  count: 1,
  found: [4, 3, 0, 0],
  counterexample: {
    steps: [
      { kind: "sctlr", vcpu: 0, bits: { m: true, c: false } },
      { kind: "write", vcpu: 0, addr: A, value: 1 },
      { kind: "sw", vcpu: 0, op: "csw", level: 2, set: 5, way: 1 },
      { kind: "read", vcpu: 0, addr: A },
    ],
    perturbations: [{ before: 1, kind: "speculative_fill", cpu: 0, addr: A }],
    snippet: "const result = 1;",
    violation: "stale_read at 0x40000000: expected 0x1, got 0x0 (blame hypervisor)",
    failsNatively: false,
    archInvalid: [],
    trace: "line one\nline two",
    reproduced: true,
  },
};

const REPORT: ExploreReport = {
  question: QUESTION,
  complete: true,
  failures: [ESCAPE],
  stats: STATS,
};

Deno.test("the report's text: the question, the answer, the counts and each counterexample", () => {
  assert.equal(
    formatExploreReport(REPORT),
    [
      "explore: kvm-3.18 on tiny (system cache: none), 1 vCPU",
      "  class: any; exhaustive, up to 4 ops over write, read, sw_clean, mmuOn, mmuOff",
      "  addresses: 0x40000000; hardware choices: all; RAM prefaulted",
      '  answer: hypervisor stale_read: guests in class "any" up to 4 ops',
      "  120 runs, 80 ideal-machine runs, 10 distinct states (1 + 4 + 5), 30 merged, " +
      "3 symmetric, 2 outside the class",
      "",
      "kvm-3.18 / hypervisor / stale_read: 1 failing run",
      "  minimal counterexample (4 ops, 1 hardware choices):",
      "    1. vcpu0: SCTLR M=1 C=0",
      "    [hw] speculative fill of 0x40000000 into cpu0.L1",
      "    2. vcpu0: write 0x40000000 = 1",
      "    3. vcpu0: DC CSW L2 set 5 way 1",
      "    4. vcpu0: read 0x40000000",
      "  stale_read at 0x40000000: expected 0x1, got 0x0 (blame hypervisor)",
      "  natively on this machine: passes",
      "  snippet:",
      "    const result = 1;",
      "  trace:",
      "  line one",
      "  line two",
      "",
    ].join("\n"),
  );
});

Deno.test("the report's text: a part, inexact hashing, several runs, no trace, a replay that missed", () => {
  const text = formatExploreReport(
    {
      ...REPORT,
      question: { ...QUESTION, shard: "1/3" },
      stats: { ...STATS, exact: false },
      failures: [{
        ...ESCAPE,
        count: 2,
        counterexample: { ...ESCAPE.counterexample!, reproduced: false },
      }],
    },
    { trace: false },
  );
  assert.match(text, /; RAM prefaulted; part 1\/3\n/);
  assert.match(text, /2 outside the class; some states not merged \(inexact hashing\)\n/);
  assert.match(text, /^kvm-3\.18 \/ hypervisor \/ stale_read: 2 failing runs$/m);
  assert.match(
    text,
    /^ {2}natively on this machine: passes; WARNING: the replay did not reproduce it$/m,
  );
  assert.doesNotMatch(text, /trace:|line one/);
});

Deno.test("failure groups sort hypervisor, then machine, then guest, and by kind within each", () => {
  const groups = [
    { blame: "guest", kind: "stale_read" },
    { blame: "machine", kind: "lost_write" },
    { blame: "hypervisor", kind: "stale_read" },
    { blame: "guest", kind: "crash" },
    { blame: "hypervisor", kind: "lost_write" },
  ];
  assert.deepEqual(groups.sort(compareGroups).map((g) => `${g.blame}/${g.kind}`), [
    "hypervisor/lost_write",
    "hypervisor/stale_read",
    "machine/lost_write",
    "guest/crash",
    "guest/stale_read",
  ]);
});

Deno.test("search positions: the first that differs decides, and a prefix comes first", () => {
  assert.ok(compareFound([3, 1, 1], [3, 1, 2]) < 0);
  assert.ok(compareFound([3, 1, 2], [3, 1, 1]) > 0);
  assert.ok(compareFound([3, 1], [3, 1, 0]) < 0);
  assert.ok(compareFound([3, 1, 0], [3, 1]) > 0);
  assert.equal(compareFound([4, 2], [4, 2]), 0);
});

Deno.test("the answer: whom a violation blames, natively and under a hypervisor", () => {
  const machineFails: FailureGroup = { ...ESCAPE, policy: "native", blame: "machine" };
  const native = { ...QUESTION, policy: "native" };
  assert.equal(
    answerLine({ ...REPORT, question: native, failures: [machineFails] }),
    'machine stale_read: guests in class "any" up to 4 ops',
  );
  assert.equal(
    answerLine({ ...REPORT, question: native, failures: [{ ...ESCAPE, blame: "guest" }] }),
    'no violation blamed on the machine: guests in class "any" up to 4 ops',
  );
  assert.equal(
    answerLine({ ...REPORT, failures: [] }),
    'no violation blamed on the hypervisor: guests in class "any" up to 4 ops',
  );
});

Deno.test("the answer: a budget makes an exhaustive search incomplete; random mode only samples", () => {
  assert.equal(
    answerLine({ ...REPORT, complete: false, failures: [] }),
    'no violation blamed on the hypervisor: guests in class "any" up to 4 ops ' +
      "(incomplete: a budget stopped the search)",
  );
  assert.equal(
    answerLine({
      ...REPORT,
      question: { ...QUESTION, mode: "random" },
      complete: false,
      failures: [],
    }),
    'no violation blamed on the hypervisor: sampled guests in class "any" up to 4 ops',
  );
});

Deno.test("prove mode's answer: the shortest counterexample among the groups, and what stopped it", () => {
  const prove = { ...QUESTION, mode: "prove" as const, maxOps: 64 };
  // Found at depth 6, shrunk to 4 steps; and found at depth 5, not shrunk.
  const deep: FailureGroup = { ...ESCAPE, found: [6, 0, 0, 0] };
  const shallow: FailureGroup = {
    ...ESCAPE,
    kind: "lost_write",
    found: [5, 0, 0, 0],
    counterexample: null,
  };
  const proof = { fixpoint: false, states: 77, depth: 6, stopped: "budget" as const };
  assert.equal(
    answerLine({ ...REPORT, question: prove, failures: [shallow, deep], proof }),
    "Sometimes: shortest counterexample 5 operations (found at depth 5 of the abstract search): " +
      "hypervisor lost_write (shortest: 5 ops), hypervisor stale_read (shortest: 4 ops); " +
      "no fixpoint: a budget stopped the abstract search after depth 6 (77 states); " +
      "shortest all the same, the search being breadth first with every shorter length " +
      "explored completely",
  );
  assert.equal(
    answerLine({ ...REPORT, question: prove, failures: [], proof }),
    "Not proved: a budget stopped the abstract search after depth 6 (77 states); no guest of " +
      "up to 6 operations escapes: no violation blamed on the hypervisor (bounded answer)",
  );
});
