/**
 * One run's timeline as HTML: an axis, then a lane per vCPU, per physical
 * CPU and for the hardware, each with its bands and rows of blocks, and the
 * violations marked in red with the stale address.
 *
 * Positions are percentages of the timeline's width, so the page can widen
 * the timeline (zoom) without drawing it again, and text stays sharp.
 *
 * @example Usage
 * ```ts
 * import { buildTimeline } from "./timeline.ts";
 * import { renderTimeline } from "./html_timeline.ts";
 * const { timeline: html } = renderTimeline(buildTimeline([
 *   { seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0x4000_8000, count: 2, reason: "access_dcsw", ec: 0x18 },
 * ]));
 * html.includes('data-lane="vcpu0"'); // true
 * ```
 *
 * @module
 */

import { hex32, hexAddr } from "./hex.ts";
import { escapeHtml } from "./html_escape.ts";
import { VCPU_COLOURS } from "./html_assets.ts";
import {
  fmtNumber,
  type Timeline,
  type TimelineBand,
  type TimelineBlock,
  type TimelineDirty,
  type TimelineLane,
  type TimelineMark,
  type TimelineMarkGroup,
  type TimelineRow,
  type TimelineWord,
} from "./timeline.ts";

/** At most this many violations are listed in a mark's tooltip. */
const MARK_TOOLTIP_LINES = 40;

function pct(x: number, total: number): string {
  if (!(total > 0)) return "0";
  return (Math.round((x / total) * 100_000) / 1000).toString();
}

function place(start: number, end: number, total: number): string {
  const left = pct(start, total);
  // a sliver at the very end would be drawn past the edge: keep it inside
  const at = Number(left) > 99.5 ? `min(${left}%, calc(100% - 4px))` : `${left}%`;
  return `left:${at};width:${pct(end - start, total)}%`;
}

function segClass(band: TimelineBand, state: string): string {
  if (band.key === "running") {
    const m = /^vcpu(\d+)$/.exec(state);
    return m ? `run-${Number(m[1]) % VCPU_COLOURS.length}` : "idle";
  }
  return `${band.key}-${state}`;
}

/** A flag at the crash, readable however thin the rest of the run after it is. */
function crashFlag(band: TimelineBand, total: number): string {
  const seg = band.segments.find((s) => s.state === "crash");
  if (seg === undefined) return "";
  const side = total > 0 && seg.start / total > 0.55 ? " left" : "";
  return `<span class="crash-flag${side}" style="left:${pct(seg.start, total)}%" title="${
    escapeHtml(seg.label)
  }">CRASH</span>`;
}

function renderBand(band: TimelineBand, total: number): string {
  const flag = band.key === "crash" ? crashFlag(band, total) : "";
  const segs = band.segments
    .filter((s) => s.state !== "unset")
    .map((s) =>
      `<div class="seg ${escapeHtml(segClass(band, s.state))}" data-state="${
        escapeHtml(s.state)
      }" style="${place(s.start, s.end, total)}" title="${escapeHtml(s.label)}">${
        escapeHtml(s.label)
      }</div>`
    )
    .join("");
  return `<div class="track-row band" data-band="${escapeHtml(band.key)}">` +
    `<div class="row-head">${
      escapeHtml(band.label)
    }</div><div class="track">${segs}${flag}</div></div>`;
}

function renderRow(row: TimelineRow, total: number, extra: string): string {
  const blocks = row.blocks
    .map((b) =>
      `<div class="blk c-${b.category}" data-cat="${b.category}" style="${
        place(b.start, b.end, total)
      }" title="${escapeHtml(b.title)}">${escapeHtml(b.label)}</div>`
    )
    .join("");
  return `<div class="track-row" data-row="${escapeHtml(row.key)}">` +
    `<div class="row-head">${
      escapeHtml(row.label)
    }</div><div class="track">${blocks}${extra}</div></div>`;
}

function kindText(kind: string): string {
  return kind.replace(/_/g, " ");
}

function markLine(m: TimelineMark): string {
  const pc = m.pc === null ? "" : `, pc ${hexAddr(m.pc)}`;
  return `${m.kind} at ${hexAddr(m.addr)}: expected ${hex32(m.expected)}, got ${
    hex32(m.got)
  } (blame ${m.blame}${pc})`;
}

