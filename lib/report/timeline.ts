/**
 * The timeline layout: a run's events placed on lanes, as plain data the
 * HTML report draws.
 *
 * - The x axis is the run's events in order. Each event is as wide as its
 *   modelled cycles (`cycles` per occurrence, times `count`) when the run's
 *   events carry a `cycles` field, otherwise
 *   as its `count` (a collapsed run of 4608 traps is 4608 times as wide as
 *   one trap). The unit is {@linkcode Timeline.unit}. An event starts at its
 *   place in the run (`seq`), so records the log folded together (the traps
 *   and local flushes of one set/way walk) are drawn side by side over the
 *   stretch of the run they share.
 * - One lane per vCPU, with three rows (guest ops, traps, what the
 *   hypervisor did) and two bands: the guest's SCTLR state (caches on when
 *   M and C are both set) and HCR.TVM, where the run writes HCR.
 * - One lane per physical CPU, with a band saying which vCPU it runs and a
 *   row of what acts on its own caches: local set/way flushes and host or
 *   hardware events on that CPU.
 * - A hardware lane for events tied to no CPU (castouts from shared caches).
 * - Violations (`stale_read`, `lost_write`) are marks on the lane of the
 *   vCPU that read, grouped when they are close together.
 *
 * Neighbouring events of one category in one row are merged into a block
 * when the gap between them is at most `resolution` of the run's width, so the
 * number of blocks stays bounded however long the run is. Simplified: the
 * running band of a physical CPU is inferred from the events (every event
 * with a vCPU and a CPU says that CPU runs that vCPU; `migrate` leaves the
 * old CPU idle), not recorded by the scheduler.
 *
 * @example Usage
 * ```ts
 * import { buildTimeline } from "./timeline.ts";
 * const t = buildTimeline([
 *   { seq: 0, name: "sctlr_write", vcpu: 0, pcpu: 0, pc: 0x4000_8000, count: 1, m: true, c: true, i: true },
 *   { seq: 1, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0x4000_8004, count: 3, reason: "access_dcsw", ec: 0x18 },
 * ], { pcpus: 1 });
 * t.lanes.map((l) => l.label); // ["vCPU 0", "CPU 0"]
 * t.total; // 4
 * ```
 *
 * @module
 */

import type { SetwayEvent } from "../hyp/events.ts";
import { categoryOf, type EventCategory } from "./event_category.ts";
import { formatEventMessage } from "./messages.ts";
import type { CacheTrack, WhereNewest } from "./cache_track.ts";

/**
 * What the x axis measures: modelled cycles, events (collapsed ones
 * counted), or events with each long uniform stretch (one collapsed record,
 * or the records of one folded walk) drawn narrower than its length
 * (`"compressed"`, see {@linkcode compressedWidth}).
 *
 * @example Usage
 * ```ts
 * import type { TimelineUnit } from "./timeline.ts";
 * const u: TimelineUnit = "events";
 * ```
 */
export type TimelineUnit = "cycles" | "events" | "compressed";

/**
 * Neighbouring events of one category in one row, drawn as one box.
 *
 * @example Usage
 * ```ts
 * import type { TimelineBlock } from "./timeline.ts";
 * const b: TimelineBlock = {
 *   start: 0, end: 4608, category: "trap", label: "kvm_exit ×4608",
 *   title: "kvm_exit ×4608", firstSeq: 10, lastSeq: 10, count: 4608,
 * };
 * ```
 */
export interface TimelineBlock {
  /** Where it starts, in {@linkcode Timeline.unit}. */
  readonly start: number;
  /** Where it ends. */
  readonly end: number;
  /** The category of its events. */
  readonly category: EventCategory;
  /** A short label: the most frequent event name and how many. */
  readonly label: string;
  /** A longer description for a tooltip, one fact a line. */
  readonly title: string;
  /** The `seq` of its first event. */
  readonly firstSeq: number;
  /** The `seq` of its last event. */
  readonly lastSeq: number;
  /** How many events it stands for (collapsed ones counted). */
  readonly count: number;
}

/**
 * A stretch of time during which a state holds.
 *
 * @example Usage
 * ```ts
 * import type { TimelineSegment } from "./timeline.ts";
 * const s: TimelineSegment = { start: 0, end: 100, state: "on", label: "caches on" };
 * ```
 */
export interface TimelineSegment {
  /** Where it starts. */
  readonly start: number;
  /** Where it ends. */
  readonly end: number;
  /** A short machine-readable state: `"on"`, `"off"`, `"idle"`, `"vcpu0"`... */
  readonly state: string;
  /** What a person reads. */
  readonly label: string;
}

