// The HTML page's structure, without a browser: self-contained, lanes, marks,
// comparison, escaping, determinism.
import assert from "node:assert/strict";
import { ScenarioError, type SetwayEvent, vm } from "../../mod.ts";
import { renderHtml, type RunLike } from "../../lib/api/report.ts";

const zimage = vm().machine("xgene1").cpus(4).systemCache().guest((g) => g.zImage32());
const [kvm318, kvm40] = await Promise.all([
  zimage.policy("kvm-3.18").run(),
  zimage.policy("kvm-4.0").run(),
]);

function count(text: string, re: RegExp): number {
  return [...text.matchAll(re)].length;
}

Deno.test("html: one self-contained page, nothing fetched from anywhere", () => {
  const page = renderHtml(kvm318);
  assert.ok(page.startsWith("<!doctype html>\n"));
  assert.ok(page.endsWith("</html>\n"));
  assert.ok(!/https?:\/\//.test(page), "no URL");
  assert.ok(!/<(script|img|iframe|audio|video|source)\b[^>]*\bsrc=/i.test(page), "no src");
  assert.ok(!/<link\b(?![^>]*href="data:)[^>]*>/i.test(page), "only a data: icon link");
  assert.ok(!/@import|url\(/.test(page), "no CSS fetch");
  assert.equal(count(page, /<style>/g), 1);
  assert.equal(count(page, /<script>/g), 1);
});

Deno.test("html: a lane per vCPU and per physical CPU, idle CPUs grouped", () => {
  const page = renderHtml(kvm318);
  for (const v of [0, 1, 2, 3]) assert.match(page, new RegExp(`data-lane="vcpu${v}"`));
  for (const c of [0, 1, 2, 3]) assert.match(page, new RegExp(`data-lane="cpu${c}"`));
  assert.match(page, /data-lanes="cpu4 cpu5 cpu6 cpu7"/);
  assert.match(page, /CPUs 4–7<small>X-Gene[^<]*idle for the whole run/);
  assert.match(page, /data-band="caches"[\s\S]*?data-state="on"[\s\S]*?data-state="off"/);
  assert.match(page, /class="blk c-flush"/);
  assert.match(page, /class="blk c-trap"/);
});

Deno.test("html: the run's counts are written with their thousands grouped", () => {
  // kvm-3.18 traps every set/way instruction of the zImage's two walks (4608 slots each:
  // X-Gene 1's 32 KiB L1 and 256 KiB L2 in 64-byte lines) and 12 other instructions.
  assert.equal(kvm318.cost.exits, 9228);
  assert.match(renderHtml(kvm318), />[^<]*9 228 traps, /);
});

Deno.test("html: violations are marked on the reader's lane with the stale address", () => {
  const page = renderHtml(kvm318);
  const first = kvm318.verdict.violations[0];
  const addr = "0x" + first.addr.toString(16).padStart(8, "0");
  assert.match(page, /data-lane="vcpu0" data-violations="32"/);
  assert.match(page, new RegExp(`class="mark-span" data-addr="${addr}" data-count="32"`));
  assert.match(page, new RegExp(`✗ 32 stale reads, first at ${addr}`));
  assert.match(page, /<summary>32 violations<\/summary>/);
  const ok = renderHtml(kvm40);
  assert.ok(!ok.includes('class="mark-span"'));
  assert.match(ok, /data-ok="true" data-violations="0"/);
});

Deno.test("html: several runs get a comparison, one row per policy, linked to its section", () => {
  const page = renderHtml([kvm318, kvm40], { title: "zImage" });
  assert.match(page, /<section id="compare"/);
  assert.match(page, /<tr class="fail" data-policy="kvm-3\.18"><td><a href="#run-1">/);
  assert.match(page, /<tr class="ok" data-policy="kvm-4\.0"><td><a href="#run-2">/);
  assert.match(page, /<section class="run" id="run-2" data-policy="kvm-4\.0"/);
  assert.ok(!renderHtml(kvm40).includes('id="compare"'));
  // both runs are on one machine: it is named once
  assert.ok(page.includes('<p class="sub">kvm-3.18 vs kvm-4.0 on xgene1 · 2 runs</p>'));
});

Deno.test("html: names from user-defined policies are escaped", () => {
  const hostile = "<script>alert(1)</script>";
  const event = {
    seq: 0,
    name: "my_event",
    vcpu: 0,
    pcpu: 0,
    pc: 0,
    count: 1,
    note: `"><img src=x onerror=alert(2)>`,
  } as SetwayEvent;
  const run: RunLike = {
    policy: hostile,
    machine: { name: "m&m", clusters: [{ cpus: 1, core: "<b>" }] },
    scenario: { seed: 1, speculation: "quiet", cpus: 1 },
    events: [event],
    verdict: { ok: true, violations: [], archInvalid: ["<i>why</i>"], failsNatively: false },
    cost: { exits: 0, flushes: 0, linesFlushed: 0 },
  };
  const page = renderHtml([run, run]);
  assert.ok(!page.includes(hostile));
  assert.ok(!page.includes("<img"));
  assert.ok(!page.includes("<b>") && !page.includes("<i>why"));
  assert.ok(page.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(page.includes("m&amp;m"));
  // A policy name cannot break out of the attributes that carry it.
  const quoted = renderHtml([{ ...run, policy: `x" onclick="alert(3)` }, run]);
  assert.ok(!quoted.includes('onclick="'));
  assert.ok(quoted.includes('data-policy="x&quot; onclick=&quot;alert(3)"'));
});

Deno.test("html: the same runs give the same bytes; bad input is a ScenarioError", () => {
  assert.equal(renderHtml([kvm318, kvm40]), renderHtml([kvm318, kvm40]));
  assert.throws(() => renderHtml([]), ScenarioError);
  assert.throws(
    () => renderHtml({} as RunLike),
    (e) => e instanceof ScenarioError && /renderHtml/.test(e.message),
  );
});

Deno.test("html: the compressed axis comes first on the zImage run, and the page says why", () => {
  const page = renderHtml(kvm318);
  const first = /<div class="view" data-unit="(\w+)">/.exec(page);
  assert.equal(first?.[1], "compressed");
  assert.match(
    page,
    /class="axis-note" data-default-unit="compressed">The x axis counts events, with 4 long uniform stretches compressed/,
  );
  const share = /By cycles, traps to the hypervisor take (\d+\.\d) % of the run/.exec(page);
  assert.ok(share !== null, "the note's share of the traps");
  // The README quotes it for this run.
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  assert.match(
    readme.replace(/\s+/g, " "),
    new RegExp(`the zImage walk's traps take ${share[1]} % of the run`),
  );
  assert.match(page, /<button type="button" data-unit="cycles" aria-pressed="false">/);
  assert.match(page, /class="stretch"/);
  // only the first view shows; the others wait for their button
  assert.deepEqual(
    [...page.matchAll(/<div class="view" data-unit="(\w+)"( hidden)?>/g)].map((m) => [m[1], m[2]]),
    [["compressed", undefined], ["cycles", " hidden"], ["events", " hidden"]],
  );
});

Deno.test("html: filters by event type and vCPU, and an address search", () => {
  const page = renderHtml(kvm318);
  for (const c of ["access", "trap", "flush", "sysreg"]) {
    assert.match(page, new RegExp(`data-filter-cat="${c}" checked`));
  }
  assert.ok(!page.includes('data-filter-cat="violation"'), "violations cannot be hidden");
  for (const v of [0, 1, 2, 3]) assert.match(page, new RegExp(`data-filter-vcpu="vcpu${v}"`));
  assert.match(page, /<input type="search" class="addr-search"/);
});

Deno.test("html: a watched run has word lanes and dirty-line charts; a plain one none", async () => {
  assert.ok(!renderHtml(kvm318).includes('data-lane="words"'));
  const watched = await zimage.policy("kvm-3.18").run({ watch: [0x4000_e000] });
  const page = renderHtml(watched);
  assert.equal(
    count(page, /class="track-row word" data-addr="0x4000e000" data-violations="1"/g),
    3,
  );
  assert.match(
    page,
    /class="seg where-sys" data-state="sys"[^>]*title="0x4000e000: dirty in the system cache"/,
  );
  assert.match(page, /data-level="system cache" data-max="512"/);
  assert.match(page, /newest value: system cache/);
});

Deno.test("html: a crashed guest is CRASH in the heading, the comparison and its lane", async () => {
  const crashed = await zimage.policy("xen-iommu").run();
  assert.ok(crashed.verdict.crashed);
  const page = renderHtml([kvm40, crashed]);
  assert.match(page, /<h2><span class="verdict crash">CRASH<\/span>xen-iommu on xgene1<\/h2>/);
  assert.match(page, /data-policy="xen-iommu">[\s\S]*?<span class="verdict crash">CRASH<\/span>/);
  assert.match(page, /data-lane="vcpu0" data-violations="0" data-crashed="true">/);
  assert.match(page, /class="crash-flag[^"]*"[^>]*title="CRASH: set\/way op while the IOMMU/);
  assert.match(page, /the guest crashed on vCPU 0 at 0x40008660/);
});

Deno.test("html: the events axis comes first when the violation would be a sliver by cycles", () => {
  const at = { vcpu: 0, pcpu: 0, pc: 0x4000_8000, count: 1 };
  const events: SetwayEvent[] = [
    { ...at, seq: 0, name: "kvm_exit", reason: "access_vm_reg", ec: 0x18, cycles: 40000 },
    { ...at, seq: 1, name: "sw_walk", op: "cisw", levels: 2, instructions: 16896, cycles: 80000 },
    { ...at, seq: 2, name: "read", addr: 0x4001_0000, value: 0, cacheable: false, cycles: 4 },
    {
      ...at,
      seq: 3,
      name: "stale_read",
      addr: 0x4001_0000,
      expected: 2,
      got: 0,
      blame: "hypervisor",
    },
  ];
  const run: RunLike = {
    policy: "trap-once",
    machine: { name: "xgene1", clusters: [{ cpus: 1 }] },
    scenario: { seed: 1, speculation: "quiet", cpus: 1 },
    events,
    verdict: {
      ok: false,
      violations: [{
        kind: "stale_read",
        addr: 0x4001_0000,
        expected: 2,
        got: 0,
        vcpu: 0,
        pc: 0x4000_8000,
        blame: "hypervisor",
      }],
      archInvalid: [],
      failsNatively: false,
    },
    cost: { exits: 1, flushes: 0, linesFlushed: 0, cycles: 120004 },
  };
  const page = renderHtml(run);
  assert.equal(/<div class="view" data-unit="(\w+)">/.exec(page)?.[1], "events");
  assert.match(
    page,
    /data-default-unit="events">By cycles, the 3 events around the first stale read would take less than 0\.01 % of the width/,
  );
  // without a violation, cycles stay first
  const fine = renderHtml({
    ...run,
    events: events.slice(0, 3),
    verdict: { ...run.verdict, ok: true, violations: [] },
  });
  assert.equal(/<div class="view" data-unit="(\w+)">/.exec(fine)?.[1], "cycles");
  assert.ok(!fine.includes(`<p class="axis-note"`));
});

Deno.test("html: the events axis comes first when one kind of event takes over 90 % of the cycles", () => {
  const at = { vcpu: 0, pcpu: 0, pc: 0x4000_8000, count: 1 };
  const withTraps = (trapCycles: number): RunLike => ({
    policy: "kvm-3.18",
    machine: { name: "xgene1", clusters: [{ cpus: 1 }] },
    scenario: { seed: 1, speculation: "quiet", cpus: 1 },
    events: [
      { ...at, seq: 0, name: "write", addr: 0x4001_0000, value: 1, cacheable: true, cycles: 400 },
      { ...at, seq: 1, name: "kvm_exit", reason: "access_vm_reg", ec: 0x18, cycles: trapCycles },
      { ...at, seq: 2, name: "read", addr: 0x4001_0000, value: 1, cacheable: true, cycles: 600 },
    ],
    verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
    cost: { exits: 1, flushes: 0, linesFlushed: 0, cycles: trapCycles + 1000 },
  });
  // 9 100 of 10 100 cycles: 90.1 %.
  const swamped = renderHtml(withTraps(9100));
  assert.equal(/<div class="view" data-unit="(\w+)">/.exec(swamped)?.[1], "events");
  assert.match(
    swamped,
    /data-default-unit="events">By cycles, traps to the hypervisor take 90\.1 % of the run, and everything else would be a sliver\. The x axis counts events instead; the cycles button gives the cycles\./,
  );
  // 9 000 of 10 000: not over 90 %, so the cycles come first and no note.
  const even = renderHtml(withTraps(9000));
  assert.equal(/<div class="view" data-unit="(\w+)">/.exec(even)?.[1], "cycles");
  assert.ok(!even.includes(`<p class="axis-note"`));
});

const AT = { vcpu: 0, pcpu: 0, pc: 0x4000_8000 };

/** A small hand-made run: three traps, a read, and the stale read it returned. */
function smallRun(): RunLike {
  return {
    policy: "trap-once",
    machine: { name: "xgene1", clusters: [{ cpus: 1 }] },
    scenario: { seed: 1, speculation: "quiet", cpus: 2 },
    events: [
      { ...AT, seq: 0, count: 3, name: "kvm_exit", reason: "access_vm_reg", ec: 0x18 },
      { ...AT, seq: 3, count: 1, name: "read", addr: 0x4001_0000, value: 0, cacheable: false },
      {
        ...AT,
        seq: 4,
        count: 1,
        name: "stale_read",
        addr: 0x4001_0000,
        expected: 2,
        got: 0,
        blame: "hypervisor",
      },
    ],
    verdict: {
      ok: false,
      violations: [{
        kind: "stale_read",
        addr: 0x4001_0000,
        expected: 2,
        got: 0,
        vcpu: 0,
        pc: 0x4000_8000,
        blame: "hypervisor",
      }],
      archInvalid: [],
      failsNatively: false,
    },
    cost: { exits: 0, flushes: 1, linesFlushed: 1024, cycles: 120_004 },
  };
}

Deno.test("html: the summary, the violation table and the event counts say what the run did", () => {
  const page = renderHtml(smallRun());
  assert.ok(
    page.includes(
      '<p class="summary"><b>1 stale read</b> (blame: hypervisor) · ' +
        "0 traps, 1 flush, 1 024 lines flushed, 120 004 cycles · " +
        "natively on this machine: passes · architecturally valid</p>",
    ),
  );
  assert.ok(page.includes('<details class="violations" open><summary>1 violation</summary>'));
  assert.ok(
    page.includes(
      '<tr><td class="num">1</td><td>stale_read</td><td class="mono">0x40010000</td>' +
        '<td class="mono">0x00000002</td><td class="mono">0x00000000</td><td>vCPU 0</td>' +
        '<td class="mono">0x40008000</td><td>hypervisor</td></tr>',
    ),
  );
  // a collapsed record counts its events, and is one trace line
  assert.ok(
    page.includes('<code>kvm_exit</code></td><td class="num">3</td><td class="num">1</td>'),
  );
  // the scenario's second vCPU gets a lane though it did nothing
  assert.match(page, /data-lane="vcpu1"/);
});

Deno.test("html: a long violation table starts closed and stops at violationRows", () => {
  const run = smallRun();
  const many = Array.from({ length: 11 }, () => run.verdict.violations[0]);
  const page = renderHtml({ ...run, verdict: { ...run.verdict, violations: many } }, {
    violationRows: 4,
  });
  assert.ok(page.includes('<details class="violations"><summary>11 violations</summary>'));
  assert.equal(count(page, /<tr><td class="num">\d+<\/td><td>stale_read<\/td>/g), 4);
  assert.ok(page.includes('<p class="note">… and 7 more (see the JSON output).</p>'));
});

Deno.test("html: a clean run's legend still explains violations; the title is escaped", () => {
  const run = smallRun();
  const clean = {
    ...run,
    events: run.events.slice(0, 2),
    verdict: { ...run.verdict, ok: true, violations: [] },
  };
  const page = renderHtml(clean, { title: "<script>x</script>" });
  assert.ok(page.includes("<title>&lt;script&gt;x&lt;/script&gt;</title>"));
  assert.ok(!page.includes("<script>x"));
  assert.match(page, /<span class="legend-item" data-cat="violation">/);
});

Deno.test("html: a run without an events list is refused with ScenarioError", () => {
  const broken = { ...smallRun(), events: undefined } as unknown as RunLike;
  assert.throws(() => renderHtml(broken), ScenarioError);
});

Deno.test("html: the flush trace stops at traceLines and says how to print the rest", () => {
  const page = renderHtml(kvm318, { traceLines: 1 });
  const trace = /<summary>Flush events \(trace\)<\/summary><pre>([^<]*)<\/pre>(.*)<\/details>/.exec(
    page,
  );
  assert.ok(trace);
  assert.ok(!trace[1].includes("\n"), "one line");
  assert.match(trace[2], /^<p class="note">… [\d ]+ more lines: print the whole trace with/);
});

Deno.test("html: a flush trace of exactly traceLines lines is shown whole, without a note", () => {
  const trace = (page: string) =>
    /<summary>Flush events \(trace\)<\/summary><pre>([^<]*)<\/pre>(.*)<\/details>/.exec(page);
  const all = trace(renderHtml(kvm318, { traceLines: 1e9 }));
  assert.ok(all);
  assert.equal(all[2], "");
  const n = all[1].split("\n").length;
  const exact = trace(renderHtml(kvm318, { traceLines: n }));
  assert.ok(exact);
  assert.equal(exact[1], all[1]);
  assert.equal(exact[2], "", "no note");
});

Deno.test("html: cycles stay first when the violation's neighbourhood is a visible share of them", () => {
  // 99 records of 10 cycles; the 10 records within 5 places of the violation are 10 % of them
  const events: SetwayEvent[] = [];
  for (let seq = 0; seq < 100; seq++) {
    if (seq === 50) {
      events.push({
        ...AT,
        seq,
        count: 1,
        name: "stale_read",
        addr: 0x4001_0000,
        expected: 2,
        got: 0,
        blame: "hypervisor",
      });
    } else if (seq % 2 === 0) {
      events.push({
        ...AT,
        seq,
        count: 1,
        name: "read",
        addr: 0x4001_0000,
        value: 0,
        cacheable: true,
        cycles: 10,
      });
    } else {
      events.push({ ...AT, seq, count: 1, name: "dc_cvac", addr: 0x4001_0000, cycles: 10 });
    }
  }
  const page = renderHtml({ ...smallRun(), events });
  assert.equal(/<div class="view" data-unit="(\w+)">/.exec(page)?.[1], "cycles");
  assert.ok(!page.includes('<p class="axis-note"'));
});

Deno.test("html: a stretch too short to halve the width leaves the events axis first", () => {
  // 40 traps in one record, then 60 reads: compressed, 8 + 4 log2(5) + 60 ≈ 77 of 100
  const events: SetwayEvent[] = [
    { ...AT, seq: 0, count: 40, name: "kvm_exit", reason: "access_vm_reg", ec: 0x18 },
  ];
  for (let seq = 40; seq < 100; seq++) {
    events.push({
      ...AT,
      seq,
      count: 1,
      name: "read",
      addr: 0x4001_0000,
      value: 0,
      cacheable: true,
    });
  }
  const run = smallRun();
  const page = renderHtml({
    ...run,
    events,
    verdict: { ...run.verdict, ok: true, violations: [] },
  });
  assert.equal(/<div class="view" data-unit="(\w+)">/.exec(page)?.[1], "events");
  assert.ok(!page.includes('data-unit="compressed"'));
});

Deno.test("html: each physical CPU's lane names its own cluster's core", () => {
  const run: RunLike = {
    ...smallRun(),
    machine: {
      name: "juno",
      clusters: [{ cpus: 2, core: "Cortex-A53" }, { cpus: 2, core: "Cortex-A57" }],
    },
    events: [{
      ...AT,
      pcpu: 2,
      seq: 0,
      count: 1,
      name: "read",
      addr: 0,
      value: 0,
      cacheable: true,
    }],
  };
  const page = renderHtml(run);
  assert.match(
    page,
    /data-lane="cpu2" data-violations="0"><div class="lane-title">CPU 2<small>Cortex-A57<\/small>/,
  );
});

Deno.test("html: a crashed run without violations says no read was stale", () => {
  const run = smallRun();
  const crashed: RunLike = {
    ...run,
    events: run.events.slice(0, 2),
    verdict: {
      ok: false,
      violations: [],
      archInvalid: [],
      failsNatively: false,
      crashed: { vcpu: 0, pc: 0x4000_8660, reason: "set/way op" },
    },
  };
  assert.ok(
    renderHtml(crashed).includes(
      '<p class="summary"><b>the guest crashed on vCPU 0 at 0x40008660: set/way op</b> · ' +
        "no read returned a stale value · ",
    ),
  );
});

Deno.test("html: the style colours blocks by category and physical CPUs by vCPU", () => {
  const page = renderHtml(smallRun());
  assert.ok(page.includes(".c-flush { background: #8c4a2f; color: #ffffff; }"));
  assert.ok(page.includes(".c-trap { background: #f1ce63; color: #3a2e00; }"));
  assert.ok(page.includes(".seg.run-0 { background: #4e79a7; color: #fff; font-weight: 600; }"));
  assert.ok(page.includes(".seg.run-7 { background: #edc948;"));
  assert.ok(page.includes("--head: 150px;"));
});

Deno.test("html: a hand-edited run's vCPU fields are text, never markup", () => {
  const run = smallRun();
  const v = { ...run.verdict.violations[0], vcpu: "<b>0</b>" as unknown as number };
  const page = renderHtml({
    ...run,
    verdict: { ...run.verdict, violations: [v], crashed: { vcpu: "<i>1</i>", pc: 0x4000_8000 } },
  } as unknown as RunLike);
  assert.ok(page.includes("<td>vCPU &lt;b&gt;0&lt;/b&gt;</td>"));
  assert.ok(page.includes("crashed on vCPU &lt;i&gt;1&lt;/i&gt; at"));
  assert.ok(!page.includes("<b>0</b>") && !page.includes("<i>1</i>"));
});
