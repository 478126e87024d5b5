// The timeline layout: where events go, how wide they are, what the bands say.
import assert from "node:assert/strict";
import type { SetwayEvent } from "../../mod.ts";
import { buildTimeline, compressedWidth, type TimelineLane } from "../../lib/report/timeline.ts";
import { renderTimeline } from "../../lib/report/html_timeline.ts";

let seq = 0;
function ev(
  name: string,
  fields: Record<string, number | string | boolean | null> = {},
  base: Partial<Pick<SetwayEvent, "vcpu" | "pcpu" | "count" | "seq">> = {},
): SetwayEvent {
  const e = {
    seq: base.seq ?? seq,
    name,
    vcpu: base.vcpu === undefined ? 0 : base.vcpu,
    pcpu: base.pcpu === undefined ? 0 : base.pcpu,
    pc: 0x4000_8000,
    count: base.count ?? 1,
    ...fields,
  } as SetwayEvent;
  seq = e.seq + e.count;
  return e;
}

function lane(lanes: readonly TimelineLane[], key: string): TimelineLane {
  const l = lanes.find((x) => x.key === key);
  assert.ok(l, `lane ${key}`);
  return l;
}

Deno.test("timeline: events start at their seq; folded records share their stretch", () => {
  const exit = { reason: "access_dcsw", ec: 0x18 };
  const sw = { op: "cisw", level: 1, cleaned: 0, invalidated: 0 };
  const events = [
    ev("sw_walk", { op: "cisw", levels: 1, instructions: 3 }, { seq: 0 }),
    ev("kvm_exit", exit, { seq: 1, count: 3 }),
    ev("sw_local", sw, { seq: 2, count: 3 }),
    ev("read", { addr: 0x4000_0000, value: 0, cacheable: false }, { seq: 7 }),
  ];
  const t = buildTimeline(events);
  assert.equal(t.unit, "events");
  assert.equal(t.total, 8);
  assert.equal(t.events, 8);
  const v0 = lane(t.lanes, "vcpu0");
  const traps = v0.rows.find((r) => r.key === "traps")!.blocks;
  const hyp = v0.rows.find((r) => r.key === "hyp")!.blocks;
  assert.deepEqual([traps[0].start, traps[0].end, traps[0].count], [1, 7, 3]);
  assert.deepEqual([hyp[0].start, hyp[0].end, hyp[0].label], [2, 7, "sw_local ×3"]);
  const guest = v0.rows.find((r) => r.key === "guest")!.blocks;
  assert.deepEqual(guest.map((b) => [b.start, b.end]), [[0, 1], [7, 8]]);
  // the local flushes also show on the physical CPU whose caches they clean
  assert.equal(lane(t.lanes, "cpu0").rows[0].blocks[0].label, "sw_local ×3");
});

Deno.test("timeline: widths follow cycles times count when events carry cycles", () => {
  seq = 0;
  const events = [
    ev("sctlr_write", { m: true, c: true, i: true, cycles: 20 }),
    ev("kvm_exit", { reason: "dcsw", ec: 0x18, cycles: 6500 }, { count: 4 }),
    ev("sctlr_write", { m: false, c: false, i: true, cycles: 20 }),
  ];
  const byEvents = buildTimeline(events, { unit: "events" });
  assert.deepEqual([byEvents.unit, byEvents.total], ["events", 6]);
  const t = buildTimeline(events);
  assert.equal(t.unit, "cycles");
  assert.equal(t.total, 20 + 4 * 6500 + 20);
  const v0 = lane(t.lanes, "vcpu0");
  const trap = v0.rows.find((r) => r.key === "traps")!.blocks[0];
  assert.deepEqual([trap.start, trap.end], [20, 26_020]);
  const caches = v0.bands.find((b) => b.key === "caches")!.segments;
  assert.deepEqual(caches.map((s) => [s.start, s.end, s.state]), [
    [0, 20, "off"],
    [20, 26_040, "on"],
  ]);
});

