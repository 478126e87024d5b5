// The timeline layout as a user reads it: block labels and tooltips, when
// neighbours merge, violation flags, axis ticks, lane order, and the cache
// lanes' positions. Expected positions are worked out by hand.
import assert from "node:assert/strict";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import type { WhereChange } from "../../lib/report/cache_track.ts";
import {
  buildTimeline,
  fmtNumber,
  type TimelineLane,
  type TimelineOptions,
  type TimelineRow,
} from "../../lib/report/timeline.ts";

const PC = 0x4000_8000;

function ev(
  seq: number,
  name: string,
  fields: Record<string, number | string | boolean | null> = {},
  where: { vcpu?: number | null; pcpu?: number | null; count?: number } = {},
): SetwayEvent {
  return {
    seq,
    name,
    vcpu: where.vcpu === undefined ? 0 : where.vcpu,
    pcpu: where.pcpu === undefined ? 0 : where.pcpu,
    pc: PC,
    count: where.count ?? 1,
    ...fields,
  } as SetwayEvent;
}

const access = (addr: number) => ({ addr, value: 0, cacheable: true });
const exit = { reason: "access_dcsw", ec: 0x18 };
const stale = (addr: number) => ({ addr, expected: 1, got: 0, blame: "hypervisor" });

function lane(lanes: readonly TimelineLane[], key: string): TimelineLane {
  const l = lanes.find((x) => x.key === key);
  assert.ok(l, `lane ${key}`);
  return l;
}

function row(l: TimelineLane, key: string): TimelineRow {
  const r = l.rows.find((x) => x.key === key);
  assert.ok(r, `row ${key}`);
  return r;
}

Deno.test("a block is labelled by its most frequent event; its tooltip gives seqs and width", () => {
  const t = buildTimeline([
    ev(0, "write", { ...access(0x4000_0000), cycles: 4 }),
    ev(1, "read", { ...access(0x4000_0000), cycles: 10 }, { count: 3 }),
  ]);
  assert.equal(t.unit, "cycles");
  assert.equal(t.total, 34);
  const [block] = row(lane(t.lanes, "vcpu0"), "guest").blocks;
  assert.deepEqual(
    [block.start, block.end, block.label, block.count, block.firstSeq, block.lastSeq],
    [0, 34, "read ×3 +1", 4, 0, 1],
  );
  const lines = block.title.split("\n");
  assert.deepEqual(lines.slice(0, 3), ["read ×3, write", "seq 0 to 1", "34 cycles"]);
  assert.match(lines[3], /^write: /);
  assert.match(lines[4], /^… read: /);
});

Deno.test("neighbouring events of different categories stay separate blocks in the guest row", () => {
  const t = buildTimeline([
    ev(0, "sctlr_write", { m: true, c: true, i: true }),
    ev(1, "write", access(0x4000_0000)),
    ev(2, "write", access(0x4000_0004)),
    ev(3, "sctlr_write", { m: false, c: true, i: true }),
    ev(4, "write", access(0x4000_0008)),
  ]);
  const v0 = lane(t.lanes, "vcpu0");
  assert.deepEqual(
    row(v0, "guest").blocks.map((b) => [b.start, b.end, b.label]),
    [[0, 1, "sctlr_write"], [1, 3, "write ×2"], [3, 4, "sctlr_write"], [4, 5, "write"]],
  );
  // the caches are on only while both M and C are set
  assert.deepEqual(
    v0.bands.find((b) => b.key === "caches")!.segments.map((s) => [s.start, s.end, s.state]),
    [[0, 1, "off"], [1, 4, "on"], [4, 5, "off"]],
  );
});

