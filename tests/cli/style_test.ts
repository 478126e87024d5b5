/**
 * Colour: on only when standard output is a terminal and NO_COLOR is not
 * set, as `--help` says; checked on a real terminal (a pseudo-terminal from
 * util-linux `script`), and the escape codes of each style.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeStyle } from "../../lib/cli/style.ts";
import { ROOT, ZIMAGE } from "./helpers.ts";
import { runCommandWithin } from "../support/command.ts";

/** ECMA-48 SGR codes: bold 1 (off 22), dim 2 (off 22), red 31, green 32, cyan 36 (off 39). */
const BOLD = (s: string) => `\x1b[1m${s}\x1b[22m`;
const DIM = (s: string) => `\x1b[2m${s}\x1b[22m`;
const RED = (s: string) => `\x1b[31m${s}\x1b[39m`;
const GREEN = (s: string) => `\x1b[32m${s}\x1b[39m`;
const CYAN = (s: string) => `\x1b[36m${s}\x1b[39m`;

/**
 * Runs a command line on a pseudo-terminal (`script -qec`), from the
 * checkout, with NO_COLOR unset unless `env` sets it, and returns what the
 * terminal showed. `timeout` ends a command that would hang the test.
 */
async function onTerminal(command: string, env: Record<string, string> = {}): Promise<string> {
  const argv = ["script", "-qec", `timeout 30 ${command}`, "/dev/null"];
  const out = await runCommandWithin(argv, 120_000, { cwd: ROOT, noColor: false, env }).catch(
    (e) => {
      throw new Error(`this test needs util-linux's \`script\` (apt-get install bsdutils): ${e}`);
    },
  );
  assert.equal(out.code, 0, `${command}: status ${out.code}\n${out.stdout}${out.stderr}`);
  // The terminal turns each line end into CR LF.
  return out.stdout.replaceAll("\r\n", "\n");
}

const CLI = `${Deno.execPath()} run -R -W cli.ts`;

Deno.test("styles: the escape codes of each, and plain text with colour off", () => {
  const on = makeStyle(true);
  assert.equal(on.enabled, true);
  assert.equal(on.heading("Usage:"), BOLD("Usage:"));
  assert.equal(on.good("ok"), BOLD(GREEN("ok")));
  assert.equal(on.bad("FAIL"), BOLD(RED("FAIL")));
  assert.equal(on.dim("(note)"), DIM("(note)"));
  assert.equal(on.name("run"), CYAN("run"));
  const off = makeStyle(false);
  assert.equal(off.enabled, false);
  for (const f of [off.heading, off.good, off.bad, off.dim, off.name]) {
    assert.equal(f("text"), "text");
  }
});

Deno.test("colour: on a terminal, on; with NO_COLOR or stdout redirected to a file, off", async () => {
  const coloured = await onTerminal(`${CLI} help`);
  assert.ok(coloured.includes(`${BOLD("Usage:")} deno run -R -W cli.ts <command>`), coloured);
  assert.ok(coloured.includes(`  ${CYAN("run")}`), coloured);

  const noColor = await onTerminal(`${CLI} help`, { NO_COLOR: "1" });
  assert.ok(noColor.includes("Usage: deno run -R -W cli.ts <command>"), noColor);
  assert.ok(!noColor.includes("\x1b["), noColor);

  const dir = await Deno.makeTempDir({ prefix: "setway-style-" });
  try {
    const file = join(dir, "help.txt");
    const shown = await onTerminal(`${CLI} help > ${file}`);
    assert.equal(shown, "");
    const saved = await Deno.readTextFile(file);
    assert.match(saved, /^setway: ARM cache maintenance/);
    assert.ok(!saved.includes("\x1b["), "a file gets no colour, even from a terminal");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("colour: a comparison on a terminal shows FAIL in bold red and ok in bold green", async () => {
  const shown = await onTerminal(
    `${CLI} compare ${ZIMAGE} --policies kvm-3.18,kvm-4.0`,
  );
  assert.ok(shown.includes(BOLD(RED("FAIL (32)"))), shown);
  assert.ok(shown.includes(BOLD(GREEN("ok"))), shown);
  assert.ok(shown.includes(DIM("# zimage.ts: seed 1, speculation quiet\n")), shown);
});
