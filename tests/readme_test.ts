/**
 * The README's DSL example and the output pasted under it must stay true:
 * the example is run and its output compared with the README, byte for byte.
 */

import assert from "node:assert/strict";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));

function blockAfter(marker: string, fence: string): string {
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README has no ${JSON.stringify(marker)}`);
  const open = readme.indexOf(fence, at);
  const start = readme.indexOf("\n", open) + 1;
  const end = readme.indexOf("\n```", start);
  return readme.slice(start, end + 1);
}

Deno.test("README: the DSL example prints exactly the output shown under it", async () => {
  const code = blockAfter("## The DSL in one example", "```ts");
  const shown = blockAfter("It prints (a real run", "```text");
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/example.ts`;
    const modUrl = new URL("../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(file, code.replace(`"./mod.ts"`, JSON.stringify(modUrl)));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--quiet", file],
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.equal(new TextDecoder().decode(out.stdout), shown);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