Deno.test("timeline: SCTLR and TVM bands, and which vCPU each physical CPU runs", () => {
  seq = 0;
  const t = buildTimeline([
    ev("hcr_write", { tsw: true, tvm: true }),
    ev("vcpu_load", { pcpu: 0 }),
    ev("sctlr_write", { m: true, c: true, i: true }),
    ev("hcr_write", { tsw: true, tvm: false }),
    ev("migrate", { from: 0, to: 2 }),
    ev("vcpu_load", { pcpu: 2 }, { pcpu: 2 }),
    ev("sctlr_write", { m: false, c: false, i: true }, { pcpu: 2 }),
  ], { pcpus: 4 });
  const v0 = lane(t.lanes, "vcpu0");
  const tvm = v0.bands.find((b) => b.key === "tvm")!.segments;
  // a band changes when the write that changes it ends
  assert.deepEqual(tvm.map((s) => [s.start, s.state]), [[1, "on"], [4, "off"]]);
  const caches = v0.bands.find((b) => b.key === "caches")!.segments;
  assert.deepEqual(
    caches.map((s) => [s.start, s.end, s.state]),
    [
      [0, 3, "off"],
      [3, 7, "on"],
      [7, 7, "off"],
    ].filter(([a, b]) => (b as number) > (a as number)),
  );
  const running = (key: string) =>
    lane(t.lanes, key).bands[0].segments.map((s) => [s.start, s.end, s.state]);
  assert.deepEqual(running("cpu0"), [[0, 5, "vcpu0"], [5, 7, "idle"]]);
  assert.deepEqual(running("cpu2"), [[0, 5, "idle"], [5, 7, "vcpu0"]]);
  assert.deepEqual(running("cpu3"), [[0, 7, "idle"]]);
  assert.equal(t.lanes.filter((l) => l.kind === "pcpu").length, 4);
});

Deno.test("timeline: violations are marks on the reader's lane; CPU-less events get a hardware lane", () => {
  seq = 0;
  const t = buildTimeline([
    ev("castout", { addr: 0x4000_1000, cache: "L3", dirty: true }, { vcpu: null, pcpu: null }),
    ev("read", { addr: 0x4000_1000, value: 0, cacheable: false }, { vcpu: 1, pcpu: 1 }),
    ev("stale_read", { addr: 0x4000_1000, expected: 7, got: 0, blame: "hypervisor" }, {
      vcpu: 1,
      pcpu: 1,
    }),
    ev("stale_read", { addr: 0x4000_2000, expected: 8, got: 0, blame: "hypervisor" }, {
      vcpu: 1,
      pcpu: 1,
    }),
    ev("kvm_exit", { reason: "vm_reg", ec: 0x18 }, { vcpu: 1, pcpu: 1, count: 1000 }),
    ev("stale_read", { addr: 0x4000_3000, expected: 9, got: 0, blame: "guest" }, {
      vcpu: 1,
      pcpu: 1,
    }),
  ]);
  const v1 = lane(t.lanes, "vcpu1");
  assert.equal(v1.marks.length, 2, "close violations are grouped, distant ones not");
  assert.equal(v1.marks[1].marks[0].addr, 0x4000_3000);
  assert.deepEqual(v1.marks[0].marks.map((m) => [m.addr, m.expected, m.blame]), [
    [0x4000_1000, 7, "hypervisor"],
    [0x4000_2000, 8, "hypervisor"],
  ]);
  const hw = lane(t.lanes, "hw");
  assert.equal(hw.rows[0].blocks[0].label, "castout");
  assert.equal(v1.rows.find((r) => r.key === "hyp")!.blocks.length, 0, "marks are not blocks");
});

Deno.test("timeline: a long run merges into a bounded number of blocks, counts kept", () => {
  seq = 0;
  const events: SetwayEvent[] = [];
  for (let i = 0; i < 20_000; i++) {
    events.push(
      ev(i % 2 ? "read" : "write", { addr: 0x4000_0000 + 4 * (i % 64), value: i, cacheable: true }),
    );
  }
  const t = buildTimeline(events);
  const blocks = lane(t.lanes, "vcpu0").rows.find((r) => r.key === "guest")!.blocks;
  assert.ok(blocks.length <= 2401, `${blocks.length} blocks`);
  assert.equal(blocks.reduce((n, b) => n + b.count, 0), 20_000);
  assert.match(blocks[0].title, /^(read|write) ×\d+, (read|write) ×\d+\n/);
});

