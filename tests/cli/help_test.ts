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

Deno.test("wrap: a line may fill the width exactly, counts the spaces, and starts at `first`", () => {
  assert.equal(wrap("aaa bbb", 7, 0), "aaa bbb");
  assert.equal(wrap("aaa bbb", 6, 0), "aaa\nbbb");
  // The first line starts at column 5: "aa" fits there, "aa bb" (to column 10) does not.
  assert.equal(wrap("aa bb cc", 8, 0, 5), "aa\nbb cc");
});

Deno.test("help: the overview's table, and each part of a command's help", async () => {
  const overview = (await inProcess(["--help"])).io.stdout;
  // Names padded to the longest (compare, explore: 7 letters) plus three spaces.
  assert.ok(overview.includes("\n  run       run a scenario and print its trace and verdict\n"));
  assert.ok(overview.includes("\n  compare   run a scenario under several policies"));
  assert.ok(overview.includes("\n  -h, --help   show this help and exit\n"));

  const run = (await inProcess(["run", "--help"])).io.stdout;
  const flat = run.replace(/\s+/g, " ");
  assert.match(run, /^Usage: deno run -R -W cli\.ts run <scenario> \[options\]\n/);
  assert.match(run, /\nArguments:\n {2}<scenario> {3}a \.ts\/\.js module/);
  assert.match(run, /\n {6}--seed <n> {13}use this seed for every random choice/);
  assert.match(run, /\n {2}-h, --help {17}show this help and exit\n/);
  assert.ok(flat.includes(" `all` for every event (default all) [repeatable] "));
  assert.ok(flat.includes(" (one of quiet, adversarial) "));
  assert.ok(
    flat.includes(" print the run result as JSON (its scenario can be run again) [output] "),
  );
  assert.ok(run.includes("\nGive at most one [output] option.\n"));
  assert.ok(run.includes("\nExamples:\n  deno run -R -W cli.ts run scenarios/zimage.ts\n"));

  const help = (await inProcess(["help", "help"])).io.stdout;
  assert.match(help, /^Usage: deno run -R -W cli\.ts help \[command\] \[options\]\n/);
  assert.ok(!help.includes("[output]"));
  const explore = (await inProcess(["help", "explore"])).io.stdout;
  assert.match(explore, /^Usage: deno run -R -W cli\.ts explore \[report\.\.\.\] \[options\]\n/);
  assert.ok(
    explore.replace(/\s+/g, " ").includes("(one of exhaustive, random, prove; default exhaustive)"),
  );
});