/**
 * A state over the whole run, e.g. the guest's caches on or off.
 *
 * @example Usage
 * ```ts
 * import type { TimelineBand } from "./timeline.ts";
 * const b: TimelineBand = { key: "caches", label: "SCTLR", segments: [] };
 * ```
 */
export interface TimelineBand {
  /** `"caches"`, `"tvm"` or `"running"`. */
  readonly key: string;
  /** The band's name on screen. */
  readonly label: string;
  /** Its segments, in order, covering the run. */
  readonly segments: readonly TimelineSegment[];
}

/**
 * A row of blocks in a lane.
 *
 * @example Usage
 * ```ts
 * import type { TimelineRow } from "./timeline.ts";
 * const r: TimelineRow = { key: "traps", label: "traps", blocks: [] };
 * ```
 */
export interface TimelineRow {
  /** `"guest"`, `"traps"`, `"hyp"`, `"local"` or `"hw"`. */
  readonly key: string;
  /** The row's name on screen. */
  readonly label: string;
  /** Its blocks, in order. */
  readonly blocks: readonly TimelineBlock[];
}

/**
 * One read that returned the wrong value.
 *
 * @example Usage
 * ```ts
 * import type { TimelineMark } from "./timeline.ts";
 * const m: TimelineMark = {
 *   at: 120, seq: 118, kind: "stale_read", addr: 0x4000_8000, expected: 1, got: 0,
 *   blame: "hypervisor", pc: 0x4000_8040,
 * };
 * ```
 */
export interface TimelineMark {
  /** Where it happened. */
  readonly at: number;
  /** The event's `seq`. */
  readonly seq: number;
  /** `"stale_read"` or `"lost_write"`. */
  readonly kind: string;
  /** The stale address. */
  readonly addr: number;
  /** What the read should have returned. */
  readonly expected: number;
  /** What it returned. */
  readonly got: number;
  /** `"guest"`, `"hypervisor"` or `"machine"`. */
  readonly blame: string;
  /** The guest PC of the read, or null. */
  readonly pc: number | null;
}

/**
 * Violations close together on one lane, labelled once.
 *
 * @example Usage
 * ```ts
 * import type { TimelineMarkGroup } from "./timeline.ts";
 * const g: TimelineMarkGroup = { at: 120, marks: [] };
 * ```
 */
export interface TimelineMarkGroup {
  /** Where the first one happened. */
  readonly at: number;
  /** The violations, in run order. */
  readonly marks: readonly TimelineMark[];
}

/**
 * One lane: a vCPU, a physical CPU, or the hardware.
 *
 * @example Usage
 * ```ts
 * import type { TimelineLane } from "./timeline.ts";
 * const l: TimelineLane = {
 *   key: "vcpu0", kind: "vcpu", label: "vCPU 0", detail: "", bands: [], rows: [], marks: [],
 * };
 * ```
 */
export interface TimelineLane {
  /** A unique key: `vcpu<N>`, `cpu<N>` or `hw`. */
  readonly key: string;
  /** What the lane stands for. */
  readonly kind: "vcpu" | "pcpu" | "hw";
  /** Its name on screen. */
  readonly label: string;
  /** A second line: the core, or what the lane shows. */
  readonly detail: string;
  /** Its state bands. */
  readonly bands: readonly TimelineBand[];
  /** Its rows. */
  readonly rows: readonly TimelineRow[];
  /** Violations on this lane. */
  readonly marks: readonly TimelineMarkGroup[];
  /** For a vCPU that crashed: where, and why. */
  readonly crash?: { readonly at: number; readonly reason: string; readonly pc: number };
}

/**
 * A long uniform stretch the compressed axis draws narrower than its length.
 *
 * @example Usage
 * ```ts
 * import type { TimelineStretch } from "./timeline.ts";
 * const s: TimelineStretch = { start: 40, end: 129, events: 9216, label: "sw_local ×9216" };
 * ```
 */
export interface TimelineStretch {
  /** Where it starts on the axis. */
  readonly start: number;
  /** Where it ends. */
  readonly end: number;
  /** How many event places it stands for. */
  readonly events: number;
  /** What fills it: the names of the records over it. */
  readonly label: string;
}

/**
 * A watched word's lane: where its newest value lives over the run.
 *
 * @example Usage
 * ```ts
 * import type { TimelineWord } from "./timeline.ts";
 * const w: TimelineWord = { addr: 0x4000_8000, violations: 1, segments: [] };
 * ```
 */
