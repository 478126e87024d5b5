// runIsolated(): a scenario module in a worker with narrow permissions,
// stopped where its own thread cannot stop it. Each case runs in a child
// process (as a user's program would), since a worker ended while stuck in
// a loop may keep its thread until the process exits.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runIsolated } from "../../lib/engine/isolate.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { runCommandWithin } from "../support/command.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MOD = join(ROOT, "mod.ts");
/** Each child takes about a second; one whose stuck worker is never ended is ended here. */
const CHILD_LIMIT_MS = 60_000;

/** Runs `runIsolated(<dir>/s.ts, options)` in a child process; returns what it printed. */
async function isolated(scenario: string, options: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-isolate-" });
  try {
    return await isolatedIn(dir, scenario, options);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** {@linkcode isolated} in the folder `dir`, which the caller removes. */
async function isolatedIn(dir: string, scenario: string, options: string): Promise<string> {
  await Deno.writeTextFile(join(dir, "s.ts"), scenario);
  await Deno.writeTextFile(
    join(dir, "main.ts"),
    `import { ScenarioError } from ${JSON.stringify(MOD)};\n` +
      `import { runIsolated } from ${JSON.stringify(join(ROOT, "lib/api/guest.ts"))};\n` +
      `try {\n` +
      `  const r = await runIsolated(${JSON.stringify(join(dir, "s.ts"))}, ${options});\n` +
      `  console.log("ok", r.verdict.ok, r.cost.exits);\n` +
      `} catch (e) {\n` +
      `  console.log(e instanceof ScenarioError ? \`\${e.code} \${e.call}: \${e.message}\` : String(e));\n` +
      `}\n` +
      `Deno.exit(0);\n`,
  );
  const out = await runCommandWithin(
    [Deno.execPath(), "run", "-R", "--unstable-worker-options", join(dir, "main.ts")],
    CHILD_LIMIT_MS,
  );
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim();
}

const SPIN = `import { definePolicy, vm } from ${JSON.stringify(MOD)};\n` +
  `const spin = definePolicy({ name: "spin", description: "d", source: "s",\n` +
  `  onReset(hyp) { hyp.vcpu.hcr.tsw = true; },\n` +
  `  onSetWay() { for (;;) { /* never returns */ } } });\n` +
  `export default vm().policy(spin).budget({ wallMs: 200 }).guest((g) => g.sw_clean());\n`;

Deno.test("runIsolated: a run comes back as a RunResult", async () => {
  const out = await isolated(
    `import { vm } from ${JSON.stringify(MOD)};\n` +
      `export default vm().policy("kvm-4.0").guest((g) => g.mmuOn().sw_clean());\n`,
    "{}",
  );
  assert.match(out, /^ok true \d+$/);
});

Deno.test("runIsolated: a hook that never returns is ended and named", async () => {
  const out = await isolated(SPIN, "{ graceMs: 200 }");
  assert.equal(
    out,
    'budget_exceeded onSetWay: policy "spin": onSetWay did not return within the wall budget ' +
      "(200 ms); stopped after 400 ms",
  );
});

Deno.test("runIsolated: loading has its own wall budget; errors keep their fields", async () => {
  const loop = await isolated(
    `import { vm } from ${
      JSON.stringify(MOD)
    };\nwhile (true) { /* forever */ }\nexport default vm();\n`,
    "{ loadMs: 200, graceMs: 200 }",
  );
  assert.match(
    loop,
    /^budget_exceeded wallMs: loading file:.*s\.ts did not finish within the wall budget \(200 ms\); stopped after 400 ms$/,
  );
  const bad = await isolated(
    `import { vm } from ${JSON.stringify(MOD)};\nexport default vm().cpus(0);\n`,
    "{}",
  );
  assert.match(bad, /^\w+ cpus: cpus\(0\)/);
  const secret = await isolated(
    `import { vm } from ${
      JSON.stringify(MOD)
    };\nawait Deno.readTextFile("/etc/passwd");\nexport default vm();\n`,
    "{}",
  );
  // Not a ScenarioError: it comes back as a plain Error with its message.
  assert.match(secret, /^Error: .*Requires read access to "\/etc\/passwd"/);
});

Deno.test("runIsolated: the module may read its own folder, not the one above", async () => {
  const dir = await Deno.makeTempDir({ prefix: "setway-isolate-" });
  try {
    await Deno.writeTextFile(join(dir, "secret.txt"), "42");
    await Deno.mkdir(join(dir, "s"));
    await Deno.writeTextFile(join(dir, "s", "value.txt"), "7");
    const read = (file: string) =>
      `import { vm } from ${JSON.stringify(MOD)};\n` +
      `await Deno.readTextFile(new URL(${JSON.stringify(file)}, import.meta.url));\n` +
      `export default vm().policy("kvm-4.0").guest((g) => g.mmuOn().sw_clean());\n`;
    assert.match(await isolatedIn(join(dir, "s"), read("./value.txt"), "{}"), /^ok true \d+$/);
    assert.match(
      await isolatedIn(join(dir, "s"), read("../secret.txt"), "{}"),
      /^Error: .*Requires read access to "\S+secret\.txt"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runIsolated: without a budget of the scenario's own, wallMs ends a hook that never returns", async () => {
  const out = await isolated(
    SPIN.replace(".budget({ wallMs: 200 })", ""),
    "{ wallMs: 300, graceMs: 200 }",
  );
  assert.equal(
    out,
    'budget_exceeded onSetWay: policy "spin": onSetWay did not return within the wall budget ' +
      "(300 ms); stopped after 500 ms",
  );
});

Deno.test("runIsolated: the wall budget of loading ends with the loading", async () => {
  // The builder's own run() waits past loadMs + graceMs before it runs: loading was over by then.
  const out = await isolated(
    `import { vm } from ${JSON.stringify(MOD)};\n` +
      `const b = vm().policy("kvm-4.0").guest((g) => g.mmuOn().sw_clean());\n` +
      "export default { async run() {\n" +
      "  await new Promise((done) => setTimeout(done, 2600));\n" +
      "  return b.run();\n} };\n",
    "{ loadMs: 2000, graceMs: 200 }",
  );
  assert.match(out, /^ok true \d+$/);
});

Deno.test("runIsolated: a module whose default export is a scenario object runs it", async () => {
  const out = await isolated(
    `import { vm } from ${JSON.stringify(MOD)};\n` +
      `export default vm().policy("kvm-3.18").guest((g) => g.mmuOn().sw_clean()).toJSON();\n`,
    "{}",
  );
  assert.match(out, /^ok true \d+$/);
});

Deno.test("runIsolated: a module that is not a local file is refused before any worker starts", async () => {
  await assert.rejects(
    () => runIsolated(new URL("https://example.com/scenario.ts")),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "invalid_value" &&
      e.message ===
        'runIsolated("https://example.com/scenario.ts"): the module must be a local file',
  );
});
