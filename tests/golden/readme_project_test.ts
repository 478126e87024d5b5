// The README's golden section, as a user follows it: its deno.json and its zimage_test.ts,
// verbatim but for the checkout's path, in a scratch project; its `deno task test` commands;
// and the update summary it shows, compared line for line.
import assert from "node:assert/strict";
import { join } from "node:path";
import { blockAfter } from "../support/readme.ts";
import { denoIn, summaries } from "./scratch_project.ts";

const SECTION = "## Golden traces in your own tests";
const MOD = new URL("../../mod.ts", import.meta.url).href;

/** `deno task test <args>` in `dir`, with CI unset and no colour. */
const task = (dir: string, args: string[]) => denoIn(dir, ["task", "test", ...args]);

Deno.test("README golden section: its project updates a stale golden and lists the orphan as shown", async () => {
  const config = blockAfter(SECTION, "```json");
  assert.ok(config.includes("file:///home/me/setway/mod.ts"), config);
  const test = blockAfter(SECTION, "```ts ignore");
  assert.ok(test.startsWith("// zimage_test.ts\n"), test);
  const shown = blockAfter("touched (orphans, left in place", "```text");

  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "setway-readme-golden-" }));
  try {
    await Deno.writeTextFile(
      join(dir, "deno.json"),
      config.replace("file:///home/me/setway/mod.ts", MOD),
    );
    await Deno.writeTextFile(join(dir, "zimage_test.ts"), test);
    // A missing golden fails the comparison; the documented update writes it.
    const missing = await task(dir, []);
    assert.equal(missing.code, 1, missing.output);
    const created = await task(dir, ["zimage_test.ts", "--", "--update"]);
    assert.equal(created.code, 0, created.output);
    assert.equal((await task(dir, [])).code, 0);

    // The README's situation: the golden is stale, and another golden no test touches.
    const golden = join(dir, "golden", "zimage_kvm40.golden");
    const text = await Deno.readTextFile(golden);
    await Deno.writeTextFile(join(dir, "golden", "zimage_kvm318.golden"), text);
    await Deno.writeTextFile(golden, text.trimEnd() + "\nkvm_toggle_cache: a line of no run\n");
    const stale = await task(dir, []);
    assert.equal(stale.code, 1, stale.output);

    const update = await task(dir, ["zimage_test.ts", "--", "--update"]);
    assert.equal(update.code, 0, update.output);
    assert.equal(summaries(update.output).join("\n") + "\n", shown);
    assert.equal(await Deno.readTextFile(golden), text);

    // The third form removes the orphan.
    const removed = await task(dir, ["--", "-u", "--remove-orphans"]);
    assert.equal(removed.code, 0, removed.output);
    assert.deepEqual([...Deno.readDirSync(join(dir, "golden"))].map((e) => e.name), [
      "zimage_kvm40.golden",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