Deno.test("timeline: without usable seqs, events are laid end to end by count", () => {
  const t = buildTimeline([
    ev("kvm_exit", { reason: "x", ec: 0x18 }, { seq: 5, count: 2 }),
    ev("kvm_exit", { reason: "x", ec: 0x18 }, { seq: 5, count: 3 }),
  ]);
  assert.equal(t.total, 5);
  assert.deepEqual(t.ticks.slice(0, 2), [0, 1]);
});

Deno.test("timeline: the compressed axis narrows long uniform stretches and names them", () => {
  seq = 0;
  const exit = { reason: "access_dcsw", ec: 0x18 };
  const events = [
    ev("sctlr_write", { m: true, c: true, i: true }),
    ev("kvm_exit", exit, { count: 4096 }),
    ev("sctlr_write", { m: false, c: false, i: true }),
    ev("read", { addr: 0x4000_0000, value: 0, cacheable: false }),
    ev("stale_read", { addr: 0x4000_0000, expected: 1, got: 0, blame: "hypervisor" }),
  ];
  const byEvents = buildTimeline(events, { unit: "events" });
  assert.equal(byEvents.total, 4100);
  assert.deepEqual(byEvents.compressed, []);
  const t = buildTimeline(events, { unit: "compressed" });
  assert.equal(t.unit, "compressed");
  assert.equal(compressedWidth(4096), 8 + 4 * 9);
  assert.equal(compressedWidth(8), 8);
  assert.equal(t.total, 1 + compressedWidth(4096) + 3);
  assert.deepEqual(t.compressed, [{ start: 1, end: 45, events: 4096, label: "kvm_exit ×4 096" }]);
  // what comes after the stretch keeps its length: the read and the mark after it
  const v0 = lane(t.lanes, "vcpu0");
  assert.equal(v0.marks[0].at, 47);
  // ticks are labelled with the event place they stand at
  assert.equal(t.tickLabels[0], "#0");
  assert.ok(t.tickLabels.every((l) => /^#[\d ]+$/.test(l)), t.tickLabels.join(","));
  const places = t.tickLabels.map((l) => Number(l.slice(1).replace(/ /g, "")));
  assert.ok(places.every((p, i) => i === 0 || p > places[i - 1]), places.join(","));
  assert.ok(places.at(-1)! > 3000, "ticks inside the stretch count its events");
});

Deno.test("timeline: a cache track becomes word lanes and dirty-line charts on the same axis", () => {
  seq = 0;
  const events = [
    ev("write", { addr: 0x4000_0000, value: 1, cacheable: true, cycles: 4 }),
    ev("kvm_exit", { reason: "access_dcsw", ec: 0x18, cycles: 100 }, { count: 2 }),
    ev("read", { addr: 0x4000_0000, value: 0, cacheable: false, cycles: 4 }),
  ];
  const caches = {
    levels: [{ name: "L1", slots: 512, at: [0, 1, 3], dirty: [0, 1, 0] }],
    addresses: [{
      addr: 0x4000_0000,
      changes: [
        { at: 0, where: "unwritten" as const, label: "not written yet" },
        { at: 1, where: "l1" as const, label: "dirty in cpu0.L1" },
        { at: 3, where: "sys" as const, label: "dirty in the system cache" },
      ],
    }],
  };
  const byEvents = buildTimeline(events, { caches, unit: "events" });
  assert.deepEqual(
    byEvents.words[0].segments.map((s) => [s.start, s.end, s.state]),
    [[0, 1, "unwritten"], [1, 3, "l1"], [3, 4, "sys"]],
  );
  assert.deepEqual(byEvents.dirty, [{
    name: "L1",
    slots: 512,
    max: 1,
    points: [{ x: 0, dirty: 0 }, { x: 1, dirty: 1 }, { x: 3, dirty: 0 }],
  }]);
  // by cycles the same places land where the events around them do
  const byCycles = buildTimeline(events, { caches });
  assert.equal(byCycles.unit, "cycles");
  assert.deepEqual(
    byCycles.words[0].segments.map((s) => [s.start, s.end]),
    [[0, 4], [4, 204], [204, 208]],
  );
  assert.deepEqual(byCycles.dirty[0].points.map((p) => p.x), [0, 4, 204]);
  assert.deepEqual(buildTimeline(events).words, []);
});

Deno.test("timeline: a crashed vCPU's lane says CRASH from its undef_injected on", () => {
  seq = 0;
  const reason = "set/way op while the IOMMU shares the p2m";
  const events = [
    ev("sctlr_write", { m: true, c: true, i: true }),
    ev("undef_injected", { reason }),
    ev("vcpu_load", { pcpu: 1 }, { vcpu: 1, pcpu: 1 }),
  ];
  const t = buildTimeline(events, { crashed: { vcpu: 0, pc: 0x4000_8660, reason } });
  const v0 = lane(t.lanes, "vcpu0");
  assert.deepEqual(v0.crash, { at: 2, reason, pc: 0x4000_8660 });
  const band = v0.bands.find((b) => b.key === "crash")!;
  assert.deepEqual(band.segments.map((s) => [s.start, s.end, s.state]), [
    [0, 2, "unset"],
    [2, 3, "crash"],
  ]);
  assert.equal(band.segments[1].label, `CRASH: ${reason}`);
  assert.equal(lane(t.lanes, "vcpu1").crash, undefined);
});

Deno.test("timeline: a crashed vCPU's CRASH starts at its first undef_injected, not a later one", () => {
  seq = 0;
  const reason = "set/way op while the IOMMU shares the p2m";
  const t = buildTimeline([
    ev("sctlr_write", { m: true, c: true, i: true }),
    ev("undef_injected", { reason }),
    ev("undef_injected", { reason }),
    ev("vcpu_load", { pcpu: 1 }, { vcpu: 1, pcpu: 1 }),
  ], { crashed: { vcpu: 0, pc: 0x4000_8660, reason } });
  const v0 = lane(t.lanes, "vcpu0");
  assert.equal(v0.crash?.at, 2);
  assert.deepEqual(
    v0.bands.find((b) => b.key === "crash")!.segments.map((s) => [s.start, s.end, s.state]),
    [[0, 2, "unset"], [2, 4, "crash"]],
  );
});

const exitFields = { reason: "access_dcsw", ec: 0x18 };
const staleAt = (addr: number, expected = 1) => ({ addr, expected, got: 0, blame: "hypervisor" });
const html = (events: SetwayEvent[], options: Parameters<typeof buildTimeline>[1] = {}) =>
  renderTimeline(buildTimeline(events, options));

Deno.test("timeline html: positions are percentages of the width, to a thousandth", () => {
  const { timeline } = html([
    ev("write", { addr: 0x4000_0000, value: 1, cacheable: true }, { seq: 0 }),
    ev("kvm_exit", exitFields, { seq: 1 }),
    ev("read", { addr: 0x4000_0000, value: 1, cacheable: true }, { seq: 2 }),
  ]);
  assert.match(
    timeline,
    /<div class="blk c-trap" data-cat="trap" style="left:33\.333%;width:33\.333%"/,
  );
});

Deno.test("timeline html: a CPU running vCPU 5 wears vCPU 5's colour", () => {
  const { timeline } = html([
    ev("read", { addr: 0, value: 0, cacheable: true }, { seq: 0, vcpu: 5 }),
  ]);
  assert.match(timeline, /<div class="seg run-5" data-state="vcpu5"/);
});

Deno.test("timeline html: the stretch before a band's first state is not drawn", () => {
  const { timeline } = html([
    ev("write", { addr: 0, value: 1, cacheable: true }, { seq: 0, count: 2 }),
    ev("hcr_write", { tsw: true, tvm: true }, { seq: 2 }),
    ev("write", { addr: 0, value: 2, cacheable: true }, { seq: 3 }),
  ]);
  const tvm = /data-band="tvm">[\s\S]*?<\/div><\/div><\/div>/.exec(timeline)?.[0] ?? "";
  assert.match(tvm, /data-state="on"/);
  assert.ok(!tvm.includes('data-state="unset"'), tvm);
});

Deno.test("timeline html: a user-defined event's name is escaped in its block", () => {
  const { timeline } = html([ev("<b>boom</b>", {}, { seq: 0 })]);
  assert.ok(!timeline.includes("<b>boom"));
  assert.ok(timeline.includes(">&lt;b&gt;boom&lt;/b&gt;</div>"));
});

Deno.test("timeline html: a violation's flag names the address; its tooltip what was read", () => {
  const { timeline } = html([
    ev("kvm_exit", exitFields, { seq: 0, count: 999 }),
    ev("stale_read", staleAt(0x4000_1000, 7), { seq: 999 }),
  ]);
  // at 99.9 % of the width the flag is kept inside and opens to the left
  assert.ok(
    timeline.includes(
      '<div class="mark-span" data-addr="0x40001000" data-count="1" ' +
        'style="left:min(99.9%, calc(100% - 4px));width:0%"><span class="mark-flag left" ' +
        'title="stale_read at 0x40001000: expected 0x00000007, got 0x00000000 ' +
        '(blame hypervisor, pc 0x40008000)">✗ stale read at 0x40001000</span></div>',
    ),
    timeline,
  );
});

Deno.test("timeline html: a burst of mixed violations is one flag; its tooltip lists 40", () => {
  const events: SetwayEvent[] = [];
  for (let i = 0; i < 40; i++) {
    events.push(ev("stale_read", staleAt(0x4000_0000 + 64 * i), { seq: i }));
  }
  events.push(ev("lost_write", staleAt(0x4000_2000), { seq: 40 }));
  events.push(ev("kvm_exit", exitFields, { seq: 41, count: 100 }));
  const { timeline } = html(events);
  assert.match(timeline, /data-lane="vcpu0" data-violations="41"/);
  const flag = /<span class="mark-flag" title="([^"]*)">([^<]*)<\/span>/.exec(timeline);
  assert.ok(flag, timeline);
  assert.equal(flag[2], "✗ 41 violations, first at 0x40000000");
  const lines = flag[1].split("\n");
  assert.equal(lines.length, 41);
  assert.equal(
    lines[39],
    "stale_read at 0x400009c0: expected 0x00000001, got 0x00000000 (blame hypervisor, pc 0x40008000)",
  );
  assert.equal(lines[40], "… and 1 more");
});

