/**
 * The style sheet and the script of the HTML report, inlined into every
 * page so the file needs nothing from the network.
 *
 * The page reads without the script; the script only adds zoom buttons
 * (the timeline widens and scrolls, labels stay sharp), the switch between
 * the views by cycles and by events, and a details panel that shows the
 * description (the tooltip) of the block last clicked.
 *
 * @example Usage
 * ```ts
 * import { reportScript, reportStyle } from "./html_assets.ts";
 * const head = `<style>${reportStyle()}</style>`;
 * const tail = `<script>${reportScript()}</script>`;
 * ```
 *
 * @module
 */

import { CATEGORY_STYLES, type EventCategory } from "./event_category.ts";

/**
 * Width of the column of lane and row names, in CSS pixels.
 *
 * @example Usage
 * ```ts
 * import { HEAD_WIDTH } from "./html_assets.ts";
 * const trackWidth = 1200 - HEAD_WIDTH; // what is left for the timeline at 1200 px
 * ```
 */
export const HEAD_WIDTH = 150;

/**
 * Colours of the vCPUs in physical-CPU lanes, by vCPU index modulo their
 * number.
 *
 * @example Usage
 * ```ts
 * import { VCPU_COLOURS } from "./html_assets.ts";
 * VCPU_COLOURS[0]; // "#4e79a7"
 * ```
 */
export const VCPU_COLOURS: readonly string[] = Object.freeze([
  "#4e79a7",
  "#e15759",
  "#59a14f",
  "#b07aa1",
  "#f28e2b",
  "#76b7b2",
  "#9c755f",
  "#edc948",
]);

const BASE_STYLE = `
:root { color-scheme: light; --head: ${HEAD_WIDTH}px; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px 96px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
  "DejaVu Sans", sans-serif; color: #1d1d1f; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 0 0 6px; display: flex; align-items: center; gap: 8px; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.sub { color: #555; margin: 0 0 12px; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px 14px;
  margin: 0 0 14px; }
.legend-grid { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 6px; }
.legend-item { display: inline-flex; align-items: center; gap: 6px; font-size: 12.5px; }
.swatch { display: inline-block; width: 22px; height: 12px; border-radius: 2px;
  border: 1px solid rgba(0,0,0,.25); }
.legend p { margin: 4px 0; font-size: 12.5px; color: #444; }
.verdict { display: inline-block; font-size: 12px; font-weight: 700; padding: 1px 7px;
  border-radius: 3px; color: #fff; }
.verdict.ok { background: #2e7d32; }
.verdict.fail { background: #c62828; }
.summary { margin: 0 0 8px; color: #333; }
.summary b { font-weight: 600; }
.toolbar { display: flex; align-items: center; gap: 6px; margin: 6px 0; font-size: 12.5px;
  color: #444; }
.toolbar button { font: inherit; padding: 1px 8px; border: 1px solid #bbb; border-radius: 3px;
  background: #f4f4f4; cursor: pointer; }
.view[hidden] { display: none; }
.toolbar button[aria-pressed="true"] { background: #333; color: #fff; border-color: #333; }
.scroll { overflow-x: auto; border: 1px solid #e2e2e2; border-radius: 4px; background: #fff; }
.timeline { --zoom: 1; width: calc(var(--head) + (100% - var(--head)) * var(--zoom));
  min-width: 100%; position: relative; }
.lane { position: relative; border-top: 1px solid #d6d6d6; padding-bottom: 3px; }
.lane.has-violation { background: #fff5f5; }
.lane-title { position: sticky; left: 0; z-index: 3; display: inline-block; padding: 3px 8px 1px;
  font-weight: 700; font-size: 13px; background: inherit; }
.lane-title small { font-weight: 400; color: #666; margin-left: 6px; }
.lane.pcpu .lane-title { color: #30507a; }
.lane.hw .lane-title { color: #555; }
.track-row { display: flex; align-items: stretch; }
.row-head { position: sticky; left: 0; z-index: 2; flex: 0 0 var(--head); width: var(--head);
  padding: 0 8px 0 18px; font-size: 11.5px; line-height: 18px; color: #555; background: #fff;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.lane.has-violation .row-head { background: #fff5f5; }
.track { position: relative; flex: 1 1 auto; height: 18px; margin: 1px 0; }
.band .track { height: 14px; }
.band .row-head { line-height: 14px; font-size: 10.5px; color: #777; }
.blk, .seg { position: absolute; top: 0; bottom: 0; overflow: hidden; white-space: nowrap;
  font-size: 11px; line-height: 18px; padding: 0 3px; border-radius: 2px; }
.blk { min-width: 3px; cursor: pointer; box-shadow: inset 0 0 0 1px rgba(0,0,0,.18); }
.blk:hover { box-shadow: inset 0 0 0 2px #000; }
.seg { font-size: 10px; line-height: 14px; border-radius: 0; }
.seg.caches-on { background: #bfe5bf; color: #154b15; }
.seg.caches-off { background: #e3e3e3; color: #555; }
.seg.tvm-on { background: repeating-linear-gradient(135deg, #f7e08a 0 6px, #fbefc0 6px 12px);
  color: #4d3d00; }
.seg.tvm-off, .seg.tvm-unset { background: transparent; color: #999; }
.seg.idle { background: transparent; color: #aaa; }
.axis .track { height: 20px; border-bottom: 1px solid #bbb; }
.axis .row-head { line-height: 20px; }
.tick { position: absolute; bottom: 0; height: 6px; border-left: 1px solid #888; }
.tick span { position: absolute; bottom: 5px; left: 2px; font-size: 10.5px; color: #555;
  white-space: nowrap; }
.marks { position: absolute; top: 22px; bottom: 0; left: var(--head); right: 0;
  pointer-events: none; z-index: 4; overflow-x: clip; overflow-y: visible; }
.mark-span { position: absolute; top: 0; bottom: 0; min-width: 2px; background: rgba(214,39,40,.16);
  border-left: 2px solid #d62728; border-right: 1px solid rgba(214,39,40,.6); }
.mark-flag { position: absolute; top: -21px; white-space: nowrap; font-size: 11.5px;
  font-weight: 700; color: #fff; background: #d62728; padding: 1px 6px; border-radius: 3px;
  box-shadow: 0 1px 2px rgba(0,0,0,.3); pointer-events: auto; }
.mark-flag.left { left: -2px; transform: translateX(-100%); }
.pin { position: absolute; top: 1px; z-index: 3; min-width: 16px;
  height: 16px; padding: 0 4px; border-radius: 8px; background: #1f2430; color: #fff;
  font-size: 10.5px; line-height: 16px; text-align: center; font-weight: 700; cursor: pointer;
  box-shadow: 0 0 0 1.5px #fff; }
.lane.idle { padding-bottom: 0; }
.lane.idle .lane-title { color: #888; font-weight: 600; }
.key-events h3 { font-size: 13px; margin: 10px 0 2px; }
.key-events ol { margin: 0; padding-left: 28px; font-size: 12.5px; columns: 2; column-gap: 28px; }
.key-events li { break-inside: avoid; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eee;
  vertical-align: top; }
th { font-weight: 600; color: #333; border-bottom: 1px solid #ccc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 10px; background: #8c4a2f; border-radius: 2px;
  vertical-align: middle; margin-left: 6px; }
.bar.exits { background: #d6a912; }
.bar.cycles { background: #777; }
.bar.stack { display: inline-flex; overflow: hidden; background: #eee; }
.bar.stack span { display: block; height: 100%; }
tr.fail td:first-child { border-left: 3px solid #c62828; padding-left: 6px; }
tr.ok td:first-child { border-left: 3px solid #2e7d32; padding-left: 6px; }
details { margin: 6px 0; }
summary { cursor: pointer; font-weight: 600; font-size: 13px; }
pre { font-size: 11.5px; line-height: 1.35; background: #f6f6f6; padding: 8px; overflow-x: auto;
  border-radius: 4px; margin: 6px 0; }
.note { color: #666; font-size: 12px; }
#details[hidden] { display: none; }
#details { position: fixed; left: 0; right: 0; bottom: 0; z-index: 10; margin: 0;
  background: #1f2430; color: #e8e8e8; font-size: 12px; padding: 8px 20px; min-height: 48px;
  white-space: pre-wrap; border-top: 2px solid #444; }
footer { color: #777; font-size: 12px; }
`;

