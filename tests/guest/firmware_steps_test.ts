import assert from "node:assert/strict";
import { assertThrowsScenario } from "../support/scenario_error.ts";
import {
  edk2,
  EDK2_PC,
  linuxArm64,
  type Step,
  TABLE_SIZE,
  uboot,
  UBOOT_PC,
  zImage32,
  ZIMAGE32_PC,
} from "../../lib/guest/mod.ts";

/** The value each write to the VM register `reg` stores, by vCPU, in program order. */
function vmRegWrites(steps: Step[], reg: string): [number, number][] {
  return steps.flatMap((s) => s.kind === "vm_reg" && s.reg === reg ? [[s.vcpu, s.value]] : []);
}

/** The steps after the first `pc` step at `addr`, up to the next `pc` step. */
function stepsAt(steps: Step[], addr: number): Step[] {
  const start = steps.findIndex((s) => s.kind === "pc" && s.addr === addr);
  assert.ok(start >= 0, `a pc step at 0x${addr.toString(16)}`);
  const end = steps.findIndex((s, i) => i > start && s.kind === "pc");
  return steps.slice(start + 1, end < 0 ? undefined : end);
}

Deno.test("edk2: SCTLR goes M, C, I off, then I, C, M on, then C, I, M off at the hand-over", () => {
  const bits = edk2({ words: 4, pages: 1 }).flatMap((s) => s.kind === "sctlr" ? [s.bits] : []);
  assert.deepEqual(bits, [
    { m: false },
    { c: false },
    { i: false },
    { i: true },
    { c: true },
    { m: true },
    { c: false },
    { i: false },
    { m: false },
  ]);
});

Deno.test("edk2: TTBR0 points at the root table, written in the three pages right after the image", () => {
  // Image at 0x4008_0000, two pages: the tables start at 0x4008_2000.
  const steps = edk2({ words: 4, pages: 2 });
  const root = 0x4008_2000;
  assert.deepEqual(vmRegWrites(steps, "TTBR0"), [[0, root]]);
  const fill = stepsAt(steps, EDK2_PC.prePiFillTranslationTable);
  assert.equal(fill.length, 3);
  fill.forEach((s, level) => {
    assert.ok(s.kind === "write");
    const page = root + level * TABLE_SIZE;
    assert.ok(s.addr >= page && s.addr < page + TABLE_SIZE, `level ${level} in its own page`);
  });
  // The walker reads the same three descriptors once the MMU is on, before the image is loaded.
  const mmuOn = steps.findIndex((s) => s.kind === "sctlr" && s.bits.m === true);
  const load = steps.findIndex((s) => s.kind === "pc" && s.addr === EDK2_PC.dxeLoadImage);
  assert.deepEqual(
    steps.slice(mmuOn + 1, load),
    fill.map((s) => ({ kind: "read", vcpu: 0, addr: s.kind === "write" ? s.addr : -1 })),
  );
});

Deno.test("uboot: the section table sits on the next 64 KiB boundary after the image, with only the image's section normal memory", () => {
  // Image at 0x4008_0000, eight pages: it ends at 0x4008_8000; it lies in section 2 (1 GiB).
  const steps = uboot({ words: 4 });
  const tlb = 0x4009_0000;
  assert.deepEqual(stepsAt(steps, UBOOT_PC.mmuSetup), [
    { kind: "write", vcpu: 0, addr: tlb, value: 0x0000_0401 },
    { kind: "write", vcpu: 0, addr: tlb + 8, value: 0x2000_0401 },
    { kind: "write", vcpu: 0, addr: tlb + 16, value: 0x4000_0411 },
    { kind: "write", vcpu: 0, addr: tlb + 24, value: 0x6000_0401 },
  ]);
  assert.deepEqual(vmRegWrites(steps, "TTBR0"), [[0, tlb]]);
  // An image high in RAM: the first two sections, then the image's and the next.
  const high = stepsAt(uboot({ base: 0xa010_0000, words: 4 }), UBOOT_PC.mmuSetup);
  assert.deepEqual(high.map((s) => s.kind === "write" && [s.addr, s.value]), [
    [0xa011_0000, 0x0000_0401],
    [0xa011_0008, 0x2000_0401],
    [0xa011_0028, 0xa000_0411],
    [0xa011_0030, 0xc000_0401],
  ]);
});

