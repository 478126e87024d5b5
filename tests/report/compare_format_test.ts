/**
 * formatComparison's table and notes on comparisons built by hand: the
 * cases a real comparison of the built-in policies rarely shows (a crash on
 * the baseline row, numbers of every size).
 */

import assert from "node:assert/strict";
import {
  type ComparisonLike,
  type ComparisonRowLike,
  formatComparison,
  groupThousands,
} from "../../lib/report/compare.ts";

const SAME = { same: true, removed: 0, added: 0, counts: [], first: null } as const;

function row(policy: string, over: Partial<ComparisonRowLike> = {}): ComparisonRowLike {
  return {
    policy,
    ok: true,
    violations: 0,
    blame: [],
    crashed: null,
    exits: 0,
    flushes: 0,
    linesFlushed: 0,
    cycles: 0,
    flushEvents: 0,
    flushDiff: SAME,
    ...over,
  };
}

Deno.test("groupThousands: commas every three digits from the right, the sign kept", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [999, "999"],
    [1000, "1,000"],
    [123456, "123,456"],
    [1234567, "1,234,567"],
    [-1000, "-1,000"],
    [-1234567, "-1,234,567"],
    [-12, "-12"],
    [1499.6, "1,500"],
  ];
  for (const [n, text] of cases) assert.equal(groupThousands(n), text, String(n));
});

Deno.test("formatComparison: a crash on the baseline row is noted, as on any other", () => {
  const comparison: ComparisonLike = {
    machine: "xgene1",
    baseline: "xen-iommu",
    rows: [
      row("xen-iommu", {
        ok: false,
        crashed: { reason: "undefined instruction: DC ISW", pc: 0x4000_8040, vcpu: 1 },
      }),
      row("kvm-4.0", { exits: 1234, flushes: 2, linesFlushed: 65536, cycles: 1_000_000 }),
    ],
  };
  const lines = formatComparison(comparison).split("\n");
  assert.equal(lines[0], "policies on xgene1, baseline xen-iommu");
  assert.match(lines[3], /^xen-iommu +CRASH +- +0 +0 +0 +0 +baseline$/);
  assert.match(lines[4], /^kvm-4\.0 +ok +- +1,234 +2 +65,536 +1,000,000 +same$/);
  assert.deepEqual(lines.slice(5), [
    "",
    "flush events compared with xen-iommu:",
    "  xen-iommu: the guest crashed on vcpu1 at 0x40008040: undefined instruction: DC ISW",
    "",
  ]);
});

Deno.test("formatComparison: a row blamed on both parties names both in its blame cell", () => {
  const lines = formatComparison({
    machine: "generic",
    baseline: "kvm-4.0",
    rows: [
      row("kvm-4.0"),
      row("none", { ok: false, violations: 3, blame: ["guest", "hypervisor"] }),
    ],
  }).split("\n");
  assert.match(lines[4], /^none +FAIL \(3\) +guest, hypervisor +0 +0 +0 +0 +same$/);
});
