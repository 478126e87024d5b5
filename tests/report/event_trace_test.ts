import assert from "node:assert/strict";
import fc from "fast-check";
import { formatColumnHeader, formatTrace, formatTraceLine } from "../../lib/report/event_trace.ts";
import { formatEventMessage } from "../../lib/report/messages.ts";
import { exceptionClassName } from "../../lib/report/esr.ts";
import {
  type EventFields,
  type EventName,
  FLUSH_EVENTS,
  type SetwayEvent,
} from "../../lib/hyp/events.ts";
import { ScenarioError } from "../../lib/errors.ts";

function ev(
  name: string,
  fields: Record<string, number | string | boolean | null> = {},
  base: Partial<Pick<SetwayEvent, "seq" | "vcpu" | "pcpu" | "pc" | "count">> = {},
): SetwayEvent {
  return { seq: 1, name, vcpu: 0, pcpu: 0, pc: 0x4000_8234, count: 1, ...base, ...fields };
}

/** A minimal C printf for the conversions the kernel formats use, written from the C standard. */
function cHex(value: number, width: number, zeroPad: boolean): string {
  const digits = value.toString(16);
  return zeroPad ? digits.padStart(width, "0") : digits.padStart(width, " ");
}

function body(text: string): string[] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

Deno.test("kvm_set_way_flush and kvm_toggle_cache print exactly as Linux 4.0's trace points", () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.boolean(), fc.boolean(), (pc, was, now) => {
      const onOff = (b: boolean) => (b ? "on" : "off");
      assert.equal(
        formatEventMessage(ev("kvm_set_way_flush", { cache: was }, { pc })),
        `S/W flush at 0x${cHex(pc, 16, true)} (cache ${onOff(was)})`,
      );
      assert.equal(
        formatEventMessage(ev("kvm_toggle_cache", { was, now }, { pc })),
        `VM op at 0x${cHex(pc, 16, true)} (cache was ${onOff(was)}, now ${onOff(now)})`,
      );
    }),
  );
});

Deno.test("a whole line matches the ftrace layout TASK-PID [CPU] FLAGS SEQ TIMESTAMP: EVENT: MESSAGE", () => {
  const line = formatTraceLine(ev("kvm_set_way_flush", { cache: true }, { seq: 42 }), {
    startCycles: 40_800,
    clockHz: 2_400_000_000,
  });
  assert.equal(
    line,
    "  vcpu0-0 [000] .... 000042     0.000017: kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)",
  );
});

Deno.test("kvm_exit prints the exception class and PC in the kernel's later kvm_exit form", () => {
  const line = formatEventMessage(ev("kvm_exit", { reason: "access_dcsw", ec: 0x18 }));
  assert.equal(line, "TRAP: HSR_EC: 0x0018 (SYS64), PC: 0x40008234");
  const a32 = formatEventMessage(
    ev("kvm_exit", { reason: "access_vm_reg", ec: 0x03 }, { pc: 0x8000 }),
  );
  assert.equal(a32, "TRAP: HSR_EC: 0x0003 (CP15_32), PC: 0x00008000");
  assert.equal(exceptionClassName(0x24), "DABT_LOW");
  assert.equal(
    exceptionClassName(0x12),
    "0x12",
    "unnamed classes print as hex, like __print_symbolic",
  );
  assert.throws(() => exceptionClassName(0x40), ScenarioError);
});

Deno.test("kvm_guest_fault follows 'ipa %#llx, hsr %#08lx, hxfar %#08lx, pc %#08lx'", () => {
  assert.equal(
    formatEventMessage(
      ev("kvm_guest_fault", { ipa: 0x4000_2000, hsr: 0x9200_0046, hxfar: 0x2000 }),
    ),
    "ipa 0x40002000, hsr 0x92000046, hxfar 0x002000, pc 0x40008234",
  );
  assert.equal(
    formatEventMessage(ev("kvm_guest_fault", { ipa: 0 }, { pc: 0x10 })),
    "ipa 0x0, hsr 0x000000, hxfar 0x000000, pc 0x000010",
  );
});

Deno.test("task is vcpuN-N, hw-0 for hardware events, host-0 without a vCPU; CPU --- when null", () => {
  const lines = [
    formatTraceLine(
      ev("read", { addr: 0x4000_0000, value: 7, cacheable: true }, { vcpu: 3, pcpu: 5 }),
    ),
    formatTraceLine(ev("castout", { addr: 0x4000_0040, cache: "L3", dirty: true }, { vcpu: 1 })),
    formatTraceLine(ev("host_write", { addr: 0x4000_0080, value: 1 }, { vcpu: null, pcpu: null })),
  ];
  assert.ok(lines[0].startsWith("  vcpu3-3 [005] .... 000001     0.000000: read: "), lines[0]);
  assert.ok(lines[1].startsWith("     hw-0 [000] "), lines[1]);
  assert.ok(lines[2].startsWith("   host-0 [---] "), lines[2]);
});

