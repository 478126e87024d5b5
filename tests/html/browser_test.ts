// The zImage timeline in a real browser: headless Chromium loads the page the
// command line writes and the test checks what a person would see. It keeps
// two screenshots as artifacts, in $TMPDIR/setway-artifacts/browser/ (the
// top of the page, and the kvm-3.18 run with its cache lanes), and prints
// their paths.
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { Browser } from "./cdp.ts";
import { chromiumPath, pageProblems, writeZimagePage } from "./zimage_page.ts";

/** What the page shows, measured in the browser. */
interface Seen {
  title: string;
  runs: { policy: string; ok: string; lanes: string[]; visibleBlocks: number }[];
  compareRows: string[];
  legendItems: number;
  flag: {
    text: string;
    width: number;
    height: number;
    background: string;
    onTop: boolean;
    inside: boolean;
  } | null;
  okRunFlags: number;
  pageOverflow: number;
}

const MEASURE = `(() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const runs = [...document.querySelectorAll("section.run")].map((s) => ({
    policy: s.dataset.policy,
    ok: s.dataset.ok,
    lanes: [...s.querySelectorAll(".lane")].filter(visible).map((l) => l.dataset.lane),
    visibleBlocks: [...s.querySelectorAll(".blk")].filter(visible).length,
  }));
  const el = document.querySelector("#run-1 .mark-flag");
  let flag = null;
  if (el) {
    el.scrollIntoView({ block: "center", inline: "center" });
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const lane = el.closest(".lane").getBoundingClientRect();
    flag = {
      text: el.textContent,
      width: r.width,
      height: r.height,
      background: getComputedStyle(el).backgroundColor,
      onTop: hit === el || el.contains(hit),
      inside: r.left >= lane.left - 1 && r.right <= lane.right + 1,
    };
  }
  return {
    title: document.title,
    runs,
    compareRows: [...document.querySelectorAll("#compare tbody tr")].map((r) => r.dataset.policy),
    legendItems: [...document.querySelectorAll("#legend .legend-item")].filter(visible).length,
    flag,
    okRunFlags: document.querySelectorAll("#run-2 .mark-flag").length,
    pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
})()`;

const UNITS = `(() => {
  const run = document.querySelector("#run-1");
  const visibleUnits = () =>
    [...run.querySelectorAll(".timeline")].filter((t) => t.getBoundingClientRect().width > 0)
      .map((t) => t.dataset.unit);
  const before = visibleUnits();
  run.querySelector('button[data-unit="events"]').click();
  const after = visibleUnits();
  const guest = [...run.querySelectorAll('.view:not([hidden]) [data-lane="vcpu0"] [data-row="guest"] .blk')]
    .reduce((w, b) => w + b.getBoundingClientRect().width, 0);
  run.querySelector('button[data-unit="compressed"]').click();
  return { before, after, again: visibleUnits(), guest };
})()`;

const ZOOM = `(async () => {
  const tl = document.querySelector("#run-1 .timeline");
  const before = tl.getBoundingClientRect().width;
  document.querySelector('#run-1 button[data-zoom="4"]').click();
  await new Promise((r) => requestAnimationFrame(() => r()));
  const after = tl.getBoundingClientRect().width;
  document.querySelector('#run-1 button[data-zoom="1"]').click();
  const block = document.querySelector("#run-1 .blk.c-flush");
  block.click();
  const details = document.getElementById("details");
  return { before, after, detailsShown: !details.hidden, details: details.textContent,
    title: block.getAttribute("title") };
})()`;

/** Where the screenshots are kept: a stable place under the temp directory. */
const ARTIFACTS = `${tmpdir()}/setway-artifacts/browser`;

interface Caches {
  words318: number;
  lastWhere318: string[];
  lastWhere40: string[];
  label318: string;
  levels: string[];
  sysMax318: number;
  chartHeight: number;
}

