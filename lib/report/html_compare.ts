/**
 * The policy comparison of the HTML report: one table row per run, with the
 * verdict, who is to blame, and what the policy cost (traps, flushes, lines
 * flushed, modelled cycles when known), drawn as bars against the most
 * expensive run.
 *
 * @example Usage
 * ```ts
 * import { renderComparison } from "./html_compare.ts";
 * const html = renderComparison([{
 *   policy: "kvm-4.0", machine: { name: "xgene1" }, scenario: { seed: 1, speculation: "quiet" },
 *   events: [], verdict: { ok: true, violations: [], archInvalid: [], failsNatively: true },
 *   cost: { exits: 9220, flushes: 3, linesFlushed: 1024 },
 * }]);
 * html.includes("kvm-4.0"); // true
 * ```
 *
 * @module
 */

import { escapeHtml } from "./html_escape.ts";
import type { VerdictLike } from "./verdict.ts";
import type { RunLike } from "./run_like.ts";
import { fmtNumber } from "./timeline.ts";

/**
 * The blame of a run's violations, deduplicated, e.g. `"hypervisor"`, or
 * `"-"` when there is none.
 *
 * @example Usage
 * ```ts
 * import { blameOf } from "./html_compare.ts";
 * blameOf({ ok: false, violations: [{ kind: "stale_read", addr: 0, expected: 1, got: 0, vcpu: 0, pc: 0, blame: "guest" }], archInvalid: [], failsNatively: true }); // "guest"
 * ```
 * @param verdict a run's verdict
 * @returns the blames, comma-separated
 */
export function blameOf(verdict: RunLike["verdict"]): string {
  const blames = [...new Set(verdict.violations.map((v) => v.blame))];
  return blames.length === 0 ? "-" : blames.join(", ");
}

/** Colours of the cost categories of `cyclesByCategory`, matching the event colours. */
const CYCLE_COLOURS: Readonly<Record<string, string>> = Object.freeze({
  trap: "#e0b429",
  fault: "#f28e2b",
  flush: "#8c4a2f",
  sw: "#b07aa1",
  guest: "#4e79a7",
  sched: "#9d9d9d",
  host: "#59a5a0",
  other: "#c9c27a",
});

function cycleColour(category: string): string {
  return Object.hasOwn(CYCLE_COLOURS, category) ? CYCLE_COLOURS[category] : "#bbbbbb";
}

/** A bar as long as the run's cycles, split by cost category. */
function cycleBar(r: RunLike, max: number): string {
  const total = r.cost.cycles ?? 0;
  if (!(max > 0) || !(total > 0)) return "";
  const width = Math.max(2, Math.round((total / max) * 160));
  const by = r.cost.cyclesByCategory;
  if (!by) return `<span class="bar cycles" style="width:${width}px"></span>`;
  const parts = Object.entries(by).filter(([, c]) => c > 0).map(([cat, c]) => {
    const share = Math.round((c / total) * 1000) / 10;
    return `<span style="width:${share}%;background:${cycleColour(cat)}" title="${
      escapeHtml(`${cat}: ${fmtNumber(c)} cycles (${share}%)`)
    }"></span>`;
  }).join("");
  return `<span class="bar stack" style="width:${width}px">${parts}</span>`;
}

