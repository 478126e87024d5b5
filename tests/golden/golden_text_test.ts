// What a golden file can hold, and the temporary files a killed update leaves behind.
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertGolden, GoldenError, unrepresentable } from "../../lib/golden/golden.ts";
import { serializeGolden } from "../../lib/golden/file.ts";

/** Runs `fn` in a fresh directory with CI unset, and removes the directory afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const saved = Deno.env.get("CI");
  Deno.env.delete("CI");
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
    if (saved !== undefined) Deno.env.set("CI", saved);
  }
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

async function refused(promise: Promise<void>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof GoldenError, String(e));
    assert.equal(e.code, "unrepresentable");
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("text with CRLF is refused on update and on comparison; nothing is written", async () => {
  await inTempDir(async (dir) => {
    const file = join(dir, "crlf.golden");
    const text = "kvm_exit\r\nkvm_set_way_flush\r\n";
    await refused(assertGolden(text, file, { update: true }), /line 1 ends with "\\r\\n"/);
    await refused(assertGolden(text, file, { update: false }), /crlf\.golden cannot be kept/);
    assert.deepEqual(names(dir), []);
  });
});

Deno.test("text with a lone surrogate is refused; a surrogate pair and a lone CR round-trip", async () => {
  await inTempDir(async (dir) => {
    const file = join(dir, "s.golden");
    for (const bad of ["a\n\ud800b\n", "a\nb\udc00\n", "a\n\ud83d"]) {
      await refused(assertGolden(bad, file, { update: true }), /line 2 holds a lone UTF-16/);
    }
    assert.deepEqual(names(dir), []);
    for (
      const [i, good] of ["pair \ud83d\ude00 ok\n", "progress\rdone\n", "\u2028 \ufeff\n"].entries()
    ) {
      const golden = join(dir, `good${i}.golden`);
      await assertGolden(good, golden, { update: true });
      await assertGolden(good, golden, { update: false }); // the next comparison accepts it
      assert.equal(await Deno.readTextFile(golden), serializeGolden(good));
    }
  });
  assert.match(unrepresentable("a\nb\nc\r\n") ?? "", /^line 3 ends with/);
  assert.equal(unrepresentable("a lone CR\r, a pair \ud83d\ude00\n"), null);
});

Deno.test("surrogate pairs whose low half is the last low surrogate, U+DFFF, are representable", () => {
  assert.equal(unrepresentable("\ud83d\udfff\n"), null);
  assert.equal(unrepresentable("\udbff\udfff\n"), null); // U+10FFFF, the last code point
});

Deno.test("the next update of a golden removes the temporary files a killed update left", async () => {
  await inTempDir(async (dir) => {
    const file = join(dir, "trace.golden");
    // What a process killed between writing its temporary file and renaming it leaves behind,
    // next to another golden's leftover and a file that only looks like one.
    const leftovers = [".trace.golden.4242.1.tmp", ".trace.golden.7.19.tmp"];
    const others = [".other.golden.4242.1.tmp", ".trace.golden.x.tmp", ".trace.golden.1.2.3.tmp"];
    for (const n of [...leftovers, ...others]) await Deno.writeTextFile(join(dir, n), "partial");
    await assertGolden("line\n", file, { update: false }).catch(() => {}); // comparing removes nothing
    assert.deepEqual(names(dir), [...leftovers, ...others].sort());
    await assertGolden("line\n", file, { update: true });
    assert.deepEqual(names(dir), [...others, "trace.golden"].sort());
    // An update that finds the golden already right cleans up too.
    await Deno.writeTextFile(join(dir, leftovers[0]), "partial");
    await assertGolden("line\n", file, { update: true });
    assert.deepEqual(names(dir), [...others, "trace.golden"].sort());
  });
});

Deno.test("an update killed before its rename leaves a temporary file; the next update removes it", async () => {
  await inTempDir(async (dir) => {
    const file = join(dir, "killed.golden");
    const child = join(dir, "child.ts");
    const golden = new URL("../../lib/golden/golden.ts", import.meta.url).href;
    // The child dies right after writing its temporary file, where a SIGKILL would leave it.
    await Deno.writeTextFile(
      child,
      `import { assertGolden } from ${JSON.stringify(golden)};\n` +
        `Object.assign(Deno, { rename: () => Deno.exit(9) });\n` +
        `await assertGolden("new\\n", ${JSON.stringify(file)}, { update: true });\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--allow-read", "--allow-write", "--allow-env", child],
      env: { CI: "" },
    }).output();
    assert.equal(out.code, 9, new TextDecoder().decode(out.stderr));
    const left = names(dir).filter((n) => n.startsWith(".killed.golden."));
    assert.equal(left.length, 1, String(names(dir)));
    assert.equal(await Deno.readTextFile(join(dir, left[0])), serializeGolden("new\n"));
    await assertGolden("new\n", file, { update: true });
    assert.deepEqual(names(dir), ["child.ts", "killed.golden"]);
  });
});
