import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  assertGolden,
  GoldenError,
  type Traceable,
  updateCommand,
} from "../../lib/golden/golden.ts";
import { GOLDEN_FIRST_LINE, GOLDEN_LAST_LINE, serializeGolden } from "../../lib/golden/file.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { tempDir } from "../support/temp_dir.ts";

const TRACE_V1 = [
  "# tracer: setway",
  "  vcpu0-0 [000] .... 000001: kvm_exit: TRAP: HSR_EC: 0x0018 (SYS64), PC: 0x40008234",
  "  vcpu0-0 [000] .... 000002: kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)",
  "  vcpu0-0 [000] .... 000003: stage2_flush_vm: 2 pages, 128 lines: 1 cleaned, 4 invalidated",
  "",
].join("\n");
/** The command a failure names: the flags for the golden's directory, and this test file. */
const UPDATE_HINT = (dir: string) => updateCommand(dir, "tests/golden/golden_test.ts");

const TRACE_V2 = TRACE_V1.replace("(cache on)", "(cache off)");

/** Runs `fn` with CI unset, as on a developer's machine, and puts CI back afterwards. */
async function withoutCi(fn: () => Promise<void>): Promise<void> {
  const saved = Deno.env.get("CI");
  Deno.env.delete("CI");
  try {
    await fn();
  } finally {
    if (saved !== undefined) Deno.env.set("CI", saved);
  }
}

async function withCi(fn: () => Promise<void>, value = "true"): Promise<void> {
  const saved = Deno.env.get("CI");
  Deno.env.set("CI", value);
  try {
    await fn();
  } finally {
    if (saved === undefined) Deno.env.delete("CI");
    else Deno.env.set("CI", saved);
  }
}

