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

Deno.test("mod.ts exports as many names (values and types) as the README says, at most 60", async () => {
  const { code, output } = await deno(["doc", "--json", "mod.ts"]);
  assert.equal(code, 0, output);
  const doc = JSON.parse(output);
  const names = new Set<string>();
  for (const node of Object.values(doc.nodes) as { symbols: { name: string }[] }[]) {
    for (const symbol of node.symbols) names.add(symbol.name);
  }
  assert.ok(names.size <= 60, `mod.ts exports ${names.size} names: ${[...names].join(", ")}`);
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const said = /`assertGolden` and `ScenarioError`: (\d+) names\./.exec(readme);
  assert.ok(said !== null, "the README's count of mod.ts's names");
  assert.equal(names.size, Number(said[1]));
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

/** Every `@example` of the package's public symbols and entry modules, with where it is. */
async function publicExamples(): Promise<{ where: string; file: string; code: string }[]> {
  const { code, output } = await deno(["doc", "--json", ...ENTRIES.filter((e) => e !== "cli.ts")]);
  assert.equal(code, 0, output);
  const found: { where: string; file: string; code: string }[] = [];
  const walk = (node: unknown, where: string, file: string): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child, where, file);
    } else if (node !== null && typeof node === "object") {
      const o = node as Record<string, unknown>;
      if (o.kind === "example" && typeof o.doc === "string") {
        found.push({ where, file, code: o.doc });
      }
      for (const child of Object.values(o)) walk(child, where, file);
    }
  };
  const doc = JSON.parse(output) as {
    nodes: Record<string, { module_doc?: unknown; symbols: Record<string, unknown>[] }>;
  };
  for (const [url, node] of Object.entries(doc.nodes)) {
    walk(node.module_doc, url, url);
    for (const symbol of node.symbols) {
      for (const d of symbol.declarations as { location: { filename: string } }[]) {
        walk(d, String(symbol.name), d.location.filename);
      }
    }
  }
  return found;
}

Deno.test("doc examples of the public API import the package by its name, and type-check", async () => {
  const examples = await publicExamples();
  assert.ok(examples.length > 250, `${examples.length} examples`);
  const internal = examples.flatMap(({ where, code }) =>
    [...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1])
      .filter((s) => !s.startsWith("@setway/setway") && !s.startsWith("node:"))
      .map((s) => `${where}: ${s}`)
  );
  assert.deepEqual(internal, []);
  // The examples resolve through deno.json's name and exports, as in a user's project.
  const files = [...new Set(examples.map((e) => e.file))]
    .filter((f) => f.startsWith(`file://${ROOT}`))
    .map((f) => f.slice(`file://${ROOT}`.length));
  const { code, output } = await deno(["check", "--doc-only", ...files]);
  assert.equal(code, 0, output);
});

Deno.test("deno doc --json: no declaration takes its module's doc as its own", async () => {
  // A doc comment opened with `/*` instead of `/**` is no doc comment: the declaration after it
  // then shows the module doc above it (its `@module` tag included), and `--lint` cannot tell.
  const { code, output } = await deno(["doc", "--json", ...ENTRIES.filter((e) => e !== "cli.ts")]);
  assert.equal(code, 0, output);
  const doc = JSON.parse(output) as { nodes: Record<string, { symbols: unknown[] }> };
  const borrowed: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child, where);
    } else if (node !== null && typeof node === "object") {
      const o = node as Record<string, unknown>;
      const tags = (o.jsDoc as { tags?: { kind: string }[] } | undefined)?.tags ?? [];
      if (tags.some((t) => t.kind === "module")) borrowed.push(where);
      for (const child of Object.values(o)) walk(child, where);
    }
  };
  for (const node of Object.values(doc.nodes)) {
    for (const symbol of node.symbols as { name: string }[]) walk(symbol, symbol.name);
  }
  assert.deepEqual(borrowed, []);
});

Deno.test("importing mod.ts loads neither the explorer, nor the expectation checker, nor the golden module", async () => {
  // What Deno loads with mod.ts: its static imports, followed through every
  // module's static imports; a dynamic import() waits for its first call.
  const { code, output } = await deno(["info", "--json", "mod.ts"]);
  assert.equal(code, 0, output);
  const info = JSON.parse(output) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const loaded = new Set<string>();
  const visit = (specifier: string) => {
    if (loaded.has(specifier)) return;
    loaded.add(specifier);
    for (const d of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (d.code !== undefined && d.isDynamic !== true) visit(d.code.specifier);
    }
  };
  visit(info.roots[0]);
  const files = [...loaded].filter((s) => s.startsWith("file:")).map((s) =>
    fileURLToPath(s).slice(ROOT.length)
  );
  assert.deepEqual(
    files.filter((f) =>
      f.startsWith("lib/engine/explore/") || f === "lib/engine/expect/check.ts" ||
      f === "lib/golden/golden.ts"
    ),
    [],
  );
  // The DSL and the engine are loaded.
  for (const f of ["lib/dsl/vm.ts", "lib/engine/run.ts", "lib/engine/compare.ts"]) {
    assert.ok(files.includes(f), f);
  }
  // And the three load on their first call: mod.ts imports each dynamically.
  const mod = await Deno.readTextFile(`${ROOT}mod.ts`);
  for (
    const f of [
      "./lib/engine/explore/explore.ts",
      "./lib/engine/expect/check.ts",
      "./lib/golden/golden.ts",
    ]
  ) {
    assert.ok(mod.includes(`await import("${f}")`), f);
  }
});
