/**
 * The sandbox's worker speaks through the io of the command line that
 * started it: its colour, its working directory for relative paths and its
 * files, and the scenario file named as the user gave it when loading overruns.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { bufferIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";
import { ROOT, ZIMAGE } from "./helpers.ts";

const MOD = join(ROOT, "mod.ts");

const GUEST = `import { vm } from ${JSON.stringify(MOD)};\n` +
  "export default vm().guest((g) => g.mmuOn().write(0x4000_0000, 1).read(0x4000_0000));\n";

/** Runs the command line in the sandbox on an in-memory io rooted at `cwd`. */
async function sandboxed(argv: string[], cwd: string, colour = false) {
  const io = bufferIo(cwd, colour);
  const code = await main(argv, io, { sandbox: true });
  return { code, io };
}

/** A temporary folder holding `files` (name to text), removed after `body`. */
async function withProject(
  files: Record<string, string>,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "setway-worker-io-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sandbox: a coloured io gets the same coloured bytes as without the sandbox", async () => {
  const argv = ["run", resolve(ROOT, ZIMAGE), "--filter", "flush"];
  const inside = await sandboxed(argv, ROOT, true);
  assert.equal(inside.code, 0, inside.io.stderr);
  assert.ok(inside.io.stdout.includes("\x1b["), "colour codes in the output");
  const io = bufferIo(ROOT, true);
  assert.equal(await main(argv, io), 0);
  assert.equal(inside.io.stdout, io.stdout);
});

Deno.test("sandbox: relative scenario and --html paths start from the io's directory", async () => {
  await withProject({ "s.ts": GUEST }, async (dir) => {
    const { code, io } = await sandboxed(["run", "s.ts", "--html", "out.html"], dir);
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stderr, "");
    assert.match(io.stdout, /verdict: ok/);
    assert.deepEqual([...io.files.keys()], [join(dir, "out.html")]);
    assert.match(io.files.get(join(dir, "out.html")) ?? "", /^<!doctype html>/i);
  });
});

Deno.test("sandbox: loading past its budget names the scenario file as given", async () => {
  await withProject(
    { "s.ts": `import { vm } from ${JSON.stringify(MOD)};\nwhile (true) { /* forever */ }\n` },
    async (dir) => {
      const { code, io } = await sandboxed(["run", "s.ts", "--wall-ms", "300"], dir);
      assert.equal(code, 2);
      assert.equal(io.stdout, "");
      assert.equal(
        io.stderr,
        "setway: loading s.ts did not finish within the wall budget (300 ms); " +
          "stopped after 1300 ms\n",
      );
    },
  );
});

Deno.test("sandbox: a module that throws while loading is one line, as without the sandbox", async () => {
  await withProject(
    { "s.ts": `import { vm } from ${JSON.stringify(MOD)};\nexport default vm().cpus(0);\n` },
    async (dir) => {
      const inside = await sandboxed(["run", "s.ts"], dir);
      assert.equal(inside.code, 2, inside.io.stderr);
      assert.match(inside.io.stderr, /^setway: .*cpus\(0\): out of range[^\n]*\n$/);
      const io = bufferIo(dir);
      assert.equal(await main(["run", "s.ts"], io), 2);
      assert.equal(inside.io.stderr, io.stderr);
    },
  );
});

Deno.test("sandbox: export writes every file through the io, and nothing else is printed", async () => {
  await withProject({ "s.ts": GUEST }, async (dir) => {
    const { code, io } = await sandboxed(["export", "--baremetal", "s.ts", "--out", "t"], dir);
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stderr, "");
    assert.match(io.stdout, /^wrote (\d+) files to t\/: 1 reads checked on 1 CPU\n/);
    const count = Number(/^wrote (\d+)/.exec(io.stdout)?.[1]);
    assert.equal(io.files.size, count);
    assert.ok([...io.files.keys()].every((f) => f.startsWith(`${join(dir, "t")}/`)));
    assert.ok((await Deno.stat(join(dir, "t"))).isDirectory);
  });
});
