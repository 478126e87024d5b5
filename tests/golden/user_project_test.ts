// assertGolden in a user's own project: a scratch directory with its own deno.json that imports
// setway by file URL, and `deno test` run there with too few permissions, as a user would.
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { serializeGolden } from "../../lib/golden/file.ts";
import { denoTest, type Outcome } from "./scratch_project.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;

const TEST = `
import { assertGolden } from "setway";
Deno.test("zImage flush events", async () => {
  await assertGolden(
    "kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)\\n",
    new URL("./golden/zimage.golden", import.meta.url),
  );
});
`;
const TEXT = "kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)\n";

/** Makes the scratch project, with a stale golden. */
async function project(): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify({ imports: { setway: MOD } }));
  await Deno.writeTextFile(join(dir, "zimage_test.ts"), TEST);
  await Deno.mkdir(join(dir, "golden"));
  await Deno.writeTextFile(join(dir, "golden", "zimage.golden"), serializeGolden("old\n"));
  return dir;
}

/** `deno test <flags> zimage_test.ts [-- extra]` in the project, CI unset, no prompts. */
function denoTestZimage(dir: string, flags: string[], extra: string[] = []): Promise<Outcome> {
  return denoTest(dir, [...flags, "zimage_test.ts", ...extra]);
}

/** The flags a failure message tells the user to add, split into words. */
function namedFlags(output: string, pattern: RegExp): string[] {
  const m = pattern.exec(output);
  assert.ok(m, `no flags named in:\n${output}`);
  return m[1].split(" ");
}

/** The flags with their paths resolved against the project (where deno test runs). */
function scoped(dir: string, flags: string[]): string[] {
  return flags.map((f) =>
    f.replace(/^(--allow-(?:read|write))=(.*)$/, (_, flag, path) => `${flag}=${resolve(dir, path)}`)
  );
}

Deno.test("without permissions, assertGolden names the exact flags, and they are enough", async () => {
  const dir = await project();
  try {
    const golden = join(dir, "golden", "zimage.golden");
    // Comparing without any permission: a GoldenError naming --allow-read, not Deno's NotCapable.
    const compare = await denoTestZimage(dir, []);
    assert.equal(compare.code, 1, compare.output);
    assert.match(compare.output, /GoldenError: Golden file \S*zimage\.golden cannot be read/);
    assert.doesNotMatch(compare.output, /NotCapable/);
    const readFlags = namedFlags(compare.output, /run deno test with (--allow-read=\S+) \(/);
    assert.deepEqual(scoped(dir, readFlags), [`--allow-read=${join(dir, "golden")}`]);

    // Updating with read permission only: every flag an update needs, scoped to the directory.
    const update = await denoTestZimage(dir, readFlags, ["--", "--update"]);
    assert.equal(update.code, 1, update.output);
    assert.doesNotMatch(update.output, /NotCapable/);
    const updateFlags = namedFlags(
      update.output,
      /run deno test with (--allow-read=\S+ --allow-write=\S+ --allow-env=CI) \(/,
    );
    assert.deepEqual(scoped(dir, updateFlags), [
      `--allow-read=${join(dir, "golden")}`,
      `--allow-write=${join(dir, "golden")}`,
      "--allow-env=CI",
    ]);
    assert.equal(await Deno.readTextFile(golden), serializeGolden("old\n"));

    // Without --allow-env=CI the update is refused, so the CI guard cannot switch itself off.
    const noEnv = await denoTestZimage(dir, updateFlags.slice(0, 2), ["--", "--update"]);
    assert.equal(noEnv.code, 1, noEnv.output);
    assert.match(
      noEnv.output,
      /GoldenError: .*may not read CI; run deno test with --allow-env=CI\./,
    );
    assert.equal(await Deno.readTextFile(golden), serializeGolden("old\n"));

    // Read and env, but no write: the flags named again, no raw NotCapable.
    const noWrite = await denoTestZimage(dir, [...readFlags, "--allow-env=CI"], ["--", "--update"]);
    assert.equal(noWrite.code, 1, noWrite.output);
    assert.doesNotMatch(noWrite.output, /NotCapable/);
    assert.deepEqual(
      namedFlags(noWrite.output, /run deno test with (--allow-read=\S+ --allow-write=\S+) \(/),
      updateFlags.slice(0, 2),
    );

    // Exactly the flags named: the update writes the golden, and the comparison then passes.
    const written = await denoTestZimage(dir, updateFlags, ["--", "--update"]);
    assert.equal(written.code, 0, written.output);
    assert.equal(await Deno.readTextFile(golden), serializeGolden(TEXT));
    const passes = await denoTestZimage(dir, readFlags);
    assert.equal(passes.code, 0, passes.output);
    // An update with nothing to write passes even when it may not read CI.
    const nothingToWrite = await denoTestZimage(dir, updateFlags.slice(0, 2), ["--", "--update"]);
    assert.equal(nothingToWrite.code, 0, nothingToWrite.output);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
