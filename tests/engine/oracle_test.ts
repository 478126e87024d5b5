import assert from "node:assert/strict";
import fc from "fast-check";
import type { Step } from "../../lib/guest/ops.ts";
import { run } from "../../lib/engine/run.ts";
import { expectedReads, expectedReadsInto, firstFailingRead } from "../../lib/engine/oracle.ts";
import { BASE, KERNEL, scenario, zimageSteps } from "./fixtures.ts";

Deno.test("expectedReads: the last write in scenario order, guest or host; 0 if never written", () => {
  const e = expectedReads([
    { kind: "read", vcpu: 0, addr: BASE },
    { kind: "write", vcpu: 0, addr: BASE, value: -1 },
    { kind: "read", vcpu: 1, addr: BASE },
    { kind: "host_write", addr: BASE, value: 5 },
    { kind: "read", vcpu: 0, addr: BASE },
    { kind: "read", vcpu: 0, addr: BASE + 4 },
  ]);
  assert.deepEqual(Array.from(e), [0, 0xffffffff, 5, 0]);
});

Deno.test("zImage on a 2-cluster machine with a system cache: kvm-3.18 fails, blamed on the hypervisor", () => {
  const r = run(scenario(zimageSteps(), { policy: "kvm-3.18" }));
  assert.equal(r.verdict.ok, false);
  assert.equal(r.verdict.violations.length, 4);
  for (const [i, v] of r.verdict.violations.entries()) {
    assert.equal(v.kind, "stale_read", "the data is still dirty in the system cache");
    assert.equal(v.blame, "hypervisor");
    assert.equal(v.addr, KERNEL + i * 64);
    assert.equal(v.expected, 0xa000 + i);
    assert.notEqual(v.got, v.expected);
    assert.equal(v.readIndex, i + 1);
    assert.equal(v.pc, KERNEL + i * 4);
  }
  assert.equal(
    r.verdict.failsNatively,
    true,
    "set/way cannot reach the system cache natively either",
  );
  assert.deepEqual(r.verdict.archInvalid, [
    `S/W with caches on at 0x${(BASE + 0x8018).toString(16)}`,
  ]);
  // The violation events follow their reads and carry the blame.
  const i = r.events.findIndex((e) => e.name === "stale_read");
  assert.equal(r.events[i - 1].name, "read");
  assert.equal(r.events[i].blame, "hypervisor");
  assert.equal(r.events.filter((e) => e.name === "flush_cache_all").length, 0);
  assert.ok(r.events.some((e) => e.name === "sw_local"));
});

Deno.test("zImage on the same machine passes under kvm-4.0", () => {
  const r = run(scenario(zimageSteps(), { policy: "kvm-4.0" }));
  assert.equal(r.verdict.ok, true);
  assert.deepEqual(r.verdict.violations, []);
  assert.equal(r.verdict.failsNatively, true);
  const names = r.events.map((e) => e.name);
  assert.equal(names.filter((n) => n === "kvm_set_way_flush").length, 1);
  assert.equal(names.filter((n) => n === "kvm_toggle_cache").length, 2);
  assert.equal(names.filter((n) => n === "stage2_flush_vm").length, 3);
});

Deno.test("zImage without the system cache passes under every policy", () => {
  for (const policy of ["kvm-3.18", "kvm-4.0", "native"]) {
    const r = run(scenario(zimageSteps(), { policy, systemCache: false }));
    assert.equal(r.verdict.ok, true, policy);
    assert.equal(r.verdict.failsNatively, false, policy);
    assert.equal(r.machine.systemCache, null);
  }
});

Deno.test("a guest that never cleans before caches off: stale read blamed on the guest", () => {
  const r = run(scenario([
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 0x42 },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ], { policy: "kvm-4.0", systemCache: false }));
  assert.equal(r.verdict.ok, false);
  const [v] = r.verdict.violations;
  assert.deepEqual(
    { kind: v.kind, blame: v.blame, expected: v.expected },
    { kind: "stale_read", blame: "guest", expected: 0x42 },
  );
  assert.equal(
    r.events.filter((e) => e.name === "kvm_toggle_cache").length,
    1,
    "TVM was off: caches-off not seen",
  );
});

