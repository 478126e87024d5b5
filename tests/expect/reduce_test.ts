/**
 * The search's reductions are sound: with and without them, every
 * complete check gives the same answers (only counts shrink); and the
 * pieces behind them (busy CPUs, the choice filter, migration targets, the
 * plan chooser) do what their documentation says.
 */

import assert from "node:assert/strict";
import { checkExpectations, type Step } from "../../mod.ts";
import {
  exists,
  forall,
  lostWriteAnywhere,
  never,
  noSetWayFlush,
  stale,
  staleAnywhere,
  wrongRead,
} from "../../lib/api/expect.ts";
import { Hardware } from "../../lib/api/hw.ts";
import { generic, xgene1 } from "../../lib/machines/mod.ts";
import { busyCpus, ChoiceFilter, noSetCanFill } from "../../lib/engine/expect/reduce.ts";
import { baseVariant, migrationChildren } from "../../lib/engine/expect/migrations.ts";
import { A, B, NO_CLEAN, scenario, SW_CLEAN, tiny, tinyWithL3, VA_CLEAN } from "./helpers.ts";

const TWO_WORDS: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "write", vcpu: 0, addr: A, value: 1 },
  { kind: "write", vcpu: 0, addr: B, value: 2 },
  { kind: "sw_walk", vcpu: 0, op: "csw" },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "read", vcpu: 0, addr: A },
  { kind: "sw_walk", vcpu: 0, op: "isw" },
  { kind: "read", vcpu: 0, addr: B },
];

const EXPECT = [
  exists(stale(A)),
  exists(staleAnywhere()),
  never(wrongRead()),
  forall(noSetWayFlush()),
  exists(lostWriteAnywhere()),
];

Deno.test("reductions change counts, never answers (complete searches, up to 2 perturbations)", async () => {
  // [scenario, deepest level]: pages the host zeroes fill the caches with lines to cast out,
  // so those cases stop at one perturbation to keep the suite fast.
  const cases: [ReturnType<typeof scenario>, number][] = [
    [scenario(NO_CLEAN), 2],
    [scenario(SW_CLEAN, { machine: tinyWithL3 }), 2],
    [scenario(VA_CLEAN, { machine: tinyWithL3, policy: "kvm-3.18" }), 2],
    [scenario(TWO_WORDS, { machine: tinyWithL3, policy: "kvm-4.0" }), 2],
    [scenario(TWO_WORDS, { machine: tinyWithL3, policy: "kvm-4.0", prefault: false }), 1],
    [scenario(TWO_WORDS, { machine: "generic", policy: "native" }), 2],
    [scenario(TWO_WORDS, { machine: "generic", policy: "trap-nothing", cpus: 2 }), 2],
    [scenario(SW_CLEAN, { machine: tinyWithL3, policy: "kvm-3.18", cpus: 2 }), 2],
    [scenario(NO_CLEAN, { machine: "xgene1", policy: "kvm-3.18", prefault: false }), 1],
  ];
  for (const [s, deepest] of cases) {
    for (let maxPerturbations = 1; maxPerturbations <= deepest; maxPerturbations++) {
      const options = { expect: EXPECT, maxPerturbations, maxExecutions: 200_000 };
      const reduced = await checkExpectations(s, options);
      const full = await checkExpectations(s, { ...options, reduce: false });
      const label = `${s.policy} on ${typeof s.machine === "string" ? s.machine : s.machine.name}`;
      assert.equal(reduced.stats.complete, true, label);
      assert.equal(full.stats.complete, true, label);
      assert.ok(reduced.stats.executions <= full.stats.executions, label);
      assert.deepEqual(
        reduced.expectations.map((e) => e.answer),
        full.expectations.map((e) => e.answer),
        `${label}, ${maxPerturbations} perturbations`,
      );
    }
  }
});

Deno.test("reductions do shrink the search on a machine with idle clusters", async () => {
  const s = scenario(SW_CLEAN, { machine: "xgene1" });
  const reduced = await checkExpectations(s, { expect: EXPECT });
  const full = await checkExpectations(s, { expect: EXPECT, reduce: false });
  assert.ok(reduced.stats.executions * 2 < full.stats.executions);
});

Deno.test("busyCpus: vCPU homes, the host's possible default CPU, migration and host targets", () => {
  const steps: Step[] = [
    { kind: "migrate", vcpu: 0, pcpu: 6 },
    { kind: "host_write", addr: A, value: 1, cpu: 4 },
  ];
  assert.deepEqual(Array.from(busyCpus({ cpus: 2, steps }, 8)), [1, 1, 1, 0, 1, 0, 1, 0]);
});

