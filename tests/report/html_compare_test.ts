// The policy comparison table of the HTML report, rows written out by hand:
// verdicts, blame, counts grouped by thin spaces, and bars against the most
// expensive run.
import assert from "node:assert/strict";
import { blameOf, renderComparison, verdictBadge } from "../../lib/report/html_compare.ts";
import type { RunLike } from "../../lib/report/run_like.ts";

function violation(blame: string) {
  return { kind: "stale_read", addr: 0x4000_0000, expected: 1, got: 0, vcpu: 0, pc: 0, blame };
}

const base = {
  machine: { name: "xgene1" },
  scenario: { seed: 1, speculation: "quiet" },
  events: [],
};

const kvm318: RunLike = {
  ...base,
  policy: "kvm-3.18",
  verdict: {
    ok: false,
    violations: [violation("hypervisor"), violation("hypervisor"), violation("guest")],
    archInvalid: [],
    failsNatively: true,
  },
  cost: {
    exits: 9220,
    flushes: 3,
    linesFlushed: 1024,
    cycles: 2_000_000,
    cyclesByCategory: { trap: 1_000_000, flush: 600_000, sw: 333_333, mystery: 66_667, host: 0 },
  },
};

const kvm40: RunLike = {
  ...base,
  policy: "kvm-4.0",
  verdict: { ok: true, violations: [], archInvalid: ["x"], failsNatively: false },
  cost: {
    exits: 4610,
    flushes: 1,
    linesFlushed: 4096,
    cycles: 10_000,
    cyclesByCategory: { trap: 10_000 },
  },
};

const native: RunLike = {
  ...base,
  policy: "native",
  verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
  cost: { exits: 0, flushes: 0, linesFlushed: 0 },
};

Deno.test("renderComparison: one row per run, bars scaled to the most traps, lines and cycles", () => {
  const html = renderComparison([kvm318, kvm40, native]);
  // the most traps are 120 px, the most lines 120 px, the most cycles 160 px
  assert.ok(
    html.includes(
      '<tr class="fail" data-policy="kvm-3.18"><td><a href="#run-1">kvm-3.18</a></td>' +
        '<td><span class="verdict fail">FAIL</span></td><td class="num">3</td>' +
        "<td>hypervisor, guest</td>" +
        '<td class="num">9 220<span class="bar exits" style="width:120px"></span></td>' +
        '<td class="num">3</td>' +
        '<td class="num">1 024<span class="bar lines" style="width:30px"></span></td>' +
        '<td class="num">2 000 000<span class="bar stack" style="width:160px">' +
        '<span style="width:50%;background:#e0b429" title="trap: 1 000 000 cycles (50%)"></span>' +
        '<span style="width:30%;background:#8c4a2f" title="flush: 600 000 cycles (30%)"></span>' +
        '<span style="width:16.7%;background:#b07aa1" title="sw: 333 333 cycles (16.7%)"></span>' +
        '<span style="width:3.3%;background:#bbbbbb" title="mystery: 66 667 cycles (3.3%)"></span>' +
        "</span></td><td>fails</td><td>valid</td></tr>",
    ),
    html,
  );
  // a bar never thinner than 2 px: 10 000 of 2 000 000 cycles would be 0.8 px
  assert.ok(
    html.includes(
      '<tr class="ok" data-policy="kvm-4.0"><td><a href="#run-2">kvm-4.0</a></td>' +
        '<td><span class="verdict ok">ok</span></td><td class="num">0</td><td>-</td>' +
        '<td class="num">4 610<span class="bar exits" style="width:60px"></span></td>' +
        '<td class="num">1</td>' +
        '<td class="num">4 096<span class="bar lines" style="width:120px"></span></td>' +
        '<td class="num">10 000<span class="bar stack" style="width:2px">' +
        '<span style="width:100%;background:#e0b429" title="trap: 10 000 cycles (100%)"></span>' +
        "</span></td><td>passes</td><td>invalid</td></tr>",
    ),
    html,
  );
  // a run without cycles reads "-" in the cycles column, and no bar for zero
  assert.ok(
    html.includes(
      '<tr class="ok" data-policy="native"><td><a href="#run-3">native</a></td>' +
        '<td><span class="verdict ok">ok</span></td><td class="num">0</td><td>-</td>' +
        '<td class="num">0</td><td class="num">0</td><td class="num">0</td>' +
        '<td class="num">-</td><td>passes</td><td>valid</td></tr>',
    ),
    html,
  );
  assert.ok(html.includes('<th class="num">cycles</th>'));
});

Deno.test("renderComparison: the legend lists each cost category once, in the order met", () => {
  const html = renderComparison([kvm318, kvm40]);
  const swatch = (colour: string, name: string) =>
    `<span class="legend-item"><span class="swatch" style="background:${colour}"></span>${name}</span>`;
  assert.ok(
    html.includes(
      '<p class="note">Cycles by cost category: ' +
        [
          swatch("#e0b429", "trap"),
          swatch("#8c4a2f", "flush"),
          swatch("#b07aa1", "sw"),
          swatch("#bbbbbb", "mystery"),
        ].join(" ") + "</p>",
    ),
    html,
  );
  assert.ok(!html.includes(">host</span>"), "a category with 0 cycles is not listed");
});

Deno.test("renderComparison: no cycles column when no run knows its cycles", () => {
  const html = renderComparison([native, { ...native, policy: "kvm-4.0" }]);
  assert.ok(!html.includes("cycles</th>"));
  assert.ok(!html.includes("Cycles by cost category"));
});

Deno.test("renderComparison: cost category names are escaped", () => {
  const odd = { ...kvm40, cost: { ...kvm40.cost, cyclesByCategory: { "<b>": 10_000 } } };
  const html = renderComparison([odd]);
  assert.ok(!html.includes("<b>"));
  assert.ok(html.includes("&lt;b&gt;</span>"));
  assert.ok(html.includes('title="&lt;b&gt;: 10 000 cycles (100%)"'));
});

Deno.test("a crashed run reads CRASH and its row is a failure", () => {
  const crashed: RunLike = {
    ...native,
    policy: "xen-iommu",
    verdict: {
      ok: false,
      violations: [],
      archInvalid: [],
      failsNatively: false,
      crashed: { vcpu: 0, pc: 0x4000_8660, reason: "set/way op" },
    },
  };
  assert.equal(verdictBadge(crashed.verdict), '<span class="verdict crash">CRASH</span>');
  const html = renderComparison([crashed]);
  assert.ok(
    html.includes(
      '<tr class="fail" data-policy="xen-iommu"><td><a href="#run-1">xen-iommu</a></td>' +
        '<td><span class="verdict crash">CRASH</span></td>',
    ),
    html,
  );
});

Deno.test("blameOf names each blame once, or '-' for none", () => {
  assert.equal(blameOf(kvm318.verdict), "hypervisor, guest");
  assert.equal(blameOf(kvm40.verdict), "-");
});
