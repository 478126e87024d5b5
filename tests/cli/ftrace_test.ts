/**
 * Traces with ftrace and trace-cmd habits, as a user works: a scratch
 * project in a temporary directory with its own deno.json and scenario,
 * and the documented `deno run -R -W <setway>/cli.ts run ...` commands run
 * from that project: the TIMESTAMP column, `--raw`, what a collapsed line
 * sums, `--filter` with names, globs and `--vcpu`, Xen's names, and
 * `--perfetto` (checked against the Trace Event Format by a checker written
 * apart from the generator, and loaded in headless Chromium when it is
 * installed).
 *
 * @module
 */

import * as assert from "node:assert/strict";
import { join } from "node:path";
import { cliIn as setway, ROOT, scratchProject as scratch } from "./helpers.ts";
import { traceEventFormatProblems } from "../support/trace_event_format.ts";

const MOD = new URL("mod.ts", `file://${ROOT}`).href;

/**
 * Two vCPUs on X-Gene 1 under KVM 3.18: vCPU 0 writes, cleans by set/way
 * (every instruction traps and runs locally) and reads back with caches off
 * (stale); vCPU 1 turns its caches on and off.
 */
const SCENARIO = `import { vm } from ${JSON.stringify(MOD)};

export default vm()
  .machine("xgene1")
  .cpus(2)
  .policy("kvm-3.18")
  .guest((g) =>
    g.mmuOn().write(0x4000_8000, 1).sw_clean().mmuOff().read(0x4000_8000)
      .on(1, (h) => h.mmuOn().write(0x4002_0000, 7).mmuOff())
  );
`;

