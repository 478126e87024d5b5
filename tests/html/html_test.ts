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
  assert.match(page, /By cycles, traps to the hypervisor take 99\.\d % of the run/);
  assert.match(page, /<button type="button" data-unit="cycles" aria-pressed="false">/);
  assert.match(page, /class="stretch"/);
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