Deno.test("linuxArm64: every CPU loads TTBR0 with the idmap and TTBR1 with swapper_pg_dir, three pages each after boot_args", () => {
  // Image at 0x4008_0000, one page: boot_args at 0x4008_1000, idmap at 0x4008_2000.
  const steps = linuxArm64({ cpus: 2, words: 4, pages: 1 });
  const idmap = 0x4008_2000;
  const swapper = idmap + 3 * TABLE_SIZE;
  assert.deepEqual(vmRegWrites(steps, "TTBR0"), [[0, idmap], [1, idmap]]);
  assert.deepEqual(vmRegWrites(steps, "TTBR1"), [[0, swapper], [1, swapper]]);
  const pages = steps.flatMap((s) =>
    s.kind === "write" && s.addr >= idmap ? [Math.floor((s.addr - idmap) / TABLE_SIZE)] : []
  );
  assert.deepEqual(pages, [0, 1, 2, 3, 4, 5], "one descriptor in each table page");
});

Deno.test("linuxArm64: every booted vCPU is set to AArch64 first, and each secondary reads secondary_data itself", () => {
  const steps = linuxArm64({ vcpu: 1, cpus: 3, words: 4, pages: 1, loadedBy: "firmware" });
  assert.deepEqual(steps.slice(0, 3), [
    { kind: "exec_state", vcpu: 1, aarch32: false },
    { kind: "exec_state", vcpu: 0, aarch32: false },
    { kind: "exec_state", vcpu: 2, aarch32: false },
  ]);
  assert.equal(steps.filter((s) => s.kind === "exec_state").length, 3);
  // secondary_data: 0x100 into the page after the one-page image at 0x4008_0000.
  const data = 0x4008_1100;
  const reads = steps.flatMap((s) =>
    s.kind === "read" && s.addr >= data && s.addr < data + 16 ? [[s.vcpu, s.addr]] : []
  );
  assert.deepEqual(reads, [[0, data], [0, data + 8], [2, data], [2, data + 8]]);
});

Deno.test("zImage32: the load address must be 4-byte aligned", () => {
  const e = assertThrowsScenario(() => zImage32({ load: 0x4000_8002 }));
  assert.deepEqual([e.code, e.call, e.value], ["bad_address", "zImage32", 0x4000_8002]);
  assert.equal(zImage32({ load: 0x4000_8004 })[1].kind, "pc");
});

Deno.test("zImage32: 32-bit code, its every instruction below 4 GiB", () => {
  const last = Math.max(...Object.values(ZIMAGE32_PC));
  const highest = 0x1_0000_0000 - 4 - last;
  const pcs = zImage32({ load: highest }).flatMap((s) => s.kind === "pc" ? [s.addr] : []);
  assert.equal(Math.max(...pcs), 0xffff_fffc);
  for (const load of [highest + 4, 2 ** 32, 2 ** 40]) {
    const e = assertThrowsScenario(() => zImage32({ load }));
    assert.deepEqual([e.code, e.call, e.value], ["bad_address", "zImage32", load]);
    assert.match(e.message, /32-bit code/);
  }
});

Deno.test("zImage32: the page directory is the 16 KiB below the kernel's 16 KiB-aligned base", () => {
  for (
    const [base, pgdir] of [
      [0x4000_9000, 0x4000_4000],
      [0x4020_3000, 0x401f_c000],
      [0x4000_c000, 0x4000_8000],
    ]
  ) {
    assert.deepEqual(
      vmRegWrites(zImage32({ base, words: 4 }), "TTBR0"),
      [[0, pgdir]],
      base.toString(16),
    );
  }
});
