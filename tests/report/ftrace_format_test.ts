/**
 * The trace's ftrace habits in the library: the TIMESTAMP column, raw
 * traces against runs recorded with `collapse: false`, what a collapsed
 * line sums, Xen's names, the event selection, and the Chrome trace
 * against an independent Trace Event Format checker.
 *
 * @module
 */

import * as assert from "node:assert/strict";
import fc from "fast-check";
import { run } from "../../lib/engine/run.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { ScenarioError } from "../../lib/errors.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import { EVENT_NAMES, vocabularyOf, xenEventName } from "../../lib/hyp/events.ts";
import { xgene1 } from "../../lib/machines/xgene1.ts";
import { machineIssues } from "../../lib/machines/validate.ts";
import { machines as PRESETS } from "../../lib/machines/mod.ts";
import {
  formatClock,
  formatCollapsed,
  formatTimestamp,
  formatTrace,
} from "../../lib/report/event_trace.ts";
import { junoR0 } from "../../lib/machines/juno_r0.ts";
import { eventSelection, globPattern, splitList } from "../../lib/report/trace_filter.ts";
import { chromeTrace, formatChromeTrace } from "../../lib/report/chrome_trace.ts";
import { traceEventFormatProblems } from "../support/trace_event_format.ts";

const walk = vm().machine("xgene1").cpus(2).policy("kvm-3.18")
  .guest((g) => g.mmuOn().write(0x4000_8000, 1).sw_clean().mmuOff().read(0x4000_8000));