Deno.test("events of one row merge when the gap between them is below the resolution", () => {
  const events = [
    ev(0, "read", access(0x4000_0000)),
    ev(1, "kvm_exit", exit, { count: 5 }),
    ev(6, "read", access(0x4000_0000)),
    ev(7, "kvm_exit", exit, { count: 2393 }),
  ];
  // 2400 places: by default a gap of 1 place merges, the gap of 5 does not
  const t = buildTimeline(events);
  assert.equal(t.total, 2400);
  const guest = (l: TimelineLane) => row(l, "guest").blocks.map((b) => [b.start, b.end, b.count]);
  assert.deepEqual(guest(lane(t.lanes, "vcpu0")), [[0, 1, 1], [6, 7, 1]]);
  // at 1/200 of the width (12 places) they merge
  const coarse = buildTimeline(events, { resolution: 1 / 200 });
  assert.deepEqual(guest(lane(coarse.lanes, "vcpu0")), [[0, 7, 2]]);
  assert.equal(row(lane(coarse.lanes, "vcpu0"), "guest").blocks[0].label, "read ×2");
  // a gap of exactly the resolution (1 place of 2400) merges too
  const touching = buildTimeline([
    ev(0, "read", access(0x4000_0000)),
    ev(1, "kvm_exit", exit),
    ev(2, "read", access(0x4000_0000)),
    ev(3, "kvm_exit", exit, { count: 2397 }),
  ]);
  assert.equal(touching.total, 2400);
  assert.deepEqual(guest(lane(touching.lanes, "vcpu0")), [[0, 3, 2]]);
  assert.equal(row(lane(touching.lanes, "vcpu0"), "guest").blocks[0].label, "read ×2");
});

Deno.test("a band set back at the place it changed stays one segment", () => {
  // zero-cycle SCTLR writes: caches on, then off again, at one place on the cycles axis
  const t = buildTimeline([
    ev(0, "read", { ...access(0x4000_0000), cycles: 4 }),
    ev(1, "sctlr_write", { m: true, c: true, i: true, cycles: 0 }),
    ev(2, "sctlr_write", { m: false, c: false, i: true, cycles: 0 }),
    ev(3, "read", { ...access(0x4000_0000), cycles: 4 }),
  ]);
  assert.deepEqual(
    lane(t.lanes, "vcpu0").bands.find((b) => b.key === "caches")!.segments.map((s) => [
      s.start,
      s.end,
      s.state,
    ]),
    [[0, 8, "off"]],
  );
  // a move to CPU 1 undone where it takes effect: the vCPU's next event is on CPU 0 again
  const moved = buildTimeline([
    ev(0, "read", access(0x4000_0000)),
    ev(1, "migrate", { from: 0, to: 1 }),
    ev(2, "read", access(0x4000_0000)),
  ], { pcpus: 2 });
  const running = (key: string) =>
    lane(moved.lanes, key).bands[0].segments.map((s) => [s.start, s.end, s.state]);
  assert.deepEqual(running("cpu0"), [[0, 3, "vcpu0"]]);
  assert.deepEqual(running("cpu1"), [[0, 3, "idle"]]);
});

Deno.test("violations each within a fiftieth of the run of the one before share a flag", () => {
  // 1000 places: violations at 100, 115 and 130 chain (15 apart, within 20); 160 is 30 after
  const t = buildTimeline([
    ev(0, "kvm_exit", exit, { count: 100 }),
    ev(100, "stale_read", stale(0x4000_0000)),
    ev(101, "kvm_exit", exit, { count: 14 }),
    ev(115, "stale_read", stale(0x4000_0040)),
    ev(116, "kvm_exit", exit, { count: 14 }),
    ev(130, "stale_read", stale(0x4000_0080)),
    ev(131, "kvm_exit", exit, { count: 29 }),
    ev(160, "stale_read", stale(0x4000_00c0)),
    ev(161, "kvm_exit", exit, { count: 839 }),
  ]);
  assert.equal(t.total, 1000);
  const marks = lane(t.lanes, "vcpu0").marks;
  assert.deepEqual(marks.map((g) => [g.at, g.marks.map((m) => m.at)]), [
    [100, [100, 115, 130]],
    [160, [160]],
  ]);
});

