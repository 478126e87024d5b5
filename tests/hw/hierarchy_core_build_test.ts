/**
 * The hierarchy core's bytes in lib/ are the build of its source: compiling
 * wasm/hierarchy.as again (`deno task build:core`, AssemblyScript from the
 * npm registry) gives the module lib/hw/hierarchy_core_wasm.ts holds, so a
 * change to the source that was not built fails here, not in a user's run.
 */

import assert from "node:assert/strict";
import { compileCore, moduleText } from "../../wasm/build.ts";
import { hierarchyCoreBytes } from "../../lib/hw/hierarchy_core_wasm.ts";

const root = new URL("../../", import.meta.url);

Deno.test("lib/hw/hierarchy_core_wasm.ts is the build of wasm/hierarchy.as", async () => {
  const source = await Deno.readTextFile(new URL("wasm/hierarchy.as", root));
  const bytes = await compileCore(source);
  assert.deepEqual(hierarchyCoreBytes(), bytes);
  assert.equal(
    await Deno.readTextFile(new URL("lib/hw/hierarchy_core_wasm.ts", root)),
    moduleText(bytes),
  );
});

Deno.test("the core's bytes decode the same with and without Uint8Array.fromBase64", () => {
  const holder = Uint8Array as { fromBase64?: unknown };
  const native = holder.fromBase64;
  const fast = hierarchyCoreBytes();
  delete holder.fromBase64;
  try {
    assert.equal(holder.fromBase64, undefined, "the loop runs");
    assert.deepEqual(hierarchyCoreBytes(), fast);
  } finally {
    if (native !== undefined) holder.fromBase64 = native;
  }
  assert.ok(WebAssembly.validate(fast as Uint8Array<ArrayBuffer>));
});

Deno.test("the hierarchy core keeps everything in the memory it imports", () => {
  const module = new WebAssembly.Module(hierarchyCoreBytes() as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(module);
  assert.deepEqual(imports.filter((i) => i.kind === "memory").map((i) => i.name), ["memory"]);
  assert.equal(WebAssembly.Module.exports(module).some((e) => e.kind === "memory"), false);
  // No data segment (section 11) and no start function (section 8): nothing
  // is written into the model's memory but by the exports.
  const bytes = hierarchyCoreBytes();
  const sections: number[] = [];
  for (let at = 8; at < bytes.length;) {
    sections.push(bytes[at++]);
    let size = 0;
    for (let shift = 0;; shift += 7) {
      const b = bytes[at++];
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    at += size;
  }
  assert.ok(!sections.includes(11) && !sections.includes(8), `sections ${sections}`);
});

Deno.test("build:core --check finds the module in lib/ up to date, with no write permission", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-R", "-E", "--no-prompt", "wasm/build.ts", "--check"],
    cwd: root,
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(new TextDecoder().decode(out.stdout), /up to date/);
});
