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
