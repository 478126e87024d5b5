// The command line's sandbox, tried as a user would: a scratch project in a
// temporary folder whose scenario modules misbehave, run through
// `deno run -R -W cli.ts` from the checkout (and once through `deno task cli`).
// Each must end with status 2 and one line naming what happened, no stack trace.
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, ROOT } from "./helpers.ts";

const MOD = join(ROOT, "mod.ts");

// Every folder the tests make, removed when the tests end.
const made: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of made) Deno.removeSync(dir, { recursive: true });
});

/** A scratch project holding `files` (name to text); returns its folder. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-sandbox-" });
  made.push(dir);
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  return dir;
}

function assertOneLine(o: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(o.code, 2, `stderr: ${o.stderr}`);
  const lines = o.stderr.split("\n");
  assert.equal(lines.length, 2, `one line: ${JSON.stringify(o.stderr)}`);
  assert.match(lines[0], /^setway: /);
  assert.match(lines[0], pattern);
  assert.ok(!/\bat .*:\d+:\d+/.test(o.stderr), "no stack trace");
}

const GUEST =
  `export default vm().guest((g) => g.mmuOn().write(0x4000_0000, 1).read(0x4000_0000));\n`;

Deno.test("sandbox: a scenario module cannot read outside its folder", async () => {
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n` +
      `const text = await Deno.readTextFile("/etc/passwd");\n${GUEST}`,
  });
  const o = await cli(["run", join(dir, "s.ts")]);
  assertOneLine(o, /needs read access to \/etc\/passwd.*its own folder and setway's sources/);
  assert.equal(o.stdout, "");
});

Deno.test("sandbox: compare and export load the scenario module in the sandbox too", async () => {
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n` +
      `const text = await Deno.readTextFile("/etc/passwd");\n${GUEST}`,
  });
  const compared = await cli(["compare", join(dir, "s.ts"), "--policies", "kvm-4.0"]);
  assertOneLine(
    compared,
    /needs read access to \/etc\/passwd.*its own folder and setway's sources/,
  );
  assert.equal(compared.stdout, "");
  const out = join(dir, "out");
  const exported = await cli(["export", "--baremetal", join(dir, "s.ts"), "--out", out]);
  assertOneLine(
    exported,
    /needs read access to \/etc\/passwd.*its own folder and setway's sources/,
  );
  assert.equal(exported.stdout, "");
  assert.equal(await exists(out), false);
});

Deno.test("sandbox: a scenario module cannot read the folder above its own", async () => {
  const dir = await project({ "secret.txt": "42" });
  await Deno.mkdir(join(dir, "scenarios"));
  await Deno.writeTextFile(
    join(dir, "scenarios", "s.ts"),
    `import { vm } from ${JSON.stringify(MOD)};\n` +
      `await Deno.readTextFile(new URL("../secret.txt", import.meta.url));\n${GUEST}`,
  );
  const o = await cli(["run", join(dir, "scenarios", "s.ts")]);
  assertOneLine(
    o,
    /needs read access to \S+secret\.txt; a scenario module may read its own folder/,
  );
  assert.equal(o.stdout, "");
});

Deno.test("sandbox: a policy hook cannot read outside the folder either", async () => {
  const dir = await project({
    "s.ts": `import { definePolicy, vm } from ${JSON.stringify(MOD)};\n` +
      `const nosy = definePolicy({ name: "nosy", description: "d", source: "s",\n` +
      `  onReset() { Deno.readTextFileSync("/etc/passwd"); } });\n` +
      `export default vm().policy(nosy).guest((g) => g.sw_clean());\n`,
  });
  const o = await cli(["run", join(dir, "s.ts")]);
  assertOneLine(
    o,
    /^setway: policy "nosy": onReset needs read access to \/etc\/passwd; a scenario module may read its own/,
  );
});

Deno.test("sandbox: a scenario module cannot write, even in its own folder", async () => {
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n` +
      `await Deno.writeTextFile(${JSON.stringify(join(dir0(), "x"))}, "x");\n${GUEST}`,
  });
  const o = await cli(["run", join(dir, "s.ts")]);
  assertOneLine(o, /needs write access to .*; a scenario module may read its own folder/);
  assert.equal(await exists(join(dir0(), "x")), false);
});

Deno.test("sandbox: a scenario module has no network, no environment and no programs", async () => {
  // The README's list, and the two other permissions Deno has (libraries, system information).
  const asks: [string, RegExp][] = [
    [`await fetch("http://127.0.0.1:8765/");`, /needs net access to 127\.0\.0\.1:8765/],
    [
      `await Deno.connect({ hostname: "127.0.0.1", port: 8765 });`,
      /needs net access to 127\.0\.0\.1:8765/,
    ],
    [`Deno.env.get("HOME");`, /needs env access to HOME/],
    [`await new Deno.Command("true").output();`, /needs run access to true/],
    [`Deno.dlopen("libc.so.6", {});`, /needs ffi access to libc\.so\.6/],
    [`Deno.hostname();`, /needs sys access to hostname/],
  ];
  for (const [code, asked] of asks) {
    const dir = await project({
      "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n${code}\n${GUEST}`,
    });
    const o = await cli(["run", join(dir, "s.ts")]);
    assertOneLine(o, asked);
    assert.match(
      o.stderr,
      /a scenario module may read its own folder and setway's sources, nothing else/,
    );
    assert.equal(o.stdout, "", code);
  }
});

Deno.test("sandbox: a scenario module reads its own folder, and --html is written", async () => {
  const dir = await project({
    "value.txt": "7",
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n` +
      `const v = Number(await Deno.readTextFile(new URL("./value.txt", import.meta.url)));\n` +
      `export default vm().guest((g) => g.mmuOn().write(0x4000_0000, v).read(0x4000_0000));\n`,
  });
  const html = join(dir, "out.html");
  const o = await cli(["run", join(dir, "s.ts"), "--html", html]);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stdout, /verdict: ok/);
  assert.match(await Deno.readTextFile(html), /^<!doctype html>/i);
});

Deno.test("sandbox: a top-level endless loop is stopped by the wall budget of loading", async () => {
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\nwhile (true) { /* forever */ }\n${GUEST}`,
  });
  // The line names the budget given, not the sandbox's fallback; a loop left
  // running would hang the command, which cli() ends after 120 s.
  const o = await cli(["run", join(dir, "s.ts"), "--wall-ms", "300"]);
  // The worker is ended a second after the deadline.
  assertOneLine(
    o,
    /loading .*s\.ts did not finish within the wall budget \(300 ms\); stopped after 1300 ms$/,
  );
});

Deno.test("sandbox: a top-level await that never settles is stopped by the wall budget of loading", async () => {
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\nawait new Promise(() => {});\n${GUEST}`,
  });
  const o = await cli(["run", join(dir, "s.ts"), "--wall-ms", "300"]);
  assertOneLine(o, /loading .*s\.ts did not finish within the wall budget \(300 ms\)/);
});

