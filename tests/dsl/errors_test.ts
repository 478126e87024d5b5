import assert from "node:assert/strict";
import { GuestBuilder, InvalidScenarioError, vm } from "../../lib/dsl/mod.ts";
import { assertEquals, assertScenarioError, assertThrowsScenario } from "./helpers.ts";

const g = () => GuestBuilder.create();

Deno.test("cpus: not a positive integer, or above the machine's CPU count", () => {
  assertScenarioError(() => vm().cpus(0), "out_of_range", "cpus", "cpus(0)");
  assertScenarioError(() => vm().cpus(1.5), "invalid_value", "cpus", "cpus(1.5)");
  const err = assertScenarioError(() => vm().cpus(5), "out_of_range", "cpus", "cpus(5)");
  assert.match(err.message, /generic.*4 CPUs/);
  assertEquals(vm().machine("xgene1").cpus(8).toJSON().cpus, 8);
});

Deno.test("cpus: checked again when machine() changes later in the chain", () => {
  const b = vm().machine("xgene1").cpus(8).machine("tc2");
  const err = assertThrowsScenario(() => b.toJSON());
  assertEquals([err.code, err.call, err.value], ["out_of_range", "cpus", 8]);
  assert.match(err.message, /tc2.*5 CPUs/);
  return b.run().then(
    () => assert.fail("run() must refuse it too"),
    (e) => assertEquals((e as { code: string }).code, "out_of_range"),
  );
});

Deno.test("machine: unknown names list the valid ones", () => {
  const err = assertScenarioError(() => vm().machine("juno"), "unknown_name", "machine", '"juno"');
  assert.match(err.message, /juno-r0/);
  assert.match(err.message, /neoverse-v1/);
});

Deno.test("ram: strings that do not parse, sizes not a multiple of 4 KiB, out of range", () => {
  assertScenarioError(() => vm().ram("lots" as "1GiB"), "invalid_value", "ram", '"lots"');
  assertScenarioError(() => vm().ram("1 GB" as "1GiB"), "invalid_value", "ram", '"1 GB"');
  assertScenarioError(() => vm().ram(5000), "invalid_value", "ram", "ram(5000)");
  assertScenarioError(() => vm().ram("1.3KiB"), "invalid_value", "ram", '"1.3KiB"');
  assertScenarioError(() => vm().ram("2TiB"), "out_of_range", "ram", '"2TiB"');
  assertScenarioError(() => vm().ram(0), "out_of_range", "ram", "ram(0)");
  assertScenarioError(() => vm().ram("1GiB", { base: 0x123 }), "bad_address", "ram", "base = 291");
});

Deno.test("addresses: negative, non-integer, not 4-byte aligned, outside RAM", () => {
  assertScenarioError(() => g().write(-4, 1), "bad_address", "write", "addr = -4");
  assertScenarioError(() => g().read(0x4000_0000 + 0.5), "bad_address", "read", "1073741824.5");
  assertScenarioError(() => g().read(0x4000_0002), "bad_address", "read", "0x40000002");
  const err = assertScenarioError(() => g().read(0x8000_0000), "bad_address", "read", "0x80000000");
  assert.match(err.message, /\[0x40000000, 0x80000000\)/);
  assertScenarioError(() => g().dc_cvac(0x7fff_ffc0, 128), "bad_address", "dc_cvac", "0x7fffffc0");
  assertScenarioError(
    () => g().host((h) => h.write(0x3fff_fffc, 1)),
    "bad_address",
    "host.write",
    "0x3ffffffc",
  );
  assertScenarioError(
    () => g().host((h) => h.unmap(0x4000_0004)),
    "bad_address",
    "host.unmap",
    "0x40000004",
  );
  assertScenarioError(() => g().pc(0x4000_8002), "bad_address", "pc", "0x40008002");
});

Deno.test("addresses: RAM set after the guest is checked at toJSON() and run(), all issues together", () => {
  const b = vm().guest((g) => g.write(0x7000_0000, 1).read(0x7000_0000).read(0x4000_0000)).ram(
    "256MiB",
  );
  const err = assertThrowsScenario(() => b.toJSON());
  assert.ok(err instanceof InvalidScenarioError);
  assertEquals([err.code, err.call, err.value], ["bad_address", "steps[0].addr", 0x7000_0000]);
  assertEquals(err.issues.map((i) => i.path), ["steps[0].addr", "steps[1].addr"]);
  assert.match(err.message, /0x70000000/);
});

