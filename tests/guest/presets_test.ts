import assert from "node:assert/strict";
import fc from "fast-check";
import { assertThrowsScenario } from "../support/scenario_error.ts";
import {
  DEFAULT_IMAGE_BASE,
  imageLayout,
  imageValue,
  noMaintenance,
  presets,
  type Step,
  vaCorrect,
  zImage32,
  ZIMAGE32_PC,
} from "../../lib/guest/mod.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

type Kind = Step["kind"];

function indexWhere(steps: Step[], pred: (s: Step) => boolean, from = 0): number {
  for (let i = from; i < steps.length; i++) if (pred(steps[i])) return i;
  return -1;
}

const isMmuOn = (s: Step) => s.kind === "sctlr" && s.bits.m === true && s.bits.c === true;
const isCachesOff = (s: Step) => s.kind === "sctlr" && s.bits.c === false;
const count = (steps: Step[], kind: Kind) => steps.filter((s) => s.kind === kind).length;

Deno.test("zImage32 2015: exactly one set/way walk between MMU on and MMU off", () => {
  const steps = zImage32({ era: "2015" });
  const on = indexWhere(steps, isMmuOn);
  const off = indexWhere(steps, isCachesOff, on + 1);
  assert.ok(on >= 0 && off > on, "MMU on, then off");
  const between = steps.slice(on + 1, off).filter((s) => s.kind === "sw_walk");
  assertEquals(between, [{ kind: "sw_walk", vcpu: 0, op: "cisw" }]);
  // __armv7_mmu_cache_off walks again, with caches off.
  assertEquals(steps.slice(off + 1).filter((s) => s.kind === "sw_walk").length, 1);
  assertEquals(count(steps, "dc_va"), 0);
  // TTBR0, DACR and TTBCR are loaded before SCTLR, as __armv7_mmu_cache_on does.
  assertEquals(
    steps.slice(0, on).filter((s) => s.kind === "vm_reg").map((s) => s.kind === "vm_reg" && s.reg),
    ["TTBR0", "DACR", "TCR"],
  );
});

Deno.test("zImage32 by-va: no set/way, a clean+invalidate by VA covering the image before caches off", () => {
  const steps = zImage32({ era: "by-va", pages: 4, words: 40 });
  assertEquals(count(steps, "sw_walk") + count(steps, "sw"), 0);
  const off = indexWhere(steps, isCachesOff);
  const dcs = steps.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === "dc_va");
  assertEquals(dcs.length, 1);
  const { s: dc, i } = dcs[0];
  assert.ok(dc.kind === "dc_va" && i < off, "the clean comes before caches off");
  assertEquals([dc.op, dc.addr, dc.len], ["civac", DEFAULT_IMAGE_BASE, 4 * 4096]);
  for (const w of steps.filter((s) => s.kind === "write")) {
    assert.ok(w.kind === "write" && w.addr >= dc.addr && w.addr + 4 <= dc.addr + dc.len);
  }
});

Deno.test("zImage32 2021: caches off first, then the by-VA clean of image and BSS", () => {
  const steps = zImage32({ era: "2021", pages: 2, words: 8 });
  const off = indexWhere(steps, isCachesOff);
  const dc = indexWhere(steps, (s) => s.kind === "dc_va");
  assert.ok(dc > off, "cleaned after caches off");
  const s = steps[dc];
  assert.ok(s.kind === "dc_va");
  assertEquals(s.len, 3 * 4096);
});

Deno.test("zImage32: __armv7_mmu_cache_on writes TTBR0, DACR, TTBCR, then SCTLR, in every era", async () => {
  for (const era of ["2015", "by-va", "2021"] as const) {
    const steps = zImage32({ era });
    const on = indexWhere(steps, isMmuOn);
    const writes = steps.slice(0, on).flatMap((s) => s.kind === "vm_reg" ? [[s.reg, s.value]] : []);
    assertEquals(writes, [["TTBR0", 0x4000_4000], ["DACR", 0xffff_fffd], ["TCR", 0]], era);
    const ttbcr = steps.findIndex((s) => s.kind === "vm_reg" && s.reg === "TCR");
    assertEquals(steps[ttbcr - 1], {
      kind: "pc",
      vcpu: 0,
      addr: 0x4000_8000 + ZIMAGE32_PC.armv7MmuCacheOnTtbcr,
    });
  }
  // Under kvm-4.0 (TVM set at reset) each of the three traps and toggles nothing.
  const { vm } = await import("../../lib/dsl/vm.ts");
  const run = await vm().machine("xgene1").guest((g) => g.zImage32()).run();
  const toggles = run.events.filter((e) => e.name === "kvm_toggle_cache");
  assertEquals(toggles.slice(0, 4).map((e) => [e.pc, e.was, e.now]), [
    [0x4000_84e4, false, false],
    [0x4000_84e8, false, false],
    [0x4000_84ec, false, false],
    [0x4000_84f0, false, true],
  ]);
  assert.ok(run.trace().includes("vm_reg_write: TCR = 0x00000000"));
});

