// The Chrome trace of a small run, every trace event written out by hand:
// microseconds at the machine's clock, one track per vCPU and per CPU, and
// the metadata that names and orders them.
import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import { xgene1 } from "../../lib/machines/xgene1.ts";
import { chromeTrace, formatChromeTrace } from "../../lib/report/chrome_trace.ts";
import { traceEventFormatProblems } from "../support/trace_event_format.ts";

const PC = 0x4000_0000;
const events = [
  {
    seq: 0,
    name: "kvm_exit",
    vcpu: 0,
    pcpu: 1,
    pc: PC,
    count: 2,
    cycles: 2400,
    reason: "access_dcsw",
    ec: 0x18,
  },
  {
    seq: 2,
    name: "read",
    vcpu: 0,
    pcpu: 1,
    pc: PC,
    count: 1,
    cycles: 4800,
    addr: 64,
    value: 1,
    cacheable: true,
  },
  {
    seq: 3,
    name: "stale_read",
    vcpu: 0,
    pcpu: 1,
    pc: PC,
    count: 1,
    addr: 64,
    expected: 1,
    got: 0,
    blame: "guest",
  },
  {
    seq: 4,
    name: "castout",
    vcpu: null,
    pcpu: null,
    pc: 0,
    count: 1,
    cycles: 240,
    addr: 64,
    cache: "L3",
    dirty: true,
  },
  { seq: 5, name: "clear_page", vcpu: null, pcpu: 1, pc: 0, count: 1, cycles: 2400, addr: 4096 },
] as SetwayEvent[];

Deno.test("chromeTrace: slices in microseconds at the clock, instants for violations, named tracks", () => {
  // at 2.4 GHz, 2400 cycles are 1 µs: the exit (2 × 2400 cycles) lasts 2 µs
  const t = chromeTrace(events, { clockHz: 2_400_000_000 });
  const exitArgs = {
    seq: 0,
    count: 2,
    vcpu: 0,
    pcpu: 1,
    pc: PC,
    cycles: 2400,
    reason: "access_dcsw",
    ec: 0x18,
  };
  const readArgs = {
    seq: 2,
    count: 1,
    vcpu: 0,
    pcpu: 1,
    pc: PC,
    cycles: 4800,
    addr: 64,
    value: 1,
    cacheable: true,
  };
  const staleArgs = {
    seq: 3,
    count: 1,
    vcpu: 0,
    pcpu: 1,
    pc: PC,
    addr: 64,
    expected: 1,
    got: 0,
    blame: "guest",
  };
  const castoutArgs = {
    seq: 4,
    count: 1,
    vcpu: null,
    pcpu: null,
    pc: 0,
    cycles: 240,
    addr: 64,
    cache: "L3",
    dirty: true,
  };
  const clearArgs = { seq: 5, count: 1, vcpu: null, pcpu: 1, pc: 0, cycles: 2400, addr: 4096 };
  assert.deepEqual(t.traceEvents, [
    { name: "process_name", ph: "M", pid: 1, tid: 0, args: { name: "vCPUs" } },
    { name: "process_sort_index", ph: "M", pid: 1, tid: 0, args: { sort_index: 1 } },
    { name: "process_name", ph: "M", pid: 2, tid: 0, args: { name: "physical CPUs" } },
    { name: "process_sort_index", ph: "M", pid: 2, tid: 0, args: { sort_index: 2 } },
    { name: "thread_name", ph: "M", pid: 1, tid: 0, args: { name: "vCPU 0" } },
    { name: "thread_sort_index", ph: "M", pid: 1, tid: 0, args: { sort_index: 0 } },
    { name: "thread_name", ph: "M", pid: 2, tid: 1, args: { name: "CPU 1" } },
    { name: "thread_sort_index", ph: "M", pid: 2, tid: 1, args: { sort_index: 1 } },
    { name: "process_name", ph: "M", pid: 3, tid: 0, args: { name: "host" } },
    { name: "thread_name", ph: "M", pid: 3, tid: 0, args: { name: "host and hardware" } },
    { name: "kvm_exit", ph: "X", cat: "trap", ts: 0, dur: 2, pid: 1, tid: 0, args: exitArgs },
    { name: "kvm_exit", ph: "X", cat: "trap", ts: 0, dur: 2, pid: 2, tid: 1, args: exitArgs },
    { name: "read", ph: "X", cat: "access", ts: 2, dur: 2, pid: 1, tid: 0, args: readArgs },
    { name: "read", ph: "X", cat: "access", ts: 2, dur: 2, pid: 2, tid: 1, args: readArgs },
    {
      name: "stale_read",
      ph: "i",
      cat: "violation",
      ts: 4,
      s: "t",
      pid: 1,
      tid: 0,
      args: staleArgs,
    },
    // 240 cycles are 100 ns
    { name: "castout", ph: "X", cat: "hw", ts: 4, dur: 0.1, pid: 3, tid: 0, args: castoutArgs },
    // a host event on a CPU is on that CPU's track only
    { name: "clear_page", ph: "X", cat: "host", ts: 4.1, dur: 1, pid: 2, tid: 1, args: clearArgs },
  ]);
  assert.deepEqual(t.otherData, { clockHz: 2_400_000_000 });
  assert.equal(t.displayTimeUnit, "ns");
  assert.deepEqual(traceEventFormatProblems(t), []);
});