Deno.test("the compressed axis narrows a stretch of 20 places without marking it", () => {
  const t = buildTimeline([
    ev(0, "write", access(0x4000_0000)),
    ev(1, "kvm_exit", exit, { count: 20 }),
    ev(21, "read", access(0x4000_0000)),
  ], { unit: "compressed" });
  assert.deepEqual(t.compressed, []);
  // 1 + (8 + 4 log2(20 / 8)) + 1
  assert.ok(Math.abs(t.total - 15.287712) < 1e-6, String(t.total));
});

Deno.test("the compressed axis has 8 even ticks, labelled with the event place under them", () => {
  const t = buildTimeline([
    ev(0, "sctlr_write", { m: true, c: true, i: true }),
    ev(1, "kvm_exit", exit, { count: 4096 }),
    ev(4097, "read", access(0x4000_0000)),
    ev(4098, "write", access(0x4000_0000)),
    ev(4099, "read", access(0x4000_0000)),
  ], { unit: "compressed" });
  // places 1 to 4097 are drawn 44 wide from position 1: position x is place 1 + 4096 (x - 1) / 44
  assert.equal(t.total, 48);
  assert.deepEqual(t.ticks, [0, 6, 12, 18, 24, 30, 36, 42]);
  assert.deepEqual(t.tickLabels, [
    "#0",
    "#466",
    "#1 025",
    "#1 584",
    "#2 142",
    "#2 701",
    "#3 259",
    "#3 818",
  ]);
});

