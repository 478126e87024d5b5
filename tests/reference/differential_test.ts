import assert from "node:assert/strict";
import fc from "fast-check";
import { compareProgram, type Comparison, CONFIGS } from "./differential.ts";
import { firstDifference, modelDecisions } from "./decisions.ts";
import { REFERENCE_POLICIES } from "./policies.ts";
import { type Program, programArb, programScenario, RAM_BASE, tinyHardware } from "./program.ts";
import { programFromScenario } from "./from_scenario.ts";
import { type GuestBuilder, run, vm } from "../../mod.ts";
import { kvmExitLine, kvmSetWayFlushLine, referenceRun } from "./vm.ts";

/** Programs per built-in policy (kvm-modern's are shared between its two machines). */
const PROGRAMS = 2_000;
const SEED = 0x15_07;

const at = (pc: number) => ({ index: 0, pcpu: 0, pc });

function program(ops: Program["ops"], vcpus = 1): Program {
  return { machine: "tiny", vcpus, aarch32: new Array(vcpus).fill(false), ops };
}

Deno.test("reference: kvm-3.18 performs a S/W op after a migration locally (the run loop's last_pcpu)", () => {
  // Issue 15 item 1's example: the exit of the S/W op itself sets last_pcpu.
  const p = program([
    { k: "sctlr", v: 0, bits: { m: true, c: true, i: true } },
    { k: "migrate", v: 0, pcpu: 1 },
    { k: "write", v: 0, addr: RAM_BASE + 0x8000, value: 0x1234 },
    { k: "sw", v: 0, op: "csw", level: 1, set: 1, way: 0 },
  ]);
  const texts = referenceRun(REFERENCE_POLICIES["kvm-3.18"], p).map((d) => d.text);
  assert.ok(texts.includes("sw_local v0 p1 csw level=1 set=1 way=0"), texts.join("\n"));
  assert.ok(!texts.some((t) => t.startsWith("flush_cache_all")), texts.join("\n"));
});

Deno.test("reference: kvm-4.0 defers a S/W op with TVM set and flushes once TVM is clear", () => {
  const p = program([
    { k: "sw", v: 0, op: "cisw", level: 1, set: 0, way: 0 },
    { k: "sctlr", v: 0, bits: { m: true, c: true } },
    { k: "sw", v: 0, op: "cisw", level: 1, set: 0, way: 0 },
  ]);
  const texts = referenceRun(REFERENCE_POLICIES["kvm-4.0"], p).map((d) => d.text);
  assert.deepEqual(texts, [
    "hcr_write v0 p0 tsw=true tvm=true",
    `exit v0 p0 pc=0x40000000 ec=0x18 dcsw | ${kvmExitLine(at(0x40000000), 0x18, "arm64")}`,
    `exit v0 p0 pc=0x40000004 ec=0x18 vm_reg | ${kvmExitLine(at(0x40000004), 0x18, "arm64")}`,
    "stage2_flush_vm v0 p0 pages=0",
    "vcpu0-0 [000] ....: kvm_toggle_cache: VM op at 0x0000000040000004 (cache was off, now on)",
    "hcr_write v0 p0 tsw=true tvm=false",
    `exit v0 p0 pc=0x40000008 ec=0x18 dcsw | ${kvmExitLine(at(0x40000008), 0x18, "arm64")}`,
    kvmSetWayFlushLine({ index: 0, pcpu: 0, pc: 0x40000008 }, true),
    "stage2_flush_vm v0 p0 pages=0",
    "hcr_write v0 p0 tsw=true tvm=true",
  ]);
});

Deno.test("differential: two walks of one routine (a pc() back to its start) under kvm-3.18 agree", () => {
  // Each walk's exits stay after its own start, as uboot's three walks of one routine.
  const p = program([
    { k: "pc", v: 0, addr: RAM_BASE + 0x100 },
    { k: "walk", v: 0, op: "csw" },
    { k: "pc", v: 0, addr: RAM_BASE + 0x100 },
    { k: "walk", v: 0, op: "csw" },
  ]);
  const c = compareProgram(p, "kvm-3.18");
  assert.equal(c.kind, "agree", c.kind === "finding" ? c.report : "");
});

