// The commands in process: JSON round trip, NDJSON, compare, overrides,
// module forms, colour.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { inProcess, ROOT, ZIMAGE } from "./helpers.ts";

Deno.test("run --json round trip: the printed scenario runs again to the same bytes", async () => {
  const first = await inProcess(["run", ZIMAGE, "--json"]);
  assert.equal(first.code, 0, first.io.stderr);
  const result = JSON.parse(first.io.stdout);
  assert.equal(result.policy, "kvm-3.18");
  assert.equal(result.verdict.ok, false);
  assert.equal(result.verdict.violations.length, 32);
  const dir = await Deno.makeTempDir();
  try {
    // the scenario alone, as a builder's toJSON() gives it
    await Deno.writeTextFile(`${dir}/scenario.json`, JSON.stringify(result.scenario));
    const again = await inProcess(["run", "scenario.json", "--json"], dir);
    assert.equal(again.code, 0, again.io.stderr);
    assert.equal(again.io.stdout, first.io.stdout);
    // the whole printed result is accepted too
    await Deno.writeTextFile(`${dir}/result.json`, first.io.stdout);
    const third = await inProcess(["run", "result.json", "--json"], dir);
    assert.equal(third.io.stdout, first.io.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --ndjson: a run record, every event, the verdict, the cost", async () => {
  const json = JSON.parse((await inProcess(["run", ZIMAGE, "--json"])).io.stdout);
  const { code, io } = await inProcess(["run", ZIMAGE, "--ndjson"]);
  assert.equal(code, 0);
  const records = io.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(records[0].record, "run");
  assert.equal(records[0].machine, "xgene1");
  assert.deepEqual(records[0].scenario, json.scenario);
  const events = records.filter((r) => r.record === "event");
  assert.equal(events.length, json.events.length);
  assert.deepEqual(
    events.map(({ record: _, ...e }) => e),
    json.events,
  );
  assert.deepEqual(records.at(-2), { record: "verdict", ...json.verdict });
  assert.deepEqual(records.at(-1), { record: "cost", ...json.cost });
});

Deno.test("run: output is byte-identical from run to run", async () => {
  const a = await inProcess(["run", ZIMAGE]);
  const b = await inProcess(["run", ZIMAGE]);
  assert.equal(a.io.stdout, b.io.stdout);
  assert.ok(a.io.stdout.split("\n").length > 40);
});

Deno.test("run: --machine, --seed, --speculation and --policy override the scenario", async () => {
  const { code, io } = await inProcess([
    "run",
    ZIMAGE,
    "--machine",
    "juno-r0",
    "--seed",
    "42",
    "--speculation",
    "adversarial",
    "--policy",
    "kvm-4.0",
    "--json",
  ]);
  assert.equal(code, 0, io.stderr);
  const r = JSON.parse(io.stdout);
  assert.equal(r.scenario.machine, "juno-r0");
  assert.equal(r.scenario.seed, 42);
  assert.equal(r.scenario.speculation, "adversarial");
  assert.equal(r.policy, "kvm-4.0");
  assert.equal(r.machine.name, "juno-r0");
});

Deno.test("run: a scenario object, and a module whose only builder is a named export", async () => {
  const object = await inProcess(["run", "tests/cli/data/scenario_object.ts", "--check"]);
  assert.equal(object.code, 0, object.io.stderr);
  assert.match(object.io.stdout, /\nverdict: ok\n/);
  const named = await inProcess(["run", "tests/cli/data/named_only.ts", "--check"]);
  assert.equal(named.code, 1, named.io.stderr);
  assert.match(named.io.stdout, /blame guest/);
});

Deno.test("run --html writes the timeline and prints the verdict", async () => {
  const scenario = resolve(ROOT, ZIMAGE);
  const { code, io } = await inProcess(["run", scenario, "--html", "out/zimage.html"], "/nowhere");
  assert.equal(code, 0, io.stderr);
  const page = io.files.get(resolve("/nowhere", "out/zimage.html"));
  assert.ok(page?.startsWith("<!doctype html>"));
  assert.match(page!, /data-lane="vcpu0"/);
  assert.match(io.stdout, /^verdict: FAIL, 32 violations\n/);
  assert.match(io.stdout, /\ntimeline: out\/zimage\.html\n$/);
});

Deno.test("run --html: the page's title names the scenario file and the policy it ran under", async () => {
  const scenario = resolve(ROOT, ZIMAGE);
  const { code, io } = await inProcess(
    ["run", scenario, "--html", "z.html", "--policy", "kvm-4.0"],
    "/nowhere",
  );
  assert.equal(code, 0, io.stderr);
  const page = io.files.get("/nowhere/z.html") ?? "";
  assert.match(page, /<title>setway: zimage\.ts, kvm-4\.0<\/title>/);
});

Deno.test("compare: the engine's comparison, one row per policy, in the order given", async () => {
  const { code, io } = await inProcess(["compare", ZIMAGE, "--policies", "kvm-3.18,kvm-4.0"]);
  assert.equal(code, 0, io.stderr);
  const lines = io.stdout.split("\n");
  assert.equal(lines[0], "# zimage.ts: seed 1, speculation quiet");
  assert.equal(lines[1], "policies on xgene1, baseline kvm-3.18");
  assert.match(lines[3], /^policy\s+verdict\s+blame\s+exits\s+flushes\s+lines flushed/);
  assert.match(lines[4], /^kvm-3\.18\s+FAIL \(32\)\s+hypervisor\s+[\d,]+\s+1\s+0\s/);
  assert.match(lines[5], /^kvm-4\.0\s+ok\s+-\s+[\d,]+\s+3\s+1,024\s/);
  assert.match(io.stdout, /\nflush events compared with kvm-3\.18:\n/);
  const checked = await inProcess(["compare", ZIMAGE, "--policies", "kvm-4.0,kvm-3.18", "--check"]);
  assert.equal(checked.code, 1);
  const fine = await inProcess(["compare", ZIMAGE, "--policies", "kvm-4.0", "--check"]);
  assert.equal(fine.code, 0);
});

Deno.test("compare: every built-in policy by default; --json is an array of runs", async () => {
  const { policies } = await import("../../mod.ts");
  const { code, io } = await inProcess(["compare", ZIMAGE, "--json"]);
  assert.equal(code, 0, io.stderr);
  const runs = JSON.parse(io.stdout);
  assert.deepEqual(runs.map((r: { policy: string }) => r.policy), Object.keys(policies));
  const bad = await inProcess(["compare", ZIMAGE, "--policies", "kvm-4.0,,native"]);
  assert.equal(bad.code, 2);
  assert.match(bad.io.stderr, /^setway: --policies "kvm-4\.0,,native": expected names/);
});

Deno.test("colour: styleText codes only when the io asks for colour", async () => {
  const plain = await inProcess(["compare", ZIMAGE, "--policies", "kvm-3.18"], ROOT, false);
  const coloured = await inProcess(["compare", ZIMAGE, "--policies", "kvm-3.18"], ROOT, true);
  assert.ok(!plain.io.stdout.includes("\x1b["));
  assert.ok(coloured.io.stdout.includes("\x1b[31mFAIL (32)"));
  // stripping the codes gives the plain table back: padding happens before colouring
  // deno-lint-ignore no-control-regex
  assert.equal(coloured.io.stdout.replace(/\x1b\[[0-9;]*m/g, ""), plain.io.stdout);
});
