/**
 * The README's examples and the output pasted under them must stay true:
 * each example is run and its output compared with the README, byte for byte.
 */

import assert from "node:assert/strict";
import { blockAfter } from "./support/readme.ts";

/** Runs a README example against this checkout's mod.ts (and its subpath entries); returns what it printed. */
async function runExample(code: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/example.ts`;
    const root = new URL("../", import.meta.url).href;
    await Deno.writeTextFile(file, code.replaceAll(`from "./`, `from "${root}`));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--quiet", file],
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("README: the DSL example prints exactly the output shown under it", async () => {
  const code = blockAfter("## The DSL in one example", "```ts");
  const shown = blockAfter("It prints (a real run", "```text");
  assert.equal(await runExample(code), shown);
});

Deno.test("README: the blame example prints exactly the output shown under it", async () => {
  const code = blockAfter("## Who is to blame", "```ts");
  const shown = blockAfter("The loop prints (a real run", "```text");
  assert.equal(await runExample(code), shown);
});

Deno.test("README: the .on(vcpu, ...) example prints the interleaving shown under it", async () => {
  const code = blockAfter("## How `.on(vcpu, ...)` interleaves", "```ts");
  const shown = blockAfter("prints (after each vCPU's setup", "```text");
  assert.equal(await runExample(code), shown);
  // the rule it illustrates: the steps run in the order written, whatever their vCPU
  const steps = shown.split("\n").filter((l) => /: (read|write): /.test(l))
    .map((l) => `${l.trim().split(" ")[0]} ${l.split(": ")[1]}`);
  assert.deepEqual(steps, ["vcpu0-0 write", "vcpu1-1 write", "vcpu1-1 read", "vcpu0-0 read"]);
});

Deno.test("README: the .expect/.check example runs and its expectations hold", async () => {
  const code = blockAfter("is a catalogue of real incidents", "```ts ignore");
  assert.match(code, /\.check\(\);\nconsole\.log\(result\.ok\);\n$/);
  // kvm-3.18 does leave stale data at 0x40008000, and none of it is the guest's to blame.
  assert.equal(await runExample(code), "true\n");
});
