/**
 * The README's two claims about the library's imports, checked on every
 * import of mod.ts and lib/ (static, type-only and dynamic): they go one
 * way, from the bottom up, folder by folder as the README's layout section
 * says; and they name only relative `.ts` files and Node's built-ins.
 */

import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { README } from "./support/readme.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Every .ts file under `dir`, as a path from the checkout's root. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(ROOT, dir))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...tsFiles(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/**
 * The module specifiers a source names: `from "..."`, `import "..."` and
 * `import("...")`, outside comments (doc examples import the package by name).
 */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (
    const re of [/\bfrom\s+"([^"]+)"/g, /^\s*import\s+"([^"]+)"/gm, /\bimport\(\s*"([^"]+)"\s*\)/g]
  ) {
    for (const m of code.matchAll(re)) out.push(m[1]);
  }
  return out;
}

/** The folder of lib/ a file is in (`hw`, `engine`...), or the file itself for lib/'s top-level files. */
function area(path: string): string {
  return path.split("/")[1];
}

/** Every import of a lib/ file into another area: [from area, target path from lib/]. */
function crossImports(): { file: string; from: string; target: string }[] {
  const out: { file: string; from: string; target: string }[] = [];
  for (const file of tsFiles("lib")) {
    for (const spec of specifiers(Deno.readTextFileSync(join(ROOT, file)))) {
      if (!spec.startsWith(".")) continue;
      const target = relative("lib", normalize(join(dirname(file), spec)));
      const from = area(file);
      const to = target.split("/")[0];
      if (to !== from) out.push({ file, from, target });
    }
  }
  return out;
}

/** Whether `target` (a path from lib/) is allowed by one of the rules: a folder name or a file path. */
const allowedBy = (rules: readonly string[], target: string) =>
  rules.some((r) => target === r || target.startsWith(`${r}/`));

/** What each area below the engine may import besides itself, as the README's layout section says. */
const BELOW_ENGINE: Record<string, readonly string[]> = {
  "hw": ["errors.ts", "limits.ts"],
  "sim": ["hw", "errors.ts", "limits.ts", "options.ts"],
  "machines": ["hw", "errors.ts", "limits.ts", "options.ts"],
  "guest": ["errors.ts", "options.ts", "hw/memory.ts"],
  "hyp": ["hw", "guest", "errors.ts", "limits.ts", "options.ts"],
  "report": ["hyp/events.ts", "hw/machine.ts", "errors.ts", "limits.ts", "options.ts"],
  "golden": ["report", "errors.ts", "limits.ts", "options.ts"],
};

/** The areas that sit on top of the engine: neither the engine nor anything below imports them. */
const ABOVE_ENGINE = ["dsl", "export", "cli", "binary", "api", "golden", "sim"];

Deno.test("layering: each area below the engine imports only what the README says", () => {
  const wrong = crossImports()
    .filter(({ from, target }) => from in BELOW_ENGINE && !allowedBy(BELOW_ENGINE[from], target))
    .map(({ file, target }) => `${file} imports lib/${target}`);
  assert.deepEqual(wrong, []);
});

Deno.test("layering: the engine imports everything below it but sim, and nothing above it", () => {
  const wrong = crossImports()
    .filter(({ from, target }) => from === "engine" && allowedBy(ABOVE_ENGINE, target))
    .map(({ file, target }) => `${file} imports lib/${target}`);
  assert.deepEqual(wrong, []);
});

Deno.test("layering: the areas import one another without a cycle", () => {
  const edges = new Map<string, Set<string>>();
  for (const { from, target } of crossImports()) {
    const to = target.split("/")[0];
    if (to.endsWith(".ts")) continue; // errors.ts, limits.ts, options.ts: the bottom
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
  const state = new Map<string, "open" | "done">();
  const cycle: string[] = [];
  const visit = (a: string, path: string[]): boolean => {
    if (state.get(a) === "done") return false;
    if (state.get(a) === "open") {
      cycle.push(...path.slice(path.indexOf(a)), a);
      return true;
    }
    state.set(a, "open");
    for (const b of edges.get(a) ?? []) if (visit(b, [...path, a])) return true;
    state.set(a, "done");
    return false;
  };
  for (const a of [...edges.keys()].sort()) if (visit(a, [])) break;
  assert.deepEqual(cycle, []);
});

Deno.test("layering: the README states the rules this test checks", () => {
  const text = README.replace(/\s+/g, " ");
  for (
    const claim of [
      "`hw` imports nothing of setway's but `errors.ts` and `limits.ts`",
      "`sim` and `machines` import `hw`",
      "`guest` (the operations a guest performs) imports nothing but `errors.ts`, `options.ts` " +
      "and the page size of `hw/memory.ts`",
      "`hyp` imports `hw` and `guest`",
      "`engine` imports all of these but `sim`",
      "`golden` on top of `report` (the engine never imports it)",
      "`mod.ts` and `lib/` import only relative `.ts` files and Node's built-in modules (`node:`)",
    ]
  ) assert.ok(text.includes(claim), `README does not say: ${claim}`);
});

Deno.test("layering: mod.ts and lib/ import only relative .ts files and node: built-ins", () => {
  const wrong: string[] = [];
  for (const file of ["mod.ts", ...tsFiles("lib")]) {
    for (const spec of specifiers(Deno.readTextFileSync(join(ROOT, file)))) {
      const relativeTs = (spec.startsWith("./") || spec.startsWith("../")) && spec.endsWith(".ts");
      if (!relativeTs && !spec.startsWith("node:")) wrong.push(`${file}: ${spec}`);
    }
  }
  assert.deepEqual(wrong, []);
  // The check reads what it should: the files import hundreds of modules.
  const count = tsFiles("lib").reduce(
    (n, f) => n + specifiers(Deno.readTextFileSync(join(ROOT, f))).length,
    0,
  );
  assert.ok(count > 500, `only ${count} imports found`);
});
