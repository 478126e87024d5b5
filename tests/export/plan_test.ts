// What the export makes of each step: expected values by the oracle's rule, the initial
// memory image, the CPUs started, where the program goes, and what is refused.
import assert from "node:assert/strict";
import fc from "fast-check";
import { vm } from "../../lib/dsl/vm.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { ScenarioError } from "../../lib/errors.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { BLOCK_SIZE, placeProgram, VIRT_RAM_BASE } from "../../lib/export/layout.ts";
import { exportBaremetal, planBaremetal } from "../../lib/export/mod.ts";
import { allKindsScenario, zImageScenario } from "./helpers.ts";

function scenario(steps: readonly Step[], extra: Partial<Scenario> = {}): Scenario {
  return {
    version: 1,
    machine: "generic",
    cpus: 4,
    systemCache: "machine",
    policy: "kvm-4.0",
    ram: 2 ** 30,
    ramBase: VIRT_RAM_BASE,
    prefault: false,
    seed: 1,
    speculation: "quiet",
    steps,
    ...extra,
  };
}

function thrown(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    return e;
  }
  assert.fail("expected a ScenarioError");
}

const WORDS = [0x4000_8000, 0x4000_8004, 0x4010_0000, 0x4800_0000];

const arbGuestStep: fc.Arbitrary<Extract<Step, { kind: "write" | "read" }>> = fc.oneof(
  fc.record({
    kind: fc.constant("write" as const),
    vcpu: fc.integer({ min: 0, max: 3 }),
    addr: fc.constantFrom(...WORDS),
    value: fc.nat({ max: 0xffff_ffff }),
  }),
  fc.record({
    kind: fc.constant("read" as const),
    vcpu: fc.integer({ min: 0, max: 3 }),
    addr: fc.constantFrom(...WORDS),
  }),
);

Deno.test("plan: each read expects the last earlier write (host writes first), else 0", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ addr: fc.constantFrom(...WORDS), value: fc.nat({ max: 0xffff_ffff }) }),
        {
          maxLength: 3,
        },
      ),
      fc.array(arbGuestStep, { minLength: 1, maxLength: 30 }),
      (hostWrites, guest) => {
        const steps: Step[] = [
          ...hostWrites.map((h) => ({ kind: "host_write" as const, ...h })),
          ...guest,
        ];
        const plan = planBaremetal(scenario(steps));
        const memory = new Map<number, number>();
        let reads = 0;
        steps.forEach((s, i) => {
          const p = plan.steps[i];
          assert.equal(p.index, i);
          assert.equal(p.step, s);
          if (s.kind === "write" || s.kind === "host_write") memory.set(s.addr, s.value);
          if (s.kind === "read") {
            reads++;
            assert.equal(p.expected, memory.get(s.addr) ?? 0);
          } else assert.equal(p.expected, undefined);
          assert.equal(p.skipped !== undefined, s.kind === "host_write");
        });
        assert.equal(plan.reads, reads);
        assert.equal(plan.performed, guest.length);
        assert.equal(plan.cpus, Math.max(...guest.map((s) => s.vcpu)) + 1);
        // The initial image: every word touched, at its host value or 0, by address.
        const touched = [...new Set(steps.map((s) => (s as { addr: number }).addr))].sort((a, b) =>
          a - b
        );
        assert.deepEqual(plan.preloads.map((p) => p.addr), touched);
        const host = new Map(hostWrites.map((h) => [h.addr, h.value]));
        for (const p of plan.preloads) assert.equal(p.value, host.get(p.addr) ?? 0);
      },
    ),
    { seed: 20261214, numRuns: 150 },
  );
});