export interface TimelineWord {
  /** The word's address. */
  readonly addr: number;
  /** How many violations the run recorded at this address. */
  readonly violations: number;
  /** Its segments; `state` is a {@linkcode WhereNewest}. */
  readonly segments: readonly TimelineSegment[];
}

/**
 * One cache level's dirty lines over the run, as a step chart.
 *
 * @example Usage
 * ```ts
 * import type { TimelineDirty } from "./timeline.ts";
 * const d: TimelineDirty = { name: "L1", slots: 4096, max: 512, points: [{ x: 0, dirty: 0 }] };
 * ```
 */
export interface TimelineDirty {
  /** `"L1"`, `"L2"`... or `"system cache"`. */
  readonly name: string;
  /** The level's lines. */
  readonly slots: number;
  /** The most dirty lines at any sample. */
  readonly max: number;
  /** The samples: from `x` on, `dirty` lines are dirty. */
  readonly points: readonly { readonly x: number; readonly dirty: number }[];
}

/**
 * A run laid out for drawing.
 *
 * @example Usage
 * ```ts
 * import { buildTimeline } from "./timeline.ts";
 * const t = buildTimeline([]);
 * console.log(t.unit, t.total, t.lanes.length); // "events" 0 0
 * ```
 */
export interface Timeline {
  /** What the x axis measures. */
  readonly unit: TimelineUnit;
  /** The run's width in that unit. */
  readonly total: number;
  /** How many events the run recorded (collapsed ones counted). */
  readonly events: number;
  /** Lanes: vCPUs, then physical CPUs, then the hardware lane if needed. */
  readonly lanes: readonly TimelineLane[];
  /** Round positions for axis ticks, from 0 to at most `total`. */
  readonly ticks: readonly number[];
  /** The label of each tick: its position, or on the compressed axis the event place there. */
  readonly tickLabels: readonly string[];
  /** The stretches the compressed axis draws narrower (empty on the other axes). */
  readonly compressed: readonly TimelineStretch[];
  /** The watched words' lanes (empty without a cache track). */
  readonly words: readonly TimelineWord[];
  /** Each cache level's dirty lines (empty without a cache track). */
  readonly dirty: readonly TimelineDirty[];
}

/**
 * Options of {@linkcode buildTimeline}.
 *
 * @example Usage
 * ```ts
 * import type { TimelineOptions } from "./timeline.ts";
 * const o: TimelineOptions = { pcpus: 8, cores: ["X-Gene"], resolution: 1 / 1000 };
 * ```
 */
export interface TimelineOptions {
  /** Physical CPUs to give lanes to, even idle ones. Default: those the events name. */
  readonly pcpus?: number;
  /** vCPUs to give lanes to. Default: those the events name. */
  readonly vcpus?: number;
  /** The core name of each physical CPU, for lane details. Default none. */
  readonly cores?: readonly string[];
  /**
   * Events of one category no further apart than this fraction of the run's
   * width merge into one block. Default 1/2400.
   */
  readonly resolution?: number;
  /**
   * `"events"` lays the run out by event counts even when its events carry
   * cycles; `"compressed"` by event counts with long uniform stretches
   * narrowed. Default: cycles when the events carry them, else events.
   */
  readonly unit?: TimelineUnit;
  /** The run's cache track (a watched run): lanes per word, dirty lines per level. */
  readonly caches?: CacheTrack;
  /** The verdict's crash: the vCPU's lane shows CRASH from its `undef_injected` on. */
  readonly crashed?: { readonly vcpu: number; readonly pc: number; readonly reason: string } | null;
}

/** Events that act on the caches of the physical CPU they run on. */
const LOCAL_EVENTS: ReadonlySet<string> = new Set(["sw_local", "flush_cache_all"]);

const VIOLATIONS: ReadonlySet<string> = new Set(["stale_read", "lost_write"]);

/** The most blocks one row may have before categories are merged too. */
const MAX_BLOCKS_PER_ROW = 6000;

/** An event placed on the x axis, before merging. */
interface Item {
  readonly start: number;
  readonly end: number;
  readonly event: SetwayEvent;
  readonly category: EventCategory;
}

/** A band being recorded: state changes in order. */
class BandRecorder {
  readonly changes: { at: number; state: string; label: string }[] = [];

  set(at: number, state: string, label: string): void {
    const last = this.changes.at(-1);
    if (last && last.state === state) return;
    if (last && last.at === at) this.changes.pop();
    const before = this.changes.at(-1);
    if (before && before.state === state) return;
    this.changes.push({ at, state, label });
  }