Deno.test("values: not 32-bit", () => {
  assertScenarioError(
    () => g().write(0x4000_0000, 2 ** 32),
    "invalid_value",
    "write",
    "value = 0x100000000",
  );
  assertScenarioError(() => g().write(0x4000_0000, 1.25), "invalid_value", "write", "value = 1.25");
  assertScenarioError(
    () => g().write(0x4000_0000, -(2 ** 31) - 1),
    "invalid_value",
    "write",
    "-0x80000001",
  );
  assertScenarioError(() => g().vmReg("TCR", 2 ** 33), "invalid_value", "vmReg", "0x200000000");
  assertScenarioError(
    () => g().vmReg("SCTLR" as "TCR", 1),
    "unknown_name",
    "vmReg",
    '"SCTLR"',
  );
});

Deno.test("vCPU and physical CPU indices out of range", () => {
  const err = assertScenarioError(
    () => vm().cpus(2).guest((g) => g.on(2, (h) => h)),
    "out_of_range",
    "on",
    "vcpu = 2",
  );
  assert.match(err.message, /0 to 1/);
  assertScenarioError(() => g().on(-1, (h) => h), "invalid_value", "on", "vcpu = -1");
  assertScenarioError(() => g().migrate(0, 4), "out_of_range", "migrate", "pcpu = 4");
  assertScenarioError(() => g().migrate(1, 0), "out_of_range", "migrate", "vcpu = 1");
  assertScenarioError(() => g().host((h) => h, { cpu: 9 }), "out_of_range", "host", "cpu = 9");
  // cpus lowered after the guest: caught at toJSON().
  const late = assertThrowsScenario(() =>
    vm().cpus(2).guest((g) => g.on(1, (h) => h.mmuOn())).cpus(1).toJSON()
  );
  assertEquals([late.code, late.call], ["out_of_range", "steps[0].vcpu"]);
});

Deno.test("S/W operands: level, set and way must be non-negative integers (level 1-based)", () => {
  assertScenarioError(() => g().dc_csw(0, 0, 0), "out_of_range", "dc_csw", "level = 0");
  assertScenarioError(() => g().dc_cisw(1, -1, 0), "out_of_range", "dc_cisw", "set = -1");
  assertScenarioError(() => g().dc_isw(1, 0, 0.5), "invalid_value", "dc_isw", "way = 0.5");
  assertScenarioError(() => g().dc_civac(0x4000_0000, 0), "out_of_range", "dc_civac", "len = 0");
});

Deno.test("system cache geometry: powers of two that divide into sets", () => {
  assertScenarioError(
    () => vm().systemCache({ size: 3 * 2 ** 20, ways: 16 }),
    "bad_geometry",
    "systemCache",
    "3145728",
  );
  assertScenarioError(
    () => vm().systemCache({ size: 2 ** 20, ways: 12 }),
    "bad_geometry",
    "systemCache",
    "12",
  );
  assertScenarioError(
    () => vm().systemCache({ size: 1024, ways: 32 }),
    "bad_geometry",
    "systemCache",
    "32",
  );
  assertScenarioError(
    () => vm().systemCache({ size: 2 ** 20, ways: 8, lineSize: 8 }),
    "bad_geometry",
    "systemCache",
    "lineSize",
  );
});

Deno.test("speculation, seed, policy, sctlr bits and guest functions", () => {
  const spec = assertScenarioError(
    () => vm().speculation("loud" as "quiet"),
    "unknown_name",
    "speculation",
    '"loud"',
  );
  assert.match(spec.message, /quiet, adversarial/);
  assertScenarioError(() => vm().seed(0.5), "invalid_value", "seed", "seed(0.5)");
  assertScenarioError(() => vm().seed(Number.NaN), "invalid_value", "seed", "NaN");
  const pol = assertScenarioError(
    () => vm().policy("kvm-5.0"),
    "unknown_name",
    "policy",
    '"kvm-5.0"',
  );
  assert.match(pol.message, /kvm-4\.0/);
  assertScenarioError(() => g().sctlr({}), "invalid_value", "sctlr", "{}");
  assertScenarioError(() => g().sctlr({ x: true } as never), "invalid_value", "sctlr", '"x"');
  assertScenarioError(() => vm().guest(() => 42 as never), "invalid_value", "guest", "42");
});

