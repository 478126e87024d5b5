// The rendered files at the edges the goldens do not reach: C literals of
// odd titles and values, a program larger than one 2 MiB block, scenario
// data beyond RAM's first GiB or QEMU's default 128 MiB, the default title.
// The boots build with aarch64-linux-gnu-gcc and run under QEMU TCG.
import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/vm.ts";
import { exportBaremetal } from "../../lib/export/mod.ts";
import { renderLinkerScript } from "../../lib/export/render_build.ts";
import { cString, cWord } from "../../lib/export/render_scenario.ts";
import { boot, build, toolchain, writeFiles } from "./helpers.ts";

const tools = await toolchain();

/** Builds and boots an export; returns its UART lines. */
async function bootLines(out: ReturnType<typeof exportBaremetal>): Promise<string[]> {
  const dir = await writeFiles(out.files);
  try {
    await build(dir);
    return (await boot(dir, out.run)).split("\n").filter((l) => l !== "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cString: quotes and backslashes are escaped, control characters and DEL become ?", () => {
  assert.equal(cString('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
  assert.equal(cString("tab\there\x7f~ é"), '"tab?here?~ ?"');
});

Deno.test("cWord: the low 32 bits of any number, as eight hexadecimal digits", () => {
  assert.equal(cWord(0), "0x00000000");
  assert.equal(cWord(0xffff_ffff), "0xffffffff");
  assert.equal(cWord(-1), "0xffffffff");
  assert.equal(cWord(2 ** 32 + 5), "0x00000005");
});

Deno.test("test.ld: the program's end is the layout's, however many blocks it takes", () => {
  const ld = renderLinkerScript({ programBase: 0x4020_0000, programEnd: 0x4060_0000 });
  assert.match(ld, /^\t\. = 0x40200000;$/m);
  assert.match(ld, /^\t__program_end = 0x40600000;$/m);
});

Deno.test("export: without a name the test is titled scenario", () => {
  const out = exportBaremetal(vm().guest((g) => g.write(0x4000_8000, 1)).toJSON());
  assert.match(out.files["scenario.c"], /^const char scenario_title\[\] = "scenario";$/m);
  assert.match(out.files["README.md"], /^# scenario: /);
});

Deno.test("export: the files and both commands are frozen, so a caller cannot change them in place", () => {
  const out = exportBaremetal(vm().guest((g) => g.write(0x4000_8000, 1)).toJSON());
  assert.ok(Object.isFrozen(out.files));
  assert.ok(Object.isFrozen(out.build));
  assert.ok(Object.isFrozen(out.run));
  assert.throws(() => {
    (out.files as Record<string, string>)["main.c"] = "";
  }, TypeError);
});

Deno.test("export: a word past QEMU's default 128 MiB raises -m in the run command, the Makefile and the README", () => {
  // 0x48000000 is 128 MiB into RAM: its word needs a 129th MiB.
  const out = exportBaremetal(
    vm().guest((g) => g.write(0x4800_0000, 1).read(0x4800_0000)).toJSON(),
  );
  assert.deepEqual(out.run.slice(out.run.indexOf("-m"), out.run.indexOf("-m") + 2), ["-m", "129"]);
  assert.match(out.files["Makefile"], /^MEM \?= 129$/m);
  assert.ok(out.files["README.md"].includes("make run        # " + out.run.join(" ")));
});

Deno.test("export --baremetal: a program of more than one 2 MiB block links and passes under QEMU", async () => {
  if (!tools.ok) assert.fail(tools.message);
  // 32,000 steps of 64 bytes: the step table alone is nearly 2 MiB.
  const scenario = vm().guest((g) => {
    let b = g;
    for (let i = 0; i < 31_999; i++) b = b.write(0x4000_8000, i);
    return b.read(0x4000_8000);
  }).toJSON();
  const out = exportBaremetal(scenario, { name: "big" });
  assert.match(out.files["test.ld"], /^\t\. = 0x40200000;$/m);
  assert.match(out.files["test.ld"], /^\t__program_end = 0x40600000;$/m);
  assert.ok(out.files["README.md"].includes("(0x40200000 to 0x40600000) Normal Non-cacheable"));
  const lines = await bootLines(out);
  assert.equal(lines.at(-2), "read  steps[31999] 0x0000000040008000 = 0x00007cfe ok");
  assert.equal(lines.at(-1), "PASS: 1 reads, 0 stale, 0 notes");
});

Deno.test("export --baremetal: a word in RAM's second GiB is mapped, and the title keeps its quotes", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const title = 'second "GiB" \\ 0x80000000';
  const out = exportBaremetal(
    vm().ram("2G").guest((g) => g.write(0x8000_0000, 0x1234_5678).read(0x8000_0000)).toJSON(),
    { name: title },
  );
  // Two level-2 tables, for 0x40000000..0xbfffffff; QEMU's RAM up to 0x80000004.
  assert.match(out.files["scenario.c"], /^u64 l2_tables\[2\]\[512\] /m);
  assert.match(out.files["scenario.c"], /^const u32 nr_l2_tables = 2;$/m);
  assert.match(out.files["scenario.c"], /^const u64 ram_mapped = 0x80000000UL;$/m);
  assert.deepEqual(out.run.slice(out.run.indexOf("-m"), out.run.indexOf("-m") + 2), [
    "-m",
    "1025",
  ]);
  const lines = await bootLines(out);
  assert.deepEqual(lines, [
    `setway bare-metal test: ${title}`,
    "read  steps[1] 0x0000000080000000 = 0x12345678 ok",
    "PASS: 1 reads, 0 stale, 0 notes",
  ]);
});