  segments(total: number): TimelineSegment[] {
    return this.changes.map((c, i) => ({
      start: c.at,
      end: i + 1 < this.changes.length ? this.changes[i + 1].at : total,
      state: c.state,
      label: c.label,
    })).filter((s) => s.end > s.start || total === 0);
  }
}

interface LaneRecorder {
  readonly rows: Map<string, Item[]>;
  readonly marks: TimelineMark[];
  readonly caches?: BandRecorder;
  tvm?: BandRecorder;
  readonly running?: BandRecorder;
  runs: number | null;
}

function newLane(kind: "vcpu" | "pcpu" | "hw", rowKeys: readonly string[]): LaneRecorder {
  const rows = new Map<string, Item[]>(rowKeys.map((k) => [k, []]));
  if (kind === "vcpu") {
    const caches = new BandRecorder();
    caches.set(0, "off", "caches off");
    return { rows, marks: [], caches, runs: null };
  }
  if (kind === "pcpu") {
    const running = new BandRecorder();
    running.set(0, "idle", "idle");
    return { rows, marks: [], running, runs: null };
  }
  return { rows, marks: [], runs: null };
}

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function cyclesOf(e: SetwayEvent): number | undefined {
  const c = e.cycles;
  return typeof c === "number" && Number.isFinite(c) && c >= 0 ? c : undefined;
}

function num(e: SetwayEvent, key: string): number {
  const v = e[key];
  return typeof v === "number" ? v : 0;
}

/** A tick step of 1, 2 or 5 times a power of ten, giving at most about 8 ticks. */
function ticksFor(total: number): number[] {
  if (!(total > 0)) return [0];
  const raw = total / 8;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let t = 0; t <= total + 1e-9; t += step) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}

function message(e: SetwayEvent): string {
  try {
    // the block's own line says what it cost; the message says what happened
    const { cycles: _cycles, ...rest } = e;
    return formatEventMessage(rest as SetwayEvent);
  } catch {
    return "(fields not as expected)";
  }
}

function describeBlock(items: readonly Item[], unit: TimelineUnit): TimelineBlock {
  const first = items[0];
  const last = items[items.length - 1];
  const byName = new Map<string, number>();
  let count = 0;
  for (const it of items) {
    byName.set(it.event.name, (byName.get(it.event.name) ?? 0) + it.event.count);
    count += it.event.count;
  }
  const names = [...byName].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const [topName, topCount] = names[0];
  const more = names.length > 1 ? ` +${names.length - 1}` : "";
  const label = `${topName}${topCount > 1 ? ` ×${topCount}` : ""}${more}`;
  let end = first.end;
  for (const it of items) if (it.end > end) end = it.end;
  const width = end - first.start;
  const lines = [
    names.map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(", "),
    first.event.seq === last.event.seq
      ? `seq ${first.event.seq}`
      : `seq ${first.event.seq} to ${last.event.seq}`,
    `${fmtNumber(width)} ${unit}`,
    `${first.event.name}: ${message(first.event)}`,
  ];
  if (items.length > 1) lines.push(`… ${last.event.name}: ${message(last.event)}`);
  return {
    start: first.start,
    end,
    category: first.category,
    label,
    title: lines.join("\n"),
    firstSeq: first.event.seq,
    lastSeq: last.event.seq,
    count,
  };
}