Deno.test("timeline html: key hypervisor events are numbered in run order, HCR writes left out", () => {
  const { keyEvents } = html([
    ev("hcr_write", { tsw: true, tvm: true }, { seq: 0, vcpu: 0 }),
    ev("kvm_set_way_flush", { cache: true }, { seq: 1, vcpu: 1, pcpu: 1 }),
    ev("stage2_flush_vm", { pages: 1, lines: 64, cleaned: 0, invalidated: 0 }, { seq: 2, vcpu: 0 }),
  ]);
  const items = [...keyEvents.matchAll(/<li value="(\d+)">([^<]*)<\/li>/g)].map((
    m,
  ) => [m[1], m[2]]);
  assert.equal(items.length, 2, keyEvents);
  assert.equal(items[0][0], "1");
  assert.match(items[0][1], /^vCPU 1, seq 1: kvm_set_way_flush — S\/W flush at 0x0000000040008000/);
  assert.equal(items[1][0], "2");
  assert.match(items[1][1], /^vCPU 0, seq 2: stage2_flush_vm — 1 pages, 64 lines/);
});

Deno.test("timeline html: pins closer than about 1 % of the width share one label", () => {
  const flush = { pages: 1, lines: 64, cleaned: 0, invalidated: 0 };
  const { timeline } = html([
    ev("stage2_flush_vm", flush, { seq: 0 }),
    ev("kvm_exit", exitFields, { seq: 1, count: 99 }),
    ev("stage2_flush_vm", flush, { seq: 100 }),
    ev("kvm_exit", exitFields, { seq: 101, count: 4 }),
    ev("stage2_flush_vm", flush, { seq: 105 }),
    ev("kvm_exit", exitFields, { seq: 106, count: 894 }),
  ]);
  const pins = [
    ...timeline.matchAll(/<span class="pin" style="left:([\d.]+)%" title="[^"]*">([^<]*)<\/span>/g),
  ]
    .map((m) => [m[1], m[2]]);
  assert.deepEqual(pins, [["0", "1"], ["10", "2–3"]]);
});

