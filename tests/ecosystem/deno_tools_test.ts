// The Deno toolchain's own checks of the published surface: every export
// documented, and no slow types for JSR.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function deno(args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("deno doc --lint mod.ts: every export documented", async () => {
  const { code, output } = await deno(["doc", "--lint", "mod.ts"]);
  const problems = output.split("\n").filter((l) => /^error\[/.test(l));
  assert.deepEqual(problems, [], output);
  assert.equal(code, 0, output);
});

Deno.test("deno publish --dry-run: the package publishes, no slow types", async () => {
  const { code, output } = await deno(["publish", "--dry-run", "--allow-dirty"]);
  assert.equal(code, 0, output);
  assert.match(output, /Dry run complete/);
  // Slow types and other problems print as `error[...]` or `warning[...]` lines;
  // the "Checking for slow types" progress line is not one of them.
  const problems = output.split("\n").filter((l) => /^\s*(warning|error)\[/.test(l));
  assert.deepEqual(problems, [], output);
});