function cycleLegend(runs: readonly RunLike[]): string {
  const seen: string[] = [];
  for (const r of runs) {
    for (const [cat, c] of Object.entries(r.cost.cyclesByCategory ?? {})) {
      if (c > 0 && !seen.includes(cat)) seen.push(cat);
    }
  }
  if (seen.length === 0) return "";
  return `<p class="note">Cycles by cost category: ${
    seen.map((cat) =>
      `<span class="legend-item"><span class="swatch" style="background:${
        cycleColour(cat)
      }"></span>${escapeHtml(cat)}</span>`
    ).join(" ")
  }</p>`;
}

function bar(value: number, max: number, cls: string): string {
  if (!(max > 0) || !(value > 0)) return "";
  const w = Math.max(2, Math.round((value / max) * 120));
  return `<span class="bar ${cls}" style="width:${w}px"></span>`;
}

/**
 * The comparison table of several runs of one scenario.
 *
 * @example Usage
 * ```ts
 * import { renderComparison } from "./html_compare.ts";
 * renderComparison([]).startsWith("<section"); // true
 * ```
 * @param runs the runs, in the order to show them
 * @returns an HTML `<section>`
 */
export function renderComparison(runs: readonly RunLike[]): string {
  const withCycles = runs.some((r) => typeof r.cost.cycles === "number");
  const maxExits = Math.max(0, ...runs.map((r) => r.cost.exits));
  const maxLines = Math.max(0, ...runs.map((r) => r.cost.linesFlushed));
  const maxCycles = Math.max(0, ...runs.map((r) => r.cost.cycles ?? 0));
  const head = [
    "<th>policy</th>",
    "<th>verdict</th>",
    '<th class="num">violations</th>',
    "<th>blame</th>",
    '<th class="num">traps</th>',
    '<th class="num">flushes</th>',
    '<th class="num">lines flushed</th>',
    withCycles ? '<th class="num">cycles</th>' : "",
    "<th>natively</th>",
    "<th>architecturally</th>",
  ].join("");
  const rows = runs.map((r, i) => {
    const v = r.verdict;
    const ok = v.ok;
    const cycles = withCycles
      ? `<td class="num">${typeof r.cost.cycles === "number" ? fmtNumber(r.cost.cycles) : "-"}${
        cycleBar(r, maxCycles)
      }</td>`
      : "";
    return `<tr class="${ok ? "ok" : "fail"}" data-policy="${escapeHtml(r.policy)}">` +
      `<td><a href="#run-${i + 1}">${escapeHtml(r.policy)}</a></td>` +
      `<td>${verdictBadge(v)}</td>` +
      `<td class="num">${v.violations.length}</td>` +
      `<td>${escapeHtml(blameOf(v))}</td>` +
      `<td class="num">${fmtNumber(r.cost.exits)}${bar(r.cost.exits, maxExits, "exits")}</td>` +
      `<td class="num">${fmtNumber(r.cost.flushes)}</td>` +
      `<td class="num">${fmtNumber(r.cost.linesFlushed)}${
        bar(r.cost.linesFlushed, maxLines, "lines")
      }</td>` +
      cycles +
      `<td>${v.failsNatively ? "fails" : "passes"}</td>` +
      `<td>${v.archInvalid.length === 0 ? "valid" : "invalid"}</td>` +
      `</tr>`;
  }).join("");
  return `<section id="compare" class="compare"><h2>Policy comparison</h2>` +
    `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>` +
    cycleLegend(runs) +
    `<p class="note">Same scenario, one run per policy. Traps are exits to the hypervisor; ` +
    `flushes are whole-VM (stage2_flush_vm) or whole-cache (flush_cache_all) flushes; ` +
    `“natively” says whether the guest also fails on this machine without a hypervisor.</p>` +
    `</section>`;
}

/**
 * The verdict as a badge: `ok`, `FAIL`, or `CRASH` when the guest crashed
 * (as the text comparison table says it).
 *
 * @example Usage
 * ```ts
 * import { verdictBadge } from "./html_compare.ts";
 * verdictBadge({ ok: true, violations: [], archInvalid: [], failsNatively: false });
 * // '<span class="verdict ok">ok</span>'
 * ```
 * @param v the verdict
 * @returns HTML
 */
export function verdictBadge(v: VerdictLike): string {
  if (v.crashed) return `<span class="verdict crash">CRASH</span>`;
  return v.ok ? `<span class="verdict ok">ok</span>` : `<span class="verdict fail">FAIL</span>`;
}