function mergeRow(items: readonly Item[], gap: number, anyCategory: boolean): Item[][] {
  const groups: Item[][] = [];
  let cur: Item[] = [];
  let curEnd = 0;
  for (const it of items) {
    const prev = cur.at(-1);
    if (prev && it.start - curEnd <= gap && (anyCategory || it.category === prev.category)) {
      cur.push(it);
      curEnd = Math.max(curEnd, it.end);
    } else {
      if (cur.length > 0) groups.push(cur);
      cur = [it];
      curEnd = it.end;
    }
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

function blocksOf(items: readonly Item[], gap: number, unit: TimelineUnit): TimelineBlock[] {
  let groups = mergeRow(items, gap, false);
  if (groups.length > MAX_BLOCKS_PER_ROW) groups = mergeRow(items, gap, true);
  return groups.map((g) => describeBlock(g, unit));
}

/** Groups violations each within `span` of the one before (a chain), so one flag names a burst. */
function groupMarks(marks: readonly TimelineMark[], span: number): TimelineMarkGroup[] {
  const groups: { at: number; marks: TimelineMark[] }[] = [];
  let last = -Infinity;
  for (const m of marks) {
    const g = groups.at(-1);
    if (g && m.at - last <= span) g.marks.push(m);
    else groups.push({ at: m.at, marks: [m] });
    last = m.at;
  }
  return groups;
}

/**
 * Places each event on the x axis. In event units an event starts at its
 * `seq` (its place in the run) and ends where the next event that does not
 * overlap it starts: a collapsed record stands for `count` places, and
 * records folded together (the traps and local flushes of one set/way walk,
 * say) cover the same stretch, side by side. Without usable `seq`s, events
 * are laid end to end by `count`. In cycles, each event's cycles are spread
 * evenly over its stretch, and positions are the cycles spent before them.
 */
function place(events: readonly SetwayEvent[], unit: TimelineUnit): Axis {
  const n = events.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let ordered = true;
  for (let k = 0; k < n; k++) {
    const seq = events[k].seq;
    if (!isIndex(seq) || (k > 0 && seq <= events[k - 1].seq)) {
      ordered = false;
      break;
    }
  }
  let total = 0;
  if (ordered) {
    for (let k = 0; k < n; k++) {
      const e = events[k];
      const s = e.seq;
      const want = s + (isIndex(e.count) && e.count > 0 ? e.count : 1);
      // the first later record starting at or after `want`
      let lo = k + 1, hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (events[mid].seq < want) lo = mid + 1;
        else hi = mid;
      }
      starts[k] = s;
      ends[k] = lo < n ? events[lo].seq : want;
      if (ends[k] > total) total = ends[k];
    }
    if (n > 0) {
      // records folded at the end of the run reach its last place
      let last = n - 1;
      while (last > 0 && ends[last - 1] > starts[last]) last--;
      let end = starts[last];
      for (let k = last; k < n; k++) end += isIndex(events[k].count) ? events[k].count : 1;
      if (n - last > 1) {
        for (let k = last; k < n; k++) ends[k] = end;
        if (end > total) total = end;
      }
    }
  } else {
    for (let k = 0; k < n; k++) {
      const c = events[k].count;
      starts[k] = total;
      total += isIndex(c) && c > 0 ? c : 1;
      ends[k] = total;
    }
  }
  return axisOf(events, unit, starts, ends, total);
}

/** Where event places (`seq`) land on the x axis: break points and their positions. */
interface Axis {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly total: number;
  /** Event places at which the scale may change, ascending. */
  readonly xs: Float64Array;
  /** Their positions on the axis. */
  readonly at: Float64Array;
  readonly stretches: TimelineStretch[];
}

/** Stretches up to this many event places keep their length on the compressed axis. */
const KEEP = 8;

/**
 * How wide the compressed axis draws a uniform stretch of `n` event places:
 * as long as it is up to 8, then growing with the logarithm of its length
 * (a stretch of 4 096 places is 44 wide; 64 single events stay 64).
 *
 * @example Usage
 * ```ts
 * import { compressedWidth } from "./timeline.ts";
 * compressedWidth(4); // 4
 * compressedWidth(4096); // 44
 * ```
 * @param n the stretch's length, in event places
 * @returns its width on the compressed axis
 */
export function compressedWidth(n: number): number {
  return n <= KEEP ? n : KEEP + 4 * Math.log2(n / KEEP);
}

function axisOf(
  events: readonly SetwayEvent[],
  unit: TimelineUnit,
  starts: Float64Array,
  ends: Float64Array,
  total: number,
): Axis {
  const n = events.length;
  const points: number[] = [0];
  for (let k = 0; k < n; k++) points.push(starts[k], ends[k]);
  const xs = Float64Array.from(new Set(points)).sort();
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const at = new Float64Array(xs.length);
  const stretches: TimelineStretch[] = [];
  if (unit === "events") at.set(xs);
  else if (unit === "compressed") {
    const spans: { from: number; to: number }[] = [];
    for (let i = 1; i < xs.length; i++) {
      const len = xs[i] - xs[i - 1];
      at[i] = at[i - 1] + compressedWidth(len);
      if (len > KEEP * 4) {
        stretches.push({ start: at[i - 1], end: at[i], events: len, label: "" });
        spans.push({ from: xs[i - 1], to: xs[i] });
      }
    }
    labelStretches(events, starts, ends, spans, stretches);
  } else {
    // cycles: integrate a piecewise-constant density over event positions
    const slope = new Float64Array(xs.length);
    for (let k = 0; k < n; k++) {
      const e = events[k];
      const c = (cyclesOf(e) ?? 0) * (isIndex(e.count) && e.count > 0 ? e.count : 1);
      const len = ends[k] - starts[k];
      if (c === 0 || len <= 0) continue;
      slope[index.get(starts[k])!] += c / len;
      slope[index.get(ends[k])!] -= c / len;
    }
    let density = 0;
    for (let i = 0; i < xs.length; i++) {
      if (i > 0) at[i] = at[i - 1] + density * (xs[i] - xs[i - 1]);
      density += slope[i];
    }
  }
  const cs = new Float64Array(n);
  const ce = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cs[k] = at[index.get(starts[k])!];
    ce[k] = at[index.get(ends[k])!];
  }
  const width = unit === "events" ? total : xs.length > 0 ? at[xs.length - 1] : 0;
  return { starts: cs, ends: ce, total: width, xs, at, stretches };
}

