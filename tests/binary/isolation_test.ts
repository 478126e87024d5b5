// The main module stays free of the FFI: nothing mod.ts imports is under
// lib/binary, and lib/binary is reachable through its own export only.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function modulesOf(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  return info.modules.map((m) => m.specifier);
}

Deno.test("mod.ts imports nothing of lib/binary; deno.json exports it as ./binary", async () => {
  const main = await modulesOf("mod.ts");
  assert.ok(main.length > 50, `${main.length} modules`);
  assert.deepEqual(main.filter((s) => s.includes("/lib/binary/")), []);
  const binary = await modulesOf("lib/binary/mod.ts");
  assert.ok(binary.some((s) => s.endsWith("/lib/binary/unicorn.ts")));
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assert.equal(config.exports["."], "./mod.ts");
  assert.equal(config.exports["./binary"], "./lib/binary/mod.ts");
  // no other entry reaches lib/binary either
  for (const [name, entry] of Object.entries(config.exports as Record<string, string>)) {
    if (name === "./binary") continue;
    const modules = await modulesOf(entry);
    assert.deepEqual(modules.filter((s) => s.includes("/lib/binary/")), [], name);
  }
});
