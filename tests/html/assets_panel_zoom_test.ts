// The report script's details panel, zoom buttons, x-axis buttons and wheel zoom, in headless
// Chromium on the zImage page the command line writes (three runs: kvm-3.18, kvm-4.0, xen-iommu).
// Each step loads the page afresh and acts the way a reader would.
import assert from "node:assert/strict";
import { withZimagePage } from "./zimage_page.ts";

// Helpers defined in the page before each step's own expression.
const HELPERS = `
  const view = (run) => document.querySelector(run + " .view:not([hidden])");
  const timeline = (run) => view(run).querySelector(".timeline");
  const width = (run) => timeline(run).getBoundingClientRect().width;
  const head = parseFloat(getComputedStyle(document.querySelector(".timeline")).getPropertyValue("--head"));
  const pressed = (run, attr) =>
    [...document.querySelectorAll(run + " button[" + attr + '][aria-pressed="true"]')]
      .map((b) => b.getAttribute(attr));
  const panel = () => {
    const d = document.getElementById("details");
    return d.hidden ? null : d.textContent;
  };
  // a wheel event over run's timeline, x pixels from the box's left; true when not cancelled
  const wheel = (run, deltaY, keys, x) => {
    const box = view(run).querySelector(".scroll");
    const r = box.getBoundingClientRect();
    return box.dispatchEvent(new WheelEvent("wheel", { deltaY, bubbles: true, cancelable: true,
      clientX: r.left + x, clientY: r.top + 40, ...keys }));
  };
`;

Deno.test("report script: details panel, zoom and x-axis buttons, wheel zoom", async (t) => {
  await withZimagePage(
    "setway-assets-zoom-",
    "kvm-3.18,kvm-4.0,xen-iommu",
    HELPERS,
    async (fresh) => {
      await t.step(
        "a key-event pin and a CRASH flag show their description in the panel",
        async () => {
          const seen = await fresh<{ pin: string[]; crash: string[] }>(`
        const pin = view("#run-1").querySelector(".pin");
        pin.click();
        const afterPin = panel();
        document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
        const flag = view("#run-3").querySelector(".crash-flag");
        flag.click();
        return { pin: [afterPin, pin.getAttribute("title")], crash: [panel(), flag.getAttribute("title")] };
      `);
          assert.match(seen.pin[1], /^1\. vCPU 0, seq \d+: /);
          assert.equal(seen.pin[0], `${seen.pin[1]}\n(Esc closes this panel)`);
          assert.match(seen.crash[1], /^CRASH: /);
          assert.equal(seen.crash[0], `${seen.crash[1]}\n(Esc closes this panel)`);
        },
      );

      await t.step("only Escape closes the details panel; other keys leave it open", async () => {
        const seen = await fresh<{ afterKey: boolean; afterEscape: boolean }>(`
        view("#run-1").querySelector(".blk").click();
        document.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
        document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight" }));
        const afterKey = panel() !== null;
        document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
        return { afterKey, afterEscape: panel() !== null };
      `);
        assert.deepEqual(seen, { afterKey: true, afterEscape: false });
      });

      await t.step(
        "a zoom button zooms its own run only, and only it reads as pressed",
        async () => {
          const seen = await fresh<Record<string, number | string[]>>(`
        const before1 = width("#run-1"), before2 = width("#run-2");
        document.querySelector('#run-1 button[data-zoom="4"]').click();
        return { head, before1, after1: width("#run-1"), before2, after2: width("#run-2"),
          pressed1: pressed("#run-1", "data-zoom"), pressed2: pressed("#run-2", "data-zoom") };
      `);
          const [h, b1, a1] = [seen.head, seen.before1, seen.after1] as number[];
          assert.ok(Math.abs((a1 - h) / (b1 - h) - 4) < 0.01, JSON.stringify(seen));
          assert.equal(seen.after2, seen.before2, "the other run keeps its zoom");
          assert.deepEqual(seen.pressed1, ["4"]);
          assert.deepEqual(seen.pressed2, ["1"]);
        },
      );

      await t.step("an x-axis button is the only axis button that reads as pressed", async () => {
        const seen = await fresh<{ start: string[]; events: string[]; cycles: string[] }>(`
        const start = pressed("#run-1", "data-unit");
        document.querySelector('#run-1 button[data-unit="events"]').click();
        const events = pressed("#run-1", "data-unit");
        document.querySelector('#run-1 button[data-unit="cycles"]').click();
        return { start, events, cycles: pressed("#run-1", "data-unit") };
      `);
        assert.deepEqual(seen, { start: ["compressed"], events: ["events"], cycles: ["cycles"] });
      });

      await t.step(
        "a plain wheel scrolls; Ctrl + wheel zooms this run only and is cancelled",
        async () => {
          const seen = await fresh<Record<string, number | boolean | string[]>>(`
        const before1 = width("#run-1"), before2 = width("#run-2");
        const plainPassed = wheel("#run-1", -400, {}, 600);
        const plain = width("#run-1");
        const ctrlPassed = wheel("#run-1", -400, { ctrlKey: true }, 600);
        return { before1, plain, plainPassed, ctrl: width("#run-1"), ctrlPassed, before2,
          after2: width("#run-2"), pressed2: pressed("#run-2", "data-zoom") };
      `);
          assert.equal(seen.plain, seen.before1, "a plain wheel leaves the zoom alone");
          assert.equal(seen.plainPassed, true, "a plain wheel reaches the browser, which scrolls");
          assert.ok((seen.ctrl as number) > (seen.before1 as number) * 1.5, JSON.stringify(seen));
          assert.equal(seen.ctrlPassed, false, "Ctrl + wheel does not also zoom the whole page");
          assert.equal(seen.after2, seen.before2, "the other run keeps its zoom");
          assert.deepEqual(seen.pressed2, ["1"]);
        },
      );

      await t.step("the wheel zoom goes on from a button's zoom and stops at 256×", async () => {
        const seen = await fresh<Record<string, number>>(`
        const one = width("#run-1");
        document.querySelector('#run-1 button[data-zoom="4"]').click();
        const four = width("#run-1");
        wheel("#run-1", -100, { ctrlKey: true }, 600);
        const step = width("#run-1");
        wheel("#run-1", -4000, { ctrlKey: true }, 600);
        wheel("#run-1", -4000, { ctrlKey: true }, 600);
        return { head, one, four, step, most: width("#run-1") };
      `);
        const zoom = (w: number) => (w - seen.head) / (seen.one - seen.head);
        // a small step in (e^0.2) from 4×, not from 1×
        assert.ok(Math.abs(zoom(seen.step) - 4 * Math.exp(0.2)) < 0.02, JSON.stringify(seen));
        assert.ok(Math.abs(zoom(seen.most) - 256) < 0.5, JSON.stringify(seen));
      });

      await t.step("a pointer over the row heads zooms around the track's left edge", async () => {
        const seen = await fresh<Record<string, number>>(`
        document.querySelector('#run-1 button[data-zoom="4"]').click();
        const box = view("#run-1").querySelector(".scroll");
        box.scrollLeft = 1000;
        const share = () => box.scrollLeft / (width("#run-1") - head);
        const before = share();
        wheel("#run-1", -400, { ctrlKey: true }, 40);
        return { before, after: share(), scrolled: box.scrollLeft };
      `);
        assert.ok(seen.before > 0.1, JSON.stringify(seen));
        assert.ok(Math.abs(seen.after - seen.before) < 0.003, JSON.stringify(seen));
      });
    },
  );
});
