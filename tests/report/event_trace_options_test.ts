import assert from "node:assert/strict";
import {
  formatClock,
  formatCollapsed,
  formatTrace,
  formatTraceLine,
} from "../../lib/report/event_trace.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { xgene1 } from "../../lib/machines/xgene1.ts";
import { MAX_CLOCK_HZ } from "../../lib/limits.ts";
import { ScenarioError } from "../../lib/errors.ts";

/** A `kvm_set_way_flush` event on vCPU 0 at `seq`, with `base` overriding the common fields. */
function flush(seq: number, base: Partial<SetwayEvent> = {}): SetwayEvent {
  return {
    seq,
    name: "kvm_set_way_flush",
    vcpu: 0,
    pcpu: 0,
    pc: 0x4000_8234,
    count: 1,
    cache: true,
    ...base,
  };
}

/** The lines of a trace that are not part of its `#` block. */
function body(text: string): string[] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

/** The TIMESTAMP column of a trace line. */
function timestamp(line: string): string {
  return /\.\.\.\. \d{6} +(\d+\.\d{6}):/.exec(line)![1];
}

Deno.test("formatTrace: an explicit clockHz beats the machine's clock, in the lines and the legend", () => {
  const events = [flush(0, { cycles: 2_400 }), flush(1)];
  const text = formatTrace(events, { machine: xgene1, clockHz: 1_000_000_000 });
  assert.deepEqual(body(text).map(timestamp), ["0.000000", "0.000002"]);
  assert.match(text, /modelled cycles at 1 GHz\n/);
  const byMachine = formatTrace(events, { machine: xgene1 });
  assert.deepEqual(body(byMachine).map(timestamp), ["0.000000", "0.000001"]);
  assert.match(byMachine, /modelled cycles at 2\.4 GHz\n/);
});

Deno.test("formatTrace: the clock must be an integer from 1 Hz to the largest clock allowed", () => {
  assert.equal(body(formatTrace([flush(0)], { clockHz: MAX_CLOCK_HZ })).length, 1);
  assert.equal(body(formatTrace([flush(0)], { clockHz: 1 })).length, 1);
  for (const clockHz of [MAX_CLOCK_HZ + 1, 0, 1.5, Number.NaN]) {
    assert.throws(
      () => formatTrace([flush(0)], { clockHz }),
      (e: unknown) =>
        e instanceof ScenarioError && e.code === "invalid_value" &&
        e.call === "formatTrace.clockHz",
      String(clockHz),
    );
  }
});

Deno.test("formatTraceLine: without clockHz the TIMESTAMP is at the machine's clock", () => {
  const line = formatTraceLine(flush(3), { machine: xgene1, startCycles: 4_800 });
  assert.equal(timestamp(line), "0.000002");
  assert.equal(timestamp(formatTraceLine(flush(3), { startCycles: 4_800 })), "0.000004");
});

Deno.test("formatTraceLine: a vCPU or CPU that is not a non-negative integer is refused", () => {
  for (const bad of [{ vcpu: -1 }, { vcpu: 1.5 }, { pcpu: -2 }, { pcpu: 0.5 }]) {
    const key = Object.keys(bad)[0];
    assert.throws(
      () => formatTraceLine(flush(0, bad)),
      (e: unknown) =>
        e instanceof ScenarioError && e.code === "bad_schema" &&
        e.call === `formatTrace: event.${key}`,
      JSON.stringify(bad),
    );
  }
});

Deno.test("formatTrace: a header line with a carriage return or a newline is refused", () => {
  for (const line of ["policy: a\rseed: 1", "policy: a\nseed: 1", "\r"]) {
    assert.throws(
      () => formatTrace([flush(0)], { header: ["ok", line] }),
      (e: unknown) => e instanceof ScenarioError && e.call === "formatTrace.header[1]",
      JSON.stringify(line),
    );
  }
});

Deno.test("formatTrace: the # block prints an empty header line as a bare #, and no separator without header lines", () => {
  const withHeader = formatTrace([flush(0)], { header: ["policy: kvm-4.0", "", "seed: 1"] });
  assert.deepEqual(withHeader.split("\n").slice(0, 7), [
    "# tracer: setway",
    "#",
    "# policy: kvm-4.0",
    "#",
    "# seed: 1",
    "#",
    "# entries: 1",
  ]);
  const bare = formatTrace([flush(0)]);
  assert.deepEqual(bare.split("\n").slice(0, 3), ["# tracer: setway", "#", "# entries: 1"]);
  assert.ok(!/ $/m.test(withHeader) && !/ $/m.test(bare), "no line ends with a space");
});

Deno.test("formatClock: MHz for a clock in whole kHz, GHz for whole MHz, else Hz", () => {
  assert.equal(formatClock(1_500_000), "1.5 MHz");
  assert.equal(formatClock(999_999_000), "999.999 MHz");
  assert.equal(formatClock(1_000_000_000), "1 GHz");
  assert.equal(formatClock(1_000_500), "1000500 Hz");
  assert.equal(formatClock(999_000), "999000 Hz");
});

Deno.test("formatCollapsed: a folded walk's sets come from the machine's own line size", () => {
  const wide: Machine = {
    name: "wide-lines",
    description: "one CPU, 128-byte lines",
    clusters: [{ cpus: 1, l1d: { size: 32 * 1024, ways: 4, lineSize: 128 } }],
  };
  const walk = (count: number): SetwayEvent => ({
    seq: 0,
    name: "sw_local",
    vcpu: 0,
    pcpu: 0,
    pc: 0x4000_0000,
    count,
    op: "csw",
    level: 1,
    set: null,
    way: null,
    cleaned: 0,
    invalidated: 0,
  });
  // 32 KiB / (4 ways x 128 bytes) = 64 sets.
  assert.equal(formatCollapsed(walk(256), wide), " (256 ops, sets 0-63 ways 0-3, counters summed)");
  assert.equal(
    formatCollapsed(walk(512), wide),
    " (512 ops on different sets and ways, counters summed)",
  );
});