Deno.test("a guest that cleans by VA before caches off passes, even with a system cache", () => {
  const steps = zimageSteps().map((s) =>
    s.kind === "sw_walk"
      ? { kind: "dc_va" as const, vcpu: 0, op: "civac" as const, addr: KERNEL, len: 4096 }
      : s
  );
  for (const policy of ["kvm-3.18", "kvm-4.0", "native"]) {
    const r = run(scenario(steps, { policy }));
    assert.equal(r.verdict.ok, true, policy);
    assert.equal(r.verdict.failsNatively, false, policy);
    assert.deepEqual(r.verdict.archInvalid, [], policy);
  }
});

Deno.test("an invalidate by set/way that drops dirty data is a lost write; kvm-4.0 hides it", () => {
  const steps = [
    { kind: "sctlr" as const, vcpu: 0, bits: { m: true, c: true } },
    { kind: "write" as const, vcpu: 0, addr: KERNEL, value: 0x77 },
    { kind: "sw_walk" as const, vcpu: 0, op: "isw" as const },
    { kind: "sctlr" as const, vcpu: 0, bits: { m: false, c: false } },
    { kind: "read" as const, vcpu: 0, addr: KERNEL },
  ];
  const bare = run(scenario(steps, { policy: "native", systemCache: false }));
  assert.equal(bare.verdict.violations[0].kind, "lost_write");
  assert.equal(bare.verdict.violations[0].blame, "guest");
  const kvm = run(scenario(steps, { policy: "kvm-4.0", systemCache: false }));
  assert.equal(kvm.verdict.ok, true, "the S/W op became a clean+invalidate by VA");
  assert.equal(kvm.verdict.failsNatively, true);
});

Deno.test("archInvalid: S/W with other CPUs online, reasons deduplicated", () => {
  const r = run(scenario([
    { kind: "sctlr", vcpu: 1, bits: { m: true, c: true } },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "pc", vcpu: 0, addr: BASE + 0x100 },
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 0 },
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 1, way: 0 },
  ], { cpus: 2, systemCache: false }));
  assert.deepEqual(r.verdict.archInvalid, ["S/W with other CPUs online"]);
  const valid = run(scenario([
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  ], { cpus: 2 }));
  assert.deepEqual(valid.verdict.archInvalid, [], "S/W with caches off on a lone CPU is fine");
});

/** expectedReads as it was, with a Map: the reference of its open-addressing table. */
function expectedReadsByMap(steps: readonly Step[]): number[] {
  const last = new Map<number, number>();
  const out: number[] = [];
  for (const step of steps) {
    if (step.kind === "write" || step.kind === "host_write") last.set(step.addr, step.value >>> 0);
    else if (step.kind === "read") out.push(last.get(step.addr) ?? 0);
  }
  return out;
}

Deno.test("property: expectedReads answers as a Map of the last value written at each address", () => {
  // Few addresses, so that reads find writes; far apart and alike in their low or high
  // 32 bits, so that they collide in the table; some steps of other kinds.
  const addr = fc.tuple(
    fc.constantFrom(0, 0x4000_0000, 0xffff_fffc, 2 ** 32, 2 ** 40, 2 ** 47, 2 ** 48 - 4096),
    fc.integer({ min: 0, max: 7 }),
    fc.constantFrom(0, 2 ** 32, 2 ** 36),
  ).map(([base, i, high]) => Math.min(base + i * 4 + high, 2 ** 48 - 4));
  const value = fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant("read" as const), vcpu: fc.constant(0), addr }),
    fc.record({ kind: fc.constant("write" as const), vcpu: fc.constant(0), addr, value }),
    fc.record({ kind: fc.constant("host_write" as const), addr, value }),
    fc.record({ kind: fc.constant("pc" as const), vcpu: fc.constant(0), addr }),
    fc.record({ kind: fc.constant("migrate" as const), vcpu: fc.constant(0), pcpu: fc.nat(3) }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 200, size: "max" }), (steps) => {
      assert.deepEqual(Array.from(expectedReads(steps)), expectedReadsByMap(steps));
    }),
    { seed: 9, numRuns: 500 },
  );
});

/** A read, a guest or host write, or a PC step at an address `addr` draws (values 32-bit, signed or not). */
function stepAt(addr: fc.Arbitrary<number>): fc.Arbitrary<Step> {
  const value = fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 });
  return fc.oneof(
    fc.record({ kind: fc.constant("read" as const), vcpu: fc.constant(0), addr }),
    fc.record({ kind: fc.constant("write" as const), vcpu: fc.constant(0), addr, value }),
    fc.record({ kind: fc.constant("host_write" as const), addr, value }),
    fc.record({ kind: fc.constant("pc" as const), vcpu: fc.constant(0), addr }),
  );
}

