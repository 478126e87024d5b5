// The report script's filters and address search, in headless Chromium on the zImage page the
// command line writes (kvm-3.18 with 32 stale reads in one burst, and kvm-4.0; both watch the 32
// stale addresses). Each step loads the page afresh and acts the way a reader would.
import assert from "node:assert/strict";
import { withZimagePage } from "./zimage_page.ts";

// Helpers defined in the page before each step's own expression.
const HELPERS = `
  const view = (run) => document.querySelector(run + " .view:not([hidden])");
  const visible = (el) => el.getBoundingClientRect().width > 0;
  const shown = (run, sel) => [...view(run).querySelectorAll(sel)].filter(visible);
  const words = (run) => shown(run, ".word").map((w) => w.dataset.addr);
  const laneShown = (run, lane) => visible(view(run).querySelector('[data-lane="' + lane + '"]'));
  const search = (run, text) => {
    const box = document.querySelector(run + " input.addr-search");
    box.value = text;
    box.dispatchEvent(new Event("input"));
    return document.querySelector(run + " .search-count").textContent;
  };
  // the highlighted blocks and segments, and the violation marks not dimmed, that can be seen
  const lit = (run) => [...document.querySelectorAll(run + " .blk.hit, " + run + " .seg.hit, " +
    run + " .mark-span:not(.miss)")].filter((el) => el.offsetParent !== null).length;
`;

Deno.test("report script: filters by event type and vCPU, and the address search", async (t) => {
  await withZimagePage("setway-assets-search-", "kvm-3.18,kvm-4.0", HELPERS, async (fresh) => {
    await t.step("unchecking the first event type (access) hides its blocks", async () => {
      const seen = await fresh<{ first: string; before: number; after: number; again: number }>(`
        const access = () => shown("#run-1", ".blk.c-access").length;
        const box = document.querySelector("#run-1 input[data-filter-cat]");
        const before = access();
        box.click();
        const after = access();
        box.click();
        return { first: box.dataset.filterCat, before, after, again: access() };
      `);
      assert.ok(seen.before > 0, JSON.stringify(seen));
      assert.deepEqual(seen, {
        first: "access",
        before: seen.before,
        after: 0,
        again: seen.before,
      });
    });

    await t.step(
      "unchecking a vCPU hides its lane on every axis of its run, in no other run",
      async () => {
        const seen = await fresh<Record<string, boolean>>(`
        document.querySelector('#run-1 input[data-filter-vcpu="vcpu1"]').click();
        const compressed = laneShown("#run-1", "vcpu1");
        document.querySelector('#run-1 button[data-unit="cycles"]').click();
        const cycles = laneShown("#run-1", "vcpu1");
        document.querySelector('#run-1 button[data-unit="events"]').click();
        const events = laneShown("#run-1", "vcpu1");
        return { compressed, cycles, events, vcpu0: laneShown("#run-1", "vcpu0"),
          otherRun: laneShown("#run-2", "vcpu1") };
      `);
        assert.deepEqual(seen, {
          compressed: false,
          cycles: false,
          events: false,
          vcpu0: true,
          otherRun: true,
        });
      },
    );

    await t.step("the search ignores case and the spaces around a pasted address", async () => {
      const seen = await fresh<{ count: string; words: string[]; lit: number }>(`
        const count = search("#run-1", "  0x4000E000 ");
        return { count, words: words("#run-1"), lit: lit("#run-1") };
      `);
      assert.deepEqual(seen.words, ["0x4000e000"]);
      assert.ok(seen.lit > 0, JSON.stringify(seen));
      assert.equal(seen.count, `${seen.lit} ${seen.lit === 1 ? "match" : "matches"}`);
    });

    await t.step("a found address lights up its word lane's segments, and they count", async () => {
      const seen = await fresh<{ segs: number; shadow: string[]; count: string; lit: number }>(`
        const count = search("#run-1", "0x4000e000");
        const segs = shown("#run-1", '.word[data-addr="0x4000e000"] .seg.hit');
        return { segs: segs.length, shadow: segs.map((s) => getComputedStyle(s).boxShadow),
          count, lit: lit("#run-1") };
      `);
      assert.ok(seen.segs > 0, JSON.stringify(seen));
      for (const s of seen.shadow) assert.notEqual(s, "none", "a found segment is outlined");
      assert.ok(seen.lit > seen.segs, JSON.stringify(seen));
      assert.equal(seen.count, `${seen.lit} matches`);
    });

    await t.step("a stale address listed in a burst's flag finds the burst's mark", async () => {
      const seen = await fresh<Record<string, unknown>>(`
        const marks = () => shown("#run-1", ".mark-span").map((m) => m.classList.contains("miss"));
        const first = view("#run-1").querySelector(".mark-span").dataset.addr;
        search("#run-1", "0x4000e000");
        const found = marks();
        const count = search("#run-1", "0xffff0000");
        return { first, found, none: marks(), count };
      `);
      // the mark is labelled with the burst's first address; 0x4000e000 is a later one
      assert.equal(seen.first, "0x40008000");
      assert.deepEqual(seen.found, [false]);
      assert.deepEqual(seen.none, [true]);
      assert.equal(seen.count, "0 matches");
    });

    await t.step(
      "part of an address keeps every word lane containing it, in its run only",
      async () => {
        const seen = await fresh<{ all: string[]; words: string[]; other: number }>(`
        const all = words("#run-1");
        search("#run-1", "4000e");
        return { all, words: words("#run-1"), other: words("#run-2").length };
      `);
        const expected = seen.all.filter((a) => a.includes("4000e"));
        assert.ok(expected.length >= 2, JSON.stringify(seen));
        assert.deepEqual(seen.words, expected);
        assert.equal(seen.other, 32, "the other run's word lanes stay");
      },
    );

    await t.step("a new search drops the old highlights; an empty one drops them all", async () => {
      const seen = await fresh<Record<string, number | string>>(`
        search("#run-1", "0x4000e000");
        const firstSegs = shown("#run-1", '.word[data-addr="0x4000e000"] .seg.hit').length;
        search("#run-1", "0x40008000");
        const stale = document.querySelectorAll('#run-1 .word[data-addr="0x4000e000"] .seg.hit').length;
        const second = document.querySelectorAll('#run-1 .word[data-addr="0x40008000"] .seg.hit').length;
        const count = search("#run-1", "");
        return { firstSegs, stale, second, count, hits: document.querySelectorAll("#run-1 .hit").length,
          dimmed: document.querySelectorAll("#run-1 .mark-span.miss").length,
          words: words("#run-1").length };
      `);
      assert.ok(
        (seen.firstSegs as number) > 0 && (seen.second as number) > 0,
        JSON.stringify(seen),
      );
      assert.deepEqual(
        { ...seen, firstSegs: 0, second: 0 },
        { firstSegs: 0, stale: 0, second: 0, count: "", hits: 0, dimmed: 0, words: 32 },
      );
    });
  });
});
