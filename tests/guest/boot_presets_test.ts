import assert from "node:assert/strict";
import fc from "fast-check";
import { ScenarioError } from "../../lib/errors.ts";
import {
  DEFAULT_L1,
  edk2,
  linuxArm64,
  mapBlock4k,
  presets,
  smpSecondary,
  type Step,
  TABLE_SIZE,
  uboot,
} from "../../lib/guest/mod.ts";
import { machines, vm } from "../../mod.ts";

function throwsScenario(fn: () => unknown, code: string, call: string): ScenarioError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected a ScenarioError, got ${e}`);
    assert.equal(e.code, code);
    assert.ok(e.message.startsWith(`${call}(`), e.message);
    return e;
  }
  throw new assert.AssertionError({ message: "expected the call to throw" });
}

const indexOf = (steps: Step[], pred: (s: Step) => boolean, from = 0) => {
  for (let i = from; i < steps.length; i++) if (pred(steps[i])) return i;
  return -1;
};
const isMmuOn = (s: Step): s is Extract<Step, { kind: "sctlr" }> =>
  s.kind === "sctlr" && s.bits.m === true;
const isWrite = (s: Step) => s.kind === "write";

Deno.test("linuxArm64: boot_args and tables are invalidated by VA after their MMU-off stores", () => {
  const steps = linuxArm64({ words: 8, pages: 2 });
  const on = indexOf(steps, isMmuOn);
  assert.ok(on > 0);
  const before = steps.slice(0, on);
  assert.equal(before.filter((s) => s.kind === "sw_walk" || s.kind === "sw").length, 0);
  // Every guest store before MMU on is covered by a later DC IVAC, and the tables by an earlier one.
  before.forEach((s, i) => {
    if (s.kind !== "write") return;
    const later = before.slice(i + 1).some((d) =>
      d.kind === "dc_va" && d.op === "ivac" && d.addr <= s.addr && s.addr < d.addr + d.len
    );
    assert.ok(later, `store at 0x${s.addr.toString(16)} is invalidated afterwards`);
  });
  const ivacs = before.filter((s) => s.kind === "dc_va");
  assert.equal(ivacs.length, 3);
  // The VM registers of __cpu_setup and __enable_mmu, in order, just before SCTLR.
  assert.deepEqual(
    before.filter((s) => s.kind === "vm_reg").map((s) => s.kind === "vm_reg" && s.reg),
    ["MAIR0", "TCR", "TTBR0", "TTBR1"],
  );
  // After MMU on: the descriptors, boot_args and the image are read.
  const reads = steps.slice(on).filter((s) => s.kind === "read");
  const stores = before.filter(isWrite);
  const storedAddrs = new Set(stores.map((s) => s.kind === "write" && s.addr));
  assert.ok(reads.filter((r) => r.kind === "read" && storedAddrs.has(r.addr)).length >= 7);
});

Deno.test("linuxArm64: the VMM loads the image unless a firmware did", () => {
  const vmm = linuxArm64({ words: 4, pages: 2 });
  assert.equal(vmm.filter((s) => s.kind === "host_write").length, 4);
  assert.deepEqual(vmm[0], { kind: "exec_state", vcpu: 0, aarch32: false }, "AArch64 code");
  assert.equal(
    indexOf(vmm, (s) => s.kind !== "host_write" && s.kind !== "exec_state"),
    5,
    "host writes come first, after the vCPU's execution state",
  );
  const fw = linuxArm64({ words: 4, pages: 2, loadedBy: "firmware" });
  assert.equal(fw.filter((s) => s.kind === "host_write").length, 0);
  // x0 carries the FDT address.
  const fdt = linuxArm64({ fdt: 0x4400_0000 }).find((s) => s.kind === "write");
  assert.ok(fdt?.kind === "write" && fdt.value === 0x4400_0000);
});

Deno.test("linuxArm64: secondaries are the other vCPUs, each after the primary cleans secondary_data", () => {
  const steps = linuxArm64({ vcpu: 1, cpus: 3, words: 4, pages: 1 });
  const mmuOn = steps.filter(isMmuOn).map((s) => s.vcpu);
  assert.deepEqual(mmuOn, [1, 0, 2]);
  for (const secondary of [0, 2]) {
    const first = indexOf(
      steps,
      (s) => "vcpu" in s && s.vcpu === secondary && s.kind !== "pc" && s.kind !== "exec_state",
    );
    const clean = steps.slice(0, first).filter((s) =>
      s.kind === "dc_va" && s.op === "civac" && s.vcpu === 1
    );
    assert.ok(clean.length >= 1, `vCPU ${secondary} starts after a clean of secondary_data`);
  }
});

Deno.test("linuxArm64: bad options name the preset and the value", () => {
  throwsScenario(() => linuxArm64({ cpus: 0 }), "out_of_range", "linuxArm64");
  throwsScenario(() => linuxArm64({ cpus: 1.5 }), "invalid_value", "linuxArm64");
  throwsScenario(
    () => linuxArm64({ loadedBy: "bootrom" as "vmm" }),
    "unknown_name",
    "linuxArm64",
  );
  throwsScenario(() => linuxArm64({ fdt: 0x4000_0002 }), "bad_address", "linuxArm64");
});

Deno.test("uboot: caches off first, then the set/way flush and invalidate, then the kernel reads", () => {
  const steps = uboot({ words: 8, pages: 2 });
  const walks = steps.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === "sw_walk");
  assert.deepEqual(walks.map(({ s }) => s.kind === "sw_walk" && s.op), ["isw", "cisw", "isw"]);
  const cOn = indexOf(steps, (s) => s.kind === "sctlr" && s.bits.c === true);
  const off = indexOf(steps, (s) => s.kind === "sctlr" && s.bits.c === false);
  assert.ok(walks[0].i < cOn, "the boot invalidate runs with caches off");
  const offStep = steps[off];
  assert.ok(offStep.kind === "sctlr" && offStep.bits.m === false, "dcache_disable clears C and M");
  assert.ok(off < walks[1].i && walks[1].i < walks[2].i, "flush and invalidate after caches off");
  assert.equal(steps.filter((s) => s.kind === "dc_va").length, 0);
  const lastWalk = walks[2].i;
  const imageReads = steps.slice(lastWalk).filter((s) => s.kind === "read");
  assert.equal(imageReads.length, 8);
});

Deno.test("edk2: S/W with caches off at MMU set-up; clean with caches on, invalidate after", () => {
  const steps = edk2({ words: 4, pages: 1 });
  const walks = steps.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === "sw_walk");
  assert.deepEqual(walks.map(({ s }) => s.kind === "sw_walk" && s.op), ["cisw", "csw", "isw"]);
  const firstMmuOn = indexOf(steps, isMmuOn);
  assert.ok(walks[0].i < firstMmuOn);
  const cOff = indexOf(steps, (s) => s.kind === "sctlr" && s.bits.c === false, firstMmuOn);
  assert.ok(walks[1].i < cOff && cOff < walks[2].i, "ArmCleanDataCache, ArmDisableDataCache, ...");
  const mOff = indexOf(steps, (s) => s.kind === "sctlr" && s.bits.m === false, cOff);
  assert.ok(mOff > walks[2].i, "ArmDisableMmu comes last");
});

Deno.test("smpSecondary: one DCISW per set and way of the L1 given, none with l1: false", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 12, max: 16 }),
      fc.integer({ min: 0, max: 3 }),
      (sizeLog, waysLog) => {
        const steps = smpSecondary({
          words: 2,
          pages: 1,
          l1: { size: 2 ** sizeLog, ways: 2 ** waysLog },
        });
        const sw = steps.filter((s) => s.kind === "sw");
        assert.equal(sw.length, 2 ** sizeLog / 64);
        const slots = new Set(sw.map((s) => s.kind === "sw" && `${s.set}/${s.way}`));
        assert.equal(slots.size, sw.length, "every slot once");
        assert.ok(
          sw.every((s) => s.kind === "sw" && s.op === "isw" && s.level === 1 && s.vcpu === 1),
        );
      },
    ),
    { seed: 20261310 },
  );
  assert.equal(smpSecondary({ l1: false }).filter((s) => s.kind === "sw").length, 0);
});

Deno.test("smpSecondary: the secondary reads secondary_data with its MMU off after the primary's clean", () => {
  const steps = smpSecondary({ vcpu: 2, secondary: 0, l1: false, words: 4, pages: 1 });
  const clean = indexOf(steps, (s) => s.kind === "dc_va" && s.op === "civac");
  const firstRead = indexOf(steps, (s) => s.kind === "read" && s.vcpu === 0);
  const mmuOn = indexOf(steps, (s) => s.kind === "sctlr" && s.bits.m === true && s.vcpu === 0);
  assert.ok(clean >= 0 && clean < firstRead && firstRead < mmuOn);
  throwsScenario(() => smpSecondary({ secondary: 0 }), "invalid_value", "smpSecondary");
  throwsScenario(
    () => smpSecondary({ l1: { size: 3000, ways: 4 } }),
    "bad_geometry",
    "smpSecondary",
  );
});

Deno.test("mapBlock4k: three descriptors, one per table page, table-table-block", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xfff }),
      fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
      fc.integer({ min: 0, max: 0x7fff }),
      (tablePage, va, paPage) => {
        const tables = 0x4000_0000 + tablePage * TABLE_SIZE;
        const pa = 0x4000_0000 + paPage * 0x1_0000;
        const [l0, l1, l2] = mapBlock4k(tables, va, pa, 0x711);
        for (const [i, d] of [l0, l1, l2].entries()) {
          const page = tables + i * TABLE_SIZE;
          assert.ok(d.addr >= page && d.addr < page + TABLE_SIZE && d.addr % 8 === 0);
        }
        assert.equal(l0.value, (tables + TABLE_SIZE + 3) >>> 0);
        assert.equal(l1.value, (tables + 2 * TABLE_SIZE + 3) >>> 0);
        assert.equal(l2.value & 0x3, 1, "a block descriptor");
        assert.equal(l2.value - 0x711, pa - (pa % 0x20_0000));
        // VA[47:39], VA[38:30] and VA[29:21] index the three tables (4 KiB granule).
        assert.equal((l0.addr - tables) / 8, Number((va >> 39n) & 511n));
        assert.equal((l1.addr - (tables + TABLE_SIZE)) / 8, Number((va >> 30n) & 511n));
        assert.equal((l2.addr - (tables + 2 * TABLE_SIZE)) / 8, Number((va >> 21n) & 511n));
      },
    ),
    { seed: 20261311 },
  );
});

Deno.test("presets: every preset is registered with a description and the code it follows", () => {
  for (const name of ["linuxArm64", "edk2", "uboot", "smpSecondary"] as const) {
    const p = presets[name];
    assert.equal(p.name, name);
    assert.ok(p.description.length > 20 && !p.description.includes("\n"));
    assert.match(p.source, /\.(S|c)\b/);
    assert.ok(p.steps().length > 10);
  }
});

Deno.test("DSL: linuxArm64 boots every vCPU of the VM; smpSecondary's L1 walk is checked against the machine at run time", async () => {
  const s = vm().cpus(3).guest((g) => g.linuxArm64({ words: 4, pages: 1 })).toJSON();
  assert.deepEqual(s.steps.filter(isMmuOn).map((x) => x.vcpu), [0, 1, 2]);
  // TC2's Cortex-A15 L1 is 2-way: a 4-way walk names ways it does not have, which
  // is no builder error (they trap like any other) but architecturally invalid.
  const wide = await vm().machine("tc2").cpus(2).guest((g) => g.smpSecondary({ l1: DEFAULT_L1 }))
    .run();
  assert.ok(
    wide.verdict.archInvalid.some((r) =>
      /^S\/W operand level 1 set \d+ way [23] .*2 ways\)$/.test(r)
    ),
    wide.verdict.archInvalid.join("; "),
  );
  // By default the walk is the machine's own L1, on every board.
  for (const name of ["generic", "tc2", "juno-r0", "xgene1", "armada-8040", "neoverse-n1"]) {
    const b = vm().machine(name).cpus(2).guest((g) => g.smpSecondary({ words: 4, pages: 1 }));
    const l1 = machines[name].clusters[0].l1d;
    const walk = b.toJSON().steps.filter((x) => x.kind === "sw");
    assert.equal(walk.length, l1.size / (l1.lineSize ?? 64), name);
  }
  const run = await vm().machine("tc2").cpus(2)
    .guest((g) => g.smpSecondary({ words: 4, pages: 1, l1: machines.tc2.clusters[0].l1d }))
    .run();
  assert.equal(run.verdict.ok, true);
});