/** Names each compressed stretch by the records that cover it, e.g. `kvm_exit + sw_local ×9216`. */
function labelStretches(
  events: readonly SetwayEvent[],
  starts: Float64Array,
  ends: Float64Array,
  spans: readonly { from: number; to: number }[],
  stretches: TimelineStretch[],
): void {
  for (let i = 0; i < stretches.length; i++) {
    const { from, to } = spans[i];
    const names: string[] = [];
    for (let k = 0; k < events.length; k++) {
      if (starts[k] > from) break;
      if (ends[k] >= to && !names.includes(events[k].name)) names.push(events[k].name);
    }
    stretches[i] = { ...stretches[i], label: `${names.join(" + ")} ×${fmtNumber(to - from)}` };
  }
}

/** The axis position of event place `seq` (linear between break points). */
function xOf(axis: Axis, seq: number): number {
  const { xs, at } = axis;
  if (xs.length === 0) return 0;
  if (seq <= xs[0]) return at[0];
  let lo = 0, hi = xs.length - 1;
  if (seq >= xs[hi]) return at[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= seq) lo = mid;
    else hi = mid;
  }
  return at[lo] + (at[hi] - at[lo]) * (seq - xs[lo]) / (xs[hi] - xs[lo]);
}

/** The event place at axis position `x` (the inverse of {@linkcode xOf}). */
function seqAt(axis: Axis, x: number): number {
  const { xs, at } = axis;
  if (xs.length === 0) return 0;
  let lo = 0, hi = xs.length - 1;
  if (x >= at[hi]) return xs[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (at[mid] <= x) lo = mid;
    else hi = mid;
  }
  const span = at[hi] - at[lo];
  return span > 0 ? xs[lo] + (xs[hi] - xs[lo]) * (x - at[lo]) / span : xs[lo];
}

/**
 * A number with thin groups of three digits, e.g. `18 595`; deterministic
 * (no locale).
 *
 * @example Usage
 * ```ts
 * import { fmtNumber } from "./timeline.ts";
 * fmtNumber(18595); // "18 595"
 * fmtNumber(2.5); // "2.5"
 * ```
 * @param n a finite number
 * @returns the number as text
 */
export function fmtNumber(n: number): string {
  const [int, frac] = String(Math.round(n * 100) / 100).split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const digits = sign ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return sign + grouped + (frac ? `.${frac}` : "");
}

/**
 * Lays a run's events out on lanes.
 *
 * @example Usage
 * ```ts
 * import { buildTimeline } from "./timeline.ts";
 * const t = buildTimeline([
 *   { seq: 0, name: "write", vcpu: 0, pcpu: 0, pc: 0x4000_8000, count: 1, addr: 0x4000_1000, value: 1, cacheable: false },
 *   { seq: 1, name: "read", vcpu: 0, pcpu: 0, pc: 0x4000_8004, count: 1, addr: 0x4000_1000, value: 0, cacheable: false },
 *   { seq: 2, name: "stale_read", vcpu: 0, pcpu: 0, pc: 0x4000_8004, count: 1, addr: 0x4000_1000, expected: 1, got: 0, blame: "guest" },
 * ]);
 * t.lanes[0].marks[0].marks[0].addr; // 0x40001000
 * ```
 * @param events a run's events, in run order
 * @param options lanes to show even when idle, core names, merge resolution
 * @returns the layout
 */
