import assert from "node:assert/strict";
import { DEFAULT_CLOCK_HZ, machineClockHz } from "../../lib/hw/machine.ts";

Deno.test("machineClockHz: a machine's own clock, in Hz", () => {
  assert.equal(machineClockHz({ clockHz: 2_400_000_000 }), 2_400_000_000);
  assert.equal(machineClockHz({ clockHz: 1 }), 1);
});

Deno.test("machineClockHz: a machine that states no clock runs at 1 GHz", () => {
  // One cycle is one nanosecond at the default clock.
  assert.equal(DEFAULT_CLOCK_HZ, 1e9);
  assert.equal(machineClockHz({}), 1e9);
  assert.equal(machineClockHz({ clockHz: undefined }), 1e9);
});
