/**
 * The HTML timeline: one self-contained page (inline CSS and script, no
 * network) that shows one or several runs of a scenario.
 *
 * For each run: the verdict and the cost, then a timeline with a lane per
 * vCPU (the guest's SCTLR state as a band, caches on or off; HCR.TVM; guest
 * ops; traps; what the hypervisor did), a lane per physical CPU (which vCPU
 * it runs, flushes of its own caches), the violations marked in red with
 * the stale address, then the violations, the event counts and the flush
 * trace. A run that watched words (`RunOptions.watch`, the result's
 * `caches`) also gets a lane per word (where its newest value lives: an
 * L1, an L2, the system cache, DRAM) and a chart of each cache level's
 * dirty lines. A legend explains the colours once; with several runs, a
 * policy comparison comes first. Block widths follow modelled cycles when
 * the events carry `cycles`, otherwise event counts (see `timeline.ts`);
 * the page opens on a compressed events axis when long uniform stretches
 * would take most of the width, or on the events axis when the cycles would
 * make the first violation a sliver, and a note says why; the other axes
 * are one click away. Above each timeline, filters by event type and vCPU
 * and an address search; a crashed vCPU reads CRASH.
 *
 * The page is deterministic: the same runs give the same bytes.
 *
 * @example Usage
 * ```ts
 * import { renderHtml } from "@setway/setway/report";
 * const page = renderHtml({
 *   policy: "kvm-4.0", machine: { name: "generic", clusters: [{ cpus: 4 }] },
 *   scenario: { seed: 1, speculation: "quiet", cpus: 1 },
 *   events: [
 *     { seq: 0, name: "sctlr_write", vcpu: 0, pcpu: 0, pc: 0x4000_8000, count: 1, m: true, c: true, i: true },
 *   ],
 *   verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
 *   cost: { exits: 0, flushes: 0, linesFlushed: 0 },
 * });
 * page.startsWith("<!doctype html>"); // true
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { CATEGORY_STYLES, categoryOf, type EventCategory } from "./event_category.ts";
import { hex32, hexAddr } from "./hex.ts";
import { reportScript, reportStyle, VCPU_COLOURS } from "./html_assets.ts";
import { blameOf, renderComparison, verdictBadge } from "./html_compare.ts";
import { escapeHtml } from "./html_escape.ts";
import { renderTimeline, WHERE_LABELS } from "./html_timeline.ts";
import { physicalCpuCount, type RunLike } from "./run_like.ts";
import { buildTimeline, fmtNumber, type Timeline } from "./timeline.ts";
import { formatTrace } from "./event_trace.ts";
import { plural as countOf } from "./plural.ts";

/**
 * Options of {@linkcode renderHtml}.
 *
 * @example Usage
 * ```ts
 * import type { HtmlOptions } from "@setway/setway/report";
 * const o: HtmlOptions = { title: "zImage on X-Gene", traceLines: 100 };
 * ```
 */
export interface HtmlOptions {
  /** The page's heading, e.g. the scenario file. Default `"setway timeline"`. */
  readonly title?: string;
  /** At most this many lines of each run's flush trace. Default 300. */
  readonly traceLines?: number;
  /** At most this many rows of each run's violation table. Default 200. */
  readonly violationRows?: number;
}

const ZOOMS: readonly number[] = [1, 4, 16, 64];

/** A count written with thousands separators, and its noun. */
function plural(n: number, one: string, many = `${one}s`): string {
  return countOf(n, one, many, fmtNumber);
}

function checkRun(run: RunLike, i: number): void {
  const ok = run !== null && typeof run === "object" && typeof run.policy === "string" &&
    Array.isArray(run.events) && run.verdict !== null && typeof run.verdict === "object" &&
    Array.isArray(run.verdict.violations) && Array.isArray(run.verdict.archInvalid) &&
    run.cost !== null && typeof run.cost === "object" && run.machine !== null &&
    typeof run.machine === "object" && run.scenario !== null && typeof run.scenario === "object";
  if (!ok) {
    throw new ScenarioError(
      "invalid_value",
      `renderHtml[${i}]`,
      run,
      `renderHtml: run ${i} = ${
        showValue(run)
      } is not a run result (expected policy, machine, scenario, events, verdict, cost)`,
    );
  }
}

