// The texts assertGolden's users read: the update summary for more than one
// orphan or untouched golden and for a run with no local test file, the
// update command for a directory whose name holds a quote, a carriage
// return and line feed at the very start of a text, and the permission
// failure for a relative golden path when the working directory may not be read.
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatUpdateSummary, unrepresentable, updateCommand } from "../../lib/golden/golden.ts";

Deno.test("formatUpdateSummary: counts two orphans in the plural and lists only the goldens written", () => {
  const text = formatUpdateSummary(
    "zimage_test.ts",
    [["golden/a.golden", "updated"], ["golden/b.golden", "unchanged"], ["golden/c.golden", "new"]],
    ["golden/old1.golden", "golden/old2.golden"],
    false,
  );
  assert.equal(
    text,
    [
      "golden update, zimage_test.ts: 1 updated, 1 new, 1 unchanged, 2 orphans",
      "  updated    golden/a.golden",
      "  new        golden/c.golden",
      "  orphan     golden/old1.golden",
      "  orphan     golden/old2.golden",
      "  (no test in zimage_test.ts touched the orphans; add -- --update --remove-orphans to " +
      "remove them)",
    ].join("\n"),
  );
});

Deno.test("formatUpdateSummary: removed orphans and a shared directory of several goldens", () => {
  const text = formatUpdateSummary(
    "a_test.ts",
    [["golden/a.golden", "unchanged"]],
    ["golden/x.golden", "golden/y.golden"],
    true,
    [{ dir: "shared", untouched: 3, others: ["b_test.ts", "c_test.ts"] }],
  );
  assert.equal(
    text,
    [
      "golden update, a_test.ts: 0 updated, 0 new, 1 unchanged, 2 orphans removed",
      "  removed    golden/x.golden",
      "  removed    golden/y.golden",
      "  shared     shared: 3 goldens not touched here, not judged as orphans " +
      "(b_test.ts, c_test.ts there may use them)",
    ].join("\n"),
  );
});

Deno.test("formatUpdateSummary: without a local test file the summary names none and says 'this run'", () => {
  const text = formatUpdateSummary(null, [["g/a.golden", "new"]], ["g/b.golden"], false);
  assert.equal(
    text,
    [
      "golden update: 0 updated, 1 new, 0 unchanged, 1 orphan",
      "  new        g/a.golden",
      "  orphan     g/b.golden",
      "  (no test in this run touched the orphans; add -- --update --remove-orphans to " +
      "remove them)",
    ].join("\n"),
  );
});

Deno.test("updateCommand: a quote in the directory is escaped for the shell; no test file, no name", () => {
  assert.equal(
    updateCommand("it's", "a_test.ts"),
    `deno test --allow-read='it'\\''s' --allow-write='it'\\''s' --allow-env=CI a_test.ts ` +
      "-- --update",
  );
  assert.equal(
    updateCommand("golden", null),
    "deno test --allow-read=golden --allow-write=golden --allow-env=CI -- --update",
  );
});

Deno.test("unrepresentable: a text that starts with CRLF is refused on line 1", () => {
  assert.match(unrepresentable("\r\nkvm_set_way_flush\n") ?? "", /^line 1 ends with "\\r\\n"/);
});

Deno.test("assertGolden: a relative golden path without read permission fails naming the flags", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const golden = new URL("../../lib/golden/golden.ts", import.meta.url).href;
    const script = join(dir, "child.ts");
    await Deno.writeTextFile(
      script,
      `import { assertGolden } from ${JSON.stringify(golden)};\n` +
        `try {\n` +
        `  await assertGolden("x\\n", "golden/a.golden", { update: false });\n` +
        `  console.log("passed");\n` +
        `} catch (e) {\n` +
        `  console.log(e.name, e.code, e.message);\n` +
        `}\n`,
    );
    // The script is readable (it runs), the working directory is not.
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-prompt", `--allow-read=${script}`, script],
      cwd: dir,
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /^GoldenError permission Golden file golden\/a\.golden cannot be read/);
    assert.match(text, /run deno test with --allow-read=golden \(and --allow-write=golden/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
