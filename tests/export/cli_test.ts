// `setway export --baremetal`: writes exactly the files exportBaremetal makes, where --out says.
import assert from "node:assert/strict";
import { join } from "node:path";
import { vm } from "../../lib/dsl/vm.ts";
import { exportBaremetal } from "../../lib/export/mod.ts";
import { defaultOutDir } from "../../lib/cli/export.ts";
import { cli, inProcess, ROOT, ZIMAGE } from "../cli/helpers.ts";
import zimage from "../cli/data/zimage.ts";

const ZIMAGE_PATH = join(ROOT, ZIMAGE);

Deno.test("export --baremetal --out: the exported files, written into the directory", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "setway-cli-export-" });
  try {
    const { code, io } = await inProcess(["export", "--baremetal", ZIMAGE_PATH, "--out", "t"], tmp);
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stderr, "");
    const want = exportBaremetal(zimage.toJSON(), { name: "zimage.ts" }).files;
    assert.deepEqual(
      [...io.files.keys()],
      Object.keys(want).map((n) => join(tmp, "t", n)),
    );
    for (const [name, text] of Object.entries(want)) {
      assert.equal(io.files.get(join(tmp, "t", name)), text, name);
    }
    assert.ok((await Deno.stat(join(tmp, "t"))).isDirectory);
    assert.match(io.stdout, /^wrote 13 files to t\/: 32 reads checked on 1 CPU\n/);
    assert.match(io.stdout, /make -C t run-kvm /);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("export: without --out, <name>-baremetal; a real run writes real files", async () => {
  assert.equal(defaultOutDir("scenarios/zimage.ts"), "zimage-baremetal");
  assert.equal(defaultOutDir("/a/b/run.json"), "run-baremetal");
  assert.equal(defaultOutDir(".ts"), ".ts-baremetal");
  const tmp = await Deno.makeTempDir({ prefix: "setway-cli-export-" });
  try {
    const out = await cli(["export", "--baremetal", ZIMAGE, "--out", join(tmp, "deep", "dir")]);
    assert.equal(out.code, 0, out.stderr);
    const names = [];
    for await (const e of Deno.readDir(join(tmp, "deep", "dir"))) names.push(e.name);
    assert.deepEqual(names.sort(), Object.keys(exportBaremetal(zimage.toJSON()).files).sort());
    const c = await Deno.readTextFile(join(tmp, "deep", "dir", "scenario.c"));
    assert.match(c, /const char scenario_title\[\] = "zimage\.ts";/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("export: --baremetal is required; bad scenarios exit 2 on one line", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "setway-cli-export-" });
  try {
    const none = await inProcess(["export", ZIMAGE_PATH], tmp);
    assert.equal(none.code, 2);
    assert.equal(
      none.io.stderr,
      "setway: export: say what to export: --baremetal (a bootable AArch64 test, the only target)\n",
    );
    assert.equal(none.io.files.size, 0);

    const elsewhere = vm().ram("1G", { base: 0x8000_0000 }).guest((g) => g.write(0x8000_0000, 1));
    await Deno.writeTextFile(join(tmp, "elsewhere.json"), JSON.stringify(elsewhere.toJSON()));
    const bad = await inProcess(["export", "--baremetal", "elsewhere.json"], tmp);
    assert.equal(bad.code, 2);
    assert.match(
      bad.io.stderr,
      /^setway: exportBaremetal\(ramBase = 0x80000000\): QEMU virt's RAM/,
    );
    assert.equal(bad.io.stderr.split("\n").length, 2);
    assert.equal(bad.io.files.size, 0, "nothing written for a refused scenario");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
