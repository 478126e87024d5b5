/**
 * scenarios/incidents/README.md: its verdict table is the output of
 * scenarios/incidents/table.ts (every program under every policy), and it
 * lists every incident file.
 */

import assert from "node:assert/strict";
import { INCIDENTS } from "../../scenarios/incidents/catalogue.ts";
import { verdictTable } from "../../scenarios/incidents/table.ts";

const README = new URL("../../scenarios/incidents/README.md", import.meta.url);

Deno.test("README: the verdict table matches the runs (regenerate: deno run scenarios/incidents/table.ts)", async () => {
  const text = await Deno.readTextFile(README);
  const begin = text.indexOf("<!-- verdicts:begin -->");
  const end = text.indexOf("<!-- verdicts:end -->");
  assert.ok(begin >= 0 && end > begin, "the README marks its table");
  const pasted = text.slice(begin + "<!-- verdicts:begin -->".length, end).trim();
  assert.equal(pasted, (await verdictTable()).trim());
});

Deno.test("README: one line per incident file", async () => {
  const text = await Deno.readTextFile(README);
  for (const i of INCIDENTS) assert.match(text, new RegExp(`\\| \\[\`${i.id}\\.ts\`\\]`), i.id);
});
