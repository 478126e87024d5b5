import assert from "node:assert/strict";
import { run } from "../../lib/engine/run.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import type { Step } from "../../lib/guest/ops.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { BASE, KERNEL, scenario, zimageSteps } from "./fixtures.ts";

Deno.test("run: a trapped walk on the generic machine is 16896 exits, all at the walk's PC", () => {
  // One more exit: the stage-2 fault of the write's page.
  const r = run(scenario([
    { kind: "pc", vcpu: 0, addr: BASE + 0x200 },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ], { machine: "generic" }));
  assert.equal(r.cost.exits, 1 + 16896);
  const walk = r.events.find((e) => e.name === "sw_walk")!;
  assert.deepEqual([walk.levels, walk.instructions, walk.pc], [2, 16896, BASE + 0x204]);
  const exits = r.events.filter((e) => e.name === "kvm_exit");
  assert.deepEqual(
    exits.map((e) => [e.count, e.pc, e.ec]),
    [[1, BASE + 0x200, 0x24], [16896, BASE + 0x204, 0x18]],
    "caches off: deferred, one record",
  );
  assert.equal(r.events.find((e) => e.name === "read")!.pc, BASE + 0x208);
  assert.equal(r.machine.name, "generic");
});

Deno.test("run: events carry vcpu, pcpu and pc; host events have none", () => {
  const r = run(scenario([
    { kind: "host_write", addr: KERNEL, value: 3 },
    { kind: "migrate", vcpu: 1, pcpu: 3 },
    { kind: "read", vcpu: 1, addr: KERNEL },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ], { cpus: 2 }));
  const hw = r.events.find((e) => e.name === "host_write")!;
  assert.deepEqual([hw.vcpu, hw.pcpu, hw.pc], [null, 2, null], "the first CPU not running a vCPU");
  const reads = r.events.filter((e) => e.name === "read");
  assert.deepEqual(reads.map((e) => [e.vcpu, e.pcpu, e.pc, e.value]), [
    [1, 3, BASE, 3],
    [0, 0, BASE, 3],
  ]);
  const m = r.events.find((e) => e.name === "migrate")!;
  assert.deepEqual([m.from, m.to], [0 + 1, 3]);
  assert.equal(r.verdict.ok, true);
});

Deno.test("run: DC IVAC is performed as DC CIVAC under stage 2, as IVAC natively", () => {
  const steps = [{ kind: "dc_va" as const, vcpu: 0, op: "ivac" as const, addr: KERNEL, len: 256 }];
  const kvm = run(scenario(steps)).events.find((e) => e.name === "dc_ivac")!;
  assert.deepEqual([kvm.performedAs, kvm.lines, kvm.len], ["civac", 4, 256]);
  const bare = run(scenario(steps, { policy: "native" })).events.find((e) => e.name === "dc_ivac")!;
  assert.equal(bare.performedAs, "ivac");
});

Deno.test("run: options.policy replaces the scenario's policy, user-defined policies included", () => {
  const trapNothing: Policy<undefined> = {
    name: "trap-nothing",
    description: "no traps at all",
    source: "test",
    state: () => undefined,
    onReset(hyp) {
      hyp.emit("reset_seen", { vcpu_index: hyp.vcpu.index });
    },
  };
  const r = run(scenario(zimageSteps()), { policy: trapNothing as Policy });
  assert.equal(r.policy, "trap-nothing");
  // No trap: the only exits are the stage-2 faults of the image page and the kernel page.
  assert.equal(r.cost.exits, 2);
  assert.ok(r.events.every((e) => e.name !== "kvm_exit" || e.reason === "dabt"));
  assert.equal(r.events[0].name, "reset_seen");
  assert.equal(r.verdict.ok, false);
  assert.ok(r.verdict.violations.every((v) => v.blame === "hypervisor"));
  assert.equal(run(scenario(zimageSteps()), { policy: "kvm-3.18" }).policy, "kvm-3.18");
});

Deno.test("run: cost counts collapsed exits, flushes and lines flushed", () => {
  const r = run(scenario(zimageSteps(), { policy: "kvm-4.0" }));
  // 320 trapped S/W + 2 trapped SCTLR writes + 2 stage-2 faults (the image page and the
  // kernel page); 3 stage2_flush_vm: at caches on (nothing
  // mapped yet), at the S/W op and at caches off (the image page and the kernel page).
  const counts = ({ exits, flushes, linesFlushed }: typeof r.cost) => ({
    exits,
    flushes,
    linesFlushed,
  });
  assert.deepEqual(counts(r.cost), { exits: 324, flushes: 3, linesFlushed: 0 + 2 * 64 + 2 * 64 });
  const legacy = run(scenario([
    { kind: "sw", vcpu: 0, op: "cisw", level: 1, set: 0, way: 0 },
    { kind: "migrate", vcpu: 0, pcpu: 1 },
  ], { policy: "kvm-3.18" }));
  assert.deepEqual(counts(legacy.cost), { exits: 1, flushes: 1, linesFlushed: 320 });
});

