// The exported files are deterministic and pinned by goldens: every file of the 2015 zImage,
// and the scenario-dependent files of vaCorrect and of the every-step-kind program.
// Update with `deno test -P tests/export/ -- --update`, then review the diff.
import assert from "node:assert/strict";
import { assertGolden } from "../../lib/golden/golden.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { exportBaremetal } from "../../lib/export/mod.ts";
import { allKindsScenario, vaCleanScenario, zImageScenario } from "./helpers.ts";

const golden = (dir: string, file: string) =>
  new URL(`./golden/${dir}/${file}.golden`, import.meta.url);

const FILES = [
  "README.md",
  "Makefile",
  "test.ld",
  "setway.h",
  "start.S",
  "cache.S",
  "cache.c",
  "mmu.c",
  "psci.c",
  "uart.c",
  "main.c",
  "scenario.c",
  "scenario.json",
];

/** The files whose text depends on the scenario. */
const SCENARIO_FILES = ["README.md", "Makefile", "test.ld", "scenario.c", "scenario.json"];

Deno.test("export: every file of the 2015 zImage matches its golden", async () => {
  const { files } = exportBaremetal(zImageScenario("2015"), { name: "zimage.ts" });
  assert.deepEqual(Object.keys(files), FILES);
  for (const name of FILES) {
    await assertGolden(files[name], golden("zimage32", name), { msg: name });
  }
});

Deno.test("export: the scenario's files for vaCorrect and every step kind match their goldens", async () => {
  const cases = [
    ["va_correct", exportBaremetal(vaCleanScenario(), { name: "va_correct.ts" })],
    ["all_kinds", exportBaremetal(allKindsScenario(), { name: "all kinds" })],
  ] as const;
  for (const [dir, out] of cases) {
    for (const name of SCENARIO_FILES) {
      await assertGolden(out.files[name], golden(dir, name), { msg: `${dir}/${name}` });
    }
  }
});

Deno.test("export: the same scenario gives the same files; only the scenario's files differ", () => {
  const a = exportBaremetal(zImageScenario("2015"), { name: "z" });
  const b = exportBaremetal(zImageScenario("2015"), { name: "z" });
  assert.deepEqual(a, b);
  // Two vCPUs (Makefile's SMP) and an address in the block the zImage's program uses (test.ld).
  const other = exportBaremetal(
    vm().cpus(2).guest((g) => g.write(0x4020_0000, 1).on(1, (h) => h.read(0x4020_0000))).toJSON(),
    { name: "z" },
  );
  assert.match(other.files["test.ld"], /\. = 0x40400000;/);
  for (const name of FILES) {
    const same = a.files[name] === other.files[name];
    assert.equal(same, !SCENARIO_FILES.includes(name), `${name} ${same ? "same" : "differs"}`);
  }
});
