import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/mod.ts";
import { ScenarioError, showValue } from "../../lib/errors.ts";
import {
  presetAddress,
  presetChoice,
  presetInteger,
  presets,
  presetVcpu,
} from "../../lib/guest/mod.ts";

/** Every preset and the options it takes besides `vcpu`. */
const OPTIONS: Record<string, readonly string[]> = {
  zImage32: ["base", "words", "pages", "era", "load"],
  linuxArm64: ["base", "words", "pages", "cpus", "loadedBy", "fdt"],
  edk2: ["base", "words", "pages"],
  uboot: ["base", "words", "pages"],
  smpSecondary: ["base", "words", "pages", "secondary", "l1"],
  noMaintenance: ["base", "words", "pages"],
  vaCorrect: ["base", "words", "pages"],
};

/** Values no option of a preset takes. */
const WRONG: readonly unknown[] = [null, NaN, "1", true, {}, [], -1, 1.5, Infinity];

Deno.test("presets: every option of the wrong type is a ScenarioError naming the preset, the option and the value", () => {
  let cases = 0;
  for (const [preset, keys] of Object.entries(OPTIONS)) {
    for (const key of keys) {
      for (const value of WRONG) {
        cases++;
        const build = () =>
          vm().cpus(2).ram("1GiB").guest((g) =>
            (g as unknown as Record<string, (o: unknown) => typeof g>)[preset]({ [key]: value })
          ).toJSON();
        assert.throws(build, (e: unknown) => {
          assert.ok(e instanceof ScenarioError, `${preset}(${key} = ${String(value)}): ${e}`);
          assert.ok(e.message.startsWith(`${preset}(`), e.message);
          assert.ok(e.message.includes(`${key} = ${showValue(value)}`), e.message);
          return true;
        });
      }
    }
  }
  assert.equal(cases, 252);
});

Deno.test("presets: options that are not an object, and unknown keys, are refused with a suggestion", () => {
  for (const preset of Object.keys(OPTIONS)) {
    const call = (o: unknown) => () =>
      vm().cpus(2).guest((g) =>
        (g as unknown as Record<string, (o: unknown) => typeof g>)[preset](o)
      );
    for (const o of [null, NaN, 7, "base", true]) {
      assert.throws(call(o), (e: unknown) => e instanceof ScenarioError && e.call === preset);
    }
    assert.throws(
      call({ wrods: 4 }),
      (e: unknown) => e instanceof ScenarioError && /did you mean "words"\?/.test(e.message),
    );
    // The preset functions themselves refuse the same.
    const fn = (presets as unknown as Record<string, { steps: (o?: unknown) => unknown }>)[preset];
    if (fn !== undefined) {
      assert.throws(() => fn.steps(null), ScenarioError);
    }
  }
});

/** The code of the ScenarioError `fn` throws. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected a ScenarioError, got ${e}`);
    return e.code;
  }
  return "accepted";
}

Deno.test("presetVcpu: absent is vCPU 0; anything but a non-negative integer, null too, is refused", () => {
  assert.equal(presetVcpu("p", undefined), 0);
  assert.equal(presetVcpu("p", 0), 0);
  assert.equal(presetVcpu("p", 63), 63);
  for (const bad of [null, -1, 1.5, "1", NaN, Infinity]) {
    assert.equal(codeOf(() => presetVcpu("p", bad)), "invalid_value", showValue(bad));
  }
  assert.throws(() => presetVcpu("uboot", null), /^ScenarioError: uboot\(vcpu = null\)/);
});

Deno.test("presetInteger: the default when absent; both bounds included; a non-integer is invalid_value", () => {
  assert.equal(presetInteger("p", "cpus", undefined, 4, 1, 64), 4);
  assert.equal(presetInteger("p", "cpus", 1, 4, 1, 64), 1);
  assert.equal(presetInteger("p", "cpus", 64, 4, 1, 64), 64);
  assert.equal(codeOf(() => presetInteger("p", "cpus", 0, 4, 1, 64)), "out_of_range");
  assert.equal(codeOf(() => presetInteger("p", "cpus", 65, 4, 1, 64)), "out_of_range");
  for (const bad of [null, 1.5, "2", NaN]) {
    assert.equal(codeOf(() => presetInteger("p", "cpus", bad, 4, 1, 64)), "invalid_value");
  }
});

Deno.test("presetChoice: the first choice by default; another name is refused, listing the choices", () => {
  assert.equal(presetChoice("p", "loadedBy", undefined, ["vmm", "firmware"]), "vmm");
  assert.equal(presetChoice("p", "loadedBy", "firmware", ["vmm", "firmware"]), "firmware");
  assert.throws(
    () => presetChoice("p", "loadedBy", "bootloader", ["vmm", "firmware"]),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.code, "unknown_name");
      assert.equal(e.value, "bootloader");
      assert.match(e.message, /expected one of vmm, firmware$/);
      return true;
    },
  );
});

Deno.test("presetAddress: 4-byte aligned addresses from 0 to 0xfffffffc, nothing else", () => {
  assert.equal(presetAddress("p", "fdt", undefined, 0x4000_0000), 0x4000_0000);
  assert.equal(presetAddress("p", "fdt", 0, 0x4000_0000), 0);
  assert.equal(presetAddress("p", "fdt", 0xffff_fffc, 0x4000_0000), 0xffff_fffc);
  for (const bad of [0x1_0000_0000, 0x4000_0002, -4, 1.5, null, "0"]) {
    assert.equal(codeOf(() => presetAddress("p", "fdt", bad, 0)), "bad_address", showValue(bad));
  }
});

Deno.test("presets: vcpu and each preset's own options are accepted", () => {
  const g = (s: readonly object[]) => new Set(s.map((x) => (x as { vcpu?: number }).vcpu));
  for (const name of ["noMaintenance", "vaCorrect", "edk2", "uboot", "zImage32"] as const) {
    assert.deepEqual(g(presets[name].steps({ vcpu: 1, words: 4, pages: 2 })), new Set([1]), name);
  }
  assert.ok(presets.zImage32.steps({ era: "by-va" }).some((s) => s.kind === "dc_va"));
});