Deno.test("presets: an image outside RAM is refused at the builder call", () => {
  const err = assertThrowsScenario(() => vm().ram("32KiB").guest((g) => g.zImage32()));
  assertEquals(err.code, "bad_address");
  assert.match(err.call, /^zImage32\(\)\[\d+\]\.addr$/);
  const opt = assertThrowsScenario(() => g().zImage32({ era: "1990" as "2015" }));
  assertEquals([opt.code, opt.call], ["unknown_name", "zImage32"]);
});

Deno.test("AArch64 guests on an ARMv7 machine (tc2): refused, naming the machine and the guest", async () => {
  // An AArch64 preset: the preset's name is the path, the machine is in the message.
  for (const preset of ["uboot", "edk2", "linuxArm64"] as const) {
    const err = assertThrowsScenario(() => vm().machine("tc2").guest((g) => g[preset]()));
    assertEquals([err.code, err.call], ["invalid_value", `${preset}()[0].aarch32`]);
    assert.match(err.message, new RegExp(`^.*${preset}\\(\\)\\[0\\]\\.aarch32 = false`));
    assert.match(err.message, /machine "tc2" is ARMv7-A and cannot run an AArch64 guest/);
  }
  // An AArch64 step.
  const step = assertScenarioError(
    () => vm().machine("tc2").guest((g) => g.aarch32(false)),
    "invalid_value",
    "aarch32",
    "aarch32(enabled = false)",
  );
  assert.match(step.message, /machine "tc2" is ARMv7-A/);
  // The machine chosen after the guest: toJSON() and run() refuse the scenario.
  const late = vm().guest((g) => g.uboot({ words: 4, pages: 1 })).machine("tc2");
  const err = assertThrowsScenario(() => late.toJSON());
  assertEquals([err.code, err.call], ["invalid_value", "steps[0].aarch32"]);
  await assert.rejects(() => late.run(), (e: unknown) => e instanceof InvalidScenarioError);
  // AArch32 guests and plain programs run there, in AArch32.
  const ok = await vm().machine("tc2").guest((g) => g.aarch32().zImage32({ words: 4 }).sw_clean())
    .run();
  assert.ok(ok.events.some((e) => e.name === "kvm_exit" && e.type === "HVC" && e.ec === 0x03));
  // The same AArch64 guest runs on an ARMv8 machine.
  assertEquals((await vm().machine("juno-r0").guest((g) => g.uboot()).run()).policy, "kvm-4.0");
});

Deno.test("smpSecondary(): a VM with one vCPU is refused at the call, naming the cpus to add", () => {
  const err = assertScenarioError(
    () => vm().guest((g) => g.smpSecondary()),
    "out_of_range",
    "smpSecondary",
    "vm().cpus(2)",
  );
  assert.match(err.message, /second vCPU/);
  assertEquals(vm().cpus(2).guest((g) => g.smpSecondary()).toJSON().steps.length > 0, true);
});

Deno.test("vmReg(): a value that is not 32-bit is shown as the value argument", () => {
  assertScenarioError(
    () => g().vmReg("TTBR0", -1.5),
    "invalid_value",
    "vmReg",
    "value = -1.5",
  );
});

Deno.test("run(): a program longer than maxSteps is refused by its length, before its steps are checked", async () => {
  // Three calls, three steps; the machine chosen afterwards also makes the
  // first one invalid. The length is known without looking at any step, so
  // it is what a too-long program is told first.
  const long = vm().guest((g) => g.aarch32(false).read(0x4000_0000).read(0x4000_0004))
    .machine("tc2");
  await assert.rejects(
    () => long.run({ maxSteps: 2 }),
    (e: unknown) => {
      const err = e as { code?: string; message?: string };
      assertEquals(err.code, "budget_exceeded", err.message);
      assert.match(err.message ?? "", /has 3 steps, more than maxSteps = 2/);
      return true;
    },
  );
});
