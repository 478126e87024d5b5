import assert from "node:assert/strict";
import fc from "fast-check";
import {
  coreClidrProblem,
  CTYPE_SEPARATE,
  CTYPE_UNIFIED,
  decodeCcsidr,
  decodeClidr,
  encodeCcsidr,
  encodeClidr,
  setWayOperand,
} from "../../lib/hw/clidr.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { ScenarioError } from "../../lib/errors.ts";

Deno.test("CLIDR/CCSIDR: encode and decode round-trip for every encodable value", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 4, max: 11 }),
      fc.integer({ min: 1, max: 1024 }),
      fc.integer({ min: 1, max: 32768 }),
      (logLine, ways, sets) => {
        const v = encodeCcsidr({ lineSize: 2 ** logLine, ways, sets });
        assert.ok(v >= 0 && v < 2 ** 32);
        const f = decodeCcsidr(v);
        assert.deepEqual([f.lineSize, f.ways, f.sets], [2 ** logLine, ways, sets]);
        assert.equal(v & 7, logLine - 4);
      },
    ),
    { seed: 1, numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 7, maxLength: 7 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 3 }),
      (ctypes, louis, loc, louu, icb) => {
        const f = decodeClidr(encodeClidr({ ctypes, louis, loc, louu, icb }));
        assert.deepEqual(f, { ctypes, louis, loc, louu, icb });
      },
    ),
    { seed: 1, numRuns: 300 },
  );
});

Deno.test("CLIDR/CCSIDR: field positions follow the ARMv8 layout", () => {
  // Cortex-A57-like: L1 separate, L2 unified, LoUIS 1, LoC 2, LoUU 1.
  assert.equal(
    encodeClidr({ ctypes: [CTYPE_SEPARATE, CTYPE_UNIFIED], louis: 1, loc: 2, louu: 1 }),
    0x0a20_0023,
  );
  // 32 KiB 2-way 64 B: NumSets 255, Associativity 1, LineSize 2, WB/RA/WA set.
  assert.equal(encodeCcsidr({ lineSize: 64, ways: 2, sets: 256 }), 0x701f_e00a);
  // 1 MiB 16-way: 1024 sets.
  assert.equal(encodeCcsidr({ lineSize: 64, ways: 16, sets: 1024 }), 0x707f_e07a);
  assert.throws(() => encodeCcsidr({ lineSize: 64, ways: 16, sets: 65536 }), ScenarioError);
  assert.throws(() => encodeCcsidr({ lineSize: 8, ways: 1, sets: 1 }), ScenarioError);
  assert.throws(() => encodeClidr({ ctypes: [8], louis: 0, loc: 0, louu: 0 }), ScenarioError);
  // Cortex-A76 TRM B2.19 (and the Neoverse N1 and V1 TRMs): ICB 0b010 in [32:30], LoUU 0, LoC 2,
  // LoUIS 0: 0x82000023. ICB 0b100 (L4) needs bit 32, outside the 32 bits modelled.
  assert.equal(
    encodeClidr({ ctypes: [CTYPE_SEPARATE, CTYPE_UNIFIED], louis: 0, loc: 2, louu: 0, icb: 2 }),
    0x8200_0023,
  );
  assert.equal(decodeClidr(0x8200_0023).icb, 2);
  assert.equal(decodeClidr(0x0a20_0023).icb, 0);
  assert.throws(
    () => encodeClidr({ ctypes: [CTYPE_SEPARATE], louis: 0, loc: 1, louu: 0, icb: 4 }),
    ScenarioError,
  );
  assert.equal(setWayOperand(2, 3, 15, 16, 64), 0xf000_00c2);
  assert.equal(setWayOperand(1, 5, 0, 1, 64), 5 * 64);
  // A = Log2(Associativity) rounded up: 3 ways take bits [31:30], 12 ways [31:28].
  assert.equal(setWayOperand(1, 0, 2, 3, 64), 0x8000_0000);
  assert.equal(setWayOperand(2, 5, 11, 12, 64), 0xb000_0142);
});

Deno.test("Hardware: CLIDR and CCSIDR describe the CPU's own levels, never the system cache", () => {
  const hw = new Hardware({
    name: "two-kinds",
    description: "",
    clusters: [
      { cpus: 2, l1d: { size: 32768, ways: 2 }, l2: { size: 1 << 20, ways: 16 } },
      { cpus: 1, l1d: { size: 16384, ways: 4 } },
    ],
    systemCache: { size: 8 << 20, ways: 32 },
  });
  const big = decodeClidr(hw.clidr(0));
  assert.deepEqual(big, { ctypes: [3, 4, 0, 0, 0, 0, 0], louis: 1, loc: 2, louu: 1, icb: 0 });
  const little = decodeClidr(hw.clidr(2));
  assert.deepEqual(little.ctypes, [3, 0, 0, 0, 0, 0, 0]);
  assert.equal(little.loc, 1);
  // What a guest walk derives from the registers is the geometry.
  for (const [cpu, level] of [[0, 1], [0, 2], [1, 2], [2, 1]]) {
    const f = decodeCcsidr(hw.ccsidr(cpu, level));
    assert.deepEqual({ sets: f.sets, ways: f.ways, lineSize: f.lineSize }, hw.geometry(cpu, level));
  }
  assert.deepEqual(hw.geometry(0, 2), { sets: 1024, ways: 16, lineSize: 64 });
  assert.deepEqual(hw.geometry(2, 1), { sets: 64, ways: 4, lineSize: 64 });
  assert.throws(
    () => hw.ccsidr(2, 2),
    (e: unknown) => e instanceof ScenarioError && e.code === "out_of_range",
  );
});

Deno.test("a cluster's clidr sets LoUIS, LoUU and ICB; each must name one of its levels", () => {
  const l1d = { size: 32768, ways: 4 }, l2 = { size: 1 << 20, ways: 8 };
  const hw = new Hardware({
    name: "mixed",
    description: "",
    clusters: [{ cpus: 1, l1d, l2, clidr: { louis: 0, louu: 0, icb: 2 } }, { cpus: 1, l1d, l2 }],
  });
  assert.equal(hw.clidr(0).toString(16), "82000023");
  assert.equal(hw.clidr(1).toString(16), "a200023");
  assert.equal(coreClidrProblem(undefined, 2), null);
  assert.equal(coreClidrProblem({ louis: 2, louu: 2, icb: 2 }, 2), null);
  assert.deepEqual(coreClidrProblem({ icb: 2 }, 1), {
    field: "icb",
    value: 2,
    expected: "an integer from 0 to 1, a level of the cluster",
    outOfRange: true,
  });
  assert.equal(coreClidrProblem({ louu: -1 }, 2)?.field, "louu");
  assert.equal(coreClidrProblem({ louis: 0.5 }, 2)?.outOfRange, false);
  assert.equal(coreClidrProblem({ lou: 0 }, 2)?.expected, "no such field (louis, louu, icb)");
  assert.equal(coreClidrProblem([0, 0], 2)?.field, "");
  assert.throws(
    () =>
      new Hardware({
        name: "l1-only",
        description: "",
        clusters: [{ cpus: 1, l1d, clidr: { louu: 2 } }],
      }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "out_of_range" &&
      e.call === "clusters[0].clidr.louu" && e.value === 2,
  );
});
