// The README's "verdicts" command, run as a user runs it from a project of
// their own: X-Gene 1's maintains-by-va guests proved safe for every length,
// and the abstraction refused outside prove mode with one line and exit 2.
import assert from "node:assert/strict";
import { cliIn, scratchProject } from "./helpers.ts";

Deno.test("explore --prove --abstraction verdicts on X-Gene 1 without its L3: Never, for every length", async () => {
  const dir = await scratchProject("setway-verdicts-", {});
  try {
    const out = await cliIn(dir, [
      "explore",
      "--prove",
      "--abstraction",
      "verdicts",
      "--machine",
      "xgene1",
      "--no-system-cache",
      "--class",
      "maintains-by-va",
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /answer: Never, for every length: no violation blamed on the hypervisor \(10876 abstract states, fixpoint at depth 15, idle caches by the lines they hold\)\n/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore --abstraction verdicts outside prove mode: one line, exit 2", async () => {
  const dir = await scratchProject("setway-verdicts-", {});
  try {
    const out = await cliIn(dir, ["explore", "--abstraction", "verdicts"]);
    assert.equal(out.code, 2);
    assert.equal(out.stdout, "");
    assert.equal(
      out.stderr,
      'setway: explore.abstraction("verdicts"): invalid value: expected "kinds" outside prove mode\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
