// The exported tests build with aarch64-linux-gnu-gcc and pass under QEMU TCG (no caches:
// every read of a correct program sees the last write), and a wrong expectation fails there.
import assert from "node:assert/strict";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { exportBaremetal } from "../../lib/export/mod.ts";
import { vm } from "../../mod.ts";
import { exec } from "../binary/tools.ts";
import {
  allKindsScenario,
  boot,
  build,
  toolchain,
  vaCleanScenario,
  writeFiles,
  zImageScenario,
} from "./helpers.ts";

const tools = await toolchain();

const READ_LINE = /^read {2}steps\[(\d+)\] 0x([0-9a-f]{16}) = 0x([0-9a-f]{8}) (ok|STALE.*)$/;

/** What each read must print, worked out from the steps alone: the last write, else 0. */
function expectedLines(scenario: Scenario): string[] {
  const memory = new Map<number, number>();
  const lines: string[] = [];
  scenario.steps.forEach((s, i) => {
    if (s.kind === "write" || s.kind === "host_write") memory.set(s.addr, s.value >>> 0);
    if (s.kind === "read") {
      const v = memory.get(s.addr) ?? 0;
      lines.push(
        `read  steps[${i}] 0x${s.addr.toString(16).padStart(16, "0")} = 0x${
          v.toString(16).padStart(8, "0")
        } ok`,
      );
    }
  });
  return lines;
}

async function exportBuildBoot(
  scenario: Scenario,
  name: string,
  edit?: (files: Record<string, string>) => void,
): Promise<string> {
  const out = exportBaremetal(scenario, { name });
  const files = { ...out.files };
  edit?.(files);
  const dir = await writeFiles(files);
  try {
    await build(dir);
    return await boot(dir, out.run);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const CASES: readonly { name: string; scenario: () => Scenario; cpus: number; notes: number }[] = [
  {
    name: "zImage32 (2015: set/way walks)",
    scenario: () => zImageScenario("2015"),
    cpus: 1,
    notes: 0,
  },
  { name: "zImage32 (by-va)", scenario: () => zImageScenario("by-va"), cpus: 1, notes: 0 },
  { name: "vaCorrect", scenario: vaCleanScenario, cpus: 1, notes: 0 },
  { name: "every step kind, two vCPUs", scenario: allKindsScenario, cpus: 2, notes: 1 },
];

Deno.test("export --baremetal: builds and passes under qemu-system-aarch64 -M virt (TCG)", async (t) => {
  if (!tools.ok) assert.fail(tools.message);
  for (const c of CASES) {
    await t.step(c.name, async () => {
      const scenario = c.scenario();
      const { run } = exportBaremetal(scenario, { name: c.name });
      assert.deepEqual(run.slice(0, 7), [
        "qemu-system-aarch64",
        "-M",
        "virt",
        "-cpu",
        "cortex-a57",
        "-smp",
        String(c.cpus),
      ]);
      const uart = await exportBuildBoot(scenario, c.name);
      const lines = uart.split("\n").filter((l) => l !== "");
      assert.equal(lines[0], `setway bare-metal test: ${c.name}`, uart);
      const reads = lines.filter((l) => READ_LINE.test(l));
      const want = expectedLines(scenario);
      assert.ok(want.length > 0);
      assert.deepEqual(reads, want, uart);
      const last = lines.at(-1) ?? "";
      assert.equal(last, `PASS: ${want.length} reads, 0 stale, ${c.notes} notes`, uart);
    });
  }
});

Deno.test("export --baremetal: a read that does not return its expected value prints STALE and FAIL", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const scenario = vaCleanScenario();
  const want = expectedLines(scenario);
  // Corrupt the expected value of the first read in the generated table.
  const uart = await exportBuildBoot(scenario, "corrupted", (files) => {
    const c = files["scenario.c"];
    const at = c.indexOf(".kind = STEP_READ");
    const value = c.indexOf(".value = 0x", at) + ".value = ".length;
    files["scenario.c"] = c.slice(0, value) + "0xdeadbeef" + c.slice(value + 10);
  });
  const stale = uart.split("\n").filter((l) => l.includes("STALE"));
  assert.equal(stale.length, 1, uart);
  assert.equal(stale[0], want[0].replace(/ ok$/, " STALE, expected 0xdeadbeef"));
  assert.match(uart, new RegExp(`\\nFAIL: ${want.length} reads, 1 stale, 0 notes\\n?$`));
});

Deno.test("export --baremetal: every preloaded word, the last one too, is in memory when the program starts", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // Two host writes, each read back. In the cases above the last entry of
  // preloads[] is a 0, which QEMU's memory holds anyway; here it is not.
  const scenario = vm().guest((g) =>
    g.append([
      { kind: "host_write", addr: 0x4000_8000, value: 0x1111_1111 },
      { kind: "host_write", addr: 0x4003_0000, value: 0x2222_2222 },
      { kind: "read", vcpu: 0, addr: 0x4000_8000 },
      { kind: "read", vcpu: 0, addr: 0x4003_0000 },
    ])
  ).toJSON();
  const uart = await exportBuildBoot(scenario, "preloads", (files) => {
    assert.match(
      files["scenario.c"],
      /\{ \.addr = 0x40030000UL, \.value = 0x22222222 \},\n\};\nconst u32 nr_preloads = 2;/,
    );
  });
  const lines = uart.split("\n").filter((l) => l !== "");
  assert.deepEqual(lines.filter((l) => l.startsWith("read ")), [
    "read  steps[2] 0x0000000040008000 = 0x11111111 ok",
    "read  steps[3] 0x0000000040030000 = 0x22222222 ok",
  ], uart);
  assert.equal(lines.at(-1), "PASS: 2 reads, 0 stale, 0 notes", uart);
});

Deno.test("export --baremetal: an exception is reported with its vector, ESR, ELR and FAR, and fails the test", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // A load from 2^47, beyond the physical and the mapped addresses, before the
  // preloads: a data abort taken from EL1 on SP_EL1, vector 4 (offset 0x200).
  const out = exportBaremetal(
    vm().guest((g) => g.write(0x4000_8000, 1).read(0x4000_8000)).toJSON(),
    { name: "fault" },
  );
  const files = { ...out.files };
  const before = "\tpreload_memory();\n";
  assert.equal(files["main.c"].split(before).length, 2);
  files["main.c"] = files["main.c"].replace(
    before,
    '\tasm volatile(".global fault_site\\nfault_site: ldr w0, [%0]" : : "r"(0x800000000000UL) : "x0", "memory");\n' +
      before,
  );
  const dir = await writeFiles(files);
  try {
    await build(dir);
    const nm = await exec(["aarch64-linux-gnu-nm", "test.elf"], dir);
    const site = /^([0-9a-f]{16}) T fault_site$/m.exec(nm);
    assert.ok(site !== null, nm);
    const lines = (await boot(dir, out.run)).split("\n").filter((l) => l !== "");
    // ESR_EL1: EC 0x25 (a data abort from the current EL), IL set, DFSC 0 (an address size
    // fault at level 0).
    assert.deepEqual(lines, [
      "setway bare-metal test: fault",
      `exception: vector 4, ESR_EL1 0x96000000, ELR_EL1 0x${site[1]}, FAR_EL1 0x0000800000000000`,
      "FAIL: unexpected exception",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
