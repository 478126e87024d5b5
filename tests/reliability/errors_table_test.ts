// Every bad input the reliability issue lists, as one table: each case names
// the call, the ScenarioError code and call it must throw, and a piece of
// text by which the message names the refused value.
import assert from "node:assert/strict";
import { GuestBuilder, scenarioFrom, vm } from "../../lib/dsl/mod.ts";
import { run } from "../../lib/engine/run.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { ScenarioError, type ScenarioErrorCode, showValue } from "../../lib/errors.ts";
import { Cache } from "../../lib/hw/cache.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { BASE, scenarioErrorOf, tinyScenario } from "./helpers.ts";

interface Case {
  /** What is wrong. */
  readonly name: string;
  /** The call that must refuse it (sync or async). */
  readonly fn: () => unknown;
  readonly code: ScenarioErrorCode;
  readonly call: string;
  /** Text the message must contain: the value as shown. */
  readonly shown: string;
  /** More text the message must match (e.g. the valid names). */
  readonly also?: RegExp;
}

const g = () => GuestBuilder.create();
const json = () => JSON.parse(JSON.stringify(vm().guest((g) => g.mmuOn().write(BASE, 1)).toJSON()));
const withJson = (change: (s: Record<string, unknown>) => void) => {
  const s = json();
  change(s);
  return JSON.stringify(s);
};
const oneCluster = (l1d: object, more: object = {}): Machine =>
  ({
    name: "m",
    description: "a user machine",
    clusters: [{ cpus: 1, l1d, ...more }],
  }) as Machine;

