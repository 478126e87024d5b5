// What each kind of step makes the execution do and report: the candidates
// of hardware choice points, where choice points are offered (and which
// preemptions they include), the events of perturbations, DC ranges,
// set/way instructions and walks, host writes, execution-state changes and
// crashes; a run resumed at a later step; the hooks' step indices; the wall
// budget looked at after each step.
import assert from "node:assert/strict";
import { useBudgetClock } from "../../lib/engine/budget.ts";
import { candidateLines, execute, type ExecuteInput } from "../../lib/engine/execute.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { run } from "../../lib/engine/run.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { type Chooser, seededChooser } from "../../lib/hw/chooser.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { NULL_SINK } from "../../lib/hyp/event_sink.ts";
import type { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { BASE, KERNEL, scenario } from "./fixtures.ts";

/** The execution's input for a validated scenario, adversarial unless it says otherwise. */
function inputOf(s: Scenario, over: Partial<ExecuteInput> = {}): ExecuteInput {
  const { machine, policy } = assertScenario(s);
  return {
    scenario: s,
    machine,
    policy,
    speculation: "adversarial",
    sink: NULL_SINK,
    maxSteps: Infinity,
    candidates: candidateLines(s.steps, 64),
    ...over,
  };
}

/**
 * A chooser that never perturbs and records, at each choice point, the
 * preemption targets the hardware was offered with it.
 */
function recordingChooser(offers: number[][]): (hw: Hardware) => Chooser {
  return (hw) => ({
    mode: "adversarial",
    pick(n: number): number {
      assert.equal(n, 2, "only the first question of a choice point is asked");
      offers.push([...hw.extraOptions]);
      return 0;
    },
  });
}

Deno.test("candidateLines: the lines of reads, writes and host writes, once each, ascending", () => {
  const steps: Step[] = [
    { kind: "write", vcpu: 0, addr: BASE + 0x1044, value: 1 },
    { kind: "host_write", addr: BASE + 0x80c, value: 2 },
    { kind: "read", vcpu: 0, addr: BASE + 0x1040 },
    { kind: "read", vcpu: 0, addr: BASE + 0x13c },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: BASE + 0x4000, len: 64 },
    { kind: "host_unmap", addr: BASE + 0x8000 },
    { kind: "write", vcpu: 0, addr: BASE + 0x100, value: 3 },
  ];
  assert.deepEqual(Array.from(candidateLines(steps, 64)), [
    BASE + 0x100,
    BASE + 0x800,
    BASE + 0x1040,
  ]);
  assert.deepEqual(Array.from(candidateLines(steps, 32)), [
    BASE + 0x100,
    BASE + 0x120,
    BASE + 0x800,
    BASE + 0x1040,
  ]);
});

Deno.test("choice points: one before every step but an execution-state change; none without data accesses", () => {
  const steps: Step[] = [
    { kind: "exec_state", vcpu: 0, aarch32: true },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
    { kind: "exec_state", vcpu: 0, aarch32: false },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ];
  const offers: number[][] = [];
  execute(inputOf(scenario(steps), { chooser: recordingChooser(offers) }));
  assert.equal(offers.length, 3);
  // Without a read, a write or a host write the hardware has nothing to perturb.
  const quiet: Step[] = [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: KERNEL, len: 256 },
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 0 },
  ];
  const none: number[][] = [];
  execute(inputOf(scenario(quiet), { chooser: recordingChooser(none) }));
  assert.deepEqual(none, []);
});

/** CPUs 0 and 1 share an L2 of one geometry; CPUs 2 and 3 have the same L1 and another L2. */
const L2_DIFFERS: Machine = {
  name: "l2-differs",
  description: "2 clusters x 2 CPUs, the same L1D, L2s of different sizes",
  clusters: [
    { cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 16384, ways: 4 } },
    { cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 32768, ways: 4 } },
  ],
  systemCache: null,
};

Deno.test("preemption: offered before a trapped set/way op or walk, only to other CPUs with the same caches at every level", () => {
  const steps: Step[] = [
    { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 0 },
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    { kind: "migrate", vcpu: 0, pcpu: 2 },
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
  ];
  const offers: number[][] = [];
  execute(inputOf(scenario(steps, { machine: L2_DIFFERS, policy: "kvm-3.18" }), {
    chooser: recordingChooser(offers),
    preemptTo: [0, 1, 2, 3, 4],
  }));
  assert.deepEqual(offers, [[], [1], [1], [], [3]]);
  // Natively nothing traps: no preemption is offered.
  const native: number[][] = [];
  execute(inputOf(scenario(steps, { machine: L2_DIFFERS, policy: "native" }), {
    chooser: recordingChooser(native),
    preemptTo: [0, 1, 2, 3],
  }));
  assert.deepEqual(native, [[], [], [], [], []]);
});