function renderMarkGroup(g: TimelineMarkGroup, total: number): string {
  const first = g.marks[0];
  const last = g.marks[g.marks.length - 1];
  const n = g.marks.length;
  const kinds = new Set(g.marks.map((m) => m.kind));
  const kind = kinds.size === 1 ? kindText(first.kind) : "violation";
  const flag = n === 1
    ? `✗ ${kind} at ${hexAddr(first.addr)}`
    : `✗ ${n} ${kind}s, first at ${hexAddr(first.addr)}`;
  const lines = g.marks.slice(0, MARK_TOOLTIP_LINES).map(markLine);
  if (n > MARK_TOOLTIP_LINES) lines.push(`… and ${n - MARK_TOOLTIP_LINES} more`);
  const title = escapeHtml(lines.join("\n"));
  const side = total > 0 && g.at / total > 0.55 ? " left" : "";
  return `<div class="mark-span" data-addr="${
    escapeHtml(hexAddr(first.addr))
  }" data-count="${n}" ` +
    `style="${place(first.at, Math.max(last.at, first.at), total)}">` +
    `<span class="mark-flag${side}" title="${title}">${escapeHtml(flag)}</span></div>`;
}

/** A numbered pin on a key hypervisor event, with the text listed under the timeline. */
interface Pin {
  readonly lane: string;
  readonly at: number;
  readonly number: number;
  readonly text: string;
}

/** Whether a lane did nothing at all: no blocks, no marks, and a band that never changes. */
function idleLane(lane: TimelineLane): boolean {
  return lane.kind === "pcpu" && lane.marks.length === 0 &&
    lane.rows.every((r) => r.blocks.length === 0) &&
    lane.bands.every((b) => b.segments.every((s) => s.state === "idle"));
}

function renderPins(pins: readonly Pin[], total: number): string {
  const groups: Pin[][] = [];
  for (const p of pins) {
    const g = groups.at(-1);
    if (g && total > 0 && (p.at - g[0].at) / total < 0.012) g.push(p);
    else groups.push([p]);
  }
  return groups.map((g) => {
    const first = g[0].number;
    const last = g[g.length - 1].number;
    const label = g.length === 1 ? `${first}` : `${first}–${last}`;
    const title = escapeHtml(g.map((p) => `${p.number}. ${p.text}`).join("\n"));
    return `<span class="pin" style="left:${
      pct(g[0].at, total)
    }%" title="${title}">${label}</span>`;
  }).join("");
}

function renderLane(lane: TimelineLane, total: number, pins: readonly Pin[]): string {
  const violations = lane.marks.reduce((n, g) => n + g.marks.length, 0);
  const cls = `lane ${lane.kind}${violations > 0 ? " has-violation" : ""}`;
  const marks = lane.marks.length === 0
    ? ""
    : `<div class="marks">${lane.marks.map((g) => renderMarkGroup(g, total)).join("")}</div>`;
  const rows = lane.rows.filter((r) => r.blocks.length > 0);
  const mine = pins.filter((p) => p.lane === lane.key);
  const crash = lane.crash
    ? `<span class="crash-badge" title="${
      escapeHtml(`${lane.crash.reason} (pc ${hexAddr(lane.crash.pc)})`)
    }">CRASH</span>`
    : "";
  return `<div class="${cls}${lane.crash ? " crashed" : ""}" data-lane="${
    escapeHtml(lane.key)
  }" data-violations="${violations}"${lane.crash ? ' data-crashed="true"' : ""}>` +
    `<div class="lane-title">${escapeHtml(lane.label)}${crash}<small>${
      escapeHtml(lane.detail)
    }</small></div>` +
    lane.bands.map((b) => renderBand(b, total)).join("") +
    rows.map((r) => renderRow(r, total, r.key === "hyp" ? renderPins(mine, total) : "")).join(
      "",
    ) +
    marks +
    `</div>`;
}

function renderIdle(lanes: readonly TimelineLane[]): string {
  const first = lanes[0].label.replace(/^CPU /, "");
  const last = lanes[lanes.length - 1].label.replace(/^CPU /, "");
  const label = lanes.length === 1 ? `CPU ${first}` : `CPUs ${first}–${last}`;
  const keys = lanes.map((l) => l.key).join(" ");
  return `<div class="lane pcpu idle" data-lane="${escapeHtml(lanes[0].key)}" data-lanes="${
    escapeHtml(keys)
  }" data-violations="0"><div class="lane-title">${escapeHtml(label)}<small>${
    escapeHtml(lanes[0].detail)
  } · idle for the whole run</small></div></div>`;
}