Deno.test("every built-in event has its own message (none falls back to k=v)", () => {
  const samples: { [K in EventName]: EventFields[K] } = {
    read: { addr: 0x4000_0000, value: 1, cacheable: false },
    write: { addr: 0x4000_0000, value: 1, cacheable: true },
    dc_cvac: { addr: 0x4000_0000, len: 4096, lines: 64 },
    dc_civac: { addr: 0x4000_0000, len: 4096, lines: 64 },
    dc_ivac: { addr: 0x4000_0000, len: 4096, lines: 64, performedAs: "civac" },
    dc_cvau: { addr: 0x4000_0000, len: 4096, lines: 64 },
    dc_csw: { level: 1, set: 3, way: 1 },
    dc_cisw: { level: 2, set: 3, way: 1 },
    dc_isw: { level: 1, set: 0, way: 0 },
    sw_walk: { op: "cisw", levels: 2, instructions: 16640 },
    sctlr_write: { m: true, c: true, i: false },
    vm_reg_write: { reg: "TTBR0", value: 0x4000_4000 },
    kvm_exit: { reason: "access_dcsw", ec: 0x18 },
    kvm_guest_fault: { ipa: 0x4000_0000, hsr: 0x9380_0047, hxfar: 0x4000_0010 },
    clear_page: { ipa: 0x4000_0000 },
    coherent_cache_guest_page: {
      ipa: 0x4000_0000,
      lines: 64,
      cleaned: 2,
      invalidated: 3,
      via: "kernel",
    },
    clean_dcache_guest_page: {
      ipa: 0x4000_0000,
      lines: 64,
      cleaned: 2,
      invalidated: 3,
      via: "hva",
    },
    flush_page_to_ram: { ipa: 0x4000_0000, lines: 64, cleaned: 0, invalidated: 1, via: "kernel" },
    kvm_unmap_hva: { ipa: 0x4000_1000, mapped: true },
    flush_page: { ipa: 0x4000_1000, invalidate: true, lines: 64, cleaned: 1, invalidated: 2 },
    p2m_set_way_flush: { cache: true },
    p2m_toggle_cache: { was: true, now: false, flush: true },
    p2m_flush_vm: { pages: 3, lines: 192, cleaned: 5, invalidated: 9, preemptChecks: 0 },
    undef_injected: { reason: "no set/way here" },
    kvm_set_way_flush: { cache: false },
    kvm_toggle_cache: { was: false, now: true },
    stage2_flush_vm: { pages: 3, lines: 192, cleaned: 5, invalidated: 9 },
    flush_cache_all: { slots: 1024, cleaned: 1, invalidated: 2 },
    sw_local: { op: "cisw", level: 1, set: 3, way: 1, cleaned: 1, invalidated: 1 },
    hcr_write: { tsw: true, tvm: false },
    vcpu_load: { pcpu: 2 },
    migrate: { from: 0, to: 1 },
    speculative_fill: { addr: 0x4000_0000, cache: "L2" },
    castout: { addr: 0x4000_0000, cache: "L1", dirty: false },
    host_write: { addr: 0x4000_0000, value: 5 },
    stale_read: { addr: 0x4000_0000, expected: 2, got: 1, blame: "hypervisor" },
    lost_write: { addr: 0x4000_0000, expected: 2, got: 1, blame: "guest" },
  };
  for (const [name, fields] of Object.entries(samples)) {
    const event = ev(name, fields as Record<string, number | string | boolean>, {
      pcpu: name === "vcpu_load" ? 2 : 0,
    });
    const own = formatEventMessage(event);
    const generic = formatEventMessage({ ...event, name: `user_${name}` });
    assert.notEqual(own, generic, `${name} must not fall back to k=v`);
    assert.doesNotMatch(own, /\w=\S/, `${name} prints no leftover k=v: ${own}`);
    assert.doesNotMatch(own, /[\r\n]/);
  }
  assert.equal(
    formatEventMessage(ev("stale_read", samples.stale_read)),
    "at 0x40000000: expected 0x00000002, got 0x00000001 (blame hypervisor)",
  );
  assert.equal(formatEventMessage(ev("hcr_write", samples.hcr_write)), "TSW on, TVM off");
  assert.equal(
    formatEventMessage(ev("castout", samples.castout)),
    "0x40000000 from L1, dirty no",
  );
});

Deno.test("unknown events print name: k=v in field order; extra fields of built-ins are appended", () => {
  const line = formatTraceLine(
    ev("my_flush_vm", {
      pages: 4,
      preempted: true,
      where: "guest entry",
      ipa: 0x4000_0000,
      n: null,
    }),
  );
  assert.match(
    line,
    /: my_flush_vm: pages=4 preempted=yes where="guest entry" ipa=0x40000000 n=null$/,
  );
  const withCycles = formatEventMessage(
    ev("stage2_flush_vm", { pages: 1, lines: 64, cleaned: 0, invalidated: 3, cycles: 900 }),
  );
  assert.equal(withCycles, "1 pages, 64 lines: 0 cleaned, 3 invalidated cycles=900");
});

Deno.test("collapsed events print once with (x<count>)", () => {
  const line = formatTraceLine(
    ev("kvm_exit", { reason: "access_dcsw", ec: 0x18 }, { count: 16384 }),
  );
  assert.ok(line.endsWith(" (x16384)"), line);
  assert.ok(!formatTraceLine(ev("kvm_exit", { reason: "r", ec: 0x18 })).includes("(x"));
});

