/**
 * Blame under speculation: the ideal machine makes the architecturally
 * permitted counterpart of every hardware choice of the run it judges
 * (lib/engine/ideal_choices.ts), so the blame says who could have
 * prevented the failure.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { explore, vm } from "../../mod.ts";
import { exists, lostWriteAnywhere, never } from "../../lib/api/expect.ts";
import { replay } from "../../lib/api/explore.ts";
import { IdealChoices, idealCounterpart } from "../../lib/engine/ideal_choices.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { generic } from "../../lib/machines/mod.ts";
import { Vcpu } from "../../lib/hyp/vcpu.ts";

const A = 0x4000_0000;

/** Caches on, a write, caches off, a second write, a read: the guest never cleans. */
const neverCleans = () =>
  vm().machine("generic").policy("kvm-4.0").ram("1MiB").prefault()
    .guest((g) => g.mmuOn().write(A, 1).mmuOff().write(A, 2).read(A));

Deno.test("a guest that never cleans and fails only through a speculative fill is blamed in class any", async () => {
  const report = await explore({
    machine: "generic",
    policy: "kvm-4.0",
    guestClass: "any",
    maxOps: 5,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    progress: false,
  });
  const groups = report.failures.map((f) => `${f.blame}/${f.kind}`);
  assert.ok(groups.includes("guest/lost_write"), groups.join(", "));
  assert.ok(!groups.includes("hypervisor/lost_write"), groups.join(", "));
  const lost = report.failures.find((f) => f.kind === "lost_write")!;
  const c = lost.counterexample!;
  assert.ok(c.perturbations.length > 0, "the failure needs the hardware's choices");
  assert.ok(
    c.perturbations.some((p) => p.kind === "speculative_fill"),
    JSON.stringify(c.perturbations),
  );
  assert.equal(
    c.perturbations.every((p) => p.kind === "speculative_fill" ? p.cpu !== 0 : true),
    true,
    "the fill is into a CPU the guest is not on: only its coherence side effect is bare metal's",
  );
  // The shrunk counterexample, replayed as an ordinary run, says the same.
  const base = vm().machine("generic").policy("kvm-4.0").ram("1MiB").prefault()
    .speculation("adversarial").toJSON();
  const again = replay({ ...base, steps: c.steps }, c.perturbations);
  assert.deepEqual(again.verdict.violations.map((v) => `${v.blame}/${v.kind}`), [
    "guest/lost_write",
  ]);
});

Deno.test("run: the fill into another CPU and the L2 castout are the guest's; without them it passes", () => {
  const scenario = neverCleans().speculation("adversarial").toJSON();
  const r = replay(scenario, [
    { before: 3, kind: "speculative_fill", cpu: 1, addr: A },
    { before: 4, kind: "castout", cache: "cluster0.L2", addr: A },
  ]);
  assert.deepEqual(r.verdict.violations.map((v) => `${v.blame}/${v.kind}`), ["guest/lost_write"]);
  assert.equal(
    replay(scenario, []).verdict.ok,
    true,
    "quiet hardware: the read sees the second write",
  );
});

Deno.test("check: over every pair of hardware choices, no lost write of that guest is the hypervisor's", async () => {
  const r = await neverCleans()
    .expect(exists(lostWriteAnywhere({ blame: "guest" })))
    .expect(never(lostWriteAnywhere({ blame: "hypervisor" })))
    .check({ maxPerturbations: 2 });
  assert.deepEqual(r.expectations.map((e) => e.answer), ["Sometimes", "Never"]);
  assert.equal(r.ok, true);
});

Deno.test("a fill while the guest's caches are on is the guest's; while they are off, only the host's alias makes it", () => {
  const scenario = vm().machine("xgene1").policy("kvm-4.0").ram("1MiB").prefault()
    .speculation("adversarial")
    .guest((g) => g.mmuOn().mmuOff().write(A, 1).mmuOn().read(A))
    .toJSON();
  const blame = (before: number) =>
    replay(scenario, [{ before, kind: "speculative_fill", cpu: 0, addr: A }])
      .verdict.violations.map((v) => v.blame);
  // Before step 1 the caches are on: bare metal may fill the line, and the
  // guest, which never invalidates what it wrote with its caches off, reads it.
  assert.deepEqual(blame(1), ["guest"]);
  // Before step 2 they are off: only the host's cacheable alias of guest RAM
  // fills it, which kvm-4.0 could have hidden by trapping the second caches-on.
  assert.deepEqual(blame(2), ["hypervisor"]);
});

