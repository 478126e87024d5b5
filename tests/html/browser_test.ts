// The zImage timeline in a real browser: headless Chromium loads the page the
// command line writes and the test checks what a person would see.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Browser, DEFAULT_CHROMIUM, findChromium } from "./cdp.ts";
import { installDebianPackages } from "../support/debian.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

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
  run.querySelector('button[data-unit="cycles"]').click();
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
  return { before, after, detailsShown: !details.hidden, details: details.textContent };
})()`;

Deno.test("browser: the zImage timeline shows lanes, the marked violation, and no errors", async () => {
  let chromium = findChromium();
  if (chromium === undefined) {
    // A fresh Debian machine: install the browser, as .ci/run would.
    const failed = await installDebianPackages(["chromium", "chromium-driver"]);
    chromium = findChromium();
    if (chromium === undefined) {
      throw new Error(
        `Chromium is not installed (looked for ${DEFAULT_CHROMIUM}, or $CHROMIUM): ${failed}`,
      );
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "setway-browser-test-" });
  const page = `${dir}/zimage.html`;
  const made = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-R",
      "-W",
      "cli.ts",
      "compare",
      "scenarios/zimage.ts",
      "--policies",
      "kvm-3.18,kvm-4.0",
      "--html",
      page,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));

  const browser = await Browser.launch(chromium, `${dir}/profile`, { width: 1400, height: 1000 });
  let stderr = "";
  try {
    await browser.navigate(`file://${page}`);
    const seen = await browser.evaluate<Seen>(MEASURE);

    assert.match(seen.title, /zimage\.ts/);
    assert.deepEqual(seen.compareRows, ["kvm-3.18", "kvm-4.0"]);
    assert.ok(seen.legendItems >= 8, `legend items: ${seen.legendItems}`);
    assert.deepEqual(seen.runs.map((r) => [r.policy, r.ok]), [
      ["kvm-3.18", "false"],
      ["kvm-4.0", "true"],
    ]);
    for (const run of seen.runs) {
      // four vCPUs, the four physical CPUs running them, the idle ones grouped
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
    assert.deepEqual(units, { ...units, before: ["cycles"], after: ["events"], again: ["cycles"] });
    assert.ok(units.guest > 20, `guest ops ${units.guest}px wide by events`);

    const zoom = await browser.evaluate<
      { before: number; after: number; detailsShown: boolean; details: string }
    >(ZOOM);
    assert.ok(zoom.after > zoom.before * 3, `zoom 4×: ${zoom.before} -> ${zoom.after}`);
    assert.ok(zoom.detailsShown, "clicking a block shows its details");
    assert.match(zoom.details, /stage2_flush_vm|sw_local|flush_cache_all/);

    // back to the page as it opens: panel closed, timelines and page scrolled to the start
    const reset = await browser.evaluate<boolean>(`(() => {
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
      for (const s of document.querySelectorAll(".scroll")) s.scrollLeft = 0;
      window.scrollTo(0, 0);
      return document.getElementById("details").hidden;
    })()`);
    assert.ok(reset, "Escape closes the details panel");
    const png = await browser.screenshot();
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 20_000, `screenshot of ${png.length} bytes`);
    await Deno.writeFile(`${dir}/zimage.png`, png);

    // the error capture works: a probe error is seen, and it is the only one
    await browser.evaluate<void>(`console.error("setway-probe")`);
    // The console event arrives asynchronously: wait for it (bounded), not for a fixed time.
    for (let i = 0; i < 200 && !browser.messages.some((m) => m.text === "setway-probe"); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const errors = browser.messages.filter((m) =>
      m.level === "error" || m.source === "exception" || m.level === "warning"
    );
    assert.deepEqual(errors.map((m) => m.text), ["setway-probe"]);
  } finally {
    stderr = await browser.close();
    await Deno.remove(`${dir}/profile`, { recursive: true }).catch(() => {});
  }
  assert.ok(!/Uncaught|SyntaxError/.test(stderr), stderr);
  console.log(`screenshot: ${dir}/zimage.png`);
});
