// The README's guest-binary example and the output pasted under it stay
// true: the example is run (with --allow-ffi only) and its output compared
// byte for byte. Without --allow-ffi, the same code says which flag to add.
import assert from "node:assert/strict";
import { type Outcome, runCommand } from "../support/command.ts";
import { blockAfter } from "../support/readme.ts";
import { binaryTools } from "./tools.ts";

const tools = await binaryTools();

async function runExample(flags: string[]): Promise<Outcome> {
  const code = blockAfter("## Run real guest machine code", "```ts");
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/example.ts`;
    const root = new URL("../../", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      code.replace(`"./mod.ts"`, JSON.stringify(`${root}mod.ts`))
        .replace(`"./lib/binary/mod.ts"`, JSON.stringify(`${root}lib/binary/mod.ts`)),
    );
    return await runCommand([Deno.execPath(), "run", "--no-config", "--quiet", ...flags, file]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("README: the guest-binary example prints exactly the output shown under it", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const shown = blockAfter("It prints (the store stayed in the cache", "```text");
  const out = await runExample(["--allow-ffi"]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, shown);
});

Deno.test("README: the guest-binary example without --allow-ffi names the flag to add", async () => {
  const out = await runExample([]);
  assert.notEqual(out.code, 0);
  assert.match(
    out.stderr,
    /UnicornMissingError: running guest binaries needs the FFI permission: run Deno with --allow-ffi/,
  );
});