Deno.test("zImage32: writes derive from their address, spread over the pages, read back with caches off", () => {
  const steps = zImage32({ pages: 8, words: 64 });
  const writes = steps.filter((s) => s.kind === "write");
  const reads = steps.filter((s) => s.kind === "read");
  assertEquals(writes.length, 64);
  const written = new Map(writes.map((w) => [w.kind === "write" && w.addr, w]));
  assertEquals(written.size, 64, "distinct addresses");
  const pages = new Set<number>();
  const lines = new Set<number>();
  for (const w of writes) {
    assert.ok(w.kind === "write");
    assertEquals(w.value, imageValue(w.addr));
    assert.ok(w.value !== 0);
    pages.add(Math.floor((w.addr - DEFAULT_IMAGE_BASE) / 4096));
    lines.add(Math.floor(w.addr / 64));
  }
  assertEquals(pages.size, 8);
  assertEquals(lines.size, 64, "every word in its own line");
  assert.ok(reads.length >= 8 && reads.length < writes.length, "a subset is read");
  const readPages = new Set(
    reads.map((r) => r.kind === "read" && Math.floor((r.addr - DEFAULT_IMAGE_BASE) / 4096)),
  );
  assertEquals(readPages.size, 8, "reads cover every page");
  const lastOff = steps.findLastIndex(isCachesOff);
  const firstRead = indexWhere(steps, (s) => s.kind === "read");
  assert.ok(firstRead > lastOff, "the kernel reads after caches are off");
  for (const r of reads) assert.ok(r.kind === "read" && written.has(r.addr));
});

Deno.test("zImage32: PCs name the decompressor near the load address and the kernel at its base", () => {
  const load = 0x4001_0000;
  const steps = zImage32({ load, base: 0x4020_0000 });
  const pcs = steps.filter((s) => s.kind === "pc").map((s) => s.kind === "pc" && s.addr);
  assertEquals(pcs[0], load + ZIMAGE32_PC.start);
  assert.ok(pcs.includes(load + ZIMAGE32_PC.armv7MmuCacheOnSctlr));
  assert.ok(pcs.includes(load + ZIMAGE32_PC.armv7MmuCacheFlushBySw));
  assertEquals(pcs.at(-1), 0x4020_0040);
  // TTBR0 points at the 16 KiB table just below the kernel.
  const ttbr = steps.find((s) => s.kind === "vm_reg" && s.reg === "TTBR0");
  assert.ok(ttbr?.kind === "vm_reg");
  assertEquals(ttbr.value, 0x401f_c000);
});

Deno.test("zImage32: deterministic, and every step on the vCPU asked for", () => {
  assertEquals(zImage32({ era: "by-va" }), zImage32({ era: "by-va" }));
  const steps = zImage32({ vcpu: 2 });
  for (const s of steps) assert.ok("vcpu" in s && s.vcpu === 2);
  assertEquals(presets.zImage32.steps({}), zImage32());
});

Deno.test("zImage32: bad options are ScenarioErrors naming the option and the value", () => {
  const era = assertThrowsScenario(() => zImage32({ era: "1999" as "2015" }));
  assertEquals([era.code, era.call, era.value], ["unknown_name", "zImage32", "1999"]);
  assert.match(era.message, /by-va/);
  const words = assertThrowsScenario(() => zImage32({ words: 0 }));
  assertEquals(words.code, "out_of_range");
  assert.match(words.message, /words = 0/);
  const base = assertThrowsScenario(() => zImage32({ base: 0x4000_8004 }));
  assertEquals(base.code, "bad_address");
  assert.match(base.message, /0x40008004/);
  assertEquals(assertThrowsScenario(() => zImage32({ words: 8 * 1024 + 1 })).code, "out_of_range");
  assertEquals(assertThrowsScenario(() => zImage32({ vcpu: -1 })).code, "invalid_value");
});

Deno.test("noMaintenance: writes, caches off, reads every word, with no maintenance at all", () => {
  const steps = noMaintenance({ words: 12, pages: 3 });
  assertEquals(count(steps, "dc_va") + count(steps, "sw_walk") + count(steps, "sw"), 0);
  assertEquals(count(steps, "write"), 12);
  assertEquals(count(steps, "read"), 12);
  const off = indexWhere(steps, isCachesOff);
  assert.ok(off > indexWhere(steps, (s) => s.kind === "write"));
  assert.ok(off < indexWhere(steps, (s) => s.kind === "read"));
});

