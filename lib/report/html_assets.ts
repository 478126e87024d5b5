/**
 * The style sheet and the script of the HTML report, inlined into every
 * page so the file needs nothing from the network.
 *
 * The page reads without the script; the script only adds zoom buttons and
 * Ctrl + wheel zoom around the pointer (the timeline widens and scrolls,
 * labels stay sharp), the switch between the x axes, the filters by event
 * type and vCPU, the address search, and a details panel that shows the
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
  "#6b4c9a",
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
.axis .tick { z-index: 1; }
.axis .tick span { background: rgba(255,255,255,.9); padding: 0 2px; }
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
.verdict.crash { background: #1d1d1f; }
.crash-badge { display: inline-block; margin-left: 6px; padding: 0 5px; font-size: 11px;
  border-radius: 3px; background: #1d1d1f; color: #fff; vertical-align: 1px; }
.seg.crash-crash { background: repeating-linear-gradient(135deg, #1d1d1f 0 6px, #3a3a3c 6px 12px);
  color: #fff; font-weight: 700; }
.crash-flag { position: absolute; top: 0; z-index: 3; font-size: 10.5px; line-height: 14px;
  font-weight: 700; color: #fff; background: #1d1d1f; padding: 0 6px; border-radius: 2px;
  white-space: nowrap; cursor: pointer; }
.crash-flag.left { transform: translateX(-100%); }
.seg.where-l1, .swatch.where-l1 { background: #3f6fb5; color: #fff; }
.seg.where-l2, .swatch.where-l2 { background: #76b7b2; color: #0e2e2b; }
.seg.where-sys, .swatch.where-sys { background: #f28e2b; color: #2e1700; font-weight: 600; }
.seg.where-dram, .swatch.where-dram { background: #cdd9c0; color: #263020; }
.seg.where-lost, .swatch.where-lost { background: #1d1d1f; color: #fff; }
.seg.where-unwritten, .swatch.where-unwritten { background: #f3f3f3; color: #888; }
.word .row-head { font-size: 11px; line-height: 14px; }
.word .track { height: 14px; }
.word .seg { cursor: pointer; border-right: 1px solid rgba(255,255,255,.7); }
.word-flag { font-weight: 700; margin-right: 4px; color: #7a1212; }
.dirty .track { height: 28px; border-bottom: 1px solid #e4e4e4; }
.dirty .row-head { line-height: 28px; }
.dirty .row-head small { color: #888; }
svg.steps { position: absolute; left: 0; top: 0; width: 100%; height: 100%; overflow: visible; }
svg.steps .area { fill: rgba(90,74,138,.16); stroke: none; }
svg.steps .line { fill: none; stroke: #5a4a8a; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
svg.swatch { border: 0; }
.lane.cache { background: #fbfbfd; }
.lane.cache .row-head { background: #fbfbfd; }
.stretch { position: absolute; top: 0; bottom: 0; font-size: 11px; color: #555; text-align: center;
  line-height: 14px; background: repeating-linear-gradient(45deg, #e6e6e6 0 3px, #f6f6f6 3px 6px);
  border-left: 1px dashed #999; border-right: 1px dashed #999; }
.axis-note { margin: 4px 0 6px; padding: 4px 8px; font-size: 12.5px; color: #333;
  background: #f3f6fb; border-left: 3px solid #4e79a7; border-radius: 2px; }
.filters { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 8px; font-size: 12px;
  color: #444; margin: 2px 0 6px; }
.filters label { display: inline-flex; align-items: center; gap: 3px; cursor: pointer; }
.filters .swatch { width: 12px; height: 10px; }
.filters input[type=search] { font: inherit; width: 230px; padding: 1px 6px; border: 1px solid #bbb;
  border-radius: 3px; }
.search-count { color: #555; min-width: 6em; }
.blk.filtered, .lane.filtered, .track-row.word.filtered { display: none; }
.blk.hit, .seg.hit { box-shadow: inset 0 0 0 2px #000, 0 0 0 2px #ffd400; z-index: 2; }
.mark-span.miss { opacity: .25; }
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
    var target = ev.target instanceof Element ? ev.target.closest(".blk, .seg, .mark-flag, .pin, .crash-flag") : null;
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
  function applyFilters(run) {
    var hidden = {};
    var cats = run.querySelectorAll("input[data-filter-cat]");
    for (var i = 0; i < cats.length; i++) {
      if (!cats[i].checked) hidden[cats[i].getAttribute("data-filter-cat")] = true;
    }
    var blocks = run.querySelectorAll(".blk");
    for (var k = 0; k < blocks.length; k++) {
      blocks[k].classList.toggle("filtered", !!hidden[blocks[k].getAttribute("data-cat")]);
    }
    var vcpus = run.querySelectorAll("input[data-filter-vcpu]");
    for (var j = 0; j < vcpus.length; j++) {
      var lanes = run.querySelectorAll('.lane[data-lane="' + vcpus[j].getAttribute("data-filter-vcpu") + '"]');
      for (var l = 0; l < lanes.length; l++) lanes[l].classList.toggle("filtered", !vcpus[j].checked);
    }
  }
  function search(run, text) {
    var q = text.trim().toLowerCase().replace(/^0x/, "");
    var hits = 0;
    var items = run.querySelectorAll(".blk, .word .seg, .mark-span");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var hay = ((el.getAttribute("title") || "") + " " + (el.getAttribute("data-addr") || "") +
        " " + (el.querySelector(".mark-flag") ? el.querySelector(".mark-flag").getAttribute("title") : ""))
        .toLowerCase();
      var hit = q !== "" && hay.indexOf(q) >= 0;
      if (el.classList.contains("mark-span")) el.classList.toggle("miss", q !== "" && !hit);
      else el.classList.toggle("hit", hit);
      if (hit && el.offsetParent !== null) hits++;
    }
    var words = run.querySelectorAll(".track-row.word");
    for (var w = 0; w < words.length; w++) {
      var addr = (words[w].getAttribute("data-addr") || "").toLowerCase().replace(/^0x/, "");
      words[w].classList.toggle("filtered", q !== "" && addr.indexOf(q) < 0);
    }
    var count = run.querySelector(".search-count");
    if (count) count.textContent = q === "" ? "" : hits + (hits === 1 ? " match" : " matches");
  }
  var inputs = document.querySelectorAll(".filters input");
  for (var f = 0; f < inputs.length; f++) {
    inputs[f].addEventListener(inputs[f].type === "search" ? "input" : "change", function (ev) {
      var el = ev.currentTarget;
      var run = el.closest(".run");
      if (!run) return;
      if (el.type === "search") search(run, el.value);
      else applyFilters(run);
    });
  }
  function setZoom(run, zoom) {
    var timelines = run.querySelectorAll(".timeline");
    for (var t = 0; t < timelines.length; t++) timelines[t].style.setProperty("--zoom", String(zoom));
    var peers = run.querySelectorAll("button[data-zoom]");
    for (var j = 0; j < peers.length; j++) {
      peers[j].setAttribute("aria-pressed", Number(peers[j].getAttribute("data-zoom")) === zoom ? "true" : "false");
    }
  }
  var scrolls = document.querySelectorAll(".scroll");
  for (var s = 0; s < scrolls.length; s++) {
    scrolls[s].addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey && !ev.metaKey) return;
      ev.preventDefault();
      var box = ev.currentTarget;
      var run = box.closest(".run");
      var tl = box.querySelector(".timeline");
      if (!run || !tl) return;
      var before = Number(tl.style.getPropertyValue("--zoom")) || 1;
      var zoom = Math.min(256, Math.max(1, before * Math.exp(-ev.deltaY * 0.002)));
      var rect = box.getBoundingClientRect();
      var head = ${HEAD_WIDTH};
      var pointer = Math.max(0, ev.clientX - rect.left - head);
      var at = (box.scrollLeft + pointer) / before;
      setZoom(run, Math.round(zoom * 100) / 100);
      box.scrollLeft = at * zoom - pointer;
    }, { passive: false });
  }
})();
`;

/**
 * The report's script: zoom (buttons, Ctrl + wheel), the x-axis switch, the
 * filters, the address search and the details panel.
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
