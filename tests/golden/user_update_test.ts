// Updating goldens in a user's own project, as README's golden section shows it: a scratch
// project with its own deno.json (setway imported by file URL), two test files with a golden
// directory each, and `deno test` with the minimal flags, run as a subprocess.
import assert from "node:assert/strict";
import { join } from "node:path";
import { serializeGolden } from "../../lib/golden/file.ts";
import { denoTest, summaries } from "./scratch_project.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;
const FLAGS = ["--allow-read=golden", "--allow-write=golden", "--allow-env=CI"];

/** A test file asserting each text against `golden/<dir>/<name>.golden`. */
function testFile(dir: string, texts: Record<string, string>): string {
  return `import { assertGolden } from "setway";\n` +
    Object.entries(texts).map(([name, text]) =>
      `Deno.test(${JSON.stringify(name)}, async () => {\n` +
      `  await assertGolden(${JSON.stringify(text)}, ` +
      `new URL("./golden/${dir}/${name}.golden", import.meta.url));\n});\n`
    ).join("");
}

async function project(): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "setway-goldens-" }));
  await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify({ imports: { setway: MOD } }));
  await Deno.writeTextFile(
    join(dir, "zimage_test.ts"),
    testFile("zimage", { kvm40: "stage2_flush_vm\n", kvm318: "kvm_set_way_flush\n" }),
  );
  await Deno.writeTextFile(join(dir, "tc2_test.ts"), testFile("tc2", { xen: "flush_all\n" }));
  return dir;
}