function legend(runs: readonly RunLike[]): string {
  const used = new Set<EventCategory>();
  for (const r of runs) for (const e of r.events) used.add(categoryOf(e.name));
  const items = (Object.keys(CATEGORY_STYLES) as EventCategory[])
    .filter((c) => used.has(c) || c === "violation")
    .map((c) =>
      `<span class="legend-item" data-cat="${c}"><span class="swatch c-${c}"></span>${
        escapeHtml(CATEGORY_STYLES[c].label)
      }</span>`
    ).join("");
  const cycles = runs.some((r) => r.events.some((e) => typeof e.cycles === "number"));
  const width =
    (cycles
      ? "Widths follow the modelled cycles the events carry, or event counts: "
      : "Widths follow event counts: ") +
    "the note and the x axis buttons above each timeline say which. By events, a collapsed run " +
    "of N identical events is N times as wide as one, except on the compressed axis.";
  const bands = [
    `<span class="legend-item"><span class="swatch" style="background:#bfe5bf"></span>SCTLR: guest caches on (M and C set)</span>`,
    `<span class="legend-item"><span class="swatch" style="background:#e3e3e3"></span>SCTLR: guest caches off</span>`,
    `<span class="legend-item"><span class="swatch" style="background:repeating-linear-gradient(135deg,#f7e08a 0 6px,#fbefc0 6px 12px)"></span>HCR.TVM set: VM-register writes trap</span>`,
    `<span class="legend-item"><span class="swatch" style="background:${
      VCPU_COLOURS[0]
    }"></span>physical CPU runs a vCPU</span>`,
    `<span class="legend-item"><span class="swatch" style="background:rgba(214,39,40,.25);border-left:2px solid #d62728"></span>violation: the flag names the stale address</span>`,
  ].join("");
  const tracked = runs.some((r) => r.caches !== undefined);
  const where = tracked
    ? `<div class="legend-grid">` + Object.entries(WHERE_LABELS).map(([k, label]) =>
      `<span class="legend-item"><span class="swatch where-${k}"></span>newest value: ${
        escapeHtml(label)
      }</span>`
    ).join("") +
      `<span class="legend-item"><svg class="swatch" viewBox="0 0 22 12"><path d="M0 11H8V4H15V8H22" ` +
      `fill="none" stroke="#5a4a8a" stroke-width="2"/></svg>dirty lines of a cache level</span></div>`
    : "";
  const crash = runs.some((r) => r.verdict.crashed)
    ? `<div class="legend-grid"><span class="legend-item"><span class="swatch" style="background:#1d1d1f">` +
      `</span>CRASH: the vCPU took an exception it cannot handle and stopped</span></div>`
    : "";
  return `<section id="legend" class="legend"><h2>Legend</h2>` +
    `<div class="legend-grid">${items}</div><div class="legend-grid">${bands}</div>${where}${crash}` +
    `<p>Time runs left to right, in event order. ${width} ` +
    `Each vCPU lane shows the guest's ops, its traps and what the hypervisor did; each ` +
    `physical CPU lane shows which vCPU it runs and the flushes of its own caches. ` +
    `Hover a block for details, or click it to pin them at the bottom of the page. ` +
    `Ctrl + wheel (or a pinch) over a timeline zooms around the pointer; the filters ` +
    `above each timeline hide event types and vCPUs, and the search box finds an address.</p>` +
    `</section>`;
}

