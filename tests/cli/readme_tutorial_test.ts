// The README's tutorial and its table must stay true: every `deno task cli`
// command shown with an output is run again (in process) and compared byte
// for byte; the table is `list --markdown`.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { inProcess, ROOT } from "./helpers.ts";

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