const RUN: SetwayEvent[] = [
  ev("sctlr_write", { m: true, c: true, i: true }, { seq: 0 }),
  ev("kvm_exit", { reason: "access_vm_reg", ec: 0x18 }, { seq: 1 }),
  ev("kvm_toggle_cache", { was: false, now: true }, { seq: 2 }),
  ev("write", { addr: 0x4000_1000, value: 9, cacheable: true }, { seq: 3 }),
  ev("dc_cisw", { level: 1, set: 0, way: 0 }, { seq: 4 }),
  ev("kvm_exit", { reason: "access_dcsw", ec: 0x18 }, { seq: 5, count: 255 }),
  ev("kvm_set_way_flush", { cache: true }, { seq: 260 }),
  ev("stage2_flush_vm", { pages: 2, lines: 128, cleaned: 1, invalidated: 4 }, { seq: 261 }),
  ev("speculative_fill", { addr: 0x4000_1000, cache: "L3" }, { seq: 262, vcpu: null, pcpu: 1 }),
  ev("stale_read", { addr: 0x4000_1000, expected: 9, got: 0, blame: "hypervisor" }, { seq: 263 }),
];

Deno.test("filter 'flush' keeps exactly FLUSH_EVENTS; a predicate and 'filter' combine", () => {
  const flush = body(formatTrace(RUN, { only: "flush" }));
  const expected = RUN.filter((e) => FLUSH_EVENTS.includes(e.name));
  assert.equal(flush.length, expected.length);
  flush.forEach((line, i) => assert.ok(line.includes(` ${expected[i].name}: `), line));
  assert.deepEqual(body(formatTrace(RUN, { filter: "flush" })), flush);
  assert.equal(body(formatTrace(RUN)).length, RUN.length);
  const both = body(formatTrace(RUN, { filter: "flush", only: (e) => e.name === "kvm_exit" }));
  assert.equal(both.length, 2);
  assert.throws(
    () => formatTrace(RUN, { only: "flushes" as "flush" }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "unknown_name" && /flushes/.test(e.message),
  );
});

Deno.test("the # block carries the tracer, the caller's header lines and the entry count", () => {
  const text = formatTrace(RUN, { only: "flush", header: ["policy: kvm-4.0", "seed: 7"] });
  const hash = text.split("\n").filter((l) => l.startsWith("#"));
  assert.equal(hash[0], "# tracer: setway");
  assert.ok(hash.includes("# policy: kvm-4.0"));
  assert.ok(hash.includes("# seed: 7"));
  assert.ok(hash.includes(`# entries: ${body(text).length}`));
  assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"));
  assert.throws(() => formatTrace(RUN, { header: ["two\nlines"] }), ScenarioError);
});

Deno.test("column markers stand over the columns of a trace line", () => {
  const [labels, marks] = formatColumnHeader();
  const line = formatTraceLine(ev("kvm_set_way_flush", { cache: true }, { seq: 42 }));
  const markAt = [...marks].flatMap((c, i) => (c === "|" ? [i] : []));
  // TASK end, CPU digit, four flags, SEQ end, TIMESTAMP end, EVENT start
  assert.deepEqual(markAt.map((i) => line[i]), ["0", "0", ".", ".", ".", ".", "2", "0", "k"]);
  assert.equal(line.slice(labels.indexOf("EVENT")).split(":")[0], "kvm_set_way_flush");
});

Deno.test("the trace is deterministic and does not depend on anything but its input", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          seq: fc.nat(10_000_000),
          vcpu: fc.option(fc.nat(7), { nil: null }),
          pcpu: fc.option(fc.nat(7), { nil: null }),
          pc: fc.maxSafeNat(),
          count: fc.integer({ min: 1, max: 100_000 }),
          cache: fc.boolean(),
        }),
        { maxLength: 20 },
      ),
      (rows) => {
        const events: SetwayEvent[] = rows.map((r) => ({ name: "kvm_set_way_flush", ...r }));
        const a = formatTrace(events, { header: ["x"] });
        const b = formatTrace(structuredClone(events), { header: ["x"] });
        assert.equal(a, b);
        assert.equal(body(a).length, events.length);
      },
    ),
  );
});

Deno.test("malformed events throw ScenarioError naming the event and the field", () => {
  assert.throws(
    () => formatTraceLine(ev("kvm_set_way_flush", { cache: "yes" })),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "bad_schema" &&
      /kvm_set_way_flush/.test(e.message) &&
      /cache/.test(e.message),
  );
  assert.throws(
    () => formatTraceLine(ev("kvm_toggle_cache", { was: true, now: false }, { pc: null })),
    /pc/,
  );
  assert.throws(() => formatTraceLine(ev("read", {}, { count: 0 })), /count/);
  assert.throws(() => formatTraceLine(ev("bad name", {})), ScenarioError);
  assert.throws(() => formatTrace("nope" as unknown as SetwayEvent[]), ScenarioError);
});