Deno.test("a fill where a migrated vCPU runs goes into its own CPU on the ideal machine; one where it ran, nowhere", () => {
  const scenario = vm().machine("generic").policy("kvm-4.0").ram("1MiB").prefault()
    .speculation("adversarial")
    .guest((g) => g.mmuOn().migrate(0, 1).mmuOff().write(A, 1).mmuOn().read(A))
    .toJSON();
  const r = replay(scenario, [{ before: 2, kind: "speculative_fill", cpu: 1, addr: A }]);
  assert.deepEqual(r.verdict.violations.map((v) => v.blame), ["guest"]);
  // The CPU the vCPU left: only the host runs there now, and its fill
  // reaches the vCPU through the L2 the two CPUs share. The ideal machine
  // makes no such fill: the hypervisor's.
  const left = replay(scenario, [{ before: 2, kind: "speculative_fill", cpu: 0, addr: A }]);
  assert.deepEqual(left.verdict.violations.map((v) => v.blame), ["hypervisor"]);
});

Deno.test("the zImage on X-Gene 1 under kvm-3.18 stays the hypervisor's with speculating hardware", async () => {
  for (const seed of [1, 2, 3]) {
    const r = await vm().machine("xgene1").policy("kvm-3.18").seed(seed).speculation("adversarial")
      .guest((g) => g.zImage32()).run();
    assert.ok(r.verdict.violations.length > 0, `seed ${seed}`);
    assert.ok(r.events.some((e) => e.name === "speculative_fill"), `seed ${seed}`);
    for (const v of r.verdict.violations) assert.equal(v.blame, "hypervisor", `seed ${seed}`);
  }
});

/** A speculative fill of A into CPU 0's L1, through the host's alias of the page. */
const HOST_ALIAS_FILL = {
  kind: "speculative_fill",
  cpu: 0,
  addr: A,
  cache: "cpu0.L1",
  present: false,
} as const;

Deno.test("idealCounterpart: the rule, choice by choice", () => {
  const v = new Vcpu(0, A);
  const fill = HOST_ALIAS_FILL;
  const writeback = { step: 3, kind: "writeback", cpu: 0, addr: A };
  assert.deepEqual(idealCounterpart(fill, 3, [v]), writeback, "caches off");
  Object.assign(v.sctlr, { m: true, c: true });
  assert.deepEqual(idealCounterpart(fill, 3, [v]), { step: 3, kind: "fill", cpu: 0, addr: A });
  Object.assign(v.sctlr, { m: true, c: false });
  assert.deepEqual(idealCounterpart(fill, 3, [v]), writeback, "SCTLR.C clear: non-cacheable");
  Object.assign(v.sctlr, { c: true });
  v.pcpu = 2;
  assert.deepEqual(idealCounterpart({ ...fill, cpu: 2 }, 3, [v]), {
    step: 3,
    kind: "fill",
    cpu: 0,
    addr: A,
  });
  assert.deepEqual(idealCounterpart(fill, 3, [v]), writeback, "the CPU the vCPU left");
  // Two vCPUs on CPU 0: one crashed with its caches on, which no longer runs there, and one
  // with its caches off, whose CPU the fill stands for on bare metal.
  const gone = new Vcpu(1, A), off = new Vcpu(2, A);
  Object.assign(gone.sctlr, { m: true, c: true });
  gone.pcpu = 0;
  gone.crashed = { reason: "undefined instruction", pc: A };
  off.pcpu = 0;
  assert.deepEqual(idealCounterpart(fill, 3, [gone, off]), { ...writeback, cpu: 2 });
  gone.crashed = null;
  assert.deepEqual(idealCounterpart(fill, 3, [gone, off]), { ...writeback, kind: "fill", cpu: 1 });
  assert.equal(idealCounterpart({ ...fill, present: true }, 3, [v]), null, "changed nothing");
  const castout = { kind: "castout", cache: "cluster0.L2", addr: A, dirty: true } as const;
  assert.deepEqual(idealCounterpart(castout, 1, [v]), { step: 1, ...castout });
  assert.equal(idealCounterpart({ ...castout, cache: "system" }, 1, [v]), null);
});

Deno.test("IdealChoices: a castout moves the data it moved under the policy, and no other", () => {
  const hw = new Hardware(generic);
  hw.write(0, A, 7, true); // dirty in cpu0.L1
  const choices = new IdealChoices();
  choices.record({ kind: "castout", cache: "cpu0.L1", addr: A, dirty: false }, 0, []);
  choices.record({ kind: "castout", cache: "cpu1.L1", addr: A, dirty: true }, 1, []);
  choices.record({ kind: "castout", cache: "cluster0.L2", addr: A, dirty: false }, 2, []);
  const l1 = hw.caches[0], l2 = hw.caches[hw.cacheIndexOf(0, 2)];
  const line = Math.floor(A / hw.lineSize);
  choices.apply(0, hw);
  assert.equal(l1.states[l1.lookup(line)], 2, "a clean castout does not write a dirty copy back");
  choices.apply(1, hw);
  assert.equal(l1.lookup(line), -1, "a dirty castout from cpu1.L1: cpu0.L1 holds the data");
  assert.equal(l2.states[l2.lookup(line)], 2, "now dirty in the L2");
  choices.apply(2, hw);
  assert.ok(l2.lookup(line) >= 0, "the L2's copy is dirty: a clean castout leaves it");
  assert.equal(hw.memory.read(A), 0xdeadbeef, "DRAM never written");
  // A dirty castout of the L2 while the data is dirty in an L1 only: the policy's castout moved
  // an L2's data, so no level's copy moves; the L2's clean copy is dropped.
  const other = new Hardware(generic);
  other.write(0, A, 7, true);
  const l2Only = new IdealChoices();
  l2Only.record({ kind: "castout", cache: "cluster0.L2", addr: A, dirty: true }, 0, []);
  l2Only.apply(0, other);
  const otherL1 = other.caches[0], otherL2 = other.caches[other.cacheIndexOf(0, 2)];
  assert.equal(otherL1.states[otherL1.lookup(line)], 2, "the L1's dirty copy stays");
  assert.equal(otherL2.lookup(line), -1);
});