const CACHES = `(() => {
  const view = (run) => document.querySelector(run + " .view:not([hidden])");
  const word = (run, addr) => view(run).querySelector('.word[data-addr="' + addr + '"]');
  const lastSeg = (run, addr) => [...word(run, addr).querySelectorAll(".seg")].at(-1);
  const dirty = [...view("#run-1").querySelectorAll(".dirty")];
  return {
    words318: view("#run-1").querySelectorAll(".word").length,
    lastWhere318: [lastSeg("#run-1", "0x4000e000").dataset.state],
    lastWhere40: [lastSeg("#run-2", "0x4000e000").dataset.state],
    label318: lastSeg("#run-1", "0x4000e000").textContent,
    levels: dirty.map((d) => d.dataset.level),
    sysMax318: Number(dirty.at(-1).dataset.max),
    chartHeight: dirty.at(-1).querySelector("svg").getBoundingClientRect().height,
  };
})()`;

interface Moment {
  offShare: number;
  note: string;
  stretches: number;
  flagInView: boolean;
}

const MOMENT = `(() => {
  window.scrollTo(0, 0);
  const view = document.querySelector("#run-1 .view:not([hidden])");
  view.querySelector(".scroll").scrollLeft = 0;
  const band = view.querySelector('[data-lane="vcpu0"] [data-band="caches"]');
  const track = band.querySelector(".track").getBoundingClientRect();
  // the stretch from the first stale read to the last: the MMU-off reads of the kernel image
  const off = view.querySelector(".mark-span").getBoundingClientRect();
  const flag = view.querySelector(".mark-flag").getBoundingClientRect();
  const box = view.querySelector(".scroll").getBoundingClientRect();
  return {
    offShare: off.width / track.width,
    note: document.querySelector("#run-1 .axis-note").textContent,
    stretches: view.querySelectorAll(".axis .stretch").length,
    flagInView: flag.left >= box.left && flag.right <= box.right,
  };
})()`;

interface Filtered {
  trapsBefore: number;
  trapsAfter: number;
  trapsAgain: number;
  vcpu1Before: boolean;
  vcpu1After: boolean;
  searchCount: string;
  visibleHits: number;
  wordsShown: string[];
  wordsAfterClear: number;
}

const FILTERS = `(() => {
  const run = document.querySelector("#run-1");
  const view = () => run.querySelector(".view:not([hidden])");
  const visible = (el) => el.getBoundingClientRect().width > 0;
  const traps = () => [...view().querySelectorAll(".blk.c-trap")].filter(visible).length;
  const toggle = (sel) => {
    const box = run.querySelector(sel);
    box.click();
  };
  const trapsBefore = traps();
  toggle('input[data-filter-cat="trap"]');
  const trapsAfter = traps();
  toggle('input[data-filter-cat="trap"]');
  const trapsAgain = traps();
  const lane1 = () => visible(view().querySelector('[data-lane="vcpu1"]'));
  const vcpu1Before = lane1();
  toggle('input[data-filter-vcpu="vcpu1"]');
  const vcpu1After = lane1();
  toggle('input[data-filter-vcpu="vcpu1"]');
  const search = run.querySelector("input.addr-search");
  search.value = "0x4000e000";
  search.dispatchEvent(new Event("input"));
  const searchCount = run.querySelector(".search-count").textContent;
  // the view by events is hidden: its hits are not counted
  const visibleHits = [...run.querySelectorAll(".blk.hit, .word .seg.hit, .mark-span:not(.miss)")]
    .filter((el) => el.offsetParent !== null).length;
  const wordsShown = [...view().querySelectorAll(".word")].filter(visible).map((w) => w.dataset.addr);
  search.value = "";
  search.dispatchEvent(new Event("input"));
  const wordsAfterClear = [...view().querySelectorAll(".word")].filter(visible).length;
  return { trapsBefore, trapsAfter, trapsAgain, vcpu1Before, vcpu1After, searchCount, visibleHits,
    wordsShown, wordsAfterClear };
})()`;

interface Wheel {
  before: number;
  ctrl: number;
  out: number;
  cmd: number;
  underBefore: number;
  underCtrl: number;
  pressedCtrl: string[];
  pressedOut: string[];
}