const CASES: readonly Case[] = [
  // cpus
  {
    name: "cpus zero",
    fn: () => vm().cpus(0),
    code: "out_of_range",
    call: "cpus",
    shown: "cpus(0)",
  },
  {
    name: "cpus not an integer",
    fn: () => vm().cpus(1.5),
    code: "invalid_value",
    call: "cpus",
    shown: "cpus(1.5)",
  },
  {
    name: "cpus a string",
    fn: () => vm().cpus("2" as unknown as number),
    code: "invalid_value",
    call: "cpus",
    shown: 'cpus("2")',
  },
  {
    name: "cpus above the machine's CPUs",
    fn: () => vm().machine("tc2").cpus(6),
    code: "out_of_range",
    call: "cpus",
    shown: "cpus(6)",
    also: /tc2.*5 CPUs/,
  },
  {
    name: "cpus above the machine's CPUs, found at toJSON after machine() changed",
    fn: () => vm().machine("xgene1").cpus(8).machine("generic").toJSON(),
    code: "out_of_range",
    call: "cpus",
    shown: "cpus = 8",
    also: /generic.*4 CPUs/,
  },
  // names
  {
    name: "unknown machine",
    fn: () => vm().machine("juno"),
    code: "unknown_name",
    call: "machine",
    shown: '"juno"',
    also: /generic, xgene1, juno-r0, tc2, neoverse-n1, neoverse-v1/,
  },
  {
    name: "unknown policy",
    fn: () => vm().policy("kvm-5.0"),
    code: "unknown_name",
    call: "policy",
    shown: '"kvm-5.0"',
    also: /kvm-4\.0, kvm-3\.18, native/,
  },
  {
    name: "unknown policy at run()",
    fn: () => run(tinyScenario([], { policy: "xen-9" })),
    code: "unknown_name",
    call: "policy",
    shown: '"xen-9"',
    also: /kvm-4\.0/,
  },
  {
    name: "unknown machine at run()",
    fn: () => run(tinyScenario([], { machine: "cray-1" })),
    code: "unknown_name",
    call: "machine",
    shown: '"cray-1"',
    also: /xgene1/,
  },
  {
    name: "unknown speculation mode",
    fn: () => vm().speculation("loud" as "quiet"),
    code: "unknown_name",
    call: "speculation",
    shown: '"loud"',
    also: /quiet, adversarial/,
  },
  {
    name: "unknown guest preset era",
    fn: () => g().zImage32({ era: "1990" as "2015" }),
    code: "unknown_name",
    call: "zImage32",
    shown: '"1990"',
    also: /2015/,
  },
  {
    name: "unknown VM register",
    fn: () => g().vmReg("SCTLR" as "TCR", 1),
    code: "unknown_name",
    call: "vmReg",
    shown: '"SCTLR"',
    also: /TTBR0/,
  },
  // addresses
  {
    name: "negative address",
    fn: () => g().write(-4, 1),
    code: "bad_address",
    call: "write",
    shown: "addr = -4",
  },
  {
    name: "non-integer address",
    fn: () => g().read(BASE + 0.5),
    code: "bad_address",
    call: "read",
    shown: "1073741824.5",
  },
  {
    name: "unaligned address",
    fn: () => g().read(BASE + 2),
    code: "bad_address",
    call: "read",
    shown: "0x40000002",
  },
  {
    name: "address outside RAM",
    fn: () => vm().ram("1MiB").guest((g) => g.read(BASE + (1 << 20))),
    code: "bad_address",
    call: "read",
    shown: "0x40100000",
    also: /\[0x40000000, 0x40100000\)/,
  },
  {
    name: "DC range running past RAM",
    fn: () => g().dc_civac(0x7fff_ffc0, 128),
    code: "bad_address",
    call: "dc_civac",
    shown: "0x7fffffc0",
  },
  {
    name: "host unmap of an unaligned page",
    fn: () => g().host((h) => h.unmap(BASE + 4)),
    code: "bad_address",
    call: "host.unmap",
    shown: "0x40000004",
  },
  {
    name: "unaligned PC",
    fn: () => g().pc(BASE + 0x8002),
    code: "bad_address",
    call: "pc",
    shown: "0x40008002",
  },
  {
    name: "address outside RAM at run()",
    fn: () => run(tinyScenario([{ kind: "read", vcpu: 0, addr: BASE + (1 << 20) }])),
    code: "bad_address",
    call: "steps[0].addr",
    shown: "0x40100000",
  },
  {
    name: "RAM shrunk after the guest: caught at toJSON",
    fn: () => vm().guest((g) => g.write(0x7000_0000, 1)).ram("256MiB").toJSON(),
    code: "bad_address",
    call: "steps[0].addr",
    shown: "0x70000000",
  },
  // RAM sizes
  {
    name: "RAM size that does not parse",
    fn: () => vm().ram("lots" as "1GiB"),
    code: "invalid_value",
    call: "ram",
    shown: '"lots"',
  },
  {
    name: "RAM size with a decimal unit",
    fn: () => vm().ram("1 GB" as "1GiB"),
    code: "invalid_value",
    call: "ram",
    shown: '"1 GB"',
  },
  {
    name: "RAM size not whole pages",
    fn: () => vm().ram(5000),
    code: "invalid_value",
    call: "ram",
    shown: "ram(5000)",
  },
  {
    name: "RAM size above 1 TiB",
    fn: () => vm().ram("2TiB"),
    code: "out_of_range",
    call: "ram",
    shown: '"2TiB"',
  },
  {
    name: "RAM base not page aligned",
    fn: () => vm().ram("1GiB", { base: 0x123 }),
    code: "bad_address",
    call: "ram",
    shown: "base = 291",
  },
  {
    name: "RAM options not an object",
    fn: () => vm().ram("1GiB", null as unknown as { base: number }),
    code: "invalid_value",
    call: "ram",
    shown: "ram(null)",
  },
  // cache geometries
  {
    name: "system cache size not a power of two",
    fn: () => vm().systemCache({ size: 3 * 2 ** 20, ways: 16 }),
    code: "bad_geometry",
    call: "systemCache",
    shown: "3145728",
  },
  {
    name: "system cache ways not a power of two",
    fn: () => vm().systemCache({ size: 2 ** 20, ways: 12 }),
    code: "bad_geometry",
    call: "systemCache",
    shown: "12",
  },
  {
    name: "system cache ways that do not divide into one set",
    fn: () => vm().systemCache({ size: 1024, ways: 32 }),
    code: "bad_geometry",
    call: "systemCache",
    shown: "32",
  },
  {
    name: "system cache line size unlike the machine's",
    fn: () => vm().systemCache({ size: 2 ** 20, ways: 8, lineSize: 128 }).toJSON(),
    code: "bad_geometry",
    call: "systemCache.lineSize",
    shown: "128",
  },
  {
    name: "machine L1 size not a power of two",
    fn: () => vm().machine(oneCluster({ size: 3000, ways: 4 })),
    code: "bad_geometry",
    call: "machine.clusters[0].l1d.size",
    shown: "3000",
  },
  {
    name: "machine L2 line size unlike its L1",
    fn: () =>
      vm().machine(
        oneCluster({ size: 4096, ways: 4 }, { l2: { size: 65536, ways: 8, lineSize: 32 } }),
      ),
    code: "bad_geometry",
    call: "machine.clusters[0].l2.lineSize",
    shown: "32",
  },
  {
    name: "machine L2 with more sets than CCSIDR can describe",
    fn: () => vm().machine(oneCluster({ size: 4096, ways: 4 }, { l2: { size: 2 ** 22, ways: 1 } })),
    code: "bad_geometry",
    call: "machine.clusters[0].l2.size",
    shown: "0x400000",
    also: /32768 sets/,
  },
  {
    name: "machine with more cache than the simulator holds",
    fn: () =>
      vm().machine({
        name: "huge",
        description: "64 CPUs with 256 MiB L1s",
        clusters: [{ cpus: 64, l1d: { size: 2 ** 28, ways: 1024 } }],
      }),
    code: "out_of_range",
    call: "machine",
    shown: "0x400000000",
  },
  {
    name: "Cache geometry not a power of two",
    fn: () => new Cache({ size: 3000, ways: 4 }, { name: "l1" }),
    code: "bad_geometry",
    call: "l1",
    shown: "3000",
  },
  {
    name: "Cache ways larger than the lines",
    fn: () => new Cache({ size: 256, ways: 8 }, { name: "l1" }),
    code: "bad_geometry",
    call: "l1",
    shown: "256",
  },
  {
    name: "Hardware with two line sizes",
    fn: () =>
      new Hardware(
        oneCluster({ size: 4096, ways: 4 }, { l2: { size: 65536, ways: 8, lineSize: 128 } }),
      ),
    code: "bad_geometry",
    call: "clusters[0].l2",
    shown: "128",
  },
  // vCPU and physical CPU indices
  {
    name: "vCPU index at the vCPU count",
    fn: () => vm().cpus(2).guest((g) => g.on(2, (h) => h)),
    code: "out_of_range",
    call: "on",
    shown: "vcpu = 2",
    also: /0 to 1/,
  },
  {
    name: "negative vCPU index",
    fn: () => g().on(-1, (h) => h),
    code: "invalid_value",
    call: "on",
    shown: "vcpu = -1",
  },
  {
    name: "physical CPU the machine does not have",
    fn: () => g().migrate(0, 4),
    code: "out_of_range",
    call: "migrate",
    shown: "pcpu = 4",
  },
  {
    name: "vCPU index out of range at run()",
    fn: () => run(tinyScenario([{ kind: "read", vcpu: 3, addr: BASE }])),
    code: "out_of_range",
    call: "steps[0].vcpu",
    shown: "steps[0].vcpu = 3",
  },
  {
    name: "set/way set that is not an integer, at run()",
    fn: () => run(tinyScenario([{ kind: "sw", vcpu: 0, op: "csw", level: 1, set: 1.5, way: 0 }])),
    code: "invalid_value",
    call: "steps[0].set",
    shown: "steps[0].set = 1.5",
    also: /integer/,
  },
  {
    name: "set/way level beyond 7 (what CSSELR can select), at run()",
    fn: () => run(tinyScenario([{ kind: "sw", vcpu: 0, op: "cisw", level: 8, set: 0, way: 0 }])),
    code: "out_of_range",
    call: "steps[0].level",
    shown: "steps[0].level = 8",
  },
  {
    name: "set/way way that is negative, at run()",
    fn: () => run(tinyScenario([{ kind: "sw", vcpu: 0, op: "isw", level: 1, set: 0, way: -1 }])),
    code: "out_of_range",
    call: "steps[0].way",
    shown: "steps[0].way = -1",
  },
  // JSON schema
  {
    name: "JSON: a field of the wrong type names the field",
    fn: () => scenarioFrom(withJson((s) => ((s.steps as { addr: unknown }[])[1].addr = "0x4000"))),
    code: "bad_schema",
    call: "steps[1].addr",
    shown: '"0x4000"',
  },
  {
    name: "JSON: an unknown field",
    fn: () => scenarioFrom(withJson((s) => (s.colour = "red"))),
    code: "bad_schema",
    call: "colour",
    shown: '"red"',
  },
  {
    name: "JSON: a missing field",
    fn: () => scenarioFrom(withJson((s) => delete s.seed)),
    code: "bad_schema",
    call: "seed",
    shown: "seed = undefined",
  },
  {
    name: "JSON: another version",
    fn: () => scenarioFrom(withJson((s) => (s.version = 2))),
    code: "bad_schema",
    call: "version",
    shown: "version = 2",
  },
  {
    name: "JSON: an unknown step kind",
    fn: () => scenarioFrom(withJson((s) => (s.steps as unknown[]).push({ kind: "jump" }))),
    code: "bad_schema",
    call: "steps[2].kind",
    shown: '"jump"',
  },
  {
    name: "JSON: an unknown field of a machine object",
    fn: () =>
      scenarioFrom(
        withJson((s) => (s.machine = { ...oneCluster({ size: 4096, ways: 4 }), cores: 2 })),
      ),
    code: "bad_schema",
    call: "machine.cores",
    shown: "machine.cores = 2",
  },
  {
    name: "JSON: text that is not JSON",
    fn: () => scenarioFrom("{ version: 1"),
    code: "bad_schema",
    call: "scenarioFrom",
    shown: '"{ version: 1"',
  },
  // run options and budgets
  {
    name: "run options not an object",
    fn: () => run(tinyScenario([]), null as unknown as object),
    code: "invalid_value",
    call: "run",
    shown: "run(null)",
  },
  {
    name: "a budget of zero steps",
    fn: () => run(tinyScenario([]), { maxSteps: 0 }),
    code: "invalid_value",
    call: "maxSteps",
    shown: "maxSteps = 0",
  },
  {
    name: "a fractional event budget",
    fn: () => run(tinyScenario([]), { maxEvents: 2.5 }),
    code: "invalid_value",
    call: "maxEvents",
    shown: "maxEvents = 2.5",
  },
  {
    name: "builder budget: an unknown field",
    fn: () => vm().budget({ stepz: 5 } as never),
    code: "unknown_name",
    call: "budget",
    shown: '"stepz"',
    also: /steps, events, touchedPages, wallMs/,
  },
  {
    name: "builder budget: a negative limit",
    fn: () => vm().budget({ touchedPages: -1 }),
    code: "invalid_value",
    call: "budget",
    shown: "touchedPages = -1",
  },
  {
    name: "the step budget, exceeded, names the figure",
    fn: () =>
      run(tinyScenario([{ kind: "dc_va", vcpu: 0, op: "civac", addr: BASE, len: 64 * 100 }]), {
        maxSteps: 99,
      }),
    code: "budget_exceeded",
    call: "steps[0]",
    shown: "maxSteps = 99",
    also: /100 with this step/,
  },
  // callbacks
  {
    name: "on() without a function",
    fn: () => g().on(0, 42 as never),
    code: "invalid_value",
    call: "on",
    shown: "fn = 42",
  },
  {
    name: "host() without a function",
    fn: () => g().host(null as never),
    code: "invalid_value",
    call: "host",
    shown: "fn = null",
  },
  {
    name: "guest() returning something else",
    fn: () => vm().guest(() => 42 as never),
    code: "invalid_value",
    call: "guest",
    shown: "42",
  },
  {
    name: "a bad scenario rejects the promise of run()",
    fn: () => vm().guest((g) => g.read(0x4020_0000)).ram("1M").run(),
    code: "bad_address",
    call: "steps[0].addr",
    shown: "steps[0].addr = 0x40200000",
  },
  // option objects
  {
    name: "a misspelt run option",
    fn: () => vm().run({ maxStep: 1 } as never),
    code: "unknown_name",
    call: "run.maxStep",
    shown: 'unknown option "maxStep"',
    also: /did you mean "maxSteps"\?/,
  },
  {
    name: "a misspelt run option of the engine",
    fn: () => run(tinyScenario([]), { maxEvent: 1 } as never),
    code: "unknown_name",
    call: "run.maxEvent",
    shown: 'unknown option "maxEvent"',
    also: /did you mean "maxEvents"\?/,
  },
  {
    name: "a policy among the builder's run options",
    fn: () => vm().run({ policy: "bogus" } as never),
    code: "invalid_value",
    call: "run",
    shown: 'policy = "bogus"',
    also: /policy\("bogus"\)\.run\(\)/,
  },
  {
    name: "a misspelt RAM option",
    fn: () => vm().ram("1GiB", { bsae: 0 } as never),
    code: "unknown_name",
    call: "ram.bsae",
    shown: 'unknown option "bsae"',
    also: /did you mean "base"\?/,
  },
  {
    name: "check options that are null",
    fn: () => vm().guest((g) => g.read(BASE)).check(null as never),
    code: "invalid_value",
    call: "check",
    shown: "check(null)",
  },
  {
    name: "preset options that are NaN",
    fn: () => g().zImage32(NaN as never),
    code: "invalid_value",
    call: "zImage32",
    shown: "zImage32(NaN)",
  },
  {
    name: "preset options that are null",
    fn: () => g().linuxArm64(null as never),
    code: "invalid_value",
    call: "linuxArm64",
    shown: "linuxArm64(null)",
  },
  {
    name: "a preset option of null",
    fn: () => g().linuxArm64({ cpus: null } as never),
    code: "invalid_value",
    call: "linuxArm64",
    shown: "cpus = null",
  },
  {
    name: "a preset option of NaN prints as NaN",
    fn: () => g().noMaintenance({ base: NaN }),
    code: "invalid_value",
    call: "noMaintenance",
    shown: "base = NaN",
  },
  {
    name: "a misspelt preset option",
    fn: () => g().uboot({ word: 4 } as never),
    code: "unknown_name",
    call: "uboot.word",
    shown: 'unknown option "word"',
    also: /did you mean "words"\?/,
  },
  {
    name: "a misspelt machine",
    fn: () => vm().machine("xgene"),
    code: "unknown_name",
    call: "machine",
    shown: '"xgene"',
    also: /did you mean "xgene1"\?/,
  },
  {
    name: "a misspelt policy",
    fn: () => vm().policy("kvm-3.81"),
    code: "unknown_name",
    call: "policy",
    shown: '"kvm-3.81"',
    also: /did you mean "kvm-3.18"\?/,
  },
  {
    name: "smpSecondary on a VM with one vCPU",
    fn: () => vm().cpus(1).guest((g) => g.smpSecondary()),
    code: "out_of_range",
    call: "smpSecondary",
    shown: "cpus = 1",
    also: /second vCPU/,
  },
  {
    name: "a misspelt scenario field in JSON",
    fn: () => scenarioFrom(withJson((s) => (s.sede = 1))),
    code: "bad_schema",
    call: "sede",
    shown: "sede = 1",
    also: /did you mean "seed"\?/,
  },
  {
    name: "a misspelt step field in JSON",
    fn: () => scenarioFrom(withJson((s) => ((s.steps as { adr?: number }[])[1].adr = 1))),
    code: "bad_schema",
    call: "steps[1].adr",
    shown: "steps[1].adr = 1",
    also: /did you mean "addr"\?/,
  },
  {
    name: "a JSON scenario over the step limit",
    fn: () => vm().from({ ...json(), steps: new Array(1_000_001).fill({ kind: "nonsense" }) }),
    code: "budget_exceeded",
    call: "steps",
    shown: "1000001 steps",
  },
  // user policies
  {
    name: "a policy hook that throws",
    fn: () =>
      vm().policy(definePolicy({
        name: "trap-once",
        onReset: (h) => void (h.vcpu.hcr.tsw = true),
        onSetWay() {
          throw new Error("not yet");
        },
      })).guest((g) => g.dc_csw(1, 0, 0)).run(),
    code: "invalid_value",
    call: "policy.onSetWay",
    shown: 'policy "trap-once": onSetWay threw Error: not yet',
  },
  {
    name: "a policy writing a number into HCR",
    fn: () =>
      vm().policy(definePolicy({
        name: "numeric",
        onReset: (h) => void ((h.vcpu.hcr as { tsw: unknown }).tsw = 1),
      })).guest((g) => g.read(BASE)).run(),
    code: "invalid_value",
    call: "hcr.tsw",
    shown: 'policy "numeric": onReset wrote hcr.tsw = 1',
  },
  {
    name: "an async policy hook",
    fn: () =>
      vm().policy(definePolicy({
        name: "later",
        onReset: (async () => {}) as never,
      })).guest((g) => g.read(BASE)).run(),
    code: "invalid_value",
    call: "policy.onReset",
    shown: 'policy "later": onReset returned a promise',
  },
  {
    name: "a policy object declaring usesFwb as a string",
    fn: () =>
      vm().policy(
        { name: "raw", description: "", source: "", state: () => 0, usesFwb: "yes" } as never,
      ),
    code: "invalid_value",
    call: "policy.usesFwb",
    shown: 'usesFwb = "yes"',
  },
  {
    name: "a user policy declaring a built-in set/way shortcut",
    fn: () =>
      vm().policy(definePolicy({ name: "vague", setWayIdle: () => true } as never))
        .guest((g) => g.sw_clean()).run(),
    code: "invalid_value",
    call: "definePolicy.setWayIdle",
    shown: "definePolicy: setWayIdle is internal to the built-in policies",
  },
  {
    name: "a plain policy object declaring a built-in set/way shortcut",
    fn: () =>
      vm().policy({
        name: "raw",
        description: "",
        source: "",
        state: () => undefined,
        setWayLocal: () => false,
      } as never).guest((g) => g.sw_clean()).run(),
    code: "invalid_value",
    call: "policy.setWayLocal",
    shown: "policy: setWayLocal is internal to the built-in policies",
  },
  {
    name: "a policy's cache view answering something else",
    fn: () =>
      vm().policy(definePolicy({
        name: "vague",
        onReset: (h) => void (h.vcpu.hcr.tsw = true),
        guestCacheView: (() => "yes") as never,
      })).guest((g) => g.sw_clean()).run(),
    code: "invalid_value",
    call: "policy.guestCacheView",
    shown: 'policy "vague": guestCacheView returned "yes"; expected { clidr, levels }',
  },
];