Deno.test("timeline html: at most 30 key events are listed, the rest counted", () => {
  const events: SetwayEvent[] = [];
  for (let i = 0; i < 32; i++) {
    events.push(
      ev("stage2_flush_vm", { pages: 1, lines: 64, cleaned: 0, invalidated: 0 }, { seq: 2 * i }),
    );
    events.push(ev("read", { addr: 0, value: 0, cacheable: true }, { seq: 2 * i + 1 }));
  }
  const { keyEvents } = html(events);
  assert.equal([...keyEvents.matchAll(/<li /g)].length, 30);
  assert.match(keyEvents, /<p class="note">… and 2 more in the trace\.<\/p>/);
});

Deno.test("timeline html: a word's flag counts its violations; an all-clean chart stays drawable", () => {
  const { timeline } = html([
    ev("read", { addr: 0x4000_0000, value: 0, cacheable: false }, { seq: 0 }),
    ev("stale_read", staleAt(0x4000_0000), { seq: 1 }),
  ], {
    caches: {
      levels: [{ name: "L2", slots: 1024, at: [0], dirty: [0] }],
      addresses: [{ addr: 0x4000_0000, changes: [{ at: 0, where: "dram", label: "DRAM" }] }],
    },
  });
  assert.match(timeline, /<span class="word-flag" title="1 violation at this address">✗<\/span>/);
  assert.match(timeline, /data-level="L2" data-max="0"/);
  assert.ok(!timeline.includes("NaN"));
});