Deno.test("property: expectedReadsInto writes a Map's last values from the first entry, nothing past them", () => {
  const step = stepAt(fc.constantFrom(BASE, BASE + 4, BASE + 64, 2 ** 40));
  fc.assert(
    fc.property(fc.array(step, { maxLength: 12 }), fc.nat(3), (steps, spare) => {
      const want = expectedReadsByMap(steps);
      // A used array: its old entries past the reads stay as they were.
      const out = new Float64Array(want.length + spare).fill(-1);
      assert.equal(expectedReadsInto(steps, out), out);
      assert.deepEqual(Array.from(out.subarray(0, want.length)), want);
      assert.ok(out.subarray(want.length).every((v) => v === -1));
    }),
    { seed: 3, numRuns: 300 },
  );
  // Room for fewer reads than the program has: refused, not cut short.
  const reads: Step[] = [
    { kind: "read", vcpu: 0, addr: BASE },
    { kind: "read", vcpu: 0, addr: BASE + 4 },
  ];
  assert.throws(() => expectedReadsInto(reads, new Float64Array(1)), RangeError);
});

Deno.test("property: expectedReads over a RAM's words answers as over the table", () => {
  // Accesses mostly inside a small RAM, some outside it or unaligned (the table
  // then answers); RAMs smaller and larger than the table.
  const base = 0x4000_0000;
  const inRam = fc.nat(255).map((w) => base + 4 * w);
  const anywhere = fc.oneof(
    { arbitrary: inRam, weight: 8 },
    fc.constantFrom(base - 4, base + 1024, base + 4096, base + 2, 0, 2 ** 48 - 4),
  );
  const unaligned = fc.oneof({ arbitrary: inRam, weight: 8 }, fc.constantFrom(base + 2, base + 6));
  // The first word past a 1 KiB RAM at `base`, and nothing else outside it: the RAM's
  // words must not answer for it.
  const pastEnd = fc.oneof({ arbitrary: inRam, weight: 8 }, fc.constant(base + 1024));
  const program = fc.oneof(
    fc.array(stepAt(inRam), { maxLength: 120, size: "max" }),
    fc.array(stepAt(anywhere), { maxLength: 120, size: "max" }),
    fc.array(stepAt(unaligned), { maxLength: 120, size: "max" }),
    fc.array(stepAt(pastEnd), { maxLength: 120, size: "max" }),
  );
  const ram = fc.record({
    ramBase: fc.constantFrom(base, base, base, base + 4096, base - 4096),
    ram: fc.constantFrom(1024, 1024, 2048, 4096, 1 << 20),
  });
  let direct = 0;
  fc.assert(
    fc.property(program, ram, (steps, r) => {
      const want = expectedReadsByMap(steps);
      assert.deepEqual(Array.from(expectedReads(steps, r)), want);
      assert.deepEqual(Array.from(expectedReads(steps)), want);
      const inside = steps.every((s) =>
        (s.kind !== "read" && s.kind !== "write" && s.kind !== "host_write") ||
        (s.addr >= r.ramBase && s.addr < r.ramBase + r.ram && s.addr % 4 === 0)
      );
      let size = 16;
      while (size < 2 * steps.length) size *= 2;
      if (inside && r.ram <= 12 * size) direct++;
    }),
    { seed: 41, numRuns: 600 },
  );
  assert.ok(direct > 25, `the RAM's words answered ${direct} times`);
});

Deno.test("firstFailingRead: the index of the first read that differs, -1 when every read matches", () => {
  const expected = new Float64Array([1, 2, 3, 4]);
  assert.equal(firstFailingRead(expected, new Float64Array([1, 9, 3, 8])), 1);
  assert.equal(firstFailingRead(expected, new Float64Array([1, 2, 3, 0])), 3);
  assert.equal(firstFailingRead(expected, new Float64Array([0, 2, 3, 4])), 0);
  assert.equal(firstFailingRead(expected, new Float64Array([1, 2, 3, 4])), -1);
  assert.equal(firstFailingRead(new Float64Array(0), new Float64Array(0)), -1);
});