for (const c of CASES) {
  Deno.test(`ScenarioError table: ${c.name}`, async () => {
    const err = await scenarioErrorOf(c.fn);
    assert.deepEqual([err.code, err.call], [c.code, c.call], err.message);
    assert.ok(err.message.includes(c.shown), `the message names ${c.shown}: ${err.message}`);
    if (c.also) assert.match(err.message, c.also);
    assert.equal(err.name, "ScenarioError");
    assert.ok(!err.message.includes("\n"), `one line: ${err.message}`);
  });
}

Deno.test("ScenarioError table: the table covers every error code but none twice by accident", () => {
  const codes = new Set(CASES.map((c) => c.code));
  for (
    const code of [
      "invalid_value",
      "out_of_range",
      "unknown_name",
      "bad_geometry",
      "bad_address",
      "bad_schema",
      "budget_exceeded",
    ]
  ) {
    assert.ok(codes.has(code as ScenarioErrorCode), code);
  }
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
});

Deno.test("ScenarioError: code, call and the refused value are kept as given", async () => {
  const made = new ScenarioError("out_of_range", "cpus", 9, "cpus(9): too many");
  assert.deepEqual([made.name, made.code, made.call, made.value, made.message], [
    "ScenarioError",
    "out_of_range",
    "cpus",
    9,
    "cpus(9): too many",
  ]);
  const cpus = await scenarioErrorOf(() => vm().cpus(0));
  assert.deepEqual([cpus.code, cpus.call, cpus.value], ["out_of_range", "cpus", 0]);
  const ram = await scenarioErrorOf(() => vm().ram("6KiB"));
  assert.deepEqual([ram.code, ram.call, ram.value], ["invalid_value", "ram", "6KiB"]);
});