export function buildTimeline(
  events: readonly SetwayEvent[],
  options: TimelineOptions = {},
): Timeline {
  const unit: TimelineUnit = options.unit === "events" || options.unit === "compressed"
    ? options.unit
    : events.some((e) => cyclesOf(e) !== undefined)
    ? "cycles"
    : "events";
  const vcpus = new Map<number, LaneRecorder>();
  const pcpus = new Map<number, LaneRecorder>();
  let hw: LaneRecorder | undefined;
  const vcpuLane = (i: number): LaneRecorder => {
    let l = vcpus.get(i);
    if (!l) vcpus.set(i, l = newLane("vcpu", ["guest", "traps", "hyp"]));
    return l;
  };
  const pcpuLane = (i: number): LaneRecorder => {
    let l = pcpus.get(i);
    if (!l) pcpus.set(i, l = newLane("pcpu", ["local"]));
    return l;
  };
  /** Marks `lane` as running vCPU `v` from `at`, and the CPU it ran on before as idle. */
  const runOn = (lane: LaneRecorder, v: number, at: number): void => {
    if (lane.runs === v) return;
    for (const other of pcpus.values()) {
      if (other !== lane && other.runs === v) {
        other.runs = null;
        other.running!.set(at, "idle", "idle");
      }
    }
    lane.runs = v;
    lane.running!.set(at, `vcpu${v}`, `runs vCPU ${v}`);
  };
  for (let i = 0; i < (options.vcpus ?? 0); i++) vcpuLane(i);
  for (let i = 0; i < (options.pcpus ?? 0); i++) pcpuLane(i);

  const axis = place(events, unit);
  const { starts, ends, total } = axis;
  const crashedVcpu = options.crashed ? options.crashed.vcpu : null;
  let crashAt: number | null = null;
  let eventCount = 0;
  for (let k = 0; k < events.length; k++) {
    const e = events[k];
    const start = starts[k];
    const end = ends[k];
    eventCount += isIndex(e.count) ? e.count : 1;
    const category = categoryOf(e.name);
    const item: Item = { start, end, event: e, category };
    const v = isIndex(e.vcpu) ? e.vcpu : null;
    const p = isIndex(e.pcpu) ? e.pcpu : null;
    if (crashAt === null && v !== null && v === crashedVcpu && e.name === "undef_injected") {
      crashAt = end;
    }

    if (VIOLATIONS.has(e.name)) {
      const lane = v !== null
        ? vcpuLane(v)
        : p !== null
        ? pcpuLane(p)
        : (hw ??= newLane("hw", ["hw"]));
      lane.marks.push({
        at: start,
        seq: e.seq,
        kind: e.name,
        addr: num(e, "addr"),
        expected: num(e, "expected"),
        got: num(e, "got"),
        blame: typeof e.blame === "string" ? e.blame : "unknown",
        pc: isIndex(e.pc) ? e.pc : null,
      });
      continue;
    }

    if (v !== null) {
      const lane = vcpuLane(v);
      const row = category === "access" || category === "va" || category === "setway" ||
          category === "sysreg"
        ? "guest"
        : category === "trap"
        ? "traps"
        : "hyp";
      lane.rows.get(row)!.push(item);
      if (e.name === "sctlr_write") {
        const on = e.m === true && e.c === true;
        lane.caches!.set(end, on ? "on" : "off", on ? "caches on" : "caches off");
      } else if (e.name === "hcr_write") {
        lane.tvm ??= new BandRecorder();
        if (lane.tvm.changes.length === 0 && start > 0) lane.tvm.set(0, "unset", "");
        const tvm = e.tvm === true;
        lane.tvm.set(end, tvm ? "on" : "off", tvm ? "TVM: VM-register writes trap" : "TVM off");
      }
    }

    if (p !== null) {
      const lane = pcpuLane(p);
      if (v === null || LOCAL_EVENTS.has(e.name)) lane.rows.get("local")!.push(item);
      if (v !== null) {
        if (e.name === "migrate" && isIndex(e.to) && e.to !== p) {
          runOn(pcpuLane(e.to), v, end);
        } else {
          runOn(lane, v, start);
        }
      }
    } else if (v === null) {
      (hw ??= newLane("hw", ["hw"])).rows.get("hw")!.push(item);
    }
  }

  const gap = total * (options.resolution ?? 1 / 2400);
  const markSpan = total / 50;
  const rowLabels: Record<string, string> = {
    guest: "guest ops",
    traps: "traps",
    hyp: "hypervisor",
    local: "own caches",
    hw: "events",
  };
  const rowsOf = (l: LaneRecorder): TimelineRow[] =>
    [...l.rows].map(([key, items]) => ({
      key,
      label: rowLabels[key] ?? key,
      blocks: blocksOf(items, gap, unit),
    }));

  const lanes: TimelineLane[] = [];
  for (const [i, l] of [...vcpus].sort((a, b) => a[0] - b[0])) {
    const bands: TimelineBand[] = [
      { key: "caches", label: "SCTLR", segments: l.caches!.segments(total) },
    ];
    if (l.tvm) bands.push({ key: "tvm", label: "HCR.TVM", segments: l.tvm.segments(total) });
    const crashed = options.crashed && options.crashed.vcpu === i ? options.crashed : null;
    const at = crashAt ?? total;
    if (crashed) {
      const label = `CRASH: ${crashed.reason}`;
      const segments = [{ start: 0, end: at, state: "unset", label: "" }];
      segments.push({ start: at, end: Math.max(at, total), state: "crash", label });
      bands.unshift({ key: "crash", label: "vCPU", segments });
    }
    lanes.push({
      key: `vcpu${i}`,
      kind: "vcpu",
      label: `vCPU ${i}`,
      detail: "guest",
      bands,
      rows: rowsOf(l),
      marks: groupMarks(l.marks, markSpan),
      ...(crashed ? { crash: { at, reason: crashed.reason, pc: crashed.pc } } : {}),
    });
  }
  for (const [i, l] of [...pcpus].sort((a, b) => a[0] - b[0])) {
    const core = options.cores?.[i];
    lanes.push({
      key: `cpu${i}`,
      kind: "pcpu",
      label: `CPU ${i}`,
      detail: core ? core : "physical CPU",
      bands: [{ key: "running", label: "runs", segments: l.running!.segments(total) }],
      rows: rowsOf(l),
      marks: groupMarks(l.marks, markSpan),
    });
  }
  if (hw) {
    lanes.push({
      key: "hw",
      kind: "hw",
      label: "hardware",
      detail: "no CPU: shared caches, host",
      bands: [],
      rows: rowsOf(hw),
      marks: groupMarks(hw.marks, markSpan),
    });
  }
  const ticks = unit === "compressed" ? evenTicks(total) : ticksFor(total);
  const tickLabels = ticks.map((x) =>
    unit === "compressed" ? `#${fmtNumber(Math.round(seqAt(axis, x)))}` : fmtNumber(x)
  );
  const violationsAt = new Map<number, number>();
  for (const l of lanes) {
    for (const g of l.marks) {
      for (const m of g.marks) violationsAt.set(m.addr, (violationsAt.get(m.addr) ?? 0) + 1);
    }
  }
  return {
    unit,
    total,
    events: eventCount,
    lanes,
    ticks,
    tickLabels,
    compressed: axis.stretches,
    words: wordsOf(options.caches, axis, violationsAt),
    dirty: dirtyOf(options.caches, axis),
  };
}