/** The trace's event lines. */
function body(trace: string): string[] {
  return trace.split("\n\n")[0].split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

interface Event {
  seq: number;
  name: string;
  vcpu: number | null;
  count: number;
  cycles?: number;
  [k: string]: unknown;
}

let project: string | undefined;
async function dir(): Promise<string> {
  return project ??= await scratch("setway-ftrace-", { "scenario.ts": SCENARIO });
}

/** The run as `--json` prints it: events, machine, cost, verdict. */
interface RunJson {
  events: Event[];
  machine: { clockHz: number };
  cost: { exits: number };
  verdict: { violations: unknown[] };
}
let json: RunJson | undefined;
async function runJson(): Promise<RunJson> {
  if (json) return json;
  const out = await setway(await dir(), ["run", "scenario.ts", "--json"]);
  assert.equal(out.code, 0, out.stderr);
  return json = JSON.parse(out.stdout);
}

const LINE = /^ +(\S+) \[([0-9-]{3})\] \.\.\.\. (\d{6}) +(\d+)\.(\d{6}): ([\w.:-]+): /;

Deno.test("ftrace: TIMESTAMP is seconds.microseconds of the cycles before each event at the machine's clock", async () => {
  const run = await runJson();
  assert.equal(run.machine.clockHz, 2_400_000_000, "X-Gene 1 states its clock");
  const out = await setway(await dir(), ["run", "scenario.ts"]);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(
    out.stdout.includes("\n#    TASK  CPU# FLAG    SEQ    TIMESTAMP  EVENT: MESSAGE\n"),
    "the column names",
  );
  assert.match(out.stdout, /^# SEQ: .*TIMESTAMP: seconds\.microseconds .* at 2\.4 GHz$/m);
  // Independently: the cycles of every record before, from the JSON, at 2.4 GHz.
  const before = new Map<number, number>();
  let at = 0;
  for (const e of run.events) {
    before.set(e.seq, at);
    at += (e.cycles ?? 0) * e.count;
  }
  const lines = body(out.stdout);
  assert.equal(lines.length, run.events.length);
  let last = -1;
  for (const line of lines) {
    const m = LINE.exec(line);
    assert.ok(m, line);
    const us = Number(m[4]) * 1e6 + Number(m[5]);
    assert.equal(us, Math.floor(before.get(Number(m[3]))! * 1e6 / 2.4e9), line);
    assert.ok(us >= last, "timestamps never go back");
    last = us;
  }
  assert.ok(last > 0);
});

Deno.test("ftrace: --raw prints one line per event, so grep -c kvm_exit counts the exits", async () => {
  const run = await runJson();
  const collapsed = await setway(await dir(), ["run", "scenario.ts", "--filter", "kvm_exit"]);
  const raw = await setway(await dir(), ["run", "scenario.ts", "--raw", "--filter", "kvm_exit"]);
  assert.equal(raw.code, 0, raw.stderr);
  const count = (s: string) => s.split("\n").filter((l) => l.includes("kvm_exit")).length;
  assert.ok(run.cost.exits > 4608, `${run.cost.exits} exits`);
  assert.equal(count(raw.stdout), run.cost.exits);
  assert.ok(count(collapsed.stdout) < 50, "collapsed, the walk's exits take a few lines");
  assert.match(raw.stdout, /^# raw: one line per event, nothing collapsed$/m);
  assert.doesNotMatch(raw.stdout, /\(x\d+\)|ops, sets/);
  // Every event of the run, one line each: the collapsed records' counts add up to it.
  const all = await setway(await dir(), ["run", "scenario.ts", "--raw"]);
  const total = run.events.reduce((n, e) => n + e.count, 0);
  assert.equal(body(all.stdout).length, total);
  assert.match(all.stdout, new RegExp(`^# entries: ${total}$`, "m"));
  const seqs = body(all.stdout).map((l) => Number(LINE.exec(l)![3]));
  assert.deepEqual(seqs, seqs.map((_, i) => i), "SEQ counts every event once, in order");
});

Deno.test("ftrace: the README's --raw figures for the zImage story: 9229 exits, 16 collapsed kvm_exit lines", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const said =
    /prints the (\d+)\s+exits the cost line counts, where the collapsed trace has (\d+) `kvm_exit` lines/
      .exec(readme);
  assert.ok(said !== null, "the README's --raw paragraph");
  const count = (s: string) => s.split("\n").filter((l) => l.includes("kvm_exit")).length;
  const raw = await setway(ROOT, ["run", "scenarios/zimage.ts", "--raw", "--filter", "kvm_exit"]);
  assert.equal(raw.code, 0, raw.stderr);
  assert.equal(count(raw.stdout), Number(said[1]));
  const collapsed = await setway(ROOT, ["run", "scenarios/zimage.ts", "--filter", "kvm_exit"]);
  assert.equal(count(collapsed.stdout), Number(said[2]));
  // And the cost line of the same run counts as many traps.
  const full = await setway(ROOT, ["run", "scenarios/zimage.ts"]);
  assert.match(full.stdout, new RegExp(`^cost: ${said[1]} traps,`, "m"));
});

Deno.test("ftrace: a collapsed line says what it sums: (xN) for identical events, ops and slots for a walk", async () => {
  const out = await setway(await dir(), ["run", "scenario.ts", "--filter", "sw_local,kvm_exit"]);
  assert.equal(out.code, 0, out.stderr);
  const sw = body(out.stdout).filter((l) => l.includes(" sw_local: "));
  assert.ok(sw.length >= 2);
  // X-Gene 1: L1D 32 KiB 8-way (64 sets), L2 256 KiB 32-way (128 sets), 64-byte lines.
  assert.ok(sw.some((l) => l.endsWith("(512 ops, sets 0-63 ways 0-7, counters summed)")), sw[0]);
  assert.ok(sw.some((l) => l.endsWith("(4096 ops, sets 0-127 ways 0-31, counters summed)")));
  assert.ok(sw.every((l) => !/\(x\d+\)$/.test(l)), "different set/way ops never read as (xN)");
  assert.ok(
    body(out.stdout).some((l) => / kvm_exit: .*\(x\d+\)$/.test(l)),
    "identical exits keep (xN)",
  );
  assert.match(
    out.stdout,
    /^# \(xN\): N identical events; \(N ops, \.\.\.\): N different set\/way ops, counters summed$/m,
  );
});

Deno.test("ftrace: --filter takes names and globs, comma-separated or repeated, and --vcpu", async () => {
  const d = await dir();
  const globbed = await setway(d, ["run", "scenario.ts", "--filter", "kvm_*", "--vcpu", "1"]);
  assert.equal(globbed.code, 0, globbed.stderr);
  const lines = body(globbed.stdout);
  assert.ok(lines.length > 0);
  for (const l of lines) {
    const m = LINE.exec(l)!;
    assert.equal(m[1], "vcpu1-1", l);
    assert.match(m[6], /^kvm_/, l);
  }
  const both = await setway(d, [
    "run",
    "scenario.ts",
    "--filter",
    "stale_read,sctlr_write",
    "--filter",
    "hcr_*",
  ]);
  const names = new Set(body(both.stdout).map((l) => LINE.exec(l)![6]));
  assert.deepEqual([...names].sort(), ["hcr_write", "sctlr_write", "stale_read"]);
  const flush = await setway(d, ["run", "scenario.ts", "--filter", "flush"]);
  assert.ok(body(flush.stdout).every((l) => !/ (read|write|sctlr_write): /.test(l)));

  const typo = await setway(d, ["run", "scenario.ts", "--filter", "kvm_exti"]);
  assert.equal(typo.code, 2);
  assert.equal(typo.stdout, "");
  assert.match(
    typo.stderr,
    /^setway: --filter "kvm_exti": unknown event \(did you mean "kvm_exit"\?\)[^\n]*\n$/,
  );
  const nothing = await setway(d, ["run", "scenario.ts", "--filter", "nvme_*"]);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /^setway: --filter "nvme_\*": matches no event name[^\n]*\n$/);
  const vcpu = await setway(d, ["run", "scenario.ts", "--vcpu", "2"]);
  assert.equal(vcpu.code, 2);
  assert.match(vcpu.stderr, /^setway: --vcpu "2": expected a vCPU of this scenario, 0 to 1\n$/);
});

Deno.test("ftrace: a Xen run prints Xen's names, not kvm_exit", async () => {
  const d = await dir();
  const out = await setway(d, ["run", "scenario.ts", "--policy", "xen"]);
  assert.equal(out.code, 0, out.stderr);
  const names = new Set(body(out.stdout).map((l) => LINE.exec(l)![6]));
  assert.ok(!names.has("kvm_exit") && !names.has("kvm_guest_fault"), [...names].join(" "));
  assert.ok(names.has("trap_sysreg"), "the set/way and SCTLR traps (EC 0x18) are trap_sysreg");
  assert.ok(names.has("trap_dabt") || names.has("p2m_resolve_translation_fault"));
  assert.ok(names.has("p2m_set_way_flush"));
  assert.match(out.stdout, / trap_sysreg: EC=0x18 \(SYS64\) PC=0x4000/);
  const traps = await setway(d, ["run", "scenario.ts", "--policy", "xen", "--filter", "trap_*"]);
  assert.ok(body(traps.stdout).length > 0);
  assert.ok(body(traps.stdout).every((l) => / trap_\w+: /.test(l)));
  const kvm = await setway(d, ["run", "scenario.ts", "--policy", "kvm-4.0"]);
  assert.ok(body(kvm.stdout).some((l) => l.includes(" kvm_exit: ")), "KVM runs keep kvm_exit");
});

Deno.test("ftrace: --perfetto writes Chrome trace-event JSON with vCPU and CPU tracks, flush slices, stale-read instants", async () => {
  const d = await dir();
  const run = await runJson();
  const out = await setway(d, ["run", "scenario.ts", "--perfetto", "trace.json"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(
    out.stdout,
    /^perfetto: trace\.json \(open it in ui\.perfetto\.dev or chrome:\/\/tracing\)$/m,
  );
  assert.match(out.stdout, /^verdict: FAIL/m);
  const text = await Deno.readTextFile(join(d, "trace.json"));
  const trace = JSON.parse(text);
  assert.deepEqual(traceEventFormatProblems(trace), []);
  const events = trace.traceEvents as {
    name: string;
    ph: string;
    pid: number;
    tid: number;
    cat?: string;
    args: Record<string, unknown>;
  }[];
  const threadNames = events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) =>
    e.args.name
  );
  for (const t of ["vCPU 0", "vCPU 1", "CPU 0", "CPU 1"]) assert.ok(threadNames.includes(t), t);
  const processNames = events.filter((e) => e.ph === "M" && e.name === "process_name").map((e) =>
    e.args.name
  );
  assert.ok(processNames.includes("vCPUs") && processNames.includes("physical CPUs"));
  assert.ok(events.some((e) => e.ph === "X" && e.cat === "flush" && e.name === "sw_local"));
  const stale = events.filter((e) => e.ph === "i" && e.name === "stale_read");
  assert.equal(stale.length, run.verdict.violations.length);
  assert.ok(stale.length > 0);
  // The filters apply: only vCPU 1's events, on its track and on the CPUs it ran on.
  const one = await setway(d, ["run", "scenario.ts", "--perfetto", "one.json", "--vcpu", "1"]);
  assert.equal(one.code, 0, one.stderr);
  const oneTrace = JSON.parse(await Deno.readTextFile(join(d, "one.json")));
  assert.deepEqual(traceEventFormatProblems(oneTrace), []);
  const slices = oneTrace.traceEvents.filter((e: { ph: string }) => e.ph !== "M");
  assert.ok(slices.length > 0);
  assert.ok(slices.every((e: { args: { vcpu: number } }) => e.args.vcpu === 1));
});

Deno.test("ftrace: the --perfetto JSON's metadata names the scenario file, policy, machine and seed", async () => {
  const d = await dir();
  const out = await setway(d, ["run", "scenario.ts", "--perfetto", "meta.json", "--seed", "7"]);
  assert.equal(out.code, 0, out.stderr);
  const trace = JSON.parse(await Deno.readTextFile(join(d, "meta.json")));
  assert.deepEqual(trace.otherData, {
    scenario: "scenario.ts",
    policy: "kvm-3.18",
    machine: "xgene1",
    seed: 7,
    clockHz: trace.otherData.clockHz,
  });
  assert.equal(typeof trace.otherData.clockHz, "number");
});

Deno.test("ftrace: the --perfetto JSON loads in headless Chromium", async () => {
  const chromium = "/usr/bin/chromium";
  try {
    await Deno.stat(chromium);
  } catch {
    console.log(`${chromium} is not installed: apt-get install chromium (skipped)`);
    return;
  }
  const d = await dir();
  const out = await setway(d, ["run", "scenario.ts", "--perfetto", "chromium.json"]);
  assert.equal(out.code, 0, out.stderr);
  const text = await Deno.readTextFile(join(d, "chromium.json"));
  // The page parses the file as the trace viewers do (JSON.parse of the whole text) and counts the
  // events by phase and the tracks.
  const page = `<!doctype html><body><script id="t" type="application/json">${
    text.replaceAll("</", "<\\/")
  }</script><script>
const t = JSON.parse(document.getElementById("t").textContent);
const by = {};
for (const e of t.traceEvents) by[e.ph] = (by[e.ph] || 0) + 1;
const tracks = new Set(t.traceEvents.filter((e) => e.ph === "X").map((e) => e.pid + "/" + e.tid));
document.body.setAttribute("data-result", JSON.stringify({ by, tracks: tracks.size, unit: t.displayTimeUnit }));
</script></body>`;
  await Deno.writeTextFile(join(d, "page.html"), page);
  const profile = await Deno.makeTempDir({ prefix: "setway-chromium-" });
  const run = await new Deno.Command(chromium, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      `--user-data-dir=${profile}`,
      "--dump-dom",
      `file://${join(d, "page.html")}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(profile, { recursive: true }).catch(() => {});
  const dom = new TextDecoder().decode(run.stdout);
  const m = /data-result="([^"]*)"/.exec(dom);
  assert.ok(m, `Chromium printed no result: ${new TextDecoder().decode(run.stderr).slice(0, 500)}`);
  const result = JSON.parse(m[1].replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
  const trace = JSON.parse(text);
  const count = (ph: string) => trace.traceEvents.filter((e: { ph: string }) => e.ph === ph).length;
  assert.deepEqual(result.by, { M: count("M"), X: count("X"), i: count("i") });
  assert.equal(result.unit, "ns");
  assert.equal(result.tracks, 4, "vCPU 0, vCPU 1, CPU 0, CPU 1");
});

Deno.test("ftrace: clean up the scratch project", async () => {
  if (project) await Deno.remove(project, { recursive: true });
});