Deno.test("run: toJSON is plain data that survives a JSON round trip", () => {
  const r = run(scenario(zimageSteps(), { policy: "kvm-3.18" }));
  const json = r.toJSON();
  assert.deepEqual(Object.keys(json), [
    "scenario",
    "policy",
    "machine",
    "events",
    "verdict",
    "cost",
  ]);
  assert.deepEqual(Object.keys(json.scenario), [
    "version",
    "machine",
    "cpus",
    "systemCache",
    "policy",
    "ram",
    "ramBase",
    "prefault",
    "seed",
    "speculation",
    "steps",
  ]);
  const text = JSON.stringify(json);
  assert.deepEqual(JSON.parse(text), json);
  assert.equal(json.verdict.violations.length, 4);
  assert.equal(json.events.length, r.events.length);
});

Deno.test("run: trace() is the ftrace-like text, with a header and filters", () => {
  const r = run(scenario(zimageSteps(), { policy: "kvm-4.0" }));
  const all = r.trace();
  assert.match(all, /# policy: kvm-4\.0\n# machine: two-clusters-l3\n# seed: 1\n/);
  assert.match(all, /kvm_set_way_flush: S\/W flush at 0x0000000040008018 \(cache on\)/);
  assert.match(all, /kvm_exit: .* \(x319\)/);
  const flush = r.trace({ filter: "flush" });
  assert.ok(!flush.includes("sctlr_write"));
  assert.ok(flush.includes("kvm_toggle_cache"));
  assert.ok(all.length > flush.length);
});

Deno.test("run: natively, a migration moves the instruction stream without vcpu_load", () => {
  const r = run(scenario([
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "migrate", vcpu: 0, pcpu: 3 },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 5 },
  ], { policy: "native" }));
  assert.deepEqual(r.events.map((e) => e.name), ["sctlr_write", "migrate", "write"]);
  assert.equal(r.events[2].pcpu, 3);
});

Deno.test("run: under the native policy, a read the oracle does not expect is a native failure", () => {
  const on: Step = { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } };
  const off: Step = { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } };
  const write: Step = { kind: "write", vcpu: 0, addr: KERNEL, value: 1 };
  const read: Step = { kind: "read", vcpu: 0, addr: KERNEL };
  // Caches off with the line dirty: the non-cacheable read sees DRAM's 0.
  const stale = run(scenario([on, write, off, read], { policy: "native" }));
  assert.equal(stale.verdict.violations.length, 1);
  assert.equal(stale.verdict.failsNatively, true);
  const civac: Step = { kind: "dc_va", vcpu: 0, op: "civac", addr: KERNEL, len: 4 };
  const cleaned = run(scenario([on, write, civac, off, read], { policy: "native" }));
  assert.equal(cleaned.verdict.ok, true);
  assert.equal(cleaned.verdict.failsNatively, false);
});

Deno.test("run: a violation names the vCPU that read, not the physical CPU it ran on", () => {
  const r = run(scenario([
    { kind: "migrate", vcpu: 0, pcpu: 2 },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ], { policy: "trap-nothing" }));
  assert.equal(r.verdict.violations.length, 1);
  assert.equal(r.verdict.violations[0].vcpu, 0);
  const event = r.events.find((e) => e.name === r.verdict.violations[0].kind)!;
  assert.deepEqual([event.vcpu, event.pcpu], [0, 2]);
});

Deno.test("run: adversarial hardware perturbs the lines the program touches, at the machine's line size", () => {
  // 32-byte lines; the program touches only the second half of 64-byte blocks, so a line
  // counted in 64 bytes would be one it never touches.
  const line32 = { size: 4096, ways: 2, lineSize: 32 };
  const machine: Machine = {
    name: "lines-32",
    description: "one CPU, 32-byte lines",
    clusters: [{ cpus: 1, l1d: line32, l2: { size: 32768, ways: 4, lineSize: 32 } }],
  };
  const touched = [KERNEL + 0x20, KERNEL + 0x60, KERNEL + 0x1020];
  const steps: Step[] = [{ kind: "sctlr", vcpu: 0, bits: { m: true, c: true } }];
  for (let i = 0; i < 40; i++) {
    const addr = touched[i % touched.length];
    steps.push(
      i % 2 === 0
        ? { kind: "write", vcpu: 0, addr, value: i + 1 }
        : { kind: "read", vcpu: 0, addr },
    );
  }
  const perturbed = new Set<number>();
  for (const seed of [1, 2, 3]) {
    const r = run(scenario(steps, { machine, speculation: "adversarial", seed }));
    for (const e of r.events) {
      // Castouts may take any resident line (the hypervisor's clear of a faulted page makes
      // many); speculative fills are of the program's candidate lines only (perturb.ts).
      if (e.name === "speculative_fill") perturbed.add(e.addr as number);
    }
  }
  assert.ok(perturbed.size > 1, "the seeds fill more than one line");
  assert.deepEqual([...perturbed].filter((a) => !touched.includes(a)), []);
});