function summary(run: RunLike): string {
  const v = run.verdict;
  const facts: string[] = [];
  if (v.crashed) {
    facts.push(
      `<b>the guest crashed on vCPU ${escapeHtml(String(v.crashed.vcpu))} at ${
        hexAddr(v.crashed.pc)
      }: ${escapeHtml(v.crashed.reason)}</b>`,
    );
  }
  if (v.ok) facts.push("every read returned the program's last write");
  else if (v.violations.length === 0) facts.push("no read returned a stale value");
  else {
    const kinds = new Map<string, number>();
    for (const x of v.violations) kinds.set(x.kind, (kinds.get(x.kind) ?? 0) + 1);
    const what = [...kinds].map(([k, n]) => plural(n, k.replace(/_/g, " "))).join(", ");
    facts.push(`<b>${escapeHtml(what)}</b> (blame: ${escapeHtml(blameOf(v))})`);
  }
  const cost = [
    plural(run.cost.exits, "trap"),
    plural(run.cost.flushes, "flush", "flushes"),
    `${fmtNumber(run.cost.linesFlushed)} lines flushed`,
  ];
  if (typeof run.cost.cycles === "number") cost.push(`${fmtNumber(run.cost.cycles)} cycles`);
  facts.push(cost.join(", "));
  facts.push(`natively on this machine: ${v.failsNatively ? "fails" : "passes"}`);
  facts.push(
    v.archInvalid.length === 0
      ? "architecturally valid"
      : `architecturally invalid: ${escapeHtml(v.archInvalid.join("; "))}`,
  );
  return `<p class="summary">${facts.join(" · ")}</p>`;
}

function violationTable(run: RunLike, max: number): string {
  const vs = run.verdict.violations;
  if (vs.length === 0) return "";
  const rows = vs.slice(0, max).map((x, i) =>
    `<tr><td class="num">${i + 1}</td><td>${escapeHtml(x.kind)}</td>` +
    `<td class="mono">${hexAddr(x.addr)}</td><td class="mono">${hex32(x.expected)}</td>` +
    `<td class="mono">${hex32(x.got)}</td><td>${
      x.vcpu === null ? "-" : `vCPU ${escapeHtml(String(x.vcpu))}`
    }</td>` +
    `<td class="mono">${x.pc === null ? "-" : hexAddr(x.pc)}</td><td>${
      escapeHtml(x.blame)
    }</td></tr>`
  ).join("");
  const more = vs.length > max
    ? `<p class="note">… and ${vs.length - max} more (see the JSON output).</p>`
    : "";
  const open = vs.length <= 10 ? " open" : "";
  return `<details class="violations"${open}><summary>${plural(vs.length, "violation")}</summary>` +
    `<table><thead><tr><th class="num">#</th><th>kind</th><th>address</th><th>expected</th>` +
    `<th>got</th><th>vCPU</th><th>PC</th><th>blame</th></tr></thead><tbody>${rows}</tbody>` +
    `</table>${more}</details>`;
}

function countTable(run: RunLike): string {
  const counts = new Map<string, { events: number; records: number }>();
  for (const e of run.events) {
    const c = counts.get(e.name) ?? { events: 0, records: 0 };
    c.events += e.count;
    c.records += 1;
    counts.set(e.name, c);
  }
  const rows = [...counts].map(([name, c]) => {
    const cat = categoryOf(name);
    return `<tr><td><span class="swatch c-${cat}"></span> <code>${escapeHtml(name)}</code></td>` +
      `<td class="num">${fmtNumber(c.events)}</td><td class="num">${
        fmtNumber(c.records)
      }</td></tr>`;
  }).join("");
  return `<details class="counts"><summary>Event counts</summary><table><thead><tr>` +
    `<th>event</th><th class="num">events</th><th class="num">trace lines</th></tr></thead>` +
    `<tbody>${rows}</tbody></table></details>`;
}