async function rejectsGolden(
  promise: Promise<void>,
  code: GoldenError["code"],
): Promise<GoldenError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GoldenError, `expected GoldenError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  throw new assert.AssertionError({ message: `expected a ${code} GoldenError, but it passed` });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("a matching golden passes, by path and by file URL", async () => {
  const dir = await tempDir();
  const file = join(dir, "match.golden");
  await Deno.writeTextFile(file, serializeGolden(TRACE_V1));
  await assertGolden(TRACE_V1, file, { update: false });
  await assertGolden(TRACE_V1, pathToFileURL(file), { update: false });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a golden checked out with CRLF line endings matches, and an update leaves it alone", async () => {
  await withoutCi(async () => {
    const dir = await tempDir();
    const file = join(dir, "crlf.golden");
    const crlf = serializeGolden(TRACE_V1).replaceAll("\n", "\r\n");
    await Deno.writeTextFile(file, crlf);
    await assertGolden(TRACE_V1, file, { update: false });
    await assertGolden(TRACE_V1, file, { update: true });
    assert.equal(await Deno.readTextFile(file), crlf);
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("the comparison is byte for byte: one changed digit fails, a missing final newline does not", async () => {
  const dir = await tempDir();
  const file = join(dir, "bytes.golden");
  await Deno.writeTextFile(file, serializeGolden(TRACE_V1));
  // Same length, one character different: still a mismatch.
  const digit = TRACE_V1.replace("0x40008234", "0x40008235");
  assert.equal(digit.length, TRACE_V1.length);
  await rejectsGolden(assertGolden(digit, file, { update: false }), "mismatch");
  // A golden always ends its text with a newline, so a text without one is the same golden.
  await assertGolden(TRACE_V1.trimEnd(), file, { update: false });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a mismatch fails with a unified diff of the changed lines and the update command", async () => {
  const dir = await tempDir();
  const file = join(dir, "mismatch.golden");
  await Deno.writeTextFile(file, serializeGolden(TRACE_V1));
  const err = await rejectsGolden(assertGolden(TRACE_V2, file, { update: false }), "mismatch");
  const diff = err.diff ?? "";
  const changed = diff.split("\n").filter((l) => /^[-+][^-+]/.test(l));
  assert.deepEqual(changed, [
    "-" + TRACE_V1.split("\n")[2],
    "+" + TRACE_V2.split("\n")[2],
  ]);
  assert.match(diff, /^--- golden .*mismatch\.golden\n\+\+\+ actual\n@@ -1,6 \+1,6 @@$/m);
  assert.ok(err.message.includes(diff));
  assert.ok(err.message.endsWith(`update the golden: ${UPDATE_HINT(dir)}`), err.message);
  assert.match(err.message, /1 lines only in the golden, 1 only in the actual text/);
  assert.equal(
    await Deno.readTextFile(file),
    serializeGolden(TRACE_V1),
    "a failed check writes nothing",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a mismatch message counts the lines only in the golden apart from those only in the actual text", async () => {
  const dir = await tempDir();
  const file = join(dir, "shorter.golden");
  await Deno.writeTextFile(file, serializeGolden("a\nb\nc\n"));
  const err = await rejectsGolden(assertGolden("a\n", file, { update: false }), "mismatch");
  assert.match(err.message, /\(2 lines only in the golden, 0 only in the actual text\)/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a missing golden fails and says how to create it", async () => {
  const dir = await tempDir();
  const file = join(dir, "missing.golden");
  const err = await rejectsGolden(
    assertGolden(TRACE_V1, file, { update: false, msg: "zImage" }),
    "missing",
  );
  assert.match(err.message, /^zImage: Golden file .*missing\.golden does not exist\./);
  assert.ok(err.message.endsWith(`Create it with: ${UPDATE_HINT(dir)}`), err.message);
  assert.equal(await exists(file), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("update mode writes atomically: new directory, exact content, no temp file left", async () => {
  await withoutCi(async () => {
    const dir = await tempDir();
    const deeper = join(dir, "nested", "deeper");
    const file = join(deeper, "new.golden");
    await assertGolden(TRACE_V1, file, { update: true });
    assert.equal(await Deno.readTextFile(file), serializeGolden(TRACE_V1));
    // Replacing an existing golden goes through a rename too.
    const old = join(deeper, "old.golden");
    await Deno.writeTextFile(old, serializeGolden(TRACE_V1));
    await assertGolden(TRACE_V2, old, { update: true });
    assert.equal(await Deno.readTextFile(old), serializeGolden(TRACE_V2));
    const names = [...Deno.readDirSync(deeper)].map((e) => e.name).sort();
    assert.deepEqual(names, ["new.golden", "old.golden"]);
    await assertGolden(TRACE_V2, old, { update: false });
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("update mode leaves a golden that already matches untouched", async () => {
  await withoutCi(async () => {
    const dir = await tempDir();
    const file = join(dir, "same.golden");
    await Deno.writeTextFile(file, serializeGolden(TRACE_V1));
    const old = new Date(2001, 0, 1);
    await Deno.utime(file, old, old);
    await assertGolden(TRACE_V1, file, { update: true });
    assert.equal((await Deno.stat(file)).mtime?.getTime(), old.getTime());
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("under CI=true an update never writes and fails as a comparison, saying CI forbids it", async () => {
  await withCi(async () => {
    const dir = await tempDir();
    const missing = join(dir, "ci-missing.golden");
    const err = await rejectsGolden(assertGolden(TRACE_V1, missing, { update: true }), "missing");
    assert.ok(err.ciRefused);
    assert.match(err.message, /CI=true forbids updating golden files/);
    assert.equal(await exists(missing), false);

    const stale = join(dir, "ci-stale.golden");
    await Deno.writeTextFile(stale, serializeGolden(TRACE_V1));
    const err2 = await rejectsGolden(assertGolden(TRACE_V2, stale, { update: true }), "mismatch");
    assert.match(err2.message, /CI=true forbids/);
    assert.equal(await Deno.readTextFile(stale), serializeGolden(TRACE_V1));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["ci-stale.golden"]);
    // A matching golden still passes under CI.
    await assertGolden(TRACE_V1, stale, { update: true });
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("under CI=true a plain comparison of a missing golden fails as missing, not as a CI refusal", async () => {
  await withCi(async () => {
    const dir = await tempDir();
    const err = await rejectsGolden(
      assertGolden(TRACE_V1, join(dir, "absent.golden"), { update: false }),
      "missing",
    );
    // Nothing asked for an update, so CI forbade nothing.
    assert.equal(err.ciRefused, false);
    assert.doesNotMatch(err.message, /CI=true forbids/);
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("CI is `true` or `1` in any case, spaces around: then nothing is written; other values write", async () => {
  const dir = await tempDir();
  try {
    for (const value of ["1", "TRUE", " True "]) {
      await withCi(async () => {
        const file = join(dir, "refused.golden");
        const err = await rejectsGolden(assertGolden(TRACE_V1, file, { update: true }), "missing");
        assert.ok(err.ciRefused, `CI=${JSON.stringify(value)}`);
        assert.equal(await exists(file), false);
      }, value);
    }
    for (const value of ["0", "false", "yes", ""]) {
      await withCi(async () => {
        const file = join(dir, "written.golden");
        await assertGolden(TRACE_V1, file, { update: true });
        assert.equal(await exists(file), true, `CI=${JSON.stringify(value)}`);
        await Deno.remove(file);
      }, value);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("corrupt goldens are reported as corrupt, not diffed", async () => {
  const dir = await tempDir();
  const cases: [string, Uint8Array, RegExp][] = [
    [
      "nul.golden",
      new TextEncoder().encode(`${GOLDEN_FIRST_LINE}\nx\0y\n${GOLDEN_LAST_LINE}\n`),
      /NUL byte/,
    ],
    ["latin1.golden", new Uint8Array([0x23, 0x20, 0xe9, 0x0a]), /not valid UTF-8/],
    [
      "nomarker.golden",
      new TextEncoder().encode(TRACE_V1),
      /first line is not "# setway golden v1"/,
    ],
  ];
  for (const [name, bytes, reason] of cases) {
    const file = join(dir, name);
    await Deno.writeFile(file, bytes);
    const err = await rejectsGolden(assertGolden(TRACE_V1, file, { update: false }), "corrupt");
    assert.match(err.message, reason);
    assert.ok(err.message.includes(`\nRe-create it with: ${UPDATE_HINT(dir)} (then`));
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a failure is a GoldenError by name, with the file; only a CI refusal says CI refused", async () => {
  await withoutCi(async () => {
    const dir = await tempDir();
    const file = join(dir, "cut.golden");
    await Deno.writeTextFile(file, GOLDEN_FIRST_LINE + "\n");
    const corrupt = await rejectsGolden(assertGolden(TRACE_V1, file, { update: false }), "corrupt");
    assert.equal(corrupt.name, "GoldenError");
    assert.match(String(corrupt), /^GoldenError: Golden file /);
    assert.equal(corrupt.file, file);
    assert.equal(corrupt.ciRefused, false);
    const missing = join(dir, "none.golden");
    const absent = await rejectsGolden(
      assertGolden(TRACE_V1, missing, { update: false }),
      "missing",
    );
    assert.equal(absent.file, missing);
    assert.equal(absent.ciRefused, false);
    const crlf = await rejectsGolden(
      assertGolden("a\r\nb\n", join(dir, "crlf.golden"), { update: true }),
      "unrepresentable",
    );
    assert.equal(crlf.ciRefused, false);
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("a truncated golden (no '# end') is reported, and update mode repairs it", async () => {
  await withoutCi(async () => {
    const dir = await tempDir();
    const file = join(dir, "cut.golden");
    const full = serializeGolden(TRACE_V1);
    await Deno.writeTextFile(file, full.slice(0, full.length - 20));
    const err = await rejectsGolden(assertGolden(TRACE_V1, file, { update: false }), "corrupt");
    assert.match(err.message, /truncated: its last line is not "# end"/);
    await assertGolden(TRACE_V1, file, { update: true });
    assert.equal(await Deno.readTextFile(file), full);
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("a run is compared through trace({ filter: 'flush' }) unless the filter option says otherwise", async () => {
  await withoutCi(async () => {
    const dir = await tempDir();
    const asked: (string | undefined)[] = [];
    const run: Traceable = {
      trace(options) {
        asked.push(options?.filter);
        return `trace of ${options?.filter}\n`;
      },
    };
    const file = join(dir, "run.golden");
    await assertGolden(run, file, { update: true });
    assert.equal(await Deno.readTextFile(file), serializeGolden("trace of flush\n"));
    await rejectsGolden(assertGolden(run, file, { update: false, filter: "all" }), "mismatch");
    assert.deepEqual(asked, ["flush", "all"]);
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("two assertions writing different texts to one golden in an update run are refused", async () => {
  await withoutCi(async () => {
    const dir = await tempDir();
    const file = join(dir, "shared.golden");
    await assertGolden("first\n", file, { update: true });
    await rejectsGolden(assertGolden("second\n", file, { update: true }), "duplicate");
    assert.equal(await Deno.readTextFile(file), serializeGolden("first\n"));
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("bad arguments throw ScenarioError naming the call and the value", async () => {
  await assert.rejects(
    assertGolden(42 as unknown as string, "x.golden"),
    (e: unknown) => e instanceof ScenarioError && e.call === "assertGolden.actual",
  );
  await assert.rejects(
    assertGolden("x", new URL("https://example.com/x.golden")),
    (e: unknown) => e instanceof ScenarioError && /https:\/\/example\.com/.test(e.message),
  );
  await assert.rejects(
    assertGolden("x", "x.golden", { filter: "some" as "all" }),
    (e: unknown) => e instanceof ScenarioError && e.code === "unknown_name",
  );
  await assert.rejects(assertGolden("a\0b", "x.golden"), ScenarioError);
});

Deno.test("an empty golden path is refused as a bad argument, not resolved to the working directory", async () => {
  await assert.rejects(
    assertGolden("x\n", "", { update: false }),
    (e: unknown) => e instanceof ScenarioError && e.call === "assertGolden.file",
  );
});

Deno.test("the update command quotes a golden directory with a space for the shell", () => {
  assert.equal(
    updateCommand("my goldens", "a_test.ts"),
    "deno test --allow-read='my goldens' --allow-write='my goldens' --allow-env=CI a_test.ts " +
      "-- --update",
  );
});