Deno.test("perturbation events: a speculative fill names its CPU, a castout whether the line was dirty", () => {
  const steps: Step[] = [{ kind: "sctlr", vcpu: 0, bits: { m: true, c: true } }];
  for (let i = 0; i < 60; i++) {
    const addr = KERNEL + 64 * (i % 6);
    steps.push(
      i % 3 === 2 ? { kind: "read", vcpu: 0, addr } : { kind: "write", vcpu: 0, addr, value: i },
    );
  }
  const fields = new Set<string>();
  for (const seed of [1, 2, 3, 4]) {
    const log = new EventLog();
    const made: unknown[] = [];
    execute(inputOf(scenario(steps, { cpus: 1, seed }), {
      sink: log,
      chooser: seededChooser(seed),
      onPerturb(p) {
        made.push(
          p.kind === "speculative_fill"
            ? [p.kind, p.cpu, p.addr, p.cache]
            : p.kind === "castout"
            ? [p.kind, null, p.addr, p.cache, p.dirty]
            : [p.kind],
        );
      },
    }));
    const logged = log.finish()
      .filter((e) => e.name === "speculative_fill" || e.name === "castout")
      .map((e) =>
        e.name === "speculative_fill"
          ? [e.name, e.pcpu, e.addr, e.cache]
          : [e.name, e.pcpu, e.addr, e.cache, e.dirty]
      );
    assert.deepEqual(logged, made, `seed ${seed}`);
    for (const e of logged) fields.add(`${e[0]} ${e[1]} ${e[4]}`);
  }
  // Every kind of record was compared: fills of CPU 0, dirty and clean castouts.
  assert.ok(fields.has("speculative_fill 0 undefined"), [...fields].join(", "));
  assert.ok(fields.has("castout null true"), [...fields].join(", "));
  assert.ok(fields.has("castout null false"), [...fields].join(", "));
});

Deno.test("dc_va: only DC IVAC's event says what it was performed as", () => {
  for (const policy of ["kvm-4.0", "native"]) {
    for (const op of ["cvac", "civac", "cvau"] as const) {
      const r = run(scenario([{ kind: "dc_va", vcpu: 0, op, addr: KERNEL, len: 256 }], { policy }));
      const dc = r.events.find((e) => e.name === `dc_${op}`)!;
      assert.deepEqual(
        [dc.lines, "performedAs" in dc],
        [4, false],
        `${op} under ${policy}`,
      );
    }
  }
});

Deno.test("set/way costs: a performed op naming a slot the CPU does not have costs nothing; a walk costs a slot per instruction", () => {
  const r = run(scenario([
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 0 },
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 5000, way: 0 },
    { kind: "sw", vcpu: 0, op: "cisw", level: 2, set: 0, way: 9 },
    { kind: "sw_walk", vcpu: 0, op: "csw" },
  ], { policy: "native" }));
  const sw = r.events.filter((e) => e.name === "dc_csw" || e.name === "dc_cisw");
  assert.deepEqual(sw.map((e) => [e.set, e.way, e.cycles]), [[0, 0, 10], [5000, 0, 0], [0, 9, 0]]);
  // TWO_CLUSTERS_L3: L1 32 sets x 2 ways + L2 64 sets x 4 ways = 320 slots of 10 cycles.
  const walk = r.events.find((e) => e.name === "sw_walk")!;
  assert.deepEqual([walk.levels, walk.instructions, walk.cycles], [2, 320, 3200]);
});

Deno.test("sw_walk: the event counts the levels the guest sees, not the physical CPU's", () => {
  // kvm-modern shows the guest one normalized level of one set and one way.
  const r = run(scenario([{ kind: "sw_walk", vcpu: 0, op: "csw" }], { policy: "kvm-modern" }));
  const walk = r.events.find((e) => e.name === "sw_walk")!;
  assert.deepEqual([walk.levels, walk.instructions], [1, 1]);
});

Deno.test("exec_state: a vCPU put back in AArch64 traps as AArch64 again", () => {
  const sw: Step = { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 0 };
  const r = run(scenario([
    { kind: "exec_state", vcpu: 0, aarch32: true },
    sw,
    { kind: "exec_state", vcpu: 0, aarch32: false },
    sw,
  ]));
  assert.deepEqual(
    r.events.filter((e) => e.name === "kvm_exit").map((e) => e.ec),
    [0x03, 0x18],
  );
});

Deno.test("host_write: on the CPU it names; without one, on the first CPU running no vCPU, else CPU 0", () => {
  const hostCpus = (s: Scenario) =>
    run(s).events.filter((e) => e.name === "host_write").map((e) => e.pcpu);
  const named = scenario([
    { kind: "host_write", cpu: 3, addr: KERNEL, value: 1 },
    { kind: "host_write", addr: KERNEL + 64, value: 2 },
  ], { cpus: 1 });
  assert.deepEqual(hostCpus(named), [3, 1]);
  // Four vCPUs on the four CPUs: none is free.
  const busy = scenario([{ kind: "host_write", addr: KERNEL, value: 1 }], { cpus: 4 });
  assert.deepEqual(hostCpus(busy), [0]);
});

