// Which golden directories an update judges for orphans, in a user's own project run by
// `deno test` as a subprocess: a `*.test.ts` file beside the test file shares a directory it
// names, a directory whose goldens were all touched is not listed, and a directory outside the
// test file's folder is its own whatever the files in that folder name.
import assert from "node:assert/strict";
import { join } from "node:path";
import { denoTest, summaries } from "./scratch_project.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;

/** A test file asserting each text against its golden path (relative to the test file). */
function testFile(goldens: Record<string, string>): string {
  return `import { assertGolden } from "setway";\n` +
    Object.entries(goldens).map(([path, text]) =>
      `Deno.test(${JSON.stringify(path)}, async () => {\n` +
      `  await assertGolden(${JSON.stringify(text)}, new URL(${
        JSON.stringify(path)
      }, import.meta.url));\n});\n`
    ).join("");
}

Deno.test("user goldens: a .test.ts file shares the directory it names; fully touched and outside directories are not shared", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "setway-sharing-" }));
  try {
    await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify({ imports: { setway: MOD } }));
    // zimage_test.ts keeps goldens in golden/zimage (its own) and golden/shared; tc2.test.ts
    // keeps one in golden/shared and names golden/zimage in a text.
    await Deno.writeTextFile(
      join(dir, "zimage_test.ts"),
      testFile({
        "./golden/zimage/kvm40.golden": "stage2_flush_vm\n",
        "./golden/shared/kvm318.golden": "kvm_set_way_flush\n",
      }),
    );
    await Deno.writeTextFile(
      join(dir, "tc2.test.ts"),
      testFile({ "./golden/shared/xen.golden": "flush_all, as in zimage\n" }),
    );
    // In sub/, two test files keep their goldens outside their folder, in golden/outside.
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(
      join(dir, "sub", "outside_test.ts"),
      testFile({ "../golden/outside/a.golden": "a\n" }),
    );
    await Deno.writeTextFile(
      join(dir, "sub", "peer_test.ts"),
      testFile({ "../golden/outside/b.golden": "b\n" }),
    );
    const flags = ["--allow-read=golden", "--allow-write=golden", "--allow-env=CI"];
    const created = await denoTest(dir, ["--no-check", ...flags, "--", "--update"]);
    assert.equal(created.code, 0, created.output);
    assert.equal(summaries(created.output).filter((l) => l.startsWith("golden update")).length, 4);

    // The test files readable: tc2.test.ts names golden/shared (its xen.golden is not judged)
    // and golden/zimage, whose one golden zimage_test.ts touched (nothing to list).
    const readAll = ["--allow-read=.", "--allow-write=golden", "--allow-env=CI"];
    const zimage = await denoTest(dir, ["--no-check", ...readAll, "zimage_test.ts", "--", "-u"]);
    assert.equal(zimage.code, 0, zimage.output);
    assert.deepEqual(summaries(zimage.output), [
      "golden update, zimage_test.ts: 0 updated, 0 new, 2 unchanged",
      "  shared     golden/shared: 1 golden not touched here, not judged as orphans " +
      "(tc2.test.ts there may use them)",
    ]);

    // golden/outside is not inside sub/: peer_test.ts naming it does not make it shared.
    const outside = await denoTest(dir, [
      "--no-check",
      ...readAll,
      "sub/outside_test.ts",
      "--",
      "-u",
    ]);
    assert.equal(outside.code, 0, outside.output);
    assert.deepEqual(summaries(outside.output), [
      "golden update, sub/outside_test.ts: 0 updated, 0 new, 1 unchanged, 1 orphan",
      "  orphan     golden/outside/b.golden",
      "  (no test in sub/outside_test.ts touched the orphans; add -- --update " +
      "--remove-orphans to remove them)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