Deno.test("chromeTrace: a violation with no vCPU is an instant on its CPU's track", () => {
  const lost = {
    seq: 0,
    name: "lost_write",
    vcpu: null,
    pcpu: 3,
    pc: 0,
    count: 1,
    addr: 128,
    expected: 2,
    got: 1,
    blame: "machine",
  } as SetwayEvent;
  const t = chromeTrace([lost], { clockHz: 1_000_000_000 });
  assert.deepEqual(t.traceEvents.filter((e) => e.ph === "i"), [{
    name: "lost_write",
    ph: "i",
    cat: "violation",
    ts: 0,
    s: "t",
    pid: 2,
    tid: 3,
    args: {
      seq: 0,
      count: 1,
      vcpu: null,
      pcpu: 3,
      pc: 0,
      addr: 128,
      expected: 2,
      got: 1,
      blame: "machine",
    },
  }]);
  // its thread is named; there is no host process
  assert.ok(t.traceEvents.some((e) => e.name === "thread_name" && e.pid === 2 && e.tid === 3));
  assert.ok(!t.traceEvents.some((e) => e.pid === 3));
});

Deno.test("chromeTrace: a vCPU seen only in a violation still gets a named thread", () => {
  const stale = { ...events[2], vcpu: 3, pcpu: 0 } as SetwayEvent;
  const t = chromeTrace([stale]);
  assert.deepEqual(
    t.traceEvents.filter((e) => e.ph === "M" && e.pid === 1 && e.tid === 3),
    [
      { name: "thread_name", ph: "M", pid: 1, tid: 3, args: { name: "vCPU 3" } },
      { name: "thread_sort_index", ph: "M", pid: 1, tid: 3, args: { sort_index: 3 } },
    ],
  );
});

Deno.test("chromeTrace: threads are named in numeric order, vCPU 2 before vCPU 10", () => {
  const at = (vcpu: number, seq: number) =>
    ({ seq, name: "read", vcpu, pcpu: vcpu, pc: 0, count: 1, cycles: 4 }) as SetwayEvent;
  const t = chromeTrace([at(10, 0), at(2, 1)]);
  const names = t.traceEvents.filter((e) => e.name === "thread_name").map((e) => e.args.name);
  assert.deepEqual(names, ["vCPU 2", "vCPU 10", "CPU 2", "CPU 10"]);
});

Deno.test("chromeTrace: a Xen run's slices carry Xen's names and the events' categories", () => {
  const t = chromeTrace([events[0]], { vocabulary: "xen" });
  const slices = t.traceEvents.filter((e) => e.ph === "X");
  assert.deepEqual(slices.map((e) => [e.name, e.cat]), [
    ["trap_sysreg", "trap"],
    ["trap_sysreg", "trap"],
  ]);
});

Deno.test("chromeTrace: the clock option beats the machine's, and the selection keeps what it names", () => {
  const t = chromeTrace(events, {
    machine: xgene1,
    clockHz: 1_000_000_000,
    only: (e) => e.name === "read",
    otherData: { policy: "kvm-4.0" },
  });
  // at 1 GHz the read starts 4800 cycles in: 4.8 µs, and lasts 4.8 µs
  assert.deepEqual(
    t.traceEvents.filter((e) => e.ph !== "M").map((e) => [e.name, e.ts, e.dur, e.pid]),
    [["read", 4.8, 4.8, 1], ["read", 4.8, 4.8, 2]],
  );
  assert.deepEqual(t.otherData, { policy: "kvm-4.0", clockHz: 1_000_000_000 });
  // without clockHz, xgene1's 2.4 GHz
  assert.equal(chromeTrace(events, { machine: xgene1 }).otherData.clockHz, 2_400_000_000);
});

Deno.test("chromeTrace: the clock is an integer from 1 Hz to 100 GHz", () => {
  assert.equal(chromeTrace([], { clockHz: 100_000_000_000 }).otherData.clockHz, 100_000_000_000);
  assert.equal(chromeTrace([], { clockHz: 1 }).otherData.clockHz, 1);
  for (const bad of [0, 100_000_000_001, 1.5]) {
    assert.throws(() => chromeTrace([], { clockHz: bad }), ScenarioError);
  }
});

Deno.test("formatChromeTrace: one trace event a line, ending with a newline", () => {
  const text = formatChromeTrace([events[3]], { clockHz: 1_000_000_000 });
  const lines = text.split("\n");
  assert.equal(
    lines[0],
    '{"displayTimeUnit":"ns","otherData":{"clockHz":1000000000},"traceEvents":[',
  );
  assert.deepEqual(lines.slice(-2), ["]}", ""]);
  const body = lines.slice(1, -2);
  assert.equal(body.length, 7, "4 process records, the host's 2, and the castout");
  assert.ok(body.slice(0, -1).every((l) => l.endsWith("},")), "a comma after each but the last");
  assert.equal(
    body.at(-1),
    '{"name":"castout","ph":"X","cat":"hw","ts":0,"dur":0.24,"pid":3,"tid":0,"args":' +
      '{"seq":4,"count":1,"vcpu":null,"pcpu":null,"pc":0,"cycles":240,"addr":64,"cache":"L3","dirty":true}}',
  );
  assert.deepEqual(traceEventFormatProblems(JSON.parse(text)), []);
});