function traceExcerpt(run: RunLike, max: number): string {
  let text: string;
  try {
    text = formatTrace(run.events, { only: "flush", clockHz: run.machine.clockHz });
  } catch (e) {
    text = `(the trace cannot be printed: ${(e as Error).message})\n`;
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const shown = lines.slice(0, max);
  const more = lines.length > max
    ? `<p class="note">… ${
      fmtNumber(lines.length - max)
    } more lines: print the whole trace with <code>--trace</code>.</p>`
    : "";
  return `<details class="trace"><summary>Flush events (trace)</summary><pre>${
    escapeHtml(shown.join("\n"))
  }</pre>${more}</details>`;
}

/** What the note calls each category's events. */
const SWAMP_NAMES: Readonly<Record<EventCategory, string>> = {
  access: "guest reads and writes",
  va: "guest DC by VA operations",
  setway: "guest set/way operations",
  sysreg: "guest system-register writes",
  trap: "traps to the hypervisor",
  policy: "policy decisions",
  flush: "flushes",
  sched: "scheduler events",
  hw: "hardware events",
  host: "host events",
  violation: "violations",
  other: "other events",
};

/** Share of the run's cycles above which one category is said to swamp the rest. */
const SWAMP = 0.9;

/** The category that takes more than {@linkcode SWAMP} of the run's cycles, and its share. */
function swamping(run: RunLike): { category: EventCategory; share: number } | null {
  const byCat = new Map<EventCategory, number>();
  let all = 0;
  for (const e of run.events) {
    const c = typeof e.cycles === "number" && e.cycles > 0 ? e.cycles * e.count : 0;
    if (c === 0) continue;
    const cat = categoryOf(e.name);
    byCat.set(cat, (byCat.get(cat) ?? 0) + c);
    all += c;
  }
  let top: { category: EventCategory; share: number } | null = null;
  for (const [category, c] of byCat) {
    if (all > 0 && c / all > SWAMP && (top === null || c / all > top.share)) {
      top = { category, share: c / all };
    }
  }
  return top;
}

/**
 * The views of a run, the one shown first first, and the sentence that says
 * why: the compressed axis when long uniform stretches would otherwise take
 * most of the width, else the events axis when one category swamps the
 * cycles, else the cycles.
 */
function chooseViews(
  run: RunLike,
  base: Parameters<typeof buildTimeline>[1],
): { views: Timeline[]; note: string } {
  const byCycles = buildTimeline(run.events, base);
  const byEvents = buildTimeline(run.events, { ...base, unit: "events" });
  const compressed = buildTimeline(run.events, { ...base, unit: "compressed" });
  const linear = byCycles.unit === "cycles" ? [byCycles, byEvents] : [byEvents];
  const swamp = byCycles.unit === "cycles" ? swamping(run) : null;
  const swampText = swamp === null
    ? ""
    : `By cycles, ${escapeHtml(SWAMP_NAMES[swamp.category])} take ${
      Math.round(swamp.share * 1000) / 10
    } % of the run, and everything else would be a sliver. `;
  if (compressed.compressed.length > 0 && compressed.total < byEvents.total / 2) {
    const biggest = [...compressed.compressed].sort((a, b) => b.events - a.events)[0];
    const text =
      `The x axis counts events, with ${
        plural(compressed.compressed.length, "long uniform stretch", "long uniform stretches")
      } compressed (marked ≈ on the axis; the longest, ${escapeHtml(biggest.label)}, is drawn ${
        fmtNumber(Math.round(biggest.end - biggest.start))
      } wide), so that the whole run fits the window. ${swampText}` +
      `The ${linear.map((t) => t.unit).join(" and ")} buttons give linear axes.`;
    return { views: [compressed, ...linear], note: axisNote("compressed", text) };
  }
  if (swamp !== null) {
    const text =
      `${swampText}The x axis counts events instead; the cycles button gives the cycles.`;
    return { views: [byEvents, byCycles], note: axisNote("events", text) };
  }
  const moment = byCycles.unit === "cycles" ? momentShare(run) : null;
  if (moment !== null && moment.share < MOMENT_SHARE) {
    const text =
      `By cycles, the ${moment.places} events around the ${escapeHtml(moment.what)} would take ${
        percent(moment.share)
      } of the width: ` +
      `the x axis counts events instead; the cycles button gives the cycles.`;
    return { views: [byEvents, byCycles], note: axisNote("events", text) };
  }
  return { views: linear, note: "" };
}

/**
 * Event places either side of the moment that matters whose share of the
 * cycles is measured: this many, or a twentieth of a shorter run's places.
 */
const MOMENT_PLACES = 16;

/** Below this share of the width, the moment that matters is too thin to see by cycles. */
const MOMENT_SHARE = 0.03;

/**
 * The share of the run's cycles spent within {@linkcode MOMENT_PLACES}
 * event places of its first violation (or of the crash): how wide the
 * moment that matters is on the cycles axis. Null for a run with neither.
 */
function momentShare(run: RunLike): { what: string; places: number; share: number } | null {
  const first = run.events.find((e) =>
    categoryOf(e.name) === "violation" || (e.name === "undef_injected" && run.verdict.crashed)
  );
  if (first === undefined) return null;
  const last = run.events[run.events.length - 1];
  const places = Math.max(1, Math.min(MOMENT_PLACES, Math.floor((last.seq + last.count) / 20)));
  const from = first.seq - places, to = first.seq + places + 1;
  let all = 0, near = 0;
  for (const e of run.events) {
    const c = typeof e.cycles === "number" && e.cycles > 0 ? e.cycles : 0;
    if (c === 0) continue;
    all += c * e.count;
    const overlap = Math.min(e.seq + e.count, to) - Math.max(e.seq, from);
    if (overlap > 0) near += c * overlap;
  }
  const what = first.name === "undef_injected" ? "crash" : `first ${first.name.replace(/_/g, " ")}`;
  return all > 0 ? { what, places: to - from, share: near / all } : null;
}

/** A share as a percentage with two decimals, or "less than 0.01 %". */
function percent(share: number): string {
  const p = Math.round(share * 10000) / 100;
  return p === 0 ? "less than 0.01 %" : `${fmtNumber(p)} %`;
}

function axisNote(unit: string, text: string): string {
  return `<p class="axis-note" data-default-unit="${unit}">${text}</p>`;
}

/** The filter bar of a run: event types, vCPUs, and an address search. */
function filters(run: RunLike, t: Timeline): string {
  const cats = new Set<EventCategory>();
  for (const e of run.events) cats.add(categoryOf(e.name));
  cats.delete("violation");
  const catBoxes = (Object.keys(CATEGORY_STYLES) as EventCategory[]).filter((c) => cats.has(c))
    .map((c) =>
      `<label title="${escapeHtml(CATEGORY_STYLES[c].label)}"><input type="checkbox" ` +
      `data-filter-cat="${c}" checked><span class="swatch c-${c}"></span>${c}</label>`
    ).join("");
  const vcpus = t.lanes.filter((l) => l.kind === "vcpu").map((l) =>
    `<label><input type="checkbox" data-filter-vcpu="${escapeHtml(l.key)}" checked>${
      escapeHtml(l.label.replace(/^vCPU /, ""))
    }</label>`
  ).join("");
  return `<div class="filters">show ${catBoxes}` +
    (vcpus === "" ? "" : ` · vCPU ${vcpus}`) +
    ` · <input type="search" class="addr-search" placeholder="find an address, e.g. 0x4000e000" ` +
    `aria-label="find an address" spellcheck="false"><span class="search-count"></span></div>`;
}

function runSection(run: RunLike, i: number, options: HtmlOptions): string {
  const v = run.verdict;
  const clusters = run.machine.clusters ?? [];
  const cores: string[] = [];
  for (const c of clusters) {
    for (let k = 0; k < c.cpus && cores.length < 4096; k++) cores.push(c.core ?? "");
  }
  const layout = {
    pcpus: physicalCpuCount(run.machine),
    vcpus: typeof run.scenario.cpus === "number" ? run.scenario.cpus : 0,
    cores,
  };
  const base = { ...layout, caches: run.caches, crashed: run.verdict.crashed ?? null };
  const { views, note } = chooseViews(run, base);
  const timeline = views[0];
  const drawn = views.map((t, k) => {
    const { timeline: html, keyEvents } = renderTimeline(t);
    return `<div class="view" data-unit="${t.unit}"${k > 0 ? " hidden" : ""}>` +
      `<div class="scroll">${html}</div>${keyEvents}</div>`;
  }).join("");
  const zoom = ZOOMS.map((z) =>
    `<button type="button" data-zoom="${z}" aria-pressed="${z === 1}">${z}×</button>`
  ).join("");
  const units = views.length < 2
    ? ""
    : " · x axis " + views.map((t, k) =>
      `<button type="button" data-unit="${t.unit}" aria-pressed="${k === 0}">${t.unit}</button>`
    ).join("");
  return `<section class="run" id="run-${i + 1}" data-policy="${escapeHtml(run.policy)}" ` +
    `data-ok="${v.ok}" data-violations="${v.violations.length}"${
      v.crashed ? ' data-crashed="true"' : ""
    }>` +
    `<h2>${verdictBadge(v)}` +
    `${escapeHtml(run.policy)} on ${escapeHtml(run.machine.name)}</h2>` +
    summary(run) +
    `<div class="toolbar">seed ${escapeHtml(String(run.scenario.seed))} · speculation ${
      escapeHtml(String(run.scenario.speculation))
    } · ${plural(timeline.events, "event")} · zoom ${zoom}${units}</div>` +
    filters(run, timeline) +
    note +
    drawn +
    violationTable(run, options.violationRows ?? 200) +
    countTable(run) +
    traceExcerpt(run, options.traceLines ?? 300) +
    `</section>`;
}

/**
 * Renders one or several runs as a self-contained HTML page.
 *
 * @example Usage
 * ```ts
 * import { renderHtml } from "@setway/setway/report";
 * const run = {
 *   policy: "native", machine: { name: "generic", clusters: [{ cpus: 1 }] },
 *   scenario: { seed: 1, speculation: "quiet" }, events: [],
 *   verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
 *   cost: { exits: 0, flushes: 0, linesFlushed: 0 },
 * };
 * const page = renderHtml([run, { ...run, policy: "kvm-4.0" }], { title: "two runs" });
 * page.includes('id="compare"'); // true: several runs get a comparison
 * ```
 * @param results a run result, or several (of one scenario, under different policies)
 * @param options the title, and how much of each trace to include
 * @returns the page, starting with `<!doctype html>`
 * @throws {ScenarioError} `invalid_value` for no runs or something that is not a run result
 */
export function renderHtml(
  results: readonly RunLike[] | RunLike,
  options: HtmlOptions = {},
): string {
  const runs: readonly RunLike[] = Array.isArray(results) ? results : [results as RunLike];
  if (runs.length === 0) {
    throw new ScenarioError(
      "invalid_value",
      "renderHtml",
      results,
      "renderHtml([]): expected at least one run result",
    );
  }
  runs.forEach(checkRun);
  const title = options.title ?? "setway timeline";
  const machines = [...new Set(runs.map((r) => r.machine.name))].join(", ");
  const policies = runs.map((r) => r.policy).join(" vs ");
  const sub = `${escapeHtml(policies)} on ${escapeHtml(machines)} · ${plural(runs.length, "run")}`;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${reportStyle()}</style></head><body>`,
    `<header><h1>${escapeHtml(title)}</h1><p class="sub">${sub}</p></header>`,
    legend(runs),
    runs.length > 1 ? renderComparison(runs) : "",
    ...runs.map((r, i) => runSection(r, i, options)),
    "<footer>Generated by setway. The same runs always give the same page.</footer>",
    '<pre id="details" aria-live="polite" hidden></pre>',
    `<script>${reportScript()}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}