const WHEEL = `(async () => {
  const view = document.querySelector("#run-1 .view:not([hidden])");
  const box = view.querySelector(".scroll");
  const tl = view.querySelector(".timeline");
  // the column of row heads left of the track, which does not zoom
  const head = parseFloat(getComputedStyle(tl).getPropertyValue("--head"));
  const r = box.getBoundingClientRect();
  const x = r.left + r.width * 0.8;
  const width = () => tl.getBoundingClientRect().width;
  const wheel = async (deltaY, keys) => {
    box.dispatchEvent(new WheelEvent("wheel", { deltaY, bubbles: true, cancelable: true,
      clientX: x, clientY: r.top + 40, ...keys }));
    await new Promise((done) => requestAnimationFrame(() => done()));
    return width();
  };
  // where the pointer is on the track, as a share of the track's width
  const under = () => (box.scrollLeft + x - r.left - head) / (width() - head);
  const pressed = () =>
    [...document.querySelectorAll('#run-1 button[data-zoom][aria-pressed="true"]')]
      .map((b) => b.dataset.zoom);
  box.scrollLeft = 0;
  const before = width();
  const underBefore = under();
  const ctrl = await wheel(-400, { ctrlKey: true });
  const underCtrl = under();
  const pressedCtrl = pressed();
  const out = await wheel(4000, { ctrlKey: true });
  const pressedOut = pressed();
  const cmd = await wheel(-400, { metaKey: true });
  document.querySelector('#run-1 button[data-zoom="1"]').click();
  box.scrollLeft = 0;
  return { before, ctrl, out, cmd, underBefore, underCtrl, pressedCtrl, pressedOut };
})()`;

// Every drawn thing (violations aside) in a red that reads as the violation red: a hue within
// 12 degrees of pure red, saturated, neither dark nor pale (vCPU 1's #e15759 was one).
const COLOURS = `(() => {
  const reddish = (css) => {
    const m = /rgba?\\((\\d+), (\\d+), (\\d+)(?:, ([\\d.]+))?\\)/.exec(css);
    if (!m || (m[4] !== undefined && Number(m[4]) < 0.5)) return false;
    const [r, g, b] = [m[1], m[2], m[3]].map((v) => Number(v) / 255);
    const max = Math.max(r, g, b), min = Math.min(r, g, b), l = (max + min) / 2;
    if (max === min) return false;
    const s = (max - min) / (1 - Math.abs(2 * l - 1));
    let h = max === r ? ((g - b) / (max - min)) * 60 : max === g ? (2 + (b - r) / (max - min)) * 60
      : (4 + (r - g) / (max - min)) * 60;
    if (h < 0) h += 360;
    return (h <= 12 || h >= 348) && s > 0.5 && l > 0.3 && l < 0.75;
  };
  const out = [];
  for (const el of document.querySelectorAll(".run .blk, .run .seg, .run .lane, .run .row-head, .run .track, .run .crash-flag")) {
    if (el.classList.contains("c-violation") || el.closest(".mark-span")) continue;
    if (el.getBoundingClientRect().width === 0) continue;
    const bg = getComputedStyle(el).backgroundColor;
    if (reddish(bg)) out.push(el.className + " " + bg);
  }
  return out.slice(0, 10);
})()`;

interface Crash {
  heading: string;
  compareBadge: string;
  lanes: string[];
  badge: string;
  flag: string;
  flagVisible: boolean;
}

const CRASH = `(() => {
  const run = document.querySelector("#run-3");
  const view = run.querySelector(".view:not([hidden])");
  const flag = view.querySelector(".crash-flag");
  const r = flag.getBoundingClientRect();
  return {
    heading: run.querySelector("h2 .verdict").textContent,
    compareBadge: document.querySelector('#compare tr[data-policy="xen-iommu"] .verdict').textContent,
    lanes: [...view.querySelectorAll('.lane[data-crashed="true"]')].map((l) => l.dataset.lane),
    badge: view.querySelector('.lane[data-crashed="true"] .crash-badge').textContent,
    flag: flag.textContent,
    flagVisible: r.width > 20 && r.height >= 10,
  };
})()`;