Deno.test("ScenarioError messages: how a refused value is shown", () => {
  // Numbers from 0x10000 up look like addresses, so they are shown in hex.
  assert.equal(showValue(0xffff), "65535");
  assert.equal(showValue(0x10000), "0x10000");
  assert.equal(showValue(-0xffff), "-65535");
  assert.equal(showValue(-0x10000), "-0x10000");
  assert.equal(showValue(0x4000_0002), "0x40000002");
  assert.equal(showValue(65536.5), "65536.5");
  assert.equal(showValue("kvm-9"), '"kvm-9"');
  assert.equal(showValue(10n), "10n");
  assert.equal(showValue(function hook() {}), "a function (hook)");
  assert.equal(
    showValue(Object.defineProperty(() => 0, "name", { value: "" })),
    "a function (anonymous)",
  );
  // Inside an object, what JSON cannot hold is shown as written, not as null or left out.
  assert.equal(
    showValue({ size: NaN, ways: undefined, n: 2n }),
    '{"size":NaN,"ways":undefined,"n":2n}',
  );
  assert.equal(showValue([Infinity, -Infinity]), "[Infinity,-Infinity]");
  assert.equal(showValue({ hook() {} }), '{"hook":function}');
  // A value that cannot be written as JSON at all still gives a message.
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.equal(showValue(cyclic), "[object Object]");
  // At most 80 characters: 77 and an ellipsis beyond.
  assert.equal(showValue({ s: "x".repeat(72) }), `{"s":"${"x".repeat(72)}"}`);
  assert.equal(showValue({ s: "x".repeat(73) }), `{"s":"${"x".repeat(71)}...`);
});
