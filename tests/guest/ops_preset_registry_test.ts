import assert from "node:assert/strict";
import {
  edk2,
  linuxArm64,
  noMaintenance,
  presets,
  smpSecondary,
  type Step,
  uboot,
  vaCorrect,
  zImage32,
} from "../../lib/guest/mod.ts";

Deno.test("presets: each registry entry produces the program of the function of its name", () => {
  const functions: Record<string, () => Step[]> = {
    zImage32: () => zImage32(),
    linuxArm64: () => linuxArm64(),
    edk2: () => edk2(),
    uboot: () => uboot(),
    smpSecondary: () => smpSecondary(),
    noMaintenance: () => noMaintenance(),
    vaCorrect: () => vaCorrect(),
  };
  assert.deepEqual(Object.keys(presets), Object.keys(functions));
  const programs = new Set<string>();
  for (const [name, preset] of Object.entries(presets)) {
    const steps = preset.steps();
    assert.deepEqual(steps, functions[name](), name);
    programs.add(JSON.stringify(steps));
  }
  assert.equal(programs.size, 7, "no two presets share a program");
});