Deno.test("IdealChoices.sameAs agrees with comparing keys", () => {
  const choice = fc.oneof(
    fc.record({
      step: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom("fill" as const, "writeback" as const),
      cpu: fc.integer({ min: 0, max: 2 }),
      addr: fc.constantFrom(0x4000_0000, 0x4000_1040),
    }),
    fc.record({
      step: fc.integer({ min: 0, max: 3 }),
      kind: fc.constant("castout" as const),
      cache: fc.constantFrom("cpu0.L1", "cluster0.L2"),
      addr: fc.constantFrom(0x4000_0000, 0x4000_1040),
      dirty: fc.boolean(),
    }),
  );
  const list = fc.array(choice, { maxLength: 3 });
  fc.assert(
    fc.property(list, list, (x, y) => {
      const a = new IdealChoices(), b = new IdealChoices();
      for (const c of x) a.push(c);
      for (const c of y) b.push(c);
      assert.equal(a.sameAs(b), a.key() === b.key());
      assert.equal(a.sameAs(a), true);
    }),
    { seed: 20261208, numRuns: 2000 },
  );
});

Deno.test("IdealChoices keeps, in its columns, the list of what idealCounterpart returns", () => {
  const perturbation = fc.oneof(
    fc.record({
      kind: fc.constant("speculative_fill" as const),
      cpu: fc.nat({ max: 2 }),
      addr: fc.constantFrom(A, A + 0x1040),
      cache: fc.constant("cpu0.L1"),
      present: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("castout" as const),
      cache: fc.constantFrom("cpu1.L1", "cluster0.L2", "system"),
      addr: fc.constantFrom(A, A + 0x1040),
      dirty: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("extra" as const), index: fc.nat(2), label: fc.nat(2) }),
  );
  const vcpu = fc.record({ pcpu: fc.nat({ max: 2 }), on: fc.boolean(), crashed: fc.boolean() });
  const op = fc.oneof(
    fc.record({
      op: fc.constant("record" as const),
      p: perturbation,
      vcpus: fc.array(vcpu, { maxLength: 3 }),
    }),
    fc.record({ op: fc.constant("keep" as const), n: fc.nat(4) }),
    fc.record({ op: fc.constant("copy" as const), n: fc.nat(4) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      const choices = new IdealChoices(), other = new IdealChoices();
      let model: unknown[] = [], otherModel: unknown[] = [];
      ops.forEach((o, step) => {
        if (o.op === "record") {
          const vcpus = o.vcpus.map((s, i) => {
            const v = new Vcpu(i, A);
            v.pcpu = s.pcpu;
            Object.assign(v.sctlr, { m: s.on, c: s.on });
            if (s.crashed) v.crashed = { reason: "undefined instruction", pc: A };
            return v;
          });
          choices.record(o.p, step, vcpus);
          const c = idealCounterpart(o.p, step, vcpus);
          if (c !== null) model.push(c);
        } else if (o.op === "keep") {
          choices.keep(o.n);
          model = model.slice(0, o.n);
        } else {
          // The other list becomes a copy of a prefix of this one.
          const n = Math.min(o.n, model.length);
          other.copyFrom(choices, n);
          otherModel = model.slice(0, n);
          assert.equal(other.sameAs(choices), n === model.length);
        }
        assert.deepEqual(choices.list, model);
        assert.equal(choices.length, model.length);
        assert.deepEqual(other.list, otherModel);
      });
    }),
    { seed: 20261205, numRuns: 1000 },
  );
});

Deno.test("a host-alias fill on a CPU two vCPUs with caches off share is read for the first listed", () => {
  const first = new Vcpu(3, A), second = new Vcpu(1, A);
  first.pcpu = 0;
  second.pcpu = 0;
  const fill = HOST_ALIAS_FILL;
  assert.deepEqual(idealCounterpart(fill, 4, [first, second]), {
    step: 4,
    kind: "writeback",
    cpu: 3,
    addr: A,
  });
  assert.deepEqual(idealCounterpart(fill, 4, [second, first]), {
    step: 4,
    kind: "writeback",
    cpu: 1,
    addr: A,
  });
});