Deno.test("sandbox: without --wall-ms, loading is stopped at the default budget of 10 000 ms", async () => {
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\nwhile (true) { /* forever */ }\n${GUEST}`,
  });
  const o = await cli(["run", join(dir, "s.ts")]);
  assertOneLine(o, /loading .*s\.ts did not finish within the wall budget \(10000 ms\)/);
});

Deno.test("sandbox: --help after a scenario prints the help without loading the scenario", async () => {
  // Loading this module never ends, so the help can only come from not loading it.
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\nwhile (true) { /* forever */ }\n${GUEST}`,
  });
  for (const command of ["run", "compare", "export"]) {
    const o = await cli([command, join(dir, "s.ts"), "--help", "--wall-ms", "300"]);
    assert.equal(o.code, 0, o.stderr);
    assert.equal(o.stderr, "");
    assert.match(o.stdout, new RegExp(`^Usage: deno run -R -W cli\\.ts ${command} <scenario>`));
  }
});

Deno.test("sandbox: the wall budget of loading ends with the loading", async () => {
  // The builder's own run() waits past the deadline of loading and its second of grace.
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n` +
      "const b = vm().guest((g) => g.mmuOn().write(0x4000_0000, 1).read(0x4000_0000));\n" +
      "export default { toJSON: () => b.toJSON(), async run(options) {\n" +
      "  await new Promise((done) => setTimeout(done, 1800));\n" +
      "  return b.run(options);\n} };\n",
  });
  const o = await cli(["run", join(dir, "s.ts"), "--wall-ms", "300"]);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stdout, /\nverdict: ok\n/);
});

Deno.test("sandbox: a policy hook that never returns is named when the worker is ended", async () => {
  const dir = await project({
    "s.ts": `import { definePolicy, vm } from ${JSON.stringify(MOD)};\n` +
      `const spin = definePolicy({ name: "spin", description: "d", source: "s",\n` +
      `  onReset(hyp) { hyp.vcpu.hcr.tsw = true; },\n` +
      `  onSetWay() { for (;;) { /* never returns */ } } });\n` +
      `export default vm().policy(spin).budget({ wallMs: 300 }).guest((g) => g.sw_clean());\n`,
  });
  const o = await cli(["run", join(dir, "s.ts")]);
  assertOneLine(
    o,
    /^setway: policy "spin": onSetWay did not return within the wall budget \(300 ms\)/,
  );
  // Without a wallMs of its own, --wall-ms bounds the run.
  const bare = await project({
    "s.ts": (await Deno.readTextFile(join(dir, "s.ts"))).replace(".budget({ wallMs: 300 })", ""),
  });
  const flagged = await cli(["run", join(bare, "s.ts"), "--wall-ms", "300"]);
  assertOneLine(
    flagged,
    /policy "spin": onSetWay did not return within the wall budget \(300 ms\)/,
  );
});

Deno.test("sandbox: --wall-ms must be a positive number of milliseconds", async () => {
  const dir = await project({ "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n${GUEST}` });
  for (const bad of ["0", "1.5", "1e3", "500ms"]) {
    assertOneLine(
      await cli(["run", join(dir, "s.ts"), "--wall-ms", bad]),
      new RegExp(`^setway: --wall-ms "${bad}": expected a positive number of milliseconds$`),
    );
  }
});

Deno.test("sandbox: the documented `deno task cli` refuses the read too", async () => {
  const dir = await project({
    "s.ts": `import { vm } from ${JSON.stringify(MOD)};\n` +
      `const text = await Deno.readTextFile("/etc/passwd");\n${GUEST}`,
  });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "cli", "run", join(dir, "s.ts")],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  // deno task echoes the command it runs first.
  const ours = stderr.split("\n").filter((l) => !l.startsWith("Task cli")).join("\n");
  assertOneLine({ code: out.code, stderr: ours }, /needs read access to \/etc\/passwd/);
});

let scratch: string | null = null;
/** A folder outside every scenario's. */
function dir0(): string {
  if (scratch === null) {
    scratch = Deno.makeTempDirSync({ prefix: "setway-outside-" });
    made.push(scratch);
  }
  return scratch;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
