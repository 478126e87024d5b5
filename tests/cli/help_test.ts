// Help and list: generated from one definition, checked against it and the registries.
import assert from "node:assert/strict";
import { formatHelp, wrap } from "../../lib/cli/help.ts";
import { parseCommandLine } from "../../lib/cli/parse.ts";
import { COMMANDS, commandSpec } from "../../lib/cli/spec.ts";
import { policies, presets } from "../../mod.ts";
import { listMachines } from "../../lib/api/hw.ts";
import { cli, inProcess } from "./helpers.ts";

Deno.test("--help lists every command; each command's help lists every option it parses", async () => {
  const top = await cli(["--help"]);
  assert.equal(top.code, 0);
  assert.equal(top.stderr, "");
  assert.equal(top.stdout, formatHelp());
  for (const c of COMMANDS) {
    assert.match(top.stdout, new RegExp(`\\n  ${c.name}\\s+${c.summary}\\n`));
    const { code, io } = await inProcess([c.name, "--help"]);
    assert.equal(code, 0);
    assert.equal(io.stdout, formatHelp(c));
    for (const o of c.options) {
      assert.match(io.stdout, new RegExp(`--${o.name}\\b`), `${c.name} --help shows --${o.name}`);
      // every option in the help is accepted by the parser
      const argv = [c.name, ...c.arguments.filter((a) => a.required).map(() => "x.json")];
      argv.push(`--${o.name}`);
      if (o.type === "string") argv.push(o.choices?.[0] ?? "v");
      assert.equal(
        parseCommandLine(argv).values[o.name],
        o.type === "string" ? (o.choices?.[0] ?? "v") : true,
      );
    }
  }
  assert.ok(commandSpec("explore"), "explore is a command");
});

Deno.test("help <command> is <command> --help; -h works too", async () => {
  const a = await inProcess(["help", "compare"]);
  const b = await inProcess(["compare", "-h"]);
  assert.equal(a.code, 0);
  assert.equal(a.io.stdout, b.io.stdout);
  assert.match(a.io.stdout, /^Usage: deno run -R -W cli\.ts compare <scenario> \[options\]\n/);
  const bad = await inProcess(["help", "nope"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.io.stderr, 'setway: help: unknown command "nope"\n');
});

Deno.test("help lines fit in 80 columns", () => {
  for (const text of [formatHelp(), ...COMMANDS.map((c) => formatHelp(c))]) {
    for (const line of text.split("\n")) {
      assert.ok(line.length <= 80 || !line.includes(" "), `too long: ${JSON.stringify(line)}`);
    }
  }
  assert.equal(wrap("aaa bbb ccc ddd", 9, 2), "aaa bbb\n  ccc ddd");
  assert.equal(wrap("aaa bbb ccc", 10, 4, 4), "aaa\n    bbb\n    ccc");
});

Deno.test("list: every built-in policy, machine and guest with its description", async () => {
  const { code, io } = await inProcess(["list"]);
  assert.equal(code, 0);
  const entries = [
    ...Object.values(policies).map((p) => [p.name, p.description]),
    ...listMachines().map((m) => [m.name, m.description]),
    ...Object.values(presets).map((g) => [g.name, g.description]),
  ];
  assert.ok(entries.length >= 9);
  for (const [name, description] of entries) {
    assert.ok(io.stdout.includes(`  ${name} `), `list shows ${name}`);
    assert.ok(io.stdout.includes(description), `list describes ${name}`);
  }
  const md = await inProcess(["list", "--markdown"]);
  for (const [name] of entries) {
    assert.match(md.io.stdout, new RegExp(`\\| \`${name.replace(".", "\\.")}\` +\\| `));
  }
  const json = JSON.parse((await inProcess(["list", "--json"])).io.stdout);
  assert.deepEqual(
    json.machines.map((m: { name: string }) => m.name),
    listMachines().map((m) => m.name),
  );
});