Deno.test("user goldens: the hint names one test file and the minimal flags, which create the directory", async () => {
  const dir = await project();
  try {
    const first = await denoTest(dir, FLAGS);
    assert.equal(first.code, 1, first.output);
    assert.match(
      first.output,
      /Golden file golden\/zimage\/kvm40\.golden does not exist\.\nCreate it with: (deno test --allow-read=golden\/zimage --allow-write=golden\/zimage --allow-env=CI zimage_test\.ts -- --update)\n/,
    );
    assert.match(first.output, /Create it with: deno test \S+ \S+ \S+ tc2_test\.ts -- --update\n/);

    // The hint's command, as printed: the directory does not exist yet and is created.
    const hint = /Create it with: (deno test [^\n]*zimage_test\.ts -- --update)/.exec(
      first.output,
    )!;
    const update = await denoTest(dir, hint[1].split(" ").slice(2));
    assert.equal(update.code, 0, update.output);
    assert.deepEqual(summaries(update.output), [
      "golden update, zimage_test.ts: 0 updated, 2 new, 0 unchanged",
      "  new        golden/zimage/kvm318.golden",
      "  new        golden/zimage/kvm40.golden",
    ]);
    // Only that test file's goldens were written.
    assert.deepEqual([...Deno.readDirSync(join(dir, "golden"))].map((e) => e.name), ["zimage"]);
    const again = await denoTest(dir, [...FLAGS, "zimage_test.ts"]);
    assert.equal(again.code, 0, again.output);
    assert.deepEqual(summaries(again.output), [], "a comparison prints no summary");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user goldens: -u prints updated, new and unchanged per test file, and the orphans", async () => {
  const dir = await project();
  try {
    const created = await denoTest(dir, [...FLAGS, "--", "--update"]);
    assert.equal(created.code, 0, created.output);
    assert.deepEqual(summaries(created.output), [
      "golden update, tc2_test.ts: 0 updated, 1 new, 0 unchanged",
      "  new        golden/tc2/xen.golden",
      "golden update, zimage_test.ts: 0 updated, 2 new, 0 unchanged",
      "  new        golden/zimage/kvm318.golden",
      "  new        golden/zimage/kvm40.golden",
    ]);
    // A changed text, a golden no test touches any more, and a file that is not a golden.
    await Deno.writeTextFile(
      join(dir, "zimage_test.ts"),
      testFile("zimage", { kvm40: "stage2_flush_vm x2\n", kvm318: "kvm_set_way_flush\n" }),
    );
    await Deno.copyFile(
      join(dir, "golden/zimage/kvm40.golden"),
      join(dir, "golden/zimage/kvm32.golden"),
    );
    await Deno.writeTextFile(join(dir, "golden/zimage/notes.txt"), "not a golden\n");
    const updated = await denoTest(dir, [...FLAGS, "zimage_test.ts", "--", "-u"]);
    assert.equal(updated.code, 0, updated.output);
    assert.deepEqual(summaries(updated.output), [
      "golden update, zimage_test.ts: 1 updated, 0 new, 1 unchanged, 1 orphan",
      "  updated    golden/zimage/kvm40.golden",
      "  orphan     golden/zimage/kvm32.golden",
      "  (no test in zimage_test.ts touched the orphans; add -- --update --remove-orphans to " +
      "remove them)",
    ]);
    assert.ok(Deno.statSync(join(dir, "golden/zimage/kvm32.golden")).isFile, "kept");

    const pruned = await denoTest(dir, [
      ...FLAGS,
      "zimage_test.ts",
      "--",
      "-u",
      "--remove-orphans",
    ]);
    assert.equal(pruned.code, 0, pruned.output);
    assert.deepEqual(summaries(pruned.output), [
      "golden update, zimage_test.ts: 0 updated, 0 new, 2 unchanged, 1 orphan removed",
      "  removed    golden/zimage/kvm32.golden",
    ]);
    const left = [...Deno.readDirSync(join(dir, "golden/zimage"))].map((e) => e.name).sort();
    assert.deepEqual(left, ["kvm318.golden", "kvm40.golden", "notes.txt"]);

    // Under CI=true an update compares: nothing is written, no summary is printed.
    await Deno.writeTextFile(join(dir, "tc2_test.ts"), testFile("tc2", { xen: "none\n" }));
    const ci = await denoTest(dir, [...FLAGS, "tc2_test.ts", "--", "--update"], "true");
    assert.equal(ci.code, 1, ci.output);
    assert.match(ci.output, /CI=true forbids updating golden files/);
    assert.deepEqual(summaries(ci.output), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user goldens: a directory other test files there may use is not judged for orphans", async () => {
  const dir = await project();
  try {
    // Both test files keep their goldens in golden/shared/.
    await Deno.writeTextFile(
      join(dir, "zimage_test.ts"),
      testFile("shared", { kvm40: "stage2_flush_vm\n" }),
    );
    await Deno.writeTextFile(join(dir, "tc2_test.ts"), testFile("shared", { xen: "flush_all\n" }));
    const created = await denoTest(dir, [...FLAGS, "--", "--update"]);
    assert.equal(created.code, 0, created.output);

    // Where the test files can be read, the other one's golden is not an orphan, nor removed.
    const readAll = ["--allow-read=.", "--allow-write=golden", "--allow-env=CI"];
    const alone = await denoTest(dir, [
      ...readAll,
      "zimage_test.ts",
      "--",
      "-u",
      "--remove-orphans",
    ]);
    assert.equal(alone.code, 0, alone.output);
    assert.deepEqual(summaries(alone.output), [
      "golden update, zimage_test.ts: 0 updated, 0 new, 1 unchanged",
      "  shared     golden/shared: 1 golden not touched here, not judged as orphans " +
      "(tc2_test.ts there may use them)",
    ]);
    assert.ok(Deno.statSync(join(dir, "golden/shared/xen.golden")).isFile);

    // With the minimal flags the test files cannot be read: the directory is the file's own.
    const minimal = await denoTest(dir, [...FLAGS, "zimage_test.ts", "--", "-u"]);
    assert.deepEqual(summaries(minimal.output).slice(0, 2), [
      "golden update, zimage_test.ts: 0 updated, 0 new, 1 unchanged, 1 orphan",
      "  orphan     golden/shared/xen.golden",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user goldens: a new golden that a later test of the run matches again is still counted new", async () => {
  const dir = await project();
  try {
    await Deno.writeTextFile(
      join(dir, "zimage_test.ts"),
      `import { assertGolden } from "setway";\n` +
        `const golden = new URL("./golden/zimage/kvm40.golden", import.meta.url);\n` +
        `Deno.test("first", async () => { await assertGolden("stage2_flush_vm\\n", golden); });\n` +
        `Deno.test("again", async () => { await assertGolden("stage2_flush_vm\\n", golden); });\n`,
    );
    const r = await denoTest(dir, [...FLAGS, "zimage_test.ts", "--", "--update"]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(summaries(r.output), [
      "golden update, zimage_test.ts: 0 updated, 1 new, 0 unchanged",
      "  new        golden/zimage/kvm40.golden",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user goldens: a repaired truncated golden is counted updated; a killed update's temporary file is no orphan", async () => {
  const dir = await project();
  try {
    const created = await denoTest(dir, [...FLAGS, "zimage_test.ts", "--", "--update"]);
    assert.equal(created.code, 0, created.output);
    // The leftover of an update of a golden no test asserts any more: not a golden, so neither
    // judged nor removed as an orphan.
    const leftover = join(dir, "golden/zimage/.kvm32.golden.999.1.tmp");
    await Deno.writeTextFile(leftover, serializeGolden("stage2_flush_vm\n"));
    await Deno.writeTextFile(
      join(dir, "golden/zimage/kvm40.golden"),
      serializeGolden("stage2_flush_vm\n").slice(0, -6),
    );
    const r = await denoTest(dir, [...FLAGS, "zimage_test.ts", "--", "-u", "--remove-orphans"]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(summaries(r.output), [
      "golden update, zimage_test.ts: 1 updated, 0 new, 1 unchanged",
      "  updated    golden/zimage/kvm40.golden",
    ]);
    assert.ok(Deno.statSync(leftover).isFile, "the temporary file is kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Makes the project's goldens by an update and puts golden/zimage/kvm32.golden, which no test
 * asserts, beside them.
 */
async function withOrphan(dir: string): Promise<string> {
  const created = await denoTest(dir, [...FLAGS, "--", "--update"]);
  assert.equal(created.code, 0, created.output);
  const orphan = join(dir, "golden/zimage/kvm32.golden");
  await Deno.copyFile(join(dir, "golden/zimage/kvm40.golden"), orphan);
  return orphan;
}

/** zimage_test.ts's summary with {@linkcode withOrphan}'s orphan kept. */
const ORPHAN_KEPT = [
  "golden update, zimage_test.ts: 0 updated, 0 new, 2 unchanged, 1 orphan",
  "  orphan     golden/zimage/kvm32.golden",
  "  (no test in zimage_test.ts touched the orphans; add -- --update --remove-orphans to " +
  "remove them)",
];

Deno.test("user goldens: a readable test file that does not name a golden directory does not share it", async () => {
  const dir = await project();
  try {
    await withOrphan(dir);
    // tc2_test.ts can be read, and it names only golden/tc2: golden/zimage is zimage_test.ts's own.
    const readAll = ["--allow-read=.", "--allow-write=golden", "--allow-env=CI"];
    const r = await denoTest(dir, [...readAll, "zimage_test.ts", "--", "-u"]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(summaries(r.output), ORPHAN_KEPT);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user goldens: an orphan checked out with CRLF line ends is still an orphan", async () => {
  const dir = await project();
  try {
    const orphan = await withOrphan(dir);
    // A Windows checkout (core.autocrlf): assertGolden reads such a golden as its LF text.
    const text = await Deno.readTextFile(orphan);
    await Deno.writeTextFile(orphan, text.replaceAll("\n", "\r\n"));
    const r = await denoTest(dir, [...FLAGS, "zimage_test.ts", "--", "-u"]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(summaries(r.output), ORPHAN_KEPT);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user goldens: orphans that cannot be removed are reported as kept, with the reason", async () => {
  const dir = await project();
  try {
    const orphan = await withOrphan(dir);
    // Write permission for the two goldens the test file asserts, not for the orphan.
    const r = await denoTest(dir, [
      "--allow-read=golden",
      "--allow-write=golden/zimage/kvm40.golden,golden/zimage/kvm318.golden",
      "--allow-env=CI",
      "zimage_test.ts",
      "--",
      "-u",
      "--remove-orphans",
    ]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /golden: cannot remove the orphans: /);
    assert.ok(Deno.statSync(orphan).isFile, "the orphan is still there");
    assert.deepEqual(summaries(r.output), ORPHAN_KEPT);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
