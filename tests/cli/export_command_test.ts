// `export --baremetal` as a user runs it from a project of their own: into
// the working directory itself, for a guest on two CPUs, and refused in one
// line (status 2) when a file stands where the directory should be.
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, inProcess, ROOT, scratchProject } from "./helpers.ts";

const TWO_CPUS = `import { vm } from ${JSON.stringify(join(ROOT, "mod.ts"))};\n` +
  "export default vm().cpus(2).guest((g) => g.linuxArm64({ cpus: 2 }));\n";

Deno.test("export --out .: the files land in the working directory, shown as ./, on 2 CPUs", async () => {
  const dir = await scratchProject("setway-export-", { "s.ts": TWO_CPUS });
  try {
    const { code, io } = await inProcess(["export", "--baremetal", "s.ts", "--out", "."], dir);
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stderr, "");
    assert.ok(io.files.has(join(dir, "scenario.json")));
    assert.ok([...io.files.keys()].every((f) => f.startsWith(`${dir}/`)));
    // Both vCPUs read back what they wrote, so both are checked.
    assert.match(io.stdout, /^wrote 13 files to \.\/: \d+ reads checked on 2 CPUs\n/);
    assert.match(io.stdout, /\n {2}make -C \. {11}# build test\.elf/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export --out naming a file: one line, status 2, the file left alone", async () => {
  const dir = await scratchProject("setway-export-", { "s.ts": TWO_CPUS, "taken": "mine\n" });
  try {
    const inside = await inProcess(["export", "--baremetal", "s.ts", "--out", "taken"], dir);
    assert.equal(inside.code, 2);
    assert.equal(inside.io.stdout, "");
    assert.equal(inside.io.stderr, "setway: export: cannot write taken: a file is in the way\n");
    // The real command line: the sandboxed scenario asks this thread to make the directory.
    for (const out of ["taken", join("taken", "sub")]) {
      const o = await cli(["export", "--baremetal", join(dir, "s.ts"), "--out", join(dir, out)]);
      assert.equal(o.code, 2, o.stderr);
      assert.equal(o.stdout, "");
      assert.equal(
        o.stderr,
        `setway: export: cannot write ${join(dir, out)}: a file is in the way\n`,
      );
    }
    assert.equal(await Deno.readTextFile(join(dir, "taken")), "mine\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
