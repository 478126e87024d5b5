import assert from "node:assert/strict";
import fc from "fast-check";
import { Hardware } from "../../lib/hw/hardware.ts";
import { lruAges } from "../support/hardware_state.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { ScenarioError } from "../../lib/errors.ts";

const machine: Machine = {
  name: "two-clusters",
  description: "2 x 2 CPUs, small caches, a system cache",
  clusters: [
    { cpus: 2, l1d: { size: 512, ways: 2 }, l2: { size: 2048, ways: 4 } },
    { cpus: 2, l1d: { size: 512, ways: 2 }, l2: { size: 2048, ways: 4 } },
  ],
  systemCache: { size: 4096, ways: 4 },
};

function state(hw: Hardware) {
  return {
    caches: hw.caches.map((c) => {
      const slots = Array.from(c.residentSlots()).sort((a, b) => a - b);
      const ages = lruAges(c);
      return slots.map((s) => [
        s,
        c.tags[s],
        c.states[s],
        ages[s],
        ...c.data.subarray(s * 16, s * 16 + 16),
      ]);
    }),
    dram: Array.from({ length: 64 * 16 }, (_, i) => hw.memory.read(0x1000 + i * 4)),
  };
}

Deno.test("writeLine: the same state as writing each word of the line in order", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.nat(3), fc.nat(63), fc.integer({ min: -5, max: 5 }), fc.boolean()),
        { maxLength: 60 },
      ),
      (ops) => {
        const a = new Hardware(machine), b = new Hardware(machine);
        for (const [cpu, line, value, whole] of ops) {
          const addr = 0x1000 + line * 64;
          if (whole) {
            a.writeLine(cpu, addr + 4 * (line & 15), value);
            for (let w = 0; w < 16; w++) b.write(cpu, addr + 4 * w, value, true);
          } else {
            a.write(cpu, addr + 8, value, true);
            b.write(cpu, addr + 8, value, true);
          }
        }
        assert.deepEqual(state(a), state(b));
      },
    ),
    { seed: 5, numRuns: 150 },
  );
});

Deno.test("writeLine: bad CPU, address or value throws ScenarioError", () => {
  const hw = new Hardware(machine);
  const isError = (value: RegExp) => (e: unknown) =>
    e instanceof ScenarioError && e.call === "writeLine" && value.test(e.message);
  assert.throws(() => hw.writeLine(4, 0x1000, 0), isError(/cpu 4/));
  assert.throws(() => hw.writeLine(0, -64, 0), isError(/-64/));
  assert.throws(() => hw.writeLine(0, 0x1000, 2 ** 32), isError(/0x100000000/));
});