/** The key hypervisor events: flushes and policy decisions (HCR writes aside), in run order. */
function keyEvents(t: Timeline, max: number): { pins: Pin[]; more: number } {
  const found: { lane: TimelineLane; block: TimelineBlock }[] = [];
  for (const lane of t.lanes) {
    if (lane.kind !== "vcpu") continue;
    for (const row of lane.rows) {
      if (row.key !== "hyp") continue;
      for (const b of row.blocks) {
        if (
          b.category === "flush" || (b.category === "policy" && !b.label.startsWith("hcr_write"))
        ) {
          found.push({ lane, block: b });
        }
      }
    }
  }
  found.sort((a, b) => a.block.firstSeq - b.block.firstSeq);
  const pins = found.slice(0, max).map(({ lane, block }, i) => {
    const lines = block.title.split("\n");
    const first = lines[3] ?? "";
    const message = first.slice(first.indexOf(": ") + 2);
    return {
      lane: lane.key,
      at: block.start,
      number: i + 1,
      text: `${lane.label}, ${lines[1]}: ${block.label} — ${message}`,
    };
  });
  return { pins, more: Math.max(0, found.length - max) };
}

const AXIS_NAMES: Readonly<Record<string, string>> = {
  cycles: "cycles",
  events: "events",
  compressed: "events ≈",
};

function renderAxis(t: Timeline): string {
  const ticks = t.ticks
    .map((x, i) =>
      `<div class="tick" style="left:${pct(x, t.total)}%"><span>${
        escapeHtml(t.tickLabels[i] ?? fmtNumber(x))
      }</span></div>`
    )
    .join("");
  const stretches = t.compressed.map((s) =>
    `<div class="stretch" style="${place(s.start, s.end, t.total)}" title="${
      escapeHtml(
        `compressed: ${s.label} (${fmtNumber(s.events)} events drawn ${
          fmtNumber(Math.round(s.end - s.start))
        } wide)`,
      )
    }">≈</div>`
  ).join("");
  const axisTitle = t.unit === "compressed"
    ? "events; the stretches marked ≈ are drawn narrower than their length"
    : t.unit;
  return `<div class="track-row axis"><div class="row-head" title="${escapeHtml(axisTitle)}">${
    escapeHtml(AXIS_NAMES[t.unit] ?? t.unit)
  } →</div>` +
    `<div class="track">${stretches}${ticks}</div></div>`;
}

/**
 * What each place a watched word's newest value can live in is called on
 * the page, by {@linkcode WhereNewest} state.
 *
 * @example Usage
 * ```ts
 * import { WHERE_LABELS } from "./html_timeline.ts";
 * WHERE_LABELS.sys; // "system cache"
 * ```
 */
export const WHERE_LABELS: Readonly<Record<string, string>> = Object.freeze({
  l1: "an L1 (of the CPU named)",
  l2: "an L2 (of the cluster named)",
  sys: "system cache",
  dram: "DRAM",
  lost: "nowhere (lost)",
  unwritten: "not written yet",
});

function renderWord(w: TimelineWord, total: number): string {
  const addr = hexAddr(w.addr);
  const segs = w.segments.map((s) =>
    `<div class="seg where-${s.state}" data-state="${s.state}" style="${
      place(s.start, s.end, total)
    }" title="${escapeHtml(`${addr}: ${s.label}`)}">${escapeHtml(s.label)}</div>`
  ).join("");
  const flag = w.violations > 0
    ? `<span class="word-flag" title="${w.violations} violation${
      w.violations === 1 ? "" : "s"
    } at this address">✗</span>`
    : "";
  return `<div class="track-row word" data-addr="${
    escapeHtml(addr)
  }" data-violations="${w.violations}"><div class="row-head mono" title="${
    escapeHtml(addr)
  }">${flag}${escapeHtml(addr)}</div><div class="track">${segs}</div></div>`;
}

