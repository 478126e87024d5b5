import assert from "node:assert/strict";
import { writeEmptyModules } from "../../bench/empty_modules.ts";

Deno.test("writeEmptyModules: a root that loads n modules in all, and a hello-world beside it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "setway-empty-modules-test-" });
  try {
    const { root, hello } = await writeEmptyModules(dir, 5);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["hello.ts", "m1.ts", "m2.ts", "m3.ts", "m4.ts", "root.ts"]);
    const run = async (script: string) => {
      const out = await new Deno.Command(Deno.execPath(), { args: ["run", script], cwd: dir })
        .output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout);
    };
    assert.equal(await run(root), "loaded\n");
    assert.equal(await run(hello), "hello, world\n");
    // The graph Deno loads: the root and its four modules, nothing else.
    const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", root] })
      .output();
    const modules = JSON.parse(new TextDecoder().decode(info.stdout)).modules;
    assert.equal(modules.length, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeEmptyModules: n must be a whole number from 1", async () => {
  await assert.rejects(() => writeEmptyModules("/nonexistent", 0), RangeError);
  await assert.rejects(() => writeEmptyModules("/nonexistent", 1.5), RangeError);
});
