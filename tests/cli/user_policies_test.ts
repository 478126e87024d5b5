/**
 * The command line with a user's own policy, as a user works: a scratch
 * project in a temporary directory with its own deno.json and the README's
 * `trap_once.ts`, and the documented `deno run -R -W <setway>/cli.ts ...`
 * run from that project.
 *
 * @module
 */

import * as assert from "node:assert/strict";
import { join } from "node:path";
import { cliIn as setway, readmeTrapOnce, ROOT, scratchProject as scratch } from "./helpers.ts";

/** The README's trap_once.ts, importing setway by file URL, plus an exported second policy. */
function trapOnceModule(): string {
  return readmeTrapOnce() +
    'export const never = definePolicy({ name: "never-trap", onReset(hyp) {\n' +
    "  hyp.vcpu.hcr.tsw = false;\n  hyp.vcpu.hcr.tvm = false;\n} });\n";
}

/** The policy names of a comparison table's rows. */
function rows(table: string): string[] {
  const lines = table.split("\n");
  const head = lines.findIndex((l) => l.startsWith("policy "));
  const body = lines.slice(head + 1);
  return body.slice(0, body.indexOf("")).map((l) => l.split(/ +/)[0]);
}

Deno.test("user policies: compare lists the module's own policies after the built-in ones", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  const out = await setway(dir, ["compare", "trap_once.ts"]);
  assert.equal(out.code, 0, out.stderr);
  const names = rows(out.stdout);
  assert.deepEqual(names.slice(-2), ["trap-once", "never-trap"]);
  assert.ok(names.includes("kvm-4.0"));
  assert.match(out.stdout, /^trap-once +FAIL \(1\) +hypervisor /m);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("user policies: --policies and --policy name the module's policies", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  const out = await setway(dir, ["compare", "trap_once.ts", "--policies", "trap-once,kvm-4.0"]);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(rows(out.stdout), ["trap-once", "kvm-4.0"]);
  const run = await setway(dir, ["run", "trap_once.ts", "--policy", "never-trap", "--check"]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^# policy: never-trap$/m);
  const unknown = await setway(dir, ["compare", "trap_once.ts", "--policies", "trap-twice"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, "");
  assert.match(unknown.stderr, /^setway: policy\("trap-twice"\): unknown policy[^\n]*\n$/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("user policies: export --baremetal of a scenario with its own policy", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  const out = await setway(dir, ["export", "--baremetal", "trap_once.ts"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^wrote 13 files to trap_once-baremetal\/: 2 reads checked on 1 CPU$/m);
  const json = JSON.parse(await Deno.readTextFile(join(dir, "trap_once-baremetal/scenario.json")));
  assert.equal(json.policy, "trap-once");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("user policies: run of a run's --json output reruns to the same bytes", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  const first = await setway(dir, ["run", "trap_once.ts", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const scenario = JSON.parse(first.stdout).scenario;
  assert.equal(scenario.policy, "trap-once");
  assert.equal(scenario.policyModule, "trap_once.ts");
  await Deno.writeTextFile(join(dir, "run.json"), first.stdout);
  const again = await setway(dir, ["run", "run.json", "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
  const text = await setway(dir, ["run", "run.json", "--check"]);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /^# policy: trap-once$/m);

  // compare --json names the module too; its first run reruns as the scenario.
  const compared = await setway(dir, ["compare", "trap_once.ts", "--json"]);
  assert.equal(compared.code, 0, compared.stderr);
  const runs = JSON.parse(compared.stdout) as { scenario: Record<string, unknown> }[];
  assert.ok(runs.every((r) => r.scenario.policyModule === "trap_once.ts"));
  await Deno.writeTextFile(join(dir, "compare.json"), compared.stdout);
  const rerun = await setway(dir, ["run", "compare.json", "--filter", "flush"]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /^# policy: trap-once$/m);

  // A scenario under a built-in policy names no module.
  const builtIn = await setway(dir, ["run", "trap_once.ts", "--policy", "kvm-4.0", "--json"]);
  assert.equal(JSON.parse(builtIn.stdout).scenario.policyModule, undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("user policies: a JSON scenario's policyModule starts from its folder, read in the sandbox", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  const first = await setway(dir, ["run", "trap_once.ts", "--json"]);
  const data = JSON.parse(first.stdout);
  // In another folder, the module is named by path from there; the sandbox may read both folders.
  await Deno.mkdir(join(dir, "runs"));
  data.scenario.policyModule = "../trap_once.ts";
  await Deno.writeTextFile(join(dir, "runs/elsewhere.json"), JSON.stringify(data.scenario));
  const moved = await setway(dir, ["run", "runs/elsewhere.json", "--filter", "flush"]);
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stdout, /^# policy: trap-once$/m);

  data.scenario.policyModule = "trap_once.ts";
  await Deno.writeTextFile(join(dir, "runs/lost.json"), JSON.stringify(data.scenario));
  const lost = await setway(dir, ["run", "runs/lost.json"]);
  assert.equal(lost.code, 2);
  assert.match(
    lost.stderr,
    /^setway: policyModule "trap_once\.ts" in \S+lost\.json: no such file \S+ \(a relative path starts from the JSON file's folder\)\n$/,
  );

  delete data.scenario.policyModule;
  await Deno.writeTextFile(join(dir, "runs/bare.json"), JSON.stringify(data.scenario));
  const bare = await setway(dir, ["run", "runs/bare.json"]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^setway: policy\("trap-once"\): unknown policy[^\n]*\n$/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("user policies: a scenario file named .JSON in capitals may read its policyModule's folder too", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  const first = await setway(dir, ["run", "trap_once.ts", "--json"]);
  const data = JSON.parse(first.stdout);
  // The module lies outside the scenario's folder: only the policyModule lets the sandbox read it.
  await Deno.mkdir(join(dir, "runs"));
  data.scenario.policyModule = "../trap_once.ts";
  await Deno.writeTextFile(join(dir, "runs/ELSEWHERE.JSON"), JSON.stringify(data.scenario));
  const moved = await setway(dir, ["run", "runs/ELSEWHERE.JSON", "--filter", "flush"]);
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stdout, /^# policy: trap-once$/m);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("user policies: run --ndjson's run record names the module; its scenario reruns", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  const json = await setway(dir, ["run", "trap_once.ts", "--json"]);
  const ndjson = await setway(dir, ["run", "trap_once.ts", "--ndjson"]);
  assert.equal(ndjson.code, 0, ndjson.stderr);
  const record = JSON.parse(ndjson.stdout.split("\n")[0]);
  assert.equal(record.record, "run");
  assert.equal(record.scenario.policyModule, "trap_once.ts");
  assert.deepEqual(record.scenario, JSON.parse(json.stdout).scenario);
  await Deno.writeTextFile(join(dir, "from_ndjson.json"), JSON.stringify(record.scenario));
  const again = await setway(dir, ["run", "from_ndjson.json", "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, json.stdout);
  // A built-in policy's record names no module.
  const builtIn = await setway(dir, ["run", "trap_once.ts", "--policy", "kvm-4.0", "--ndjson"]);
  assert.equal(JSON.parse(builtIn.stdout.split("\n")[0]).scenario.policyModule, undefined);
  // compare --ndjson: each run record's scenario is the one compare --json prints, module named.
  const args = ["compare", "trap_once.ts", "--policies", "trap-once,kvm-4.0"];
  const compared = await setway(dir, [...args, "--ndjson"]);
  assert.equal(compared.code, 0, compared.stderr);
  const runs = compared.stdout.trim().split("\n").map((l) => JSON.parse(l))
    .filter((r) => r.record === "run");
  assert.deepEqual(runs.map((r) => r.policy), ["trap-once", "kvm-4.0"]);
  const comparedJson = JSON.parse((await setway(dir, [...args, "--json"])).stdout);
  assert.deepEqual(
    runs.map((r) => r.scenario),
    comparedJson.map((r: { scenario: unknown }) => r.scenario),
  );
  assert.equal(runs[0].scenario.policyModule, "trap_once.ts");
  await Deno.remove(dir, { recursive: true });
});

/** A module of two policies and a value that is not one, as a user writes it. */
function policiesModule(): string {
  const mod = new URL("mod.ts", `file://${ROOT}`).href;
  return `import { definePolicy } from ${JSON.stringify(mod)};\n` +
    "export const trapOnce = definePolicy({\n" +
    '  name: "trap-once",\n' +
    "  onReset(hyp) { hyp.vcpu.hcr.tsw = true; hyp.vcpu.hcr.tvm = false; },\n" +
    "  onSetWay(hyp) { hyp.flushVm(); hyp.vcpu.hcr.tsw = false; },\n" +
    "});\n" +
    'export const never = definePolicy({ name: "never-trap", onReset(hyp) {\n' +
    "  hyp.vcpu.hcr.tsw = false;\n  hyp.vcpu.hcr.tvm = false;\n} });\n" +
    "export const answer = 42;\n";
}

Deno.test("user policies: explore --policy ./module.ts#export explores the module's policy", async () => {
  const dir = await scratch("setway-user-", { "trap_once.ts": trapOnceModule() });
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies/mine.ts"), policiesModule());
  const args = ["explore", "--max-ops", "3", "--no-trace", "--json"];
  // One Web Worker: the worker imports the module again, by its file: URL.
  const out = await setway(dir, [
    ...args,
    "--workers",
    "1",
    "--policy",
    "./policies/mine.ts#trapOnce",
  ]);
  assert.equal(out.code, 0, out.stderr);
  const report = JSON.parse(out.stdout);
  assert.match(JSON.stringify(report), /"trap-once"/);
  assert.ok(report.failures.length > 0, "trap-once lets a stale read through");
  const text = await setway(dir, [
    "explore",
    "--max-ops",
    "3",
    "--workers",
    "0",
    "--policy",
    "policies/mine.ts#never",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^explore: never-trap on generic/);

  // Without #export: the module's only Policy export.
  await Deno.writeTextFile(
    join(dir, "one.ts"),
    policiesModule().replace(/export const never[^]*?\} \}\);\n/, ""),
  );
  const sole = await setway(dir, [
    "explore",
    "--max-ops",
    "2",
    "--workers",
    "0",
    "--policy",
    "./one.ts",
  ]);
  assert.equal(sole.code, 0, sole.stderr);
  assert.match(sole.stdout, /^explore: trap-once on generic/);
  // ... or its default export, when that is a Policy.
  await Deno.writeTextFile(join(dir, "dflt.ts"), policiesModule() + "export default never;\n");
  const dflt = await setway(dir, [
    "explore",
    "--max-ops",
    "2",
    "--workers",
    "0",
    "--policy",
    "dflt.ts",
  ]);
  assert.equal(dflt.code, 0, dflt.stderr);
  assert.match(dflt.stdout, /^explore: never-trap on generic/);

  const refused: [string, RegExp][] = [
    ["./nope.ts#trapOnce", /no such file \S+nope\.ts$/],
    ["./policies/mine.ts#trapTwice", /has no export "trapTwice"; its policies: never, trapOnce$/],
    ["./policies/mine.ts#answer", /export "answer" of \S+ is not a Policy/],
    ["./policies/mine.ts", /exports several policies \(never, trapOnce\); name one: #never$/],
  ];
  for (const [value, why] of refused) {
    const bad = await setway(dir, [
      "explore",
      "--max-ops",
      "2",
      "--workers",
      "0",
      "--policy",
      value,
    ]);
    assert.equal(bad.code, 2, value);
    assert.equal(bad.stdout, "");
    const lines = bad.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, bad.stderr);
    assert.ok(lines[0].startsWith(`setway: --policy "${value}": `), lines[0]);
    assert.match(lines[0], why);
  }
  await Deno.remove(dir, { recursive: true });
});
