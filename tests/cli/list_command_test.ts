// `list` as a user reads it: the text listing's columns line up, the Markdown
// tables are laid out as `deno fmt` lays them out, and the JSON names where
// each policy and guest comes from.
import assert from "node:assert/strict";
import { presets } from "../../lib/guest/mod.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { listMachines } from "../../lib/machines/mod.ts";
import { inProcess } from "./helpers.ts";

const NAMES = [
  ...Object.values(policies).map((p) => p.name),
  ...listMachines().map((m) => m.name),
  ...Object.values(presets).map((g) => g.name),
];

Deno.test("list: every description starts three columns after the longest name", async () => {
  const { code, io } = await inProcess(["list"]);
  assert.equal(code, 0);
  const longest = Math.max(...NAMES.map((n) => n.length));
  const entries = io.stdout.split("\n").filter((l) => l.startsWith("  "));
  assert.equal(entries.length, NAMES.length);
  for (const line of entries) {
    const name = line.slice(2).split(" ")[0];
    assert.ok(NAMES.includes(name), line);
    // Two spaces of indent, the name padded to the longest, three spaces, the description.
    assert.equal(line.slice(2, 2 + longest + 3).trimEnd(), name, line);
    assert.notEqual(line[2 + longest + 3], " ", line);
  }
});

Deno.test("list: each section says how to use its names", async () => {
  const { io } = await inProcess(["list"]);
  const headings = io.stdout.split("\n").filter((l) => /^\S/.test(l));
  assert.deepEqual(headings, [
    "Policies (--policy <name>, vm().policy(name))",
    "Machines (--machine <name>, vm().machine(name))",
    "Guests (vm().guest((g) => g.<name>()))",
  ]);
});

Deno.test("list --markdown: padded tables whose rule rows span each column, headings escaped", async () => {
  const { code, io } = await inProcess(["list", "--markdown"]);
  assert.equal(code, 0);
  // `<name>` would be read as an HTML tag in Markdown.
  assert.match(io.stdout, /^\*\*Policies\*\* \(--policy &lt;name>, vm\(\)\.policy\(name\)\)\n/);
  assert.match(io.stdout, /\n\*\*Guests\*\* \(vm\(\)\.guest\(\(g\) => g\.&lt;name>\(\)\)\)\n/);
  const tables = io.stdout.split(/\n\n/).filter((b) => b.startsWith("|"));
  assert.equal(tables.length, 3);
  for (const t of tables) {
    const rows = t.trimEnd().split("\n");
    const [header, rule] = rows;
    const widths = header.slice(2, -2).split(" | ").map((c) => c.length);
    assert.match(header, /^\| name +\| description +\|$/);
    // Each column is as wide as its widest cell, and the rule row's dashes fill it.
    assert.equal(rule, `| ${"-".repeat(widths[0])} | ${"-".repeat(widths[1])} |`);
    for (const row of rows) assert.equal(row.length, header.length, row);
    const cells = rows.slice(2).map((r) => r.slice(2, -2).split(" | ").map((c) => c.trimEnd()));
    assert.equal(Math.max(...cells.map(([a]) => a.length)), widths[0]);
    assert.equal(Math.max(...cells.map(([, b]) => b.length)), widths[1]);
  }
});

Deno.test("list --json: the real code each policy and guest follows", async () => {
  const { code, io } = await inProcess(["list", "--json"]);
  assert.equal(code, 0);
  const c = JSON.parse(io.stdout);
  assert.deepEqual(
    c.policies.map((p: { name: string; source: string }) => [p.name, p.source]),
    Object.values(policies).map((p) => [p.name, p.source]),
  );
  assert.deepEqual(
    c.guests.map((g: { name: string; source: string }) => [g.name, g.source]),
    Object.values(presets).map((g) => [g.name, g.source]),
  );
  assert.ok(c.policies.every((p: { source?: string }) => typeof p.source === "string"));
  assert.ok(c.guests.every((g: { source?: string }) => typeof g.source === "string"));
});
