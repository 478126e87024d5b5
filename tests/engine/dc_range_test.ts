// The fast path of a DC range (only resident lines over mapped pages) against
// the slow path (every line): identical events, reads, caches and DRAM.
import assert from "node:assert/strict";
import fc from "fast-check";
import { BudgetMeter, runBudget } from "../../lib/engine/budget.ts";
import type { Hardware } from "../../lib/hw/hardware.ts";
import { POISON } from "../../lib/hw/memory.ts";
import { lruAges } from "../support/hardware_state.ts";
import type { Step } from "../../lib/guest/ops.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { BASE, scenario, TWO_CLUSTERS_L3 } from "./fixtures.ts";
import { runByLine } from "./run_by_line.ts";

/** 256 KiB: 4096 lines, more than the 1792 the machine's caches hold. */
const RAM = 1 << 18;

const word = fc.nat({ max: RAM / 4 - 1 }).map((k) => BASE + 4 * k);
const vcpu = fc.nat({ max: 1 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("write" as const), vcpu, addr: word, value: fc.nat() }),
  fc.record({ kind: fc.constant("read" as const), vcpu, addr: word }),
  fc.record({
    kind: fc.constant("sctlr" as const),
    vcpu,
    bits: fc.boolean().map((on) => ({ m: on, c: on })),
  }),
  fc.nat({ max: RAM / 4 - 1 }).map((k) => 4 * k).chain((a) =>
    fc.record({
      kind: fc.constant("dc_va" as const),
      vcpu,
      op: fc.constantFrom("cvac" as const, "civac" as const, "ivac" as const, "cvau" as const),
      addr: fc.constant(BASE + a),
      len: fc.oneof(fc.integer({ min: 1, max: RAM - a }), fc.constant(RAM - a)),
    })
  ),
  fc.record({
    kind: fc.constant("host_unmap" as const),
    addr: fc.nat({ max: RAM / 4096 - 1 }).map((p) => BASE + 4096 * p),
  }),
  fc.record({ kind: fc.constant("migrate" as const), vcpu, pcpu: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant("sw_walk" as const), vcpu, op: fc.constant("cisw" as const) }),
);

/** Every word of DRAM, and every cache's tags, states, LRU ages and data. */
function state(hw: Hardware): unknown {
  const dram = new Uint32Array(RAM / 4);
  for (let i = 0; i < dram.length; i++) dram[i] = hw.memory.read(BASE + 4 * i);
  return {
    dram,
    pages: hw.memory.pagesTouched,
    caches: hw.caches.map((c) => ({
      tags: c.tags.slice(),
      states: c.states.slice(),
      ages: lruAges(c),
      data: c.data.slice(),
    })),
  };
}

/** Counts the units of work the model reports, and stops a run that does more than `limit`. */
class CountingMeter extends BudgetMeter {
  units = 0;
  constructor(readonly limit: number) {
    super(runBudget({ maxEvents: Infinity, maxTouchedPages: Infinity }), () => 0);
  }
  override work(n: number): void {
    this.units += n;
    if (this.units > this.limit) throw new Error(`more than ${this.limit} units of work`);
  }
}

/** A run of `s`, fast path or line by line, with every word of DRAM and every cache at its end. */
const runOnce = (s: Scenario, lineByLine: boolean, meter?: BudgetMeter) =>
  runByLine(s, lineByLine, { meter, end: state });

Deno.test("property: a DC range over resident lines only is the same as line by line", () => {
  let big = 0, invalid = 0;
  fc.assert(
    fc.property(
      fc.array(stepArb, { minLength: 1, maxLength: 25 }),
      fc.constantFrom("kvm-4.0", "kvm-3.18", "xen", "native", "kvm-modern"),
      fc.boolean(),
      fc.constantFrom("quiet" as const, "adversarial" as const),
      fc.nat(),
      (steps, policy, prefault, speculation, seed) => {
        const s = scenario(steps, { cpus: 2, ram: RAM, policy, prefault, speculation, seed });
        try {
          assertScenario(s);
        } catch {
          invalid++;
          return; // an invalid program: nothing to compare
        }
        const fast = runOnce(s, false);
        const slow = runOnce(s, true);
        assert.deepEqual(fast, slow);
        if (steps.some((x) => x.kind === "dc_va" && x.len > 1792 * 64)) big++;
      },
    ),
    { seed: 20261207, numRuns: 150 },
  );
  assert.ok(
    big >= 30,
    `only ${big} programs had a range longer than the caches (${invalid} invalid)`,
  );
});

Deno.test("DC ranges at the edges the random programs rarely reach are the same as line by line", () => {
  const on: Step = { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } };
  const off: Step = { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } };
  const write = (offset: number, value: number): Step => ({
    kind: "write",
    vcpu: 0,
    addr: BASE + offset,
    value,
  });
  const read = (offset: number): Step => ({ kind: "read", vcpu: 0, addr: BASE + offset });
  const dc = (op: "cvac" | "civac", offset: number, len: number): Step => ({
    kind: "dc_va",
    vcpu: 0,
    op,
    addr: BASE + offset,
    len,
  });
  const hundred = Array.from({ length: 100 }, (_, i) => i);
  const cases: { what: string; steps: Step[]; prefault: boolean; got?: number[] }[] = [
    {
      what: "a range that ends inside a resident line cleans that line",
      steps: [on, write(0x2008, 7), dc("cvac", 0, 0x2000 + 12), off, read(0x2008)],
      prefault: true,
      got: [7],
    },
    {
      // Only the written page is mapped, and the range ends inside it: the
      // line written at 0xa800 is past the end, so neither the write nor the
      // page's zeroing (clear_page) has reached DRAM, which still holds the poison.
      what: "a range that ends inside a mapped page leaves the page's later lines alone",
      steps: [on, write(0xa000, 1), write(0xa800, 9), dc("civac", 0, 0xa400), off, read(0xa800)],
      prefault: false,
      got: [POISON],
    },
    {
      what: "a range over more than 64 resident lines cleans them all",
      steps: [
        on,
        ...hundred.map((i) => write(64 * i, 100 + i)),
        dc("civac", 0, RAM),
        off,
        ...hundred.map((i) => read(64 * i)),
      ],
      prefault: true,
      got: hundred.map((i) => 100 + i),
    },
    {
      what: "unmapped pages after a mapped run fault in, in order",
      steps: [on, write(0xa000, 1), dc("civac", 0x2000, 0xa000)],
      prefault: false,
    },
  ];
  for (const { what, steps, prefault, got } of cases) {
    const s = scenario(steps, { cpus: 1, ram: RAM, prefault });
    const fast = runOnce(s, false);
    assert.deepEqual(fast, runOnce(s, true), what);
    if (got !== undefined) assert.deepEqual(fast.got, got, what);
  }
});

Deno.test("a DC range over 2^40 bytes of mapped RAM costs what is resident", () => {
  const s = scenario([
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: BASE + 0x1000, value: 7 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: BASE, len: 2 ** 40 - 4096 },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "read", vcpu: 0, addr: BASE + 0x1000 },
  ], { ram: 2 ** 40, prefault: true, machine: TWO_CLUSTERS_L3 });
  const meter = new CountingMeter(1000);
  const r = runOnce(s, false, meter);
  // One unit per line operated on: of the 2^34 lines, only the one written
  // (resident in several caches, operated on once) is; a walk line by line
  // would stop at the meter's limit.
  assert.equal(meter.units, 1);
  assert.deepEqual(r.got, [7]);
  const dc = r.events.find((e) => e.name === "dc_civac");
  assert.equal(dc?.lines, (2 ** 40 - 4096) / 64);
});
