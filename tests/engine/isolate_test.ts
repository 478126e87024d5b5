// runIsolated(): a scenario module in a worker with narrow permissions,
// stopped where its own thread cannot stop it. Each case runs in a child
// process (as a user's program would), since a worker ended while stuck in
// a loop may keep its thread until the process exits.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
  assert.match(loop, /^budget_exceeded wallMs: loading file:.*s\.ts did not finish within/);
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
  assert.match(secret, /Requires read access to "\/etc\/passwd"/);
});
