/**
 * Where the command line writes: standard output and standard error kept
 * apart, long output through a pipe in full, the `--html` file replaced on
 * every run; and the in-memory io the tests and embedders use.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { bufferIo } from "../../lib/cli/io.ts";
import { main, oneLine } from "../../lib/cli/main.ts";
import { cli, cliIn, inProcess, ROOT, ZIMAGE } from "./helpers.ts";

Deno.test("io: a long trace through a pipe arrives whole, and errors go to stderr alone", async () => {
  // --raw prints one line per event: about ten thousand lines for the zImage walk.
  const piped = await cli(["run", ZIMAGE, "--raw"]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, "");
  const memory = await inProcess(["run", ZIMAGE, "--raw"]);
  assert.ok(memory.io.stdout.length > 500_000);
  assert.equal(piped.stdout.length, memory.io.stdout.length);
  assert.equal(piped.stdout, memory.io.stdout);
  assert.ok(!piped.stdout.includes("\x1b["), "no colour through a pipe");

  const bad = await cli(["run", ZIMAGE, "--seed", "x"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  assert.equal(bad.stderr, 'setway: --seed "x": expected an integer\n');
});

Deno.test("io: --html replaces the file it writes, run after run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "setway-io-" });
  try {
    const scenario = join(ROOT, ZIMAGE);
    const page = join(dir, "t.html");
    await Deno.writeTextFile(page, "an older file, longer than nothing\n".repeat(10));
    for (let i = 0; i < 2; i++) {
      const o = await cliIn(dir, ["run", scenario, "--html", "t.html", "--policy", "kvm-4.0"]);
      assert.equal(o.code, 0, o.stderr);
    }
    const text = await Deno.readTextFile(page);
    assert.ok(text.startsWith("<!doctype html>"), text.slice(0, 40));
    assert.equal(text.split("<!doctype html>").length, 2, "one page");
    assert.ok(!text.includes("an older file"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("io: the in-memory io keeps stdout, stderr and files apart, colour off by default", async () => {
  const io = bufferIo("/work");
  assert.equal(io.colour, false);
  assert.equal(io.cwd, "/work");
  const code = await main(["compare", resolve(ROOT, ZIMAGE), "--html", "c.html"], io);
  assert.equal(code, 0, io.stderr);
  assert.equal(io.stderr, "");
  assert.ok(!io.stdout.includes("\x1b["));
  assert.match(io.stdout, /^# zimage\.ts: seed 1/);
  assert.deepEqual([...io.files.keys()], ["/work/c.html"]);
  assert.ok(io.files.get("/work/c.html")?.startsWith("<!doctype html>"));

  const bad = bufferIo("/work");
  assert.equal(await main(["frobnicate"], bad), 2);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /^setway: unknown command "frobnicate"/);
});

Deno.test("io: an error message becomes one line; an internal error is status 3 with a bug notice", async () => {
  assert.equal(
    oneLine("invalid scenario:\n  a\r\n\n  \x1b[31mb\x1b[39m\n"),
    "invalid scenario:; a; b",
  );
  // Not bad input: a write that fails with a TypeError is a bug of setway's own.
  const io = bufferIo(Deno.cwd());
  const broken = { ...io, write: () => Promise.reject(new TypeError("boom")) };
  assert.equal(await main(["help"], broken), 3);
  assert.match(io.stderr, /^setway: internal error: boom\n/);
  assert.match(io.stderr, /This is a bug in setway/);
});

Deno.test("io: an internal error prints the stack under its line, for the bug report", async () => {
  const io = bufferIo(Deno.cwd());
  const broken = { ...io, write: () => Promise.reject(new TypeError("boom")) };
  assert.equal(await main(["help"], broken), 3);
  const lines = io.stderr.split("\n");
  assert.equal(lines[0], "setway: internal error: boom");
  assert.equal(lines[1], "TypeError: boom");
  assert.match(lines[2], /^\s+at /);
  assert.equal(lines.at(-2), "This is a bug in setway, not in your scenario.");
});

Deno.test("io: output cut short by a closed pipe ends quietly with status 0", async () => {
  const io = bufferIo(Deno.cwd());
  const closed = { ...io, write: () => Promise.reject(new Deno.errors.BrokenPipe("closed")) };
  assert.equal(await main(["list"], closed), 0);
  assert.equal(io.stderr, "");
});

Deno.test("io: a reader that stops early (`| head`) ends the real command line quietly", async () => {
  // --raw prints far more than a pipe holds, so the command is still writing
  // when the reader goes away; the run goes through the sandbox's worker.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-R", "-W", "cli.ts", "run", ZIMAGE, "--raw"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = await reader.read();
  await reader.cancel();
  assert.match(new TextDecoder().decode(first.value), /^# tracer: setway\n/);
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  assert.equal(status.code, 0, stderr);
  assert.equal(stderr, "");
});