function lines(trace: string): string[] {
  return trace.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

Deno.test("formatTimestamp is ftrace's %5lu.%06lu, rounded down, exact for large cycle counts", () => {
  assert.equal(formatTimestamp(0, 2_400_000_000), "    0.000000");
  assert.equal(formatTimestamp(2_399, 2_400_000_000), "    0.000000");
  assert.equal(formatTimestamp(2_400, 2_400_000_000), "    0.000001");
  assert.equal(formatTimestamp(2.4e9 * 3 + 2_400 * 17, 2_400_000_000), "    3.000017");
  assert.equal(formatTimestamp(2 ** 53 - 1, 1_000_000_000), "9007199.254740");
  assert.equal(formatClock(2_400_000_000), "2.4 GHz");
  assert.equal(formatClock(850_000_000), "850 MHz");
  assert.equal(formatClock(12_345), "12345 Hz");
});

Deno.test("every machine preset states its clock, and a machine's clockHz is checked", () => {
  for (const [name, m] of Object.entries(PRESETS)) {
    assert.ok(Number.isSafeInteger(m.clockHz) && m.clockHz! >= 1e8, `${name} states its clock`);
  }
  assert.equal(xgene1.clockHz, 2_400_000_000);
  const base = {
    name: "m",
    description: "",
    clusters: [{ cpus: 1, l1d: { size: 4096, ways: 1 } }],
  };
  assert.deepEqual(machineIssues({ ...base, clockHz: 1_000_000 }), []);
  for (const bad of [0, -1, 1.5, "2GHz", 1e12]) {
    assert.equal(machineIssues({ ...base, clockHz: bad })[0]?.path, "machine.clockHz", String(bad));
  }
  assert.throws(() => formatTrace([], { clockHz: 0 }), ScenarioError);
});

Deno.test("collapse: false records one event per record; the run is otherwise the same", async () => {
  const collapsed = await walk.run();
  const raw = await walk.run({ collapse: false });
  assert.ok(raw.events.every((e) => e.count === 1));
  assert.equal(raw.events.length, collapsed.events.reduce((n, e) => n + e.count, 0));
  assert.deepEqual(raw.events.map((e) => e.seq), raw.events.map((_, i) => i));
  assert.deepEqual(raw.cost, collapsed.cost);
  assert.deepEqual(raw.verdict, collapsed.verdict);
  // Each record's events are the raw events at its places, with the same name.
  for (const r of collapsed.events.filter((e) => e.count === 1)) {
    assert.deepEqual(raw.events[r.seq], r);
  }
  await assert.rejects(() => walk.run({ collapse: "no" as unknown as boolean }), ScenarioError);
});

Deno.test("raw: a run recorded with collapse: false prints every event; a folded walk is refused", async () => {
  const collapsed = await walk.run();
  const raw = await walk.run({ collapse: false });
  const text = raw.trace({ raw: true });
  assert.equal(lines(text).length, raw.events.length);
  assert.equal(
    lines(raw.trace({ raw: true, only: (e) => e.name === "kvm_exit" })).length,
    collapsed.cost.exits,
  );
  // The last line's time is the cycles of every event before it, whichever way the run was recorded.
  const last = lines(text).at(-1)!;
  const lastCollapsed = lines(collapsed.trace()).at(-1)!;
  assert.equal(last.slice(0, 35), lastCollapsed.slice(0, 35));
  assert.throws(
    () => collapsed.trace({ raw: true }),
    (e: unknown) => e instanceof ScenarioError && /collapse: false/.test(e.message),
  );
});

Deno.test("raw: a record of identical events becomes count lines, SEQ and TIMESTAMP advancing", () => {
  const events: SetwayEvent[] = [
    {
      seq: 0,
      name: "kvm_exit",
      vcpu: 0,
      pcpu: 0,
      pc: 0x4000_0000,
      count: 3,
      cycles: 2_400,
      reason: "dcsw",
      ec: 0x18,
    },
    {
      seq: 3,
      name: "read",
      vcpu: 0,
      pcpu: 0,
      pc: 0x4000_0004,
      count: 1,
      cycles: 0,
      addr: 0x4000_1000,
      value: 1,
      cacheable: true,
    },
  ];
  const body = lines(formatTrace(events, { raw: true, clockHz: 2_400_000_000 }));
  const cols = body.map((l) => /\.\.\.\. (\d{6}) +(\d+\.\d{6}): (\w+)/.exec(l)!.slice(1));
  assert.deepEqual(cols, [
    ["000000", "0.000000", "kvm_exit"],
    ["000001", "0.000001", "kvm_exit"],
    ["000002", "0.000002", "kvm_exit"],
    ["000003", "0.000003", "read"],
  ]);
  assert.ok(body.every((l) => !l.includes("(x")));
  // A record whose events interleave with the next record's cannot be split in seq order.
  const interleaved = [events[0], { ...events[1], seq: 1 }];
  assert.throws(
    () => formatTrace(interleaved, { raw: true }),
    (e: unknown) => e instanceof ScenarioError && e.call === "formatTrace.raw" && e.value === 0,
  );
});

Deno.test("a folded walk names its level's sets and ways from the CPU's own cluster", () => {
  const folded = (pcpu: number, level: number): SetwayEvent => ({
    seq: 0,
    name: "sw_local",
    vcpu: 0,
    pcpu,
    pc: 0x4000_0000,
    count: 512,
    op: "cisw",
    level,
    set: null,
    way: null,
  });
  // Juno r0: 2 x A57 (L1 256 sets x 2 ways), then 4 x A53 (L1 128 x 4; L2 1024 x 16).
  for (const pcpu of [0, 1]) {
    assert.equal(
      formatCollapsed(folded(pcpu, 1), junoR0),
      " (512 ops, sets 0-255 ways 0-1, counters summed)",
    );
  }
  for (const pcpu of [2, 3, 4, 5]) {
    assert.equal(
      formatCollapsed(folded(pcpu, 1), junoR0),
      " (512 ops, sets 0-127 ways 0-3, counters summed)",
    );
    assert.equal(
      formatCollapsed({ ...folded(pcpu, 2), count: 16384 }, junoR0),
      " (16384 ops, sets 0-1023 ways 0-15, counters summed)",
    );
  }
  assert.equal(
    formatCollapsed(folded(6, 1), junoR0),
    " (512 ops on different sets and ways, counters summed)",
    "no such CPU",
  );
});

Deno.test("Xen's names: traps by exception class, faults by Xen's function; KVM runs keep KVM's", async () => {
  const e = (ec: number): SetwayEvent => ({
    seq: 0,
    name: "kvm_exit",
    vcpu: 0,
    pcpu: 0,
    pc: 0,
    count: 1,
    reason: "r",
    ec,
  });
  assert.equal(xenEventName(e(0x18)), "trap_sysreg");
  assert.equal(xenEventName(e(0x03)), "trap_cp15_32");
  assert.equal(xenEventName(e(0x24)), "trap_dabt");
  assert.equal(xenEventName(e(0x20)), "trap_iabt");
  assert.equal(xenEventName(e(0x3c)), "trap");
  assert.equal(
    xenEventName({ seq: 0, name: "kvm_guest_fault", vcpu: 0, pcpu: 0, pc: 0, count: 1, ipa: 0 }),
    "p2m_resolve_translation_fault",
  );
  const xen = await walk.policy("xen").run();
  assert.equal(vocabularyOf(xen.events), "xen");
  assert.ok(!xen.trace().includes(" kvm_exit: "));
  assert.ok(xen.trace({ vocabulary: "kvm" }).includes(" kvm_exit: "));
  const kvm = await walk.run();
  assert.equal(vocabularyOf(kvm.events), "kvm");
  assert.ok(kvm.trace().includes(" kvm_exit: "));
  // A trap's exception class by the host's register: HSR on a 32-bit host (type HVC), ESR_EL2.
  const message = (event: SetwayEvent) =>
    / trap_dabt: (.*)$/.exec(lines(formatTrace([event], { vocabulary: "xen" }))[0])![1];
  assert.equal(message({ ...e(0x24), type: "HVC", pc: 0x8000 }), "EC=0x24 (DABT) PC=0x00008000");
  assert.equal(message({ ...e(0x24), pc: 0x8000 }), "EC=0x24 (DABT_LOW) PC=0x00008000");
});

Deno.test("eventSelection: globs, named sets, vCPUs; an unknown name is refused", () => {
  assert.ok(globPattern("kvm_*").test("kvm_set_way_flush"));
  assert.ok(!globPattern("kvm_*").test("xkvm_exit"));
  assert.ok(globPattern("trap_?abt").test("trap_dabt"));
  assert.ok(globPattern("a.b").test("a.b") && !globPattern("a.b").test("axb"));
  assert.deepEqual(splitList([" a, b", "c", ""]), ["a", "b", "c"]);
  for (const name of EVENT_NAMES) assert.ok(eventSelection({ names: [name] }), name);
  assert.throws(() => eventSelection({ names: ["kvm_exti"] }), ScenarioError);
  assert.throws(() => eventSelection({ vcpus: [-1] }), ScenarioError);
  const own: SetwayEvent = { seq: 0, name: "my_policy_event", vcpu: 1, pcpu: 0, pc: 0, count: 1 };
  const keep = eventSelection({ names: ["my_*"], vcpus: [1], events: [own] });
  assert.ok(keep(own));
  assert.ok(!keep({ ...own, vcpu: 0 }));
  assert.ok(!keep({ ...own, vcpu: null }));
});

const arbEvent = fc.record({
  name: fc.constantFrom(
    "kvm_exit",
    "read",
    "stale_read",
    "stage2_flush_vm",
    "castout",
    "host_write",
  ),
  vcpu: fc.option(fc.nat(3), { nil: null }),
  pcpu: fc.option(fc.nat(3), { nil: null }),
  count: fc.integer({ min: 1, max: 5000 }),
  cycles: fc.oneof(fc.nat(100_000), fc.double({ min: 0, max: 1e6, noNaN: true })),
});

Deno.test("chromeTrace: any run's trace passes the Trace Event Format checker (slices nest per thread)", () => {
  fc.assert(
    fc.property(
      fc.array(arbEvent, { maxLength: 40 }),
      fc.integer({ min: 1_000_000, max: 5_000_000_000 }),
      (raw, clockHz) => {
        let seq = 0;
        const events: SetwayEvent[] = raw.map((r) => {
          const e = { seq, pc: 0, ...r } as unknown as SetwayEvent;
          seq += r.count;
          return e;
        });
        const trace = JSON.parse(formatChromeTrace(events, { clockHz }));
        assert.deepEqual(traceEventFormatProblems(trace), []);
        const stale = events.filter((e) => e.name === "stale_read").length;
        assert.equal(trace.traceEvents.filter((e: { ph: string }) => e.ph === "i").length, stale);
      },
    ),
    { seed: 20261213, numRuns: 200 },
  );
});

Deno.test("chromeTrace: a real run's slices last their cycles at the machine's clock", async () => {
  const r = await walk.run();
  const t = chromeTrace(r.events, { machine: r.machine });
  assert.deepEqual(traceEventFormatProblems(t), []);
  const slices = t.traceEvents.filter((e) => e.ph === "X" && e.pid === 1);
  const total = r.events.filter((e) => e.vcpu !== null && e.name !== "stale_read")
    .reduce((n, e) => n + (e.cycles ?? 0) * e.count, 0);
  const sum = slices.reduce((n, e) => n + e.dur!, 0);
  assert.ok(Math.abs(sum - total / 2.4e3) < 0.01 * slices.length, `${sum} µs`);
  assert.equal(t.otherData.clockHz, 2_400_000_000);
  assert.throws(() => chromeTrace(r.events, { clockHz: 0 }), ScenarioError);
  assert.throws(() => run(walk.toJSON(), { collapse: 1 as unknown as boolean }), ScenarioError);
});