Deno.test("plan: trace labels, migrations, unmaps, host writes and execution states are not performed", () => {
  const plan = planBaremetal(allKindsScenario());
  const skipped = plan.steps.filter((p) => p.skipped !== undefined).map((p) => p.step.kind);
  assert.deepEqual(skipped, [
    "host_write",
    "pc",
    "migrate",
    "host_unmap",
    "exec_state",
    "exec_state",
  ]);
  assert.equal(plan.cpus, 2);
  const c = exportBaremetal(allKindsScenario()).files["scenario.c"];
  assert.equal(c.match(/^\t\{ \.kind = STEP_/gm)?.length, plan.performed);
  assert.match(c, /const u32 nr_steps = 34;/);
  assert.match(c, /\/\* steps\[26\] migrate vCPU 0 to CPU 1: .* not performed \*\//);
  assert.match(c, /\/\* steps\[38\] exec_state vCPU 1 AArch32: .* not reproduced \*\//);
  assert.match(c, /\/\* steps\[39\] exec_state vCPU 0 AArch64: .* AArch64 already \*\//);
});

Deno.test("plan: the program's blocks avoid every address the scenario uses", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 200 * BLOCK_SIZE }),
          fc.integer({ min: 4, max: 3 * BLOCK_SIZE }),
        ),
        { maxLength: 12 },
      ),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 50_000 }),
      (spans, cpus, steps) => {
        const used = spans.map(([off, len]) =>
          [VIRT_RAM_BASE + off, VIRT_RAM_BASE + off + len] as const
        );
        const l = placeProgram(used, { cpus, steps, preloads: steps });
        assert.equal(l.programBase % BLOCK_SIZE, 0);
        assert.ok(
          l.programBase >= VIRT_RAM_BASE + BLOCK_SIZE,
          "the device tree's block is left alone",
        );
        assert.ok(l.programEnd - l.programBase >= cpus * 0x4000 + steps * 64);
        for (const [start, end] of used) {
          assert.ok(end <= l.programBase || start >= l.programEnd, `${start}..${end} overlaps`);
        }
        const highest = Math.max(l.programEnd, ...used.map(([, e]) => e));
        assert.ok(VIRT_RAM_BASE + l.mappedBytes >= highest, "mapped");
        assert.ok(VIRT_RAM_BASE + l.memoryMiB * 2 ** 20 >= highest, "QEMU's -m covers it");
        assert.equal(l.l2Tables * 2 ** 30, l.mappedBytes);
      },
    ),
    { seed: 20261215, numRuns: 200 },
  );
});

Deno.test("plan: the program does not land on the block of a DC range that starts a 2 MiB block", () => {
  // Blocks 1 and 2 hold words the guest uses; block 3 only a line cleaned by VA.
  const s = scenario([
    { kind: "write", vcpu: 0, addr: VIRT_RAM_BASE + BLOCK_SIZE, value: 1 },
    { kind: "write", vcpu: 0, addr: VIRT_RAM_BASE + 2 * BLOCK_SIZE, value: 2 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: VIRT_RAM_BASE + 3 * BLOCK_SIZE, len: 64 },
  ]);
  const plan = planBaremetal(s);
  assert.ok(
    plan.layout.programBase >= VIRT_RAM_BASE + 4 * BLOCK_SIZE,
    `program at ${plan.layout.programBase.toString(16)}`,
  );
});

Deno.test("plan: RAM elsewhere than QEMU virt's is refused, naming the field and the value", () => {
  const s = vm().ram("1G", { base: 0x8000_0000 }).guest((g) => g.write(0x8000_0000, 1)).toJSON();
  const e = thrown(() => exportBaremetal(s));
  assert.equal(e.code, "bad_address");
  assert.equal(e.call, "exportBaremetal(ramBase)");
  assert.equal(e.value, 0x8000_0000);
  assert.match(e.message, /ramBase = 0x80000000\): QEMU virt's RAM starts at 0x40000000/);
});

