import assert from "node:assert/strict";
import { DEFAULT_SYSTEM_CACHE, GuestBuilder, vm } from "../../lib/dsl/mod.ts";
import { zImage32 } from "../../lib/guest/mod.ts";
import { assertEquals } from "./helpers.ts";

Deno.test("vm(): the documented defaults", () => {
  assertEquals(vm().toJSON(), {
    version: 1,
    machine: "generic",
    cpus: 1,
    systemCache: "machine",
    policy: "kvm-4.0",
    ram: 2 ** 30,
    ramBase: 0x4000_0000,
    prefault: false,
    seed: 1,
    speculation: "quiet",
    steps: [],
  });
});

Deno.test("immutability: a builder reused twice gives two independent scenarios", () => {
  const base = vm().cpus(2).guest((g) => g.mmuOn());
  const a = base.seed(7).guest((g) => g.write(0x4000_0000, 1));
  const b = base.speculation("adversarial").guest((g) => g.read(0x4000_0000).sw_clean());
  const sa = a.toJSON(), sb = b.toJSON(), s0 = base.toJSON();
  assertEquals(sa.steps.map((s) => s.kind), ["sctlr", "write"]);
  assertEquals(sb.steps.map((s) => s.kind), ["sctlr", "read", "sw_walk"]);
  assertEquals(s0.steps.map((s) => s.kind), ["sctlr"]);
  assertEquals([sa.seed, sa.speculation, sb.seed, sb.speculation], [7, "quiet", 1, "adversarial"]);
  // The same guest builder extended twice.
  const g = GuestBuilder.create().cachesOn();
  const g1 = g.write(0x4000_0000, 1), g2 = g.write(0x4000_0000, 2);
  assertEquals(g.toSteps().length, 1);
  assertEquals(g1.toSteps()[1], { kind: "write", vcpu: 0, addr: 0x4000_0000, value: 1 });
  assertEquals(g2.toSteps()[1], { kind: "write", vcpu: 0, addr: 0x4000_0000, value: 2 });
});

Deno.test("immutability: scenarios are frozen and toJSON() returns a fresh copy", () => {
  const b = vm().guest((g) => g.mmuOn());
  const s = b.toJSON();
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.steps) && Object.isFrozen(s.steps[0]));
  assert.throws(() => {
    (s.steps as unknown as unknown[]).push({});
  }, TypeError);
  assert.notStrictEqual(b.toJSON(), s);
  assertEquals(b.toJSON(), s);
});

Deno.test("immutability: a step's SCTLR bits are frozen too, and the caller's objects are never kept", () => {
  const bits = { m: true, c: true };
  const b = vm().guest((g) => g.sctlr(bits).mmuOn());
  bits.m = false;
  const s = b.toJSON();
  for (const step of s.steps) {
    assert.equal(step.kind, "sctlr");
    if (step.kind === "sctlr") assert.ok(Object.isFrozen(step.bits));
  }
  assertEquals(s.steps[0], { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } });
  const json = JSON.parse(JSON.stringify(s));
  const from = vm().from(json);
  json.steps[1].bits.m = false;
  assertEquals(from.toJSON().steps, s.steps);
});

Deno.test("the card: vm().cpus(4).systemCache().guest(g => g.sw_clean().mmuOff())", () => {
  const s = vm().cpus(4).systemCache().guest((g) => g.sw_clean().mmuOff()).toJSON();
  assertEquals(s.cpus, 4);
  assertEquals(s.systemCache, { ...DEFAULT_SYSTEM_CACHE });
  assertEquals(s.steps, [
    { kind: "sw_walk", vcpu: 0, op: "csw" },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  ]);
});

Deno.test("systemCache(): the machine's when it has one, 8 MiB 16-way otherwise, decided last", () => {
  assertEquals(vm().machine("xgene1").systemCache().toJSON().systemCache, "machine");
  // The machine chosen after systemCache() decides.
  assertEquals(vm().systemCache().machine("xgene1").toJSON().systemCache, "machine");
  assertEquals(vm().machine("xgene1").systemCache().machine("tc2").toJSON().systemCache, {
    size: 8 * 2 ** 20,
    ways: 16,
  });
  assertEquals(vm().machine("xgene1").systemCache(false).toJSON().systemCache, false);
  const spec = { size: 2 ** 20, ways: 8, snoopsNonCacheable: true };
  assertEquals(vm().systemCache(spec).toJSON().systemCache, spec);
});

Deno.test("guest steps: each call records its step with the documented fields", () => {
  const steps = GuestBuilder.create().pc(0x4000_8000).mmuOn().cachesOff().cachesOn()
    .sctlr({ m: false }).dc_cvac(0x4000_0000).dc_civac(0x4000_0040, 128).dc_ivac(0x4000_0000)
    .dc_cvau(0x4000_0000, 4).sw_clean_invalidate().sw_invalidate().dc_csw(1, 2, 3).dc_cisw(2, 0, 15)
    .dc_isw(1, 0, 0).vmReg("TTBR0", 0x4000_4000).write(0x4000_0000, -1).toSteps();
  assertEquals(steps, [
    { kind: "pc", vcpu: 0, addr: 0x4000_8000 },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
    { kind: "sctlr", vcpu: 0, bits: { c: false, i: false } },
    { kind: "sctlr", vcpu: 0, bits: { c: true, i: true } },
    { kind: "sctlr", vcpu: 0, bits: { m: false } },
    { kind: "dc_va", vcpu: 0, op: "cvac", addr: 0x4000_0000, len: 64 },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: 0x4000_0040, len: 128 },
    { kind: "dc_va", vcpu: 0, op: "ivac", addr: 0x4000_0000, len: 64 },
    { kind: "dc_va", vcpu: 0, op: "cvau", addr: 0x4000_0000, len: 4 },
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    { kind: "sw_walk", vcpu: 0, op: "isw" },
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 2, way: 3 },
    { kind: "sw", vcpu: 0, op: "cisw", level: 2, set: 0, way: 15 },
    { kind: "sw", vcpu: 0, op: "isw", level: 1, set: 0, way: 0 },
    { kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 0x4000_4000 },
    { kind: "write", vcpu: 0, addr: 0x4000_0000, value: 0xffff_ffff },
  ]);
});

