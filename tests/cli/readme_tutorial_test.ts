// The README's tutorial and its table must stay true: every `deno task cli`
// command shown with an output is run again (in process) and compared byte
// for byte; the table is `list --markdown`.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { inProcess, ROOT } from "./helpers.ts";
import { denoIn } from "../golden/scratch_project.ts";

const readme = await Deno.readTextFile(resolve(ROOT, "README.md"));

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}`);
  assert.ok(start >= 0, `README has no "## ${title}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

interface Block {
  readonly lang: string;
  readonly body: string;
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  const re = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(re)) out.push({ lang: m[1].trim(), body: m[2] });
  return out;
}

const COMMAND = /^deno task cli (.+?)(; echo "exit status \$\?")?\n$/;

Deno.test("README tutorial: every command prints exactly the output shown under it", async () => {
  const tutorial = section("Tutorial: from the first run to your own policy");
  const all = blocks(tutorial);
  const dir = await Deno.makeTempDir();
  try {
    // the files the tutorial asks you to write, importing this checkout's mod.ts
    const files = new Map<string, string>();
    const mod = JSON.stringify(pathToFileURL(resolve(ROOT, "mod.ts")).href);
    for (const b of all) {
      const name = /^\/\/ (\w+\.ts)\n/.exec(b.body)?.[1];
      if (b.lang.startsWith("ts") && name) {
        files.set(name, `${dir}/${name}`);
        await Deno.writeTextFile(`${dir}/${name}`, b.body.replace(`"./mod.ts"`, mod));
      }
    }
    assert.deepEqual([...files.keys()].sort(), [
      "my_scenario.ts",
      "my_scenario_test.ts",
      "trap_once.ts",
    ]);
    let checked = 0;
    for (let i = 0; i + 1 < all.length; i++) {
      const m = COMMAND.exec(all[i].body);
      if (all[i].lang !== "sh" || !m || all[i + 1].lang !== "text") continue;
      const argv = m[1].split(" ").map((a) => files.get(a) ?? a);
      const { code, io } = await inProcess(argv);
      assert.equal(io.stderr, "", `deno task cli ${m[1]}`);
      const shown = m[2] ? `${io.stdout}exit status ${code}\n` : io.stdout;
      assert.equal(shown, all[i + 1].body, `the output of \`deno task cli ${m[1]}\``);
      checked++;
    }
    assert.ok(checked >= 5, `${checked} commands checked`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("README: the table of policies, machines and guests is `list --markdown`", async () => {
  const text = section("Policies, machines and guests");
  const marker = "\n\n";
  const table = text.slice(text.indexOf(marker, text.indexOf("list --markdown")) + 2);
  const { io } = await inProcess(["list", "--markdown"]);
  assert.equal(table.trim(), io.stdout.trim());
});

Deno.test("README tutorial, step 3: the golden test fails with the hint, -- --update writes it, a change fails with the diff shown", async () => {
  const tutorial = section("Tutorial: from the first run to your own policy");
  const all = blocks(tutorial);
  const file = (name: string) => all.find((b) => b.body.startsWith(`// ${name}\n`))!.body;
  const after = (marker: string) => {
    const at = tutorial.indexOf(marker);
    assert.ok(at >= 0, marker);
    return blocks(tutorial.slice(at))[0].body;
  };
  const dir = await Deno.makeTempDir({ prefix: "setway-tutorial-" });
  try {
    // The tutorial's files, in a folder whose deno.json grants the checkout's test permissions.
    const mod = JSON.stringify(pathToFileURL(resolve(ROOT, "mod.ts")).href);
    const config = JSON.parse(await Deno.readTextFile(resolve(ROOT, "deno.json")));
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ test: config.test }));
    const scenario = file("my_scenario.ts").replace(`"./mod.ts"`, mod);
    await Deno.writeTextFile(`${dir}/my_scenario.ts`, scenario);
    await Deno.writeTextFile(
      `${dir}/my_scenario_test.ts`,
      file("my_scenario_test.ts").replace(`"./mod.ts"`, mod),
    );
    // As a user runs it at their desk: CI unset, so that the update may write.
    const test = (...extra: string[]) =>
      denoIn(dir, ["test", "-P", "--no-lock", "my_scenario_test.ts", ...extra]);

    const first = await test();
    assert.equal(first.code, 1, first.output);
    assert.ok(first.output.includes(after("fails and says what to do")), first.output);

    const update = await test("--", "--update");
    assert.equal(update.code, 0, update.output);
    assert.match(
      tutorial.replace(/\s+/g, " "),
      /prints what it did \(`golden update, my_scenario_test\.ts: 0 updated, 1 new, 0 unchanged`\)/,
    );
    assert.match(
      update.output,
      /^golden update, my_scenario_test\.ts: 0 updated, 1 new, 0 unchanged$/m,
    );
    const golden = await Deno.readTextFile(`${dir}/my_scenario.golden`);
    assert.match(golden, /^# setway golden v1\n[\s\S]*\n# end\n$/);
    assert.equal((await test()).code, 0);

    // "Writing 3 instead of 2 as the second word gives" the diff shown.
    const changed = scenario.replace(".write(0x4001_0000, 2)", ".write(0x4001_0000, 3)");
    assert.notEqual(changed, scenario);
    await Deno.writeTextFile(`${dir}/my_scenario.ts`, changed);
    const differs = await test();
    assert.equal(differs.code, 1, differs.output);
    assert.ok(differs.output.includes(after("as the\nsecond word gives")), differs.output);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