Deno.test("a crash names the vCPU that crashed, not the physical CPU it ran on", () => {
  const r = run(scenario([
    { kind: "migrate", vcpu: 1, pcpu: 3 },
    { kind: "write", vcpu: 1, addr: KERNEL, value: 1 },
    { kind: "sw", vcpu: 1, op: "csw", level: 1, set: 0, way: 0 },
    { kind: "read", vcpu: 1, addr: KERNEL },
  ], { cpus: 2, policy: "xen-iommu" }));
  assert.equal(r.verdict.ok, false);
  assert.equal(r.verdict.crashed?.vcpu, 1);
  assert.equal(r.verdict.crashed?.pc, BASE + 4);
});

Deno.test("onStep hears every step, those a crashed vCPU skips included", () => {
  const steps: Step[] = [
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 0 },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
    { kind: "write", vcpu: 1, addr: KERNEL + 64, value: 2 },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ];
  const seen: number[] = [];
  const out = execute(inputOf(scenario(steps, { cpus: 2, policy: "xen-iommu" }), {
    speculation: "quiet",
    onStep: (i) => seen.push(i),
  }));
  assert.equal(out.crashed?.vcpu, 0);
  assert.deepEqual(seen, [0, 1, 2, 3]);
});

Deno.test("a run resumed at a later step continues the VM: the events and reads of the whole run from there on", () => {
  const steps: Step[] = [
    { kind: "write", vcpu: 0, addr: KERNEL, value: 5 },
    { kind: "read", vcpu: 0, addr: KERNEL },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 6 },
    { kind: "read", vcpu: 0, addr: KERNEL },
    { kind: "write", vcpu: 0, addr: KERNEL + 64, value: 7 },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "read", vcpu: 0, addr: KERNEL + 64 },
  ];
  const s = scenario(steps, { policy: "kvm-4.0" });
  const quiet = { speculation: "quiet" as const };
  const wholeLog = new EventLog();
  const whole = execute(inputOf(s, { ...quiet, sink: wholeLog }));
  assert.deepEqual(Array.from(whole.got), [5, 6, 0]);

  // The first three steps on new hardware, then the rest in the VM they leave, one log for both.
  const log = new EventLog();
  const first = inputOf({ ...s, steps: steps.slice(0, 3) }, { ...quiet, sink: log });
  const hardware = new Hardware(first.machine);
  let resumed: Hypervisor | undefined;
  execute({ ...first, hardware, onEnd: (hyp) => (resumed = hyp) });
  const rest = execute(
    inputOf(s, { ...quiet, sink: log, hardware, hypervisor: resumed!, from: 3 }),
  );
  assert.deepEqual(Array.from(rest.got), [0, 6, 0]);
  assert.deepEqual(log.finish(), wholeLog.finish());
});

Deno.test("onPerturb names the step the perturbation came before", () => {
  const steps: Step[] = [{ kind: "sctlr", vcpu: 0, bits: { m: true, c: true } }];
  for (let i = 0; i < 30; i++) {
    steps.push(
      i % 2 === 0
        ? { kind: "write", vcpu: 0, addr: KERNEL + 64 * (i % 4), value: i }
        : { kind: "read", vcpu: 0, addr: KERNEL + 64 * (i % 4) },
    );
  }
  let done = -1, perturbations = 0;
  execute(inputOf(scenario(steps), {
    chooser: seededChooser(5),
    onStep: (i) => (done = i),
    onPerturb(_p, step) {
      perturbations++;
      assert.equal(step, done + 1);
    },
  }));
  assert.ok(perturbations > 5, `only ${perturbations} perturbations`);
});

Deno.test("sw_walk: checked like a set/way op (caches on, other CPUs that cached)", () => {
  const on = (vcpu: number): Step => ({ kind: "sctlr", vcpu, bits: { m: true, c: true } });
  const off: Step = { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } };
  const walk: Step = { kind: "sw_walk", vcpu: 0, op: "csw" };
  assert.deepEqual(run(scenario([on(0), walk])).verdict.archInvalid, [
    `S/W with caches on at 0x${(BASE + 4).toString(16)}`,
  ]);
  assert.deepEqual(run(scenario([on(1), on(0), off, walk], { cpus: 2 })).verdict.archInvalid, [
    "S/W with other CPUs online",
  ]);
  assert.deepEqual(run(scenario([on(0), off, walk])).verdict.archInvalid, []);
});

Deno.test("the wall budget is looked at after each step, however little work the step is", () => {
  const steps: Step[] = Array.from({ length: 6 }, (_, i) => ({
    kind: "write" as const,
    vcpu: 0,
    addr: KERNEL + 4 * i,
    value: i + 1,
  }));
  // A clock that moves on by one millisecond at each look.
  let reads = 0;
  useBudgetClock(() => reads++);
  try {
    assert.throws(
      () => run(scenario(steps, { policy: "native" }), { maxWallMs: 2 }),
      (e: unknown) =>
        e instanceof ScenarioError && e.code === "budget_exceeded" && e.call === "steps[2]" &&
        e.value === 2 && /maxWallMs/.test(e.message),
    );
  } finally {
    useBudgetClock(null);
  }
});