Deno.test("vaCorrect: every written line is cleaned by VA before caches off (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 200 }), (pages, n) => {
      const words = Math.min(n, pages * 1024);
      const steps = vaCorrect({ pages, words });
      const off = indexWhere(steps, isCachesOff);
      const cleaned = steps.slice(0, off).filter((s) => s.kind === "dc_va");
      for (const w of steps.filter((s) => s.kind === "write")) {
        assert.ok(w.kind === "write");
        const covered = cleaned.some((c) =>
          c.kind === "dc_va" && c.op === "cvac" && c.addr <= w.addr && w.addr + 4 <= c.addr + c.len
        );
        assert.ok(covered, `word at ${w.addr.toString(16)} is cleaned`);
      }
      assertEquals(count(steps, "read"), words);
    }),
    { seed: 20261220, numRuns: 50 },
  );
});

Deno.test("vaCorrect: the lines are cleaned in address order, across a change in the address's decimal digits too", () => {
  // 0x3b9a_c000 is below 10^9 and its next page above: an order by text would put the page above first.
  const steps = vaCorrect({ base: 0x3b9a_c000, pages: 2, words: 8 });
  const lines = steps.filter((s) => s.kind === "dc_va").map((s) => (s as { addr: number }).addr);
  assert.ok(lines.some((a) => a < 1e9) && lines.some((a) => a > 1e9));
  assertEquals(lines, [...lines].sort((a, b) => a - b));
  assertEquals(new Set(lines).size, lines.length);
});

Deno.test("imageLayout: distinct aligned words inside the image, each page used (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xfff }),
      fc.integer({ min: 1, max: 32 }),
      fc.integer({ min: 1, max: 2048 }),
      (basePage, pages, n) => {
        const words = Math.min(n, pages * 1024);
        const base = 0x4000_0000 + basePage * 4096;
        const image = imageLayout({ base, pages, words }, "test");
        const addrs = new Set(image.words.map((w) => w.addr));
        assertEquals(addrs.size, words);
        for (const w of image.words) {
          assert.ok(w.addr % 4 === 0 && w.addr >= base && w.addr < image.end);
          assertEquals(Math.floor((w.addr - base) / 4096), w.page);
        }
        assertEquals(new Set(image.words.map((w) => w.page)).size, Math.min(pages, words));
      },
    ),
    { seed: 20261221, numRuns: 100 },
  );
});

Deno.test("noMaintenance: MMU and caches on, nonzero words written, C and I cleared, all on the vCPU given", () => {
  const steps = noMaintenance({ vcpu: 1, words: 4, pages: 2, base: 0x4000_0000 });
  assertEquals(steps[0], { kind: "sctlr", vcpu: 1, bits: { m: true, c: true, i: true } });
  assertEquals(steps[5], { kind: "sctlr", vcpu: 1, bits: { c: false, i: false } });
  // Words go round the pages, 0x104 bytes apart within a page.
  const addrs = [0x4000_0000, 0x4000_1000, 0x4000_0104, 0x4000_1104];
  assertEquals(steps.slice(1, 5).map((s) => s.kind === "write" && s.addr), addrs);
  assert.ok(steps.slice(1, 5).every((s) => s.kind === "write" && s.value !== 0));
  assertEquals(steps.slice(6), addrs.map((addr) => ({ kind: "read", vcpu: 1, addr })));
  assertEquals(steps.length, 10);
});

Deno.test("presets: every preset is registered under its own name, and runs the guest it describes", () => {
  for (const [key, p] of Object.entries(presets)) assertEquals(p.name, key);
  assertEquals(Object.keys(presets), [
    "zImage32",
    "linuxArm64",
    "edk2",
    "uboot",
    "smpSecondary",
    "noMaintenance",
    "vaCorrect",
  ]);
  for (const p of Object.values(presets)) {
    if (p.name !== "noMaintenance") assert.match(p.source, /\.(S|c)\b/, p.name);
  }
  const buggy = presets.noMaintenance.steps({ words: 4 });
  assertEquals(count(buggy, "dc_va") + count(buggy, "sw_walk"), 0);
  const correct = presets.vaCorrect.steps({ words: 4 });
  assert.ok(correct.some((s) => s.kind === "dc_va" && s.op === "cvac"));
  // The default zImage32 era is 2015: whole set/way walks, in AArch32.
  const zimage = presets.zImage32.steps();
  assertEquals(zimage[0], { kind: "exec_state", vcpu: 0, aarch32: true });
  assert.ok(count(zimage, "sw_walk") > 0);
});
