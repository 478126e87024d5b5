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

/** The package's entry files, from deno.json's "exports". */
const CONFIG = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
const ENTRIES: string[] = Object.values(CONFIG.exports as Record<string, string>);

Deno.test("deno.json: the subpath exports, each an entry file with a module doc", async () => {
  assert.deepEqual(Object.keys(CONFIG.exports).sort(), [
    ".",
    "./binary",
    "./cli",
    "./expect",
    "./explore",
    "./export",
    "./golden",
    "./guest",
    "./hw",
    "./policies",
    "./report",
    "./scenarios/zimage",
  ]);
  for (const entry of ENTRIES) {
    const text = await Deno.readTextFile(`${ROOT}${entry}`);
    assert.match(text, /^\/\*\*[\s\S]*?@module\s*\n \*\//, `${entry} has no module doc`);
  }
});

Deno.test("mod.ts exports at most 60 names (values and types)", async () => {
  const { code, output } = await deno(["doc", "--json", "mod.ts"]);
  assert.equal(code, 0, output);
  const doc = JSON.parse(output);
  const names = new Set<string>();
  for (const node of Object.values(doc.nodes) as { symbols: { name: string }[] }[]) {
    for (const symbol of node.symbols) names.add(symbol.name);
  }
  assert.ok(names.size <= 60, `mod.ts exports ${names.size} names: ${[...names].join(", ")}`);
  // what a scenario needs is there
  for (const name of ["vm", "run", "compare", "checkExpectations", "explore", "RunResult"]) {
    assert.ok(names.has(name), name);
  }
  for (const name of ["definePolicy", "policies", "kvm40", "assertGolden", "ScenarioError"]) {
    assert.ok(names.has(name), name);
  }
});

Deno.test("deno doc --lint of every entry point: every export documented", async () => {
  const { code, output } = await deno(["doc", "--lint", ...ENTRIES]);
  const problems = output.split("\n").filter((l) => /^error\[/.test(l));
  assert.deepEqual(problems, [], output);
  assert.equal(code, 0, output);
});

Deno.test("deno publish --dry-run: the package publishes, no slow types, no warning", async () => {
  const { code, output } = await deno(["publish", "--dry-run", "--allow-dirty"]);
  assert.equal(code, 0, output);
  assert.match(output, /Dry run complete/);
  // Slow types and other problems print as `error[...]` or `warning[...]` lines
  // (unanalyzable-dynamic-import among them: lib/import_module.ts imports the
  // user's own modules where the analysis does not look).
  const problems = output.split("\n").filter((line) => /^\s*(warning|error)\[/.test(line));
  assert.deepEqual(problems, [], output);
  // The CLI and the scenario the README starts from are published.
  const files = new Set(
    [...output.matchAll(/file:\/\/\S+/g)].map((m) => m[0].slice(`file://${ROOT}`.length)),
  );
  for (const file of ["cli.ts", "lib/cli/main.ts", "scenarios/zimage.ts", "scenarios/README.md"]) {
    assert.ok(files.has(file), `${file} is not published`);
  }
});