Deno.test("plan: a host write after a guest access to its word is refused; every problem listed", () => {
  const e = thrown(() =>
    planBaremetal(scenario([
      { kind: "read", vcpu: 0, addr: 0x4000_8000 },
      { kind: "host_write", addr: 0x4000_8004, value: 1 },
      { kind: "host_write", addr: 0x4000_8000, value: 2 },
      { kind: "write", vcpu: 1, addr: 0x4000_8004, value: 3 },
      { kind: "host_write", addr: 0x4000_8004, value: 4 },
    ]))
  );
  assert.equal(e.code, "invalid_value");
  assert.equal(e.call, "exportBaremetal(steps[2])");
  assert.equal(e.value, 0x4000_8000);
  assert.match(
    e.message,
    /host_write to 0x40008000 comes after a guest access to that word \(steps\[0\]\)/,
  );
  assert.match(
    e.message,
    /\(1 more: exportBaremetal\(steps\[4\]\): host_write to 0x40008004 .*steps\[3\]/,
  );
});

Deno.test("plan: a refused host write names the first guest access to its word", () => {
  const e = thrown(() =>
    planBaremetal(scenario([
      { kind: "read", vcpu: 0, addr: 0x4000_8000 },
      { kind: "write", vcpu: 0, addr: 0x4000_8000, value: 1 },
      { kind: "host_write", addr: 0x4000_8000, value: 2 },
    ]))
  );
  assert.match(e.message, /comes after a guest access to that word \(steps\[0\]\)/);
});

Deno.test("plan: past four other problems the message counts the rest instead of listing them", () => {
  const refusal = (n: number) => {
    const steps: Step[] = [];
    for (let i = 0; i < n; i++) steps.push({ kind: "read", vcpu: 0, addr: 0x4000_8000 + 4 * i });
    for (let i = 0; i < n; i++) {
      steps.push({ kind: "host_write", addr: 0x4000_8000 + 4 * i, value: 1 });
    }
    return thrown(() => planBaremetal(scenario(steps))).message;
  };
  // four others are all listed
  const five = refusal(5);
  assert.ok(five.includes("(4 more: "), five);
  assert.ok(five.endsWith("before the guest program starts)"), five);
  assert.ok(!five.includes("and 0 more"), five);
  // a fifth is counted
  const six = refusal(6);
  assert.ok(six.includes("(5 more: "), six);
  assert.ok(six.endsWith("before the guest program starts; and 1 more)"), six);
});

Deno.test("plan: a word only the host writes is kept out of the program's blocks and in QEMU's RAM", () => {
  // 0x40200000 is the first block the program could take
  const plan = planBaremetal(scenario([
    { kind: "host_write", addr: VIRT_RAM_BASE + BLOCK_SIZE, value: 5 },
    { kind: "write", vcpu: 0, addr: 0x4000_8000, value: 1 },
    { kind: "read", vcpu: 0, addr: 0x4000_8000 },
  ]));
  assert.ok(
    plan.layout.programBase >= VIRT_RAM_BASE + 2 * BLOCK_SIZE,
    `program at ${plan.layout.programBase.toString(16)}`,
  );
  // 0x48000000 is 128 MiB into RAM: its word needs a 129th MiB
  const out = exportBaremetal(scenario([
    { kind: "host_write", addr: 0x4800_0000, value: 5 },
    { kind: "write", vcpu: 0, addr: 0x4000_8000, value: 1 },
  ]));
  assert.deepEqual(out.run.slice(out.run.indexOf("-m"), out.run.indexOf("-m") + 2), ["-m", "129"]);
});

Deno.test("plan: a guest step of vCPU 8 or above is refused", () => {
  const machine = {
    name: "wide",
    description: "16 CPUs",
    clusters: [{
      core: "wide",
      cpus: 16,
      l1d: { size: 32768, ways: 4 },
      l2: { size: 1 << 20, ways: 16 },
    }],
    systemCache: null,
    features: { fwb: false },
  };
  const s = scenario([{ kind: "write", vcpu: 7, addr: 0x4000_8000, value: 1 }, {
    kind: "read",
    vcpu: 9,
    addr: 0x4000_8000,
  }], { machine, cpus: 16 });
  const e = thrown(() => planBaremetal(s));
  assert.equal(e.code, "out_of_range");
  assert.equal(e.call, "exportBaremetal(steps[1])");
  assert.equal(e.value, 9);
  // The first vCPU past the last the test starts.
  const eight = scenario([{ kind: "write", vcpu: 8, addr: 0x4000_8000, value: 1 }], {
    machine,
    cpus: 16,
  });
  assert.equal(thrown(() => planBaremetal(eight)).value, 8);
  assert.match(e.message, /vCPU 9: the exported test runs vCPUs 0 to 7 only/);
  // Skipped steps of a high vCPU are no problem: only guest steps run on a CPU.
  const ok = planBaremetal(
    scenario([{ kind: "pc", vcpu: 12, addr: 0x4000_0000 }], { machine, cpus: 16 }),
  );
  assert.equal(ok.cpus, 1);
});

Deno.test("plan: an invalid scenario is refused by the scenario checks first", () => {
  const e = thrown(() => planBaremetal(scenario([{ kind: "read", vcpu: 0, addr: 0x4000_8002 }])));
  assert.match(e.call, /steps\[0\]\.addr/);
});

Deno.test("plan: the zImage runs on one CPU and checks every other word it wrote", () => {
  const s = zImageScenario("2015");
  const plan = planBaremetal(s, "zimage");
  const writes = s.steps.filter((x) => x.kind === "write").length;
  assert.equal(plan.cpus, 1);
  assert.equal(plan.reads, writes / 2);
  assert.equal(plan.steps.filter((p) => p.step.kind === "sw_walk").length, 2);
  assert.ok(plan.steps.every((p) => p.step.kind !== "read" || p.expected !== 0));
  // The decompressor's AArch32 state is recorded, not refused: the test runs it in AArch64.
  assert.equal(plan.steps[0].step.kind, "exec_state");
  assert.match(plan.steps[0].skipped ?? "", /AArch64: not reproduced/);
});