Deno.test("reference: a 32-bit arch/arm host's exits print HVC and the HSR_EC names", () => {
  const p: Program = {
    machine: "tiny-v7",
    vcpus: 1,
    aarch32: [true],
    ops: [
      { k: "write", v: 0, addr: RAM_BASE + 0x1000, value: 1 },
      { k: "sw", v: 0, op: "csw", level: 1, set: 0, way: 0 },
    ],
  };
  const exits = referenceRun(REFERENCE_POLICIES["kvm-3.18"], p).map((d) => d.text)
    .filter((t) => t.startsWith("exit"));
  assert.deepEqual(exits.map((t) => t.split(" | ")[1]), [
    "vcpu0-0 [000] ....: kvm_exit: HVC: HSR_EC: 0x0024 (DABT), PC: 0x40000000",
    "vcpu0-0 [000] ....: kvm_exit: HVC: HSR_EC: 0x0003 (CP15_32), PC: 0x40000004",
  ]);
  // The model agrees; a reference that took the host for arm64 would not:
  // the prefix and the class names are part of the decision.
  assert.equal(compareProgram(p, "kvm-3.18").kind, "agree");
  const model = modelDecisions(run(programScenario(p, "kvm-3.18")));
  const asArm64 = { ...p, hardware: { ...tinyHardware("tiny-v7"), host: "arm64" as const } };
  const diff = firstDifference(referenceRun(REFERENCE_POLICIES["kvm-3.18"], asArm64), model);
  assert.ok(diff !== null);
  assert.match(diff.expected, /kvm_exit: TRAP: HSR_EC: 0x0024 \(DABT_LOW\)/);
  assert.match(diff.actual, /kvm_exit: HVC: HSR_EC: 0x0024 \(DABT\)/);
});

Deno.test("reference: the comparison catches a policy that decides differently", () => {
  // The kvm-3.18 model against the kvm-4.0 reference: a trapped S/W op is
  // performed locally by one and deferred by the other.
  const p = program([{ k: "sw", v: 0, op: "csw", level: 1, set: 0, way: 0 }]);
  const ref40 = referenceRun(REFERENCE_POLICIES["kvm-4.0"], p);
  const ref318 = referenceRun(REFERENCE_POLICIES["kvm-3.18"], p);
  const diff = firstDifference(ref40, ref318);
  assert.ok(diff !== null);
  assert.match(diff.actual, /^sw_local v0 p0 csw level=1 set=0 way=0$/);
  // And a program the model and the reference agree on is no finding.
  assert.equal(
    compareProgram(program([{ k: "read", v: 0, addr: RAM_BASE }]), "kvm-4.0").kind,
    "agree",
  );
});

function agrees(c: Comparison): boolean {
  if (c.kind === "finding") throw new Error(`the model and the reference disagree:\n${c.report}`);
  return true;
}

for (const { policy, machine } of CONFIGS) {
  const shared = CONFIGS.filter((c) => c.policy === policy).length;
  const numRuns = Math.ceil(PROGRAMS / shared);
  Deno.test(`differential: ${policy} on ${machine} agrees with the reference on ${numRuns} random programs`, () => {
    fc.assert(
      fc.property(programArb({ machine }), (p) => agrees(compareProgram(p, policy))),
      { seed: SEED, numRuns },
    );
  });
}

/** The DSL's guest presets, as a user writes them. */
const PRESETS: Readonly<Record<string, (g: GuestBuilder) => GuestBuilder>> = {
  zImage32: (g) => g.zImage32(),
  linuxArm64: (g) => g.linuxArm64(),
  edk2: (g) => g.edk2(),
  uboot: (g) => g.uboot(),
  smpSecondary: (g) => g.smpSecondary(),
  noMaintenance: (g) => g.noMaintenance(),
};

/**
 * The machine presets the guest presets run on: one cluster, several of one
 * kind, FWB, a CLIDR with no level to clean to the PoU (neoverse-n1), big.LITTLE (juno-r0: each CPU walks its own cluster's caches),
 * and an ARMv7 host (tc2), which runs only the 32-bit zImage.
 */
const PRESET_MACHINES: Readonly<Record<string, readonly string[]>> = {
  "generic": Object.keys(PRESETS),
  "xgene1": Object.keys(PRESETS),
  "neoverse-v1": Object.keys(PRESETS),
  "neoverse-n1": Object.keys(PRESETS),
  "juno-r0": Object.keys(PRESETS),
  "tc2": ["zImage32"],
};

Deno.test("differential: the guest presets on the machine presets, full-size walks, every policy", () => {
  let compared = 0;
  for (const [machine, names] of Object.entries(PRESET_MACHINES)) {
    for (const name of names) {
      const scenario = vm().machine(machine).cpus(2).guest(PRESETS[name]).toJSON();
      const program = programFromScenario(scenario);
      for (const policy of new Set(CONFIGS.map((c) => c.policy))) {
        const c = compareProgram(program, policy, scenario);
        assert.ok(agrees(c), `${name} on ${machine}`);
        compared++;
      }
    }
  }
  assert.equal(compared, (6 + 6 + 6 + 6 + 6 + 1) * 8);
});

Deno.test("differential: set/way operands outside the caches, on every policy", () => {
  for (const { policy, machine } of CONFIGS) {
    fc.assert(
      fc.property(
        programArb({ machine, outOfGeometry: true, maxOps: 6 }),
        (p) => agrees(compareProgram(p, policy)),
      ),
      { seed: SEED, numRuns: 40 },
    );
  }
});