Deno.test("ChoiceFilter: one fill per interchangeable idle CPU group, none of a resident line", () => {
  const hw = new Hardware(xgene1);
  const f = new ChoiceFilter(hw, Float64Array.of(A), { cpus: 1, steps: [] });
  const fills = () => {
    const o: number[] = [];
    f.options((x) => o.push(x));
    return o;
  };
  assert.deepEqual(fills(), [0, 1, 2]); // cpu0, cpu1 (busy), cpu2 for the three idle pairs
  hw.speculativeFill(2, A);
  // cpu2 now holds the line: its fill is a no-op, cpu3 differs from it, cpu4 stands for the
  // two idle and empty pairs left; then the castouts of the line from every level it was
  // filled into on the way: cpu2.L1, cluster1.L2 and the system cache.
  assert.deepEqual(fills(), [0, 1, 3, 4, 8, 9, 10]);
  const unreduced = new ChoiceFilter(hw, Float64Array.of(A), { cpus: 1, steps: [] }, false);
  let n = 0;
  unreduced.options(() => n++);
  assert.equal(n, 8 + 3);
});

Deno.test("noSetCanFill: true when the program's pages fit every set, false when they crowd one", () => {
  const hw = new Hardware(tiny);
  assert.equal(noSetCanFill(hw, [{ kind: "read", vcpu: 0, addr: A }]), false); // 64 lines, 8 sets
  assert.equal(noSetCanFill(new Hardware(generic), [{ kind: "read", vcpu: 0, addr: A }]), true);
  // generic's L1: 128 sets of 4 ways, so pages 8 KiB apart share their sets. Three fit;
  // a fourth page crowds them, whether a host write or a DC range (which faults the page
  // in: the host zeroes all of it through its cache) brings it.
  const reads: Step[] = [0, 1, 2].map((i) => ({ kind: "read", vcpu: 0, addr: A + i * 8192 }));
  const fourth: Step[] = [
    { kind: "read", vcpu: 0, addr: A + 3 * 8192 },
    { kind: "host_write", addr: A + 3 * 8192, value: 1 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: A + 3 * 8192 + 64, len: 64 },
  ];
  assert.equal(noSetCanFill(new Hardware(generic), reads), true);
  for (const s of fourth) {
    assert.equal(noSetCanFill(new Hardware(generic), [...reads, s]), false, s.kind);
  }
});

Deno.test("migrationChildren: one migration more, after the last, to each target class", () => {
  const base = baseVariant(SW_CLEAN);
  const kids = migrationChildren(base, tiny, 1, [0, 1, 2, 3]);
  // 4 instructions (not counting none: every step is one), targets cpu1 (busy) and cpu2 (idle pair).
  assert.equal(kids.length, 5 * 2);
  const deeper = migrationChildren(kids[3], tiny, 1, [0, 1, 2, 3]);
  assert.ok(deeper.every((v) => v.migrations.length === 2));
  assert.ok(deeper.every((v) => v.migrations[1].before > v.migrations[0].before));
  assert.ok(deeper.every((v) => v.migrations[1].pcpu !== v.migrations[0].pcpu));
  const v = kids[0];
  assert.deepEqual(v.steps[0], { kind: "migrate", vcpu: 0, pcpu: v.migrations[0].pcpu });
  assert.equal(v.steps.length, SW_CLEAN.length + 1);
});

Deno.test("busyCpus: a host unmap on a named CPU makes that CPU busy", () => {
  const steps: Step[] = [{ kind: "host_unmap", addr: A, cpu: 5 }];
  assert.deepEqual(Array.from(busyCpus({ cpus: 1, steps }, 8)), [1, 1, 0, 0, 0, 1, 0, 0]);
});

Deno.test("ChoiceFilter: a line resident in the first slot of its cache is not filled again", () => {
  // The first line of RAM maps to set 0 and, in an empty cache, to way 0: slot 0.
  const hw = new Hardware(xgene1);
  const first = 0x4000_0000;
  const f = new ChoiceFilter(hw, Float64Array.of(first), { cpus: 1, steps: [] });
  hw.speculativeFill(2, first);
  assert.equal(hw.caches[2].lookup(Math.floor(first / hw.lineSize)), 0);
  const o: number[] = [];
  f.options((x) => o.push(x));
  assert.deepEqual(o, [0, 1, 3, 4, 8, 9, 10]);
});

Deno.test("noSetCanFill: a DC range ending on a page boundary brings no page after it", () => {
  // generic's L1: pages 8 KiB apart share their sets, and three of them fit. The range
  // covers exactly the page before a fourth such page, which must stay out.
  const reads: Step[] = [0, 1, 2].map((i) => ({ kind: "read", vcpu: 0, addr: A + i * 8192 }));
  const page = Math.floor(A / 4096) * 4096 + 5 * 4096;
  const range: Step = { kind: "dc_va", vcpu: 0, op: "civac", addr: page, len: 4096 };
  assert.equal(noSetCanFill(new Hardware(generic), [...reads, range]), true);
  const past: Step = { ...range, len: 4100 };
  assert.equal(noSetCanFill(new Hardware(generic), [...reads, past]), false);
});