Deno.test("on(vcpu, fn): a flat list, steps of fn on that vCPU, order kept", () => {
  const s = vm().cpus(3).guest((g) =>
    g.write(0x4000_0000, 1)
      .on(2, (h) => h.read(0x4000_0000).on(1, (k) => k.sw_clean()).mmuOff())
      .migrate(2, 3)
      .read(0x4000_0004)
  ).toJSON();
  assertEquals(s.steps.map((x) => [x.kind, "vcpu" in x ? x.vcpu : null]), [
    ["write", 0],
    ["read", 2],
    ["sw_walk", 1],
    ["sctlr", 2],
    ["migrate", 2],
    ["read", 0],
  ]);
  assertEquals(s.steps[4], { kind: "migrate", vcpu: 2, pcpu: 3 });
});

Deno.test("host(): host writes and unmaps, with an optional physical CPU", () => {
  const steps = GuestBuilder.create()
    .host((h) => h.write(0x4000_0000, 5).unmap(0x4000_1000))
    .host((h) => h.write(0x4000_0008, 6), { cpu: 2 })
    .toSteps();
  assertEquals(steps, [
    { kind: "host_write", addr: 0x4000_0000, value: 5 },
    { kind: "host_unmap", addr: 0x4000_1000 },
    { kind: "host_write", cpu: 2, addr: 0x4000_0008, value: 6 },
  ]);
  assert.ok(!("cpu" in steps[0]), "no undefined cpu field: JSON stays exact");
});

Deno.test("presets as builder methods run on the current vCPU", () => {
  const s = vm().cpus(2).guest((g) => g.on(1, (h) => h.zImage32({ era: "by-va", words: 8 })))
    .toJSON();
  assertEquals(s.steps, zImage32({ era: "by-va", words: 8, vcpu: 1 }));
  const n = vm().guest((g) => g.noMaintenance({ words: 4 }).vaCorrect({ words: 4 })).toJSON();
  assertEquals(n.steps.filter((x) => x.kind === "read").length, 8);
  const raw = vm().guest((g) => g.append([{ kind: "read", vcpu: 0, addr: 0x4000_0000 }])).toJSON();
  assertEquals(raw.steps, [{ kind: "read", vcpu: 0, addr: 0x4000_0000 }]);
});

Deno.test("policy(object): toJSON records the name, the object is kept for run()", () => {
  const policy = {
    name: "trap-nothing",
    description: "TSW and TVM clear",
    source: "none",
    state: () => undefined,
  };
  assertEquals(vm().policy(policy).toJSON().policy, "trap-nothing");
  assertEquals(vm().policy("kvm-3.18").toJSON().policy, "kvm-3.18");
});

Deno.test("ram(): sizes with units, addresses beyond 4 GiB, and a moved RAM base", () => {
  const s = vm().ram("64GiB").guest((g) => g.write(0x10_0000_0000, 1)).toJSON();
  assertEquals([s.ram, s.ramBase], [64 * 2 ** 30, 0x4000_0000]);
  const t = vm().ram("512MiB", { base: 0x8000_0000 }).guest((g) => g.read(0x8000_0000)).toJSON();
  assertEquals([t.ram, t.ramBase], [512 * 2 ** 20, 0x8000_0000]);
});

Deno.test("a long chain stays linear: 20000 guest calls", () => {
  // Each call adds one node holding its own step and shares every earlier
  // node: it copies nothing, so appending is not quadratic.
  let g = GuestBuilder.create();
  let copied = 0;
  for (let i = 0; i < 20000; i++) {
    const before = g.stepList();
    g = g.write(0x4000_0000 + 4 * (i % 1024), i);
    const after = g.stepList();
    if (after?.prev !== before || after.chunk.length !== 1) copied++;
  }
  assert.equal(copied, 0, "calls that copied earlier steps");
  assertEquals(g.toSteps().length, 20000);
  assertEquals(g.toSteps()[19999], {
    kind: "write",
    vcpu: 0,
    addr: 0x4000_0000 + 4 * 543,
    value: 19999,
  });
});

Deno.test("linuxArm64(): every vCPU of the VM boots unless cpus says otherwise", () => {
  const vcpusOf = (b: ReturnType<typeof vm>) =>
    [...new Set(b.toJSON().steps.flatMap((s) => "vcpu" in s ? [s.vcpu] : []))].sort();
  assert.deepEqual(vcpusOf(vm().cpus(3).guest((g) => g.linuxArm64())), [0, 1, 2]);
  assert.deepEqual(vcpusOf(vm().cpus(3).guest((g) => g.linuxArm64({ cpus: 1 }))), [0]);
});

Deno.test("immutability: the steps toSteps() hands out are frozen, so the builder's own cannot change", () => {
  const b = GuestBuilder.create().write(0x4000_0000, 1);
  const [step] = b.toSteps();
  assert.ok(Object.isFrozen(step));
  assert.throws(() => {
    (step as { value: number }).value = 2;
  }, TypeError);
  assertEquals(b.toSteps()[0], { kind: "write", vcpu: 0, addr: 0x4000_0000, value: 1 });
});
