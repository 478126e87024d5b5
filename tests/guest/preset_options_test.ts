import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/mod.ts";
import { ScenarioError, showValue } from "../../lib/errors.ts";
import { presets } from "../../lib/guest/mod.ts";

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