function categoryRules(): string {
  return (Object.entries(CATEGORY_STYLES) as [EventCategory, { fill: string; ink: string }][])
    .map(([c, s]) => `.c-${c} { background: ${s.fill}; color: ${s.ink}; }`)
    .join("\n");
}

function vcpuRules(): string {
  return VCPU_COLOURS.map((c, i) =>
    `.seg.run-${i} { background: ${c}; color: #fff; font-weight: 600; }`
  ).join("\n");
}

/**
 * The report's style sheet.
 *
 * @example Usage
 * ```ts
 * import { reportStyle } from "./html_assets.ts";
 * reportStyle().includes(".c-flush"); // true
 * ```
 * @returns CSS text
 */
export function reportStyle(): string {
  return `${BASE_STYLE}${categoryRules()}\n${vcpuRules()}\n`;
}

const SCRIPT = `
"use strict";
(function () {
  var details = document.getElementById("details");
  document.addEventListener("click", function (ev) {
    var target = ev.target instanceof Element ? ev.target.closest(".blk, .seg, .mark-flag, .pin") : null;
    if (!target || !details) return;
    details.textContent = target.getAttribute("title") + "\\n(Esc closes this panel)";
    details.hidden = false;
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && details) details.hidden = true;
  });
  var buttons = document.querySelectorAll("button[data-zoom]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (ev) {
      var b = ev.currentTarget;
      var run = b.closest(".run");
      if (!run) return;
      var timelines = run.querySelectorAll(".timeline");
      for (var t = 0; t < timelines.length; t++) {
        timelines[t].style.setProperty("--zoom", b.getAttribute("data-zoom"));
      }
      var peers = run.querySelectorAll("button[data-zoom]");
      for (var j = 0; j < peers.length; j++) {
        peers[j].setAttribute("aria-pressed", peers[j] === b ? "true" : "false");
      }
    });
  }
  var units = document.querySelectorAll("button[data-unit]");
  for (var u = 0; u < units.length; u++) {
    units[u].addEventListener("click", function (ev) {
      var b = ev.currentTarget;
      var run = b.closest(".run");
      if (!run) return;
      var unit = b.getAttribute("data-unit");
      var views = run.querySelectorAll(".view");
      for (var v = 0; v < views.length; v++) {
        views[v].hidden = views[v].getAttribute("data-unit") !== unit;
      }
      var peers = run.querySelectorAll("button[data-unit]");
      for (var j = 0; j < peers.length; j++) {
        peers[j].setAttribute("aria-pressed", peers[j] === b ? "true" : "false");
      }
    });
  }
})();
`;

/**
 * The report's script: zoom buttons, the x-axis switch and the details panel.
 *
 * @example Usage
 * ```ts
 * import { reportScript } from "./html_assets.ts";
 * reportScript().includes("data-zoom"); // true
 * ```
 * @returns JavaScript text, safe inside a `<script>` element
 */
export function reportScript(): string {
  return SCRIPT;
}
