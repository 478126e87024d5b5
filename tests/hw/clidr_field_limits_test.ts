import assert from "node:assert/strict";
import { coreClidrProblem, decodeCcsidr, encodeCcsidr } from "../../lib/hw/clidr.ts";
import { ScenarioError } from "../../lib/errors.ts";

/** Whether encodeCcsidr refuses the fields with `out_of_range`. */
function refused(fields: Parameters<typeof encodeCcsidr>[0]): boolean {
  try {
    encodeCcsidr(fields);
  } catch (e) {
    return e instanceof ScenarioError && e.code === "out_of_range";
  }
  return false;
}

Deno.test("encodeCcsidr: line sizes that are not powers of two are refused", () => {
  for (const lineSize of [24, 48, 96, 1000]) {
    assert.ok(refused({ lineSize, ways: 4, sets: 64 }), `${lineSize}-byte lines`);
  }
  assert.ok(!refused({ lineSize: 2048, ways: 4, sets: 64 }));
});

Deno.test("encodeCcsidr: ways and sets beyond their fields are refused, the largest that fit are kept", () => {
  assert.ok(refused({ lineSize: 64, ways: 1025, sets: 64 }));
  assert.ok(refused({ lineSize: 64, ways: 4, sets: 32769 }));
  assert.ok(refused({ lineSize: 64, ways: 0, sets: 64 }));
  const f = decodeCcsidr(encodeCcsidr({ lineSize: 64, ways: 1024, sets: 32768 }));
  assert.deepEqual([f.ways, f.sets], [1024, 32768]);
});

Deno.test("decodeCcsidr: each policy bit decodes to its own field (WT 31, WB 30, RA 29, WA 28)", () => {
  const names = ["writeThrough", "writeBack", "readAllocate", "writeAllocate"] as const;
  names.forEach((name, k) => {
    const f = decodeCcsidr((1 << (31 - k)) >>> 0);
    assert.deepEqual(
      names.filter((n) => f[n]),
      [name],
      `bit ${31 - k}`,
    );
  });
  const none = {
    writeThrough: false,
    writeBack: false,
    readAllocate: false,
    writeAllocate: false,
  };
  for (const name of names) {
    const fields = { lineSize: 64, ways: 2, sets: 256, ...none, [name]: true };
    const f = decodeCcsidr(encodeCcsidr(fields));
    assert.deepEqual(names.map((n) => f[n]), names.map((n) => n === name), name);
  }
});

Deno.test("coreClidrProblem: a field given as undefined is as if absent; a null clidr is refused", () => {
  assert.equal(coreClidrProblem({ louis: undefined, louu: 1, icb: undefined }, 2), null);
  assert.deepEqual(coreClidrProblem(null, 2), {
    field: "",
    value: null,
    expected: "an object { louis?, louu?, icb? }",
    outOfRange: false,
  });
});