/** About 8 ticks evenly over the axis (the compressed axis has no round numbers). */
function evenTicks(total: number): number[] {
  if (!(total > 0)) return [0];
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Math.round((total * i / 8) * 1e6) / 1e6);
  return out;
}

const WHERE_STATES: ReadonlySet<string> = new Set<WhereNewest>([
  "l1",
  "l2",
  "sys",
  "dram",
  "lost",
  "unwritten",
]);

function wordsOf(
  caches: CacheTrack | undefined,
  axis: Axis,
  violationsAt: ReadonlyMap<number, number>,
): TimelineWord[] {
  if (caches === undefined) return [];
  return caches.addresses.map((w) => {
    const segments: TimelineSegment[] = [];
    w.changes.forEach((c, i) => {
      const start = xOf(axis, c.at);
      const next = w.changes[i + 1];
      const end = next === undefined ? axis.total : xOf(axis, next.at);
      const state = WHERE_STATES.has(c.where) ? c.where : "lost";
      if (end > start || (axis.total === 0 && i === 0)) {
        segments.push({ start, end, state, label: c.label });
      }
    });
    return { addr: w.addr, violations: violationsAt.get(w.addr) ?? 0, segments };
  });
}

function dirtyOf(caches: CacheTrack | undefined, axis: Axis): TimelineDirty[] {
  if (caches === undefined) return [];
  return caches.levels.map((l) => {
    const points: { x: number; dirty: number }[] = [];
    let max = 0;
    for (let i = 0; i < l.at.length; i++) {
      const x = xOf(axis, l.at[i]);
      const dirty = l.dirty[i];
      if (dirty > max) max = dirty;
      const last = points.at(-1);
      if (last && last.x === x) points[points.length - 1] = { x, dirty };
      else points.push({ x, dirty });
    }
    return { name: l.name, slots: l.slots, max, points };
  });
}