Deno.test("timeline html: the compressed axis's ticks name event places", () => {
  const { timeline } = html([
    ev("sctlr_write", { m: true, c: true, i: true }, { seq: 0 }),
    ev("kvm_exit", exitFields, { seq: 1, count: 4096 }),
    ev("read", { addr: 0, value: 0, cacheable: true }, { seq: 4097 }),
    ev("write", { addr: 0, value: 1, cacheable: true }, { seq: 4098 }),
    ev("read", { addr: 0, value: 1, cacheable: true }, { seq: 4099 }),
  ], { unit: "compressed" });
  // position 12 of 48 is place 1 + 4096 × 11 / 44
  assert.match(timeline, /<div class="tick" style="left:0%"><span>#0<\/span><\/div>/);
  assert.match(timeline, /<span>#1 025<\/span>/);
});

Deno.test("timeline html: idle CPUs share a lane, empty rows are left out, a CPU with a violation shows", () => {
  const { timeline } = html([
    ev("kvm_exit", exitFields, { seq: 0 }),
    ev("lost_write", staleAt(0x4000_0000), { seq: 1, vcpu: null, pcpu: 4 }),
  ], { pcpus: 5 });
  assert.match(timeline, /data-lanes="cpu1 cpu2 cpu3"/);
  assert.match(timeline, /CPUs 1–3<small>physical CPU · idle for the whole run<\/small>/);
  assert.match(timeline, /data-lane="cpu4" data-violations="1"/);
  const v0 = /data-lane="vcpu0"[\s\S]*?(?=<div class="lane )/.exec(timeline)?.[0] ?? "";
  assert.match(v0, /data-row="traps"/);
  assert.ok(!v0.includes('data-row="guest"') && !v0.includes('data-row="hyp"'), v0);
});

Deno.test("timeline html: a level with no dirty sample is a flat line at zero, a path that begins with a move", () => {
  const { timeline } = html([ev("read", { addr: 0x4000_0000, value: 0, cacheable: true })], {
    caches: { levels: [{ name: "L2", slots: 1024, at: [], dirty: [] }], addresses: [] },
  });
  assert.match(timeline, /<path class="line" d="M0 100H1000"\/>/);
  assert.match(timeline, /<path class="area" d="M0 100H1000V100H0Z"\/>/);
});