Deno.test("linear axes tick every 1, 2 or 5 times a power of ten, up to the end", () => {
  const eight = buildTimeline([ev(0, "kvm_exit", exit, { count: 8 })]);
  assert.deepEqual(eight.ticks, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const long = buildTimeline([ev(0, "kvm_exit", exit, { count: 2400 })]);
  assert.deepEqual(long.ticks, [0, 500, 1000, 1500, 2000]);
  assert.deepEqual(long.tickLabels, ["0", "500", "1 000", "1 500", "2 000"]);
});

Deno.test("fmtNumber groups thousands with spaces and keeps two decimals", () => {
  assert.equal(fmtNumber(1_000_000), "1 000 000");
  assert.equal(fmtNumber(1234.567), "1 234.57");
  assert.equal(fmtNumber(-1234.5), "-1 234.5");
  assert.equal(fmtNumber(999), "999");
});

Deno.test("one event with cycles puts the run on the cycles axis", () => {
  const t = buildTimeline([
    ev(0, "read", { ...access(0x4000_0000), cycles: 4 }),
    ev(1, "stale_read", stale(0x4000_0000)),
  ]);
  assert.equal(t.unit, "cycles");
  assert.equal(t.total, 4);
});

Deno.test("host events on a CPU are drawn on its lane; a violation with no vCPU is marked there", () => {
  const t = buildTimeline([
    ev(0, "clear_page", { addr: 0x4000_0000 }, { vcpu: null, pcpu: 1 }),
    ev(1, "lost_write", stale(0x4000_0000), { vcpu: null, pcpu: 2 }),
  ]);
  assert.deepEqual(t.lanes.map((l) => l.key), ["cpu1", "cpu2"]);
  assert.deepEqual(row(lane(t.lanes, "cpu1"), "local").blocks.map((b) => b.label), ["clear_page"]);
  assert.deepEqual(
    lane(t.lanes, "cpu2").marks.map((g) => g.marks.map((m) => [m.kind, m.seq])),
    [[["lost_write", 1]]],
  );
});

Deno.test("a vCPU's flush_cache_all is also drawn on its physical CPU's own-caches row", () => {
  const t = buildTimeline([
    ev(0, "vcpu_load", { pcpu: 1 }, { vcpu: 0, pcpu: 1 }),
    ev(1, "flush_cache_all", { slots: 16, cleaned: 0, invalidated: 0 }, { vcpu: 0, pcpu: 1 }),
  ]);
  assert.deepEqual(row(lane(t.lanes, "cpu1"), "local").blocks.map((b) => b.label), [
    "flush_cache_all",
  ]);
});

Deno.test("lanes are in number order, each CPU with its own core's name", () => {
  const t = buildTimeline([
    ev(0, "read", access(0x4000_0000), { vcpu: 1, pcpu: 1 }),
    ev(1, "read", access(0x4000_0000), { vcpu: 0, pcpu: 0 }),
  ], { cores: ["Cortex-A53", "Cortex-A57"] });
  assert.deepEqual(t.lanes.map((l) => [l.label, l.detail]), [
    ["vCPU 0", "guest"],
    ["vCPU 1", "guest"],
    ["CPU 0", "Cortex-A53"],
    ["CPU 1", "Cortex-A57"],
  ]);
});

Deno.test("a watched word's change inside a collapsed record lands in proportion on the cycles axis", () => {
  const events = [
    ev(0, "write", { ...access(0x4000_0000), cycles: 4 }),
    ev(1, "kvm_exit", { ...exit, cycles: 100 }, { count: 2 }),
    ev(3, "read", { ...access(0x4000_0000), cycles: 4 }),
  ];
  // places 1 to 3 are cycles 4 to 204: place 2 is cycle 104
  const caches = {
    levels: [{ name: "L1", slots: 512, at: [0, 0, 2], dirty: [5, 3, 1] }],
    addresses: [{
      addr: 0x4000_0000,
      changes: [
        { at: 0, where: "unwritten" as const, label: "not written yet" },
        { at: 2, where: "l1" as const, label: "dirty in cpu0.L1" },
      ],
    }],
  };
  const t = buildTimeline(events, { caches });
  assert.deepEqual(t.words[0].segments.map((s) => [s.start, s.end, s.state]), [
    [0, 104, "unwritten"],
    [104, 208, "l1"],
  ]);
  // two samples at one place: the later one holds
  assert.deepEqual(t.dirty[0].points, [{ x: 0, dirty: 3 }, { x: 104, dirty: 1 }]);
});

/** Options watching one word, with the places it was at, and no cache levels. */
function wordAt(addr: number, changes: WhereChange[]): TimelineOptions {
  return { caches: { levels: [], addresses: [{ addr, changes }] } };
}

Deno.test("a word counts every violation at its address; an unknown place reads lost", () => {
  const t = buildTimeline(
    [
      ev(0, "stale_read", stale(0x4000_0000)),
      ev(1, "stale_read", stale(0x4000_0000)),
      ev(2, "stale_read", stale(0x4000_0040)),
    ],
    wordAt(0x4000_0000, [
      { at: 0, where: "unwritten", label: "not written yet" },
      { at: 1, where: "elsewhere" as never, label: "?" },
    ]),
  );
  assert.equal(t.words[0].violations, 2);
  assert.deepEqual(t.words[0].segments.map((s) => s.state), ["unwritten", "lost"]);
});

Deno.test("a word's changes at one place leave only the last drawn", () => {
  // dirty in L1 and cleaned to DRAM at the same place: no zero-width L1 segment
  const t = buildTimeline(
    [
      ev(0, "write", access(0x4000_0000)),
      ev(1, "dc_va", { op: "civac", addr: 0x4000_0000, len: 64 }),
      ev(2, "read", access(0x4000_0000)),
    ],
    wordAt(0x4000_0000, [
      { at: 0, where: "unwritten", label: "not written yet" },
      { at: 1, where: "l1", label: "dirty in cpu0.L1" },
      { at: 1, where: "dram", label: "in DRAM" },
    ]),
  );
  assert.deepEqual(t.words[0].segments.map((s) => [s.start, s.end, s.state]), [
    [0, 1, "unwritten"],
    [1, 3, "dram"],
  ]);
});