/** A step chart of one level's dirty lines, as an SVG stretched over the track. */
function renderDirty(d: TimelineDirty, total: number): string {
  const top = Math.max(1, d.max);
  const w = 1000, h = 100;
  const x = (v: number) => total > 0 ? Math.round((v / total) * w * 100) / 100 : 0;
  const y = (v: number) => Math.round((h - (v / top) * (h - 6)) * 100) / 100;
  // A level never sampled is a flat line at zero; an SVG path must begin with a move.
  let path = d.points.length === 0 ? `M0 ${y(0)}` : "";
  d.points.forEach((p, i) => {
    path += i === 0 ? `M${x(p.x)} ${y(p.dirty)}` : `H${x(p.x)}V${y(p.dirty)}`;
  });
  path += `H${w}`;
  const area = `${path}V${h}H${x(d.points[0]?.x ?? 0)}Z`;
  const title = `${d.name}: dirty lines over the run, at most ${fmtNumber(d.max)} of ${
    fmtNumber(d.slots)
  }`;
  const steps = d.points.map((p) => fmtNumber(p.dirty)).slice(0, 12).join(" → ");
  return `<div class="track-row dirty" data-level="${escapeHtml(d.name)}" data-max="${d.max}">` +
    `<div class="row-head" title="${escapeHtml(title)}">${escapeHtml(d.name)} <small>≤ ${
      fmtNumber(d.max)
    }</small></div><div class="track"><svg class="steps" viewBox="0 0 ${w} ${h}" ` +
    `preserveAspectRatio="none" role="img" aria-label="${escapeHtml(title)}"><title>${
      escapeHtml(`${title}\n${steps}${d.points.length > 12 ? " …" : ""}`)
    }</title><path class="area" d="${area}"/><path class="line" d="${path}"/></svg></div></div>`;
}

function renderCaches(t: Timeline): string {
  if (t.words.length === 0 && t.dirty.length === 0) return "";
  const words = t.words.length === 0
    ? ""
    : `<div class="lane cache" data-lane="words"><div class="lane-title">Newest value<small>` +
      `where each watched word's last written value lives</small></div>${
        t.words.map((w) => renderWord(w, t.total)).join("")
      }</div>`;
  const dirty = t.dirty.length === 0
    ? ""
    : `<div class="lane cache" data-lane="dirty"><div class="lane-title">Dirty lines<small>` +
      `per cache level, each chart to its own maximum</small></div>${
        t.dirty.map((d) => renderDirty(d, t.total)).join("")
      }</div>`;
  return words + dirty;
}

/**
 * The most key events (flushes and policy decisions) pinned and listed
 * under a timeline.
 *
 * @example Usage
 * ```ts
 * import { MAX_PINS } from "./html_timeline.ts";
 * MAX_PINS; // 30
 * ```
 */
export const MAX_PINS = 30;

/**
 * The timeline of one run, as an HTML fragment: a `.timeline` element (put
 * it in a horizontally scrolling container) followed by the numbered list
 * of its key hypervisor events.
 *
 * Physical CPUs idle for the whole run share one short lane; rows with
 * nothing in them are left out.
 *
 * @example Usage
 * ```ts
 * import { buildTimeline } from "./timeline.ts";
 * import { renderTimeline } from "./html_timeline.ts";
 * const { timeline } = renderTimeline(buildTimeline([], { pcpus: 2 }));
 * timeline.includes('data-lanes="cpu0 cpu1"'); // true: both idle
 * ```
 * @param timeline the laid-out run
 * @returns the timeline's HTML, and the list of pinned events' HTML (empty when none)
 */
export function renderTimeline(timeline: Timeline): { timeline: string; keyEvents: string } {
  const { pins, more } = keyEvents(timeline, MAX_PINS);
  const parts: string[] = [];
  let idle: TimelineLane[] = [];
  const flush = () => {
    if (idle.length > 0) parts.push(renderIdle(idle));
    idle = [];
  };
  for (const lane of timeline.lanes) {
    if (idleLane(lane)) {
      idle.push(lane);
      continue;
    }
    flush();
    parts.push(renderLane(lane, timeline.total, pins));
  }
  flush();
  const html =
    `<div class="timeline" data-unit="${timeline.unit}" data-total="${timeline.total}">` +
    renderAxis(timeline) + parts.join("") + renderCaches(timeline) + `</div>`;
  const items = pins.map((p) => `<li value="${p.number}">${escapeHtml(p.text)}</li>`).join("");
  const tail = more > 0 ? `<p class="note">… and ${more} more in the trace.</p>` : "";
  const list = pins.length === 0
    ? ""
    : `<div class="key-events"><h3>Key hypervisor events</h3><ol>${items}</ol>${tail}</div>`;
  return { timeline: html, keyEvents: list };
}
