import assert from "node:assert/strict";
import { machines } from "../../mod.ts";
import { listMachines } from "../../lib/api/hw.ts";

/** The module of a preset: its name with dashes as underscores. */
function moduleOf(name: string): URL {
  return new URL(`../../lib/machines/${name.replaceAll("-", "_")}.ts`, import.meta.url);
}

function moduleDoc(text: string): string {
  const end = text.indexOf("@module");
  assert.ok(end > 0, "a module doc comment");
  return text.slice(0, end);
}

Deno.test("machines: every preset's module doc names where its geometry comes from", async () => {
  for (const name of Object.keys(machines)) {
    const doc = moduleDoc(await Deno.readTextFile(moduleOf(name)));
    assert.match(doc, /Sources?:/, `${name}: a "Source:" paragraph`);
    // A product preset cites a document, a device tree or a manual for its caches.
    if (name !== "generic") assert.match(doc, /TRM|Reference Manual|device tree|dts/, name);
  }
});

Deno.test("listMachines: one line per preset, with its cache sizes", () => {
  const list = listMachines();
  assert.deepEqual(list.map((m) => m.name), Object.keys(machines));
  for (const { name, description } of list) {
    assert.ok(description.length > 20, name);
    assert.ok(!/[\r\n]/.test(description), `${name}: one line`);
    assert.match(description, /\d+ (KiB|MiB)/, `${name}: names a cache size`);
  }
});
