// Golden writes, beyond tests/golden: the replace is a rename (never a write
// in place), a failed update leaves neither a half-written golden nor a
// temporary file, and under CI=true a damaged golden is reported, not repaired.
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertGolden, GoldenError } from "../../lib/golden/golden.ts";
import { serializeGolden } from "../../lib/golden/file.ts";
import { tempDir } from "../support/temp_dir.ts";

const OLD =
  "  vcpu0-0 [000] .... 000001: kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)\n";
const NEW = OLD.replace("(cache on)", "(cache off)");

async function withCi(value: string | undefined, fn: () => Promise<void>): Promise<void> {
  const saved = Deno.env.get("CI");
  if (value === undefined) Deno.env.delete("CI");
  else Deno.env.set("CI", value);
  try {
    await fn();
  } finally {
    if (saved === undefined) Deno.env.delete("CI");
    else Deno.env.set("CI", saved);
  }
}

async function goldenErrorOf(p: Promise<void>): Promise<GoldenError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GoldenError, `expected a GoldenError, got ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "expected the assertion to fail" });
}

Deno.test("golden update replaces the file by rename: another link to the old file keeps the old text", async () => {
  await withCi(undefined, async () => {
    const dir = await tempDir();
    const file = join(dir, "trace.golden");
    const link = join(dir, "old-link");
    await Deno.writeTextFile(file, serializeGolden(OLD));
    await Deno.link(file, link);
    const before = (await Deno.stat(file)).ino;
    await assertGolden(NEW, file, { update: true });
    assert.equal(await Deno.readTextFile(file), serializeGolden(NEW));
    // Written in place, both names would show the new text; renamed, the old inode is untouched.
    assert.equal(await Deno.readTextFile(link), serializeGolden(OLD));
    if (before !== null) assert.notEqual((await Deno.stat(file)).ino, before);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "old-link",
      "trace.golden",
    ]);
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("a failed golden update leaves no temporary file and changes nothing", async () => {
  await withCi(undefined, async () => {
    const dir = await tempDir();
    const stale = join(dir, "stale.golden");
    await Deno.writeTextFile(stale, serializeGolden(OLD));
    // The temporary file is written in full; the rename that would put it in place fails.
    const rename = Deno.rename;
    Object.assign(Deno, { rename: () => Promise.reject(new Error("disk full")) });
    try {
      await assert.rejects(
        assertGolden(NEW, join(dir, "new.golden"), { update: true }),
        /disk full/,
      );
      await assert.rejects(assertGolden(NEW, stale, { update: true }), /disk full/);
    } finally {
      Object.assign(Deno, { rename });
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["stale.golden"]);
    assert.equal(await Deno.readTextFile(stale), serializeGolden(OLD));
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("a golden whose name is taken by a directory is refused, and nothing is written", async () => {
  await withCi(undefined, async () => {
    const dir = await tempDir();
    // Reading the golden fails (it is a directory) before anything is written.
    const blocked = join(dir, "blocked.golden");
    await Deno.mkdir(blocked);
    await Deno.writeTextFile(join(blocked, "keep"), "x");
    await assert.rejects(assertGolden(NEW, blocked, { update: true }));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["blocked.golden"]);
    assert.equal(await Deno.readTextFile(join(blocked, "keep")), "x");
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("without update mode a golden is never written, whatever its state", async () => {
  await withCi(undefined, async () => {
    const dir = await tempDir();
    const cases: [string, string | null, GoldenError["code"]][] = [
      ["missing.golden", null, "missing"],
      ["stale.golden", serializeGolden(OLD), "mismatch"],
      ["cut.golden", serializeGolden(OLD).slice(0, 30), "corrupt"],
    ];
    for (const [name, content, code] of cases) {
      const file = join(dir, name);
      if (content !== null) await Deno.writeTextFile(file, content);
      const err = await goldenErrorOf(assertGolden(NEW, file, { update: false }));
      assert.equal(err.code, code);
      if (content === null) {
        assert.equal([...Deno.readDirSync(dir)].some((e) => e.name === name), false);
      } else assert.equal(await Deno.readTextFile(file), content, `${name} untouched`);
    }
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("under CI=true a truncated or corrupt golden is reported as such and never repaired", async () => {
  await withCi("true", async () => {
    const dir = await tempDir();
    const truncated = join(dir, "cut.golden");
    const cut = serializeGolden(OLD + OLD).slice(0, -10);
    await Deno.writeTextFile(truncated, cut);
    const err = await goldenErrorOf(assertGolden(OLD + OLD, truncated, { update: true }));
    assert.equal(err.code, "corrupt");
    assert.ok(err.ciRefused);
    assert.match(err.message, /is corrupt: it is truncated/);
    assert.match(err.message, /CI=true forbids updating golden files/);
    assert.equal(await Deno.readTextFile(truncated), cut);

    const binary = join(dir, "binary.golden");
    const bytes = new Uint8Array([0x23, 0x00, 0xff, 0x0a]);
    await Deno.writeFile(binary, bytes);
    const err2 = await goldenErrorOf(assertGolden(OLD, binary, { update: true }));
    assert.equal(err2.code, "corrupt");
    assert.deepEqual(await Deno.readFile(binary), bytes);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "binary.golden",
      "cut.golden",
    ]);
    await Deno.remove(dir, { recursive: true });
  });
});