Deno.test("browser: the zImage timeline shows lanes, the marked violation, and no errors", async () => {
  const chromium = await chromiumPath();
  const dir = await Deno.makeTempDir({ prefix: "setway-browser-test-" });
  const page = await writeZimagePage(dir, "kvm-3.18,kvm-4.0,xen-iommu");

  const browser = await Browser.launch(chromium, `${dir}/profile`, { width: 1400, height: 1000 });
  let stderr = "";
  try {
    await browser.navigate(`file://${page}`);
    const seen = await browser.evaluate<Seen>(MEASURE);

    assert.match(seen.title, /zimage\.ts/);
    assert.deepEqual(seen.compareRows, ["kvm-3.18", "kvm-4.0", "xen-iommu"]);
    assert.ok(seen.legendItems >= 8, `legend items: ${seen.legendItems}`);
    assert.deepEqual(seen.runs.map((r) => [r.policy, r.ok]), [
      ["kvm-3.18", "false"],
      ["kvm-4.0", "true"],
      ["xen-iommu", "false"],
    ]);
    for (const run of seen.runs) {
      // four vCPUs, the four physical CPUs running them, the idle ones grouped, the cache lanes
      assert.deepEqual(run.lanes, [
        "vcpu0",
        "vcpu1",
        "vcpu2",
        "vcpu3",
        "cpu0",
        "cpu1",
        "cpu2",
        "cpu3",
        "cpu4",
        "words",
        "dirty",
      ]);
      assert.ok(run.visibleBlocks >= 5, `${run.policy}: ${run.visibleBlocks} visible blocks`);
    }
    assert.ok(seen.flag, "the kvm-3.18 run has a violation flag");
    assert.match(seen.flag.text, /^✗ 32 stale reads, first at 0x4000[0-9a-f]{4}$/);
    assert.ok(seen.flag.width > 100 && seen.flag.height >= 12, JSON.stringify(seen.flag));
    assert.equal(seen.flag.background, "rgb(214, 39, 40)");
    assert.ok(seen.flag.onTop, "nothing covers the flag");
    assert.ok(seen.flag.inside, "the flag stays inside its lane");
    assert.equal(seen.okRunFlags, 0, "kvm-4.0 has no violation");
    assert.ok(seen.pageOverflow <= 0, `page overflows by ${seen.pageOverflow}px`);

    // by cycles the traps fill the run; the view by events shows the guest's own work
    const units = await browser.evaluate<
      { before: string[]; after: string[]; again: string[]; guest: number }
    >(UNITS);
    assert.deepEqual(units, {
      ...units,
      before: ["compressed"],
      after: ["events"],
      again: ["compressed"],
    });
    assert.ok(units.guest > 20, `guest ops ${units.guest}px wide by events`);

    const zoom = await browser.evaluate<
      { before: number; after: number; detailsShown: boolean; details: string; title: string }
    >(ZOOM);
    assert.ok(zoom.after > zoom.before * 3, `zoom 4×: ${zoom.before} -> ${zoom.after}`);
    assert.ok(zoom.detailsShown, "clicking a block shows its details");
    assert.match(zoom.details, /stage2_flush_vm|sw_local|flush_cache_all/);
    // the panel shows the block's description, not the short label drawn in the block
    assert.equal(zoom.details, zoom.title + "\n(Esc closes this panel)");

    const caches = await browser.evaluate<Caches>(CACHES);
    // every address read stale has a lane; under kvm-3.18 its newest value ends dirty in the
    // system cache, under kvm-4.0 (the flush by VA reaches it) in DRAM
    assert.equal(caches.words318, 32);
    assert.deepEqual(caches.lastWhere318, ["sys"]);
    assert.deepEqual(caches.lastWhere40, ["dram"]);
    assert.match(caches.label318, /dirty in the system cache/);
    assert.deepEqual(caches.levels, ["L1", "L2", "system cache"]);
    assert.ok(caches.sysMax318 > 0, `system cache dirty lines: ${caches.sysMax318}`);
    assert.ok(caches.chartHeight >= 20, `dirty chart ${caches.chartHeight}px high`);

    const moment = await browser.evaluate<Moment>(MOMENT);
    // the MMU-off reads that go stale are wide enough to see at the default zoom
    assert.ok(moment.offShare > 0.05, `stale reads span ${(moment.offShare * 100).toFixed(2)} %`);
    assert.match(moment.note, /compressed/);
    assert.ok(moment.stretches >= 1, "compressed stretches are marked on the axis");
    assert.ok(moment.flagInView, "the violation flag is in the window without scrolling");

    const filtered = await browser.evaluate<Filtered>(FILTERS);
    assert.ok(filtered.trapsBefore > 0 && filtered.trapsAfter === 0, JSON.stringify(filtered));
    assert.equal(filtered.trapsAgain, filtered.trapsBefore);
    assert.deepEqual([filtered.vcpu1Before, filtered.vcpu1After], [true, false]);
    assert.ok(!filtered.searchCount.startsWith("0 "), `search: ${filtered.searchCount}`);
    assert.match(filtered.searchCount, /^\d+ match(es)?$/);
    assert.equal(
      filtered.searchCount,
      `${filtered.visibleHits} ${filtered.visibleHits === 1 ? "match" : "matches"}`,
    );
    assert.deepEqual(filtered.wordsShown, ["0x4000e000"]);
    assert.equal(filtered.wordsAfterClear, 32);

    const wheel = await browser.evaluate<Wheel>(WHEEL);
    assert.ok(wheel.ctrl > wheel.before * 1.5, `Ctrl + wheel: ${JSON.stringify(wheel)}`);
    // the zoom keeps the point under the pointer where it was
    assert.ok(Math.abs(wheel.underCtrl - wheel.underBefore) < 0.005, JSON.stringify(wheel));
    assert.deepEqual(wheel.pressedCtrl, [], "no zoom button is at the wheel's zoom");
    // zoomed back out as far as it goes, the page is at the 1× button's zoom
    assert.equal(wheel.out, wheel.before);
    assert.deepEqual(wheel.pressedOut, ["1"]);
    assert.ok(wheel.cmd > wheel.out * 1.5, `Cmd + wheel: ${JSON.stringify(wheel)}`);

    const colours = await browser.evaluate<string[]>(COLOURS);
    assert.deepEqual(colours, [], "nothing but violations is drawn in the violation red");

    const crash = await browser.evaluate<Crash>(CRASH);
    assert.deepEqual(crash, {
      heading: "CRASH",
      compareBadge: "CRASH",
      lanes: ["vcpu0"],
      badge: "CRASH",
      flag: "CRASH",
      flagVisible: true,
    });

    // back to the page as it opens: panel closed, timelines and page scrolled to the start
    const reset = await browser.evaluate<boolean>(`(() => {
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
      for (const s of document.querySelectorAll(".scroll")) s.scrollLeft = 0;
      window.scrollTo(0, 0);
      return document.getElementById("details").hidden;
    })()`);
    assert.ok(reset, "Escape closes the details panel");
    const png = await browser.screenshot({ x: 0, y: 0, width: 1400, height: 1000 });
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 20_000, `screenshot of ${png.length} bytes`);
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await Deno.writeFile(`${ARTIFACTS}/zimage.png`, png);
    const box = await browser.evaluate<{ x: number; y: number; width: number; height: number }>(
      `(() => { const r = document.querySelector("#run-1").getBoundingClientRect();
        return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; })()`,
    );
    await Deno.writeFile(`${ARTIFACTS}/zimage-kvm-3.18.png`, await browser.screenshot(box));

    // the error capture works: a probe error is seen, and it is the only one
    await browser.evaluate<void>(`console.error("setway-probe")`);
    // The console event arrives asynchronously: wait for it (bounded), not for a fixed time.
    for (let i = 0; i < 200 && !browser.messages.some((m) => m.text === "setway-probe"); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(pageProblems(browser), ["setway-probe"]);
  } finally {
    stderr = await browser.close();
    // The page and the profile go; the screenshots stay, as artifacts.
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  assert.ok(!/Uncaught|SyntaxError/.test(stderr), stderr);
  console.log(`screenshots: ${ARTIFACTS}/zimage.png ${ARTIFACTS}/zimage-kvm-3.18.png`);
});
