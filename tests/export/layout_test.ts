// Where the exported test places itself in RAM, at the edges: 2 MiB block
// boundaries, the size of one block, a program straddling the first GiB of
// RAM, QEMU's memory size, and the 2^39-byte identity map.
//
// The expected sizes are worked out by hand from setway.h and mmu.c: a
// struct step is 64 bytes (four u32, two u64, four u32, two u64), a struct
// preload 16 (a u64 and a u32, padded to the u64's alignment), a CPU's stack
// STACK_SIZE = 0x4000 bytes; the tables are the level-1 table, a page of
// alignment and one 4 KiB level-2 table per GiB mapped; the code and its
// constants get a fixed 64 KiB. With one CPU and one level-2 table that is
// 64 KiB + 16 KiB + 3 * 4 KiB = 94,208 bytes before the step and preload
// tables, leaving 2,002,944 bytes of a 2 MiB block: 31,296 steps or 125,184
// preloads.
import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { placeProgram } from "../../lib/export/layout.ts";

const MIB = 1024 * 1024;
const BLOCK = 2 * MIB;
const RAM = 0x4000_0000;

Deno.test("layout: a range ending exactly on a 2 MiB boundary leaves the next block free", () => {
  // The last word of block 1 (0x40200000..0x403fffff): block 2 is free.
  const l = placeProgram([[0x4040_0000 - 4, 0x4040_0000]], { cpus: 1, steps: 1, preloads: 1 });
  assert.equal(l.programBase, 0x4040_0000);
  assert.equal(l.programEnd, 0x4060_0000);
  // One word into block 2: the program moves on to block 3.
  const m = placeProgram([[0x4040_0000, 0x4040_0004]], { cpus: 1, steps: 1, preloads: 1 });
  assert.equal(m.programBase, 0x4020_0000);
  const n = placeProgram(
    [[0x4020_0000, 0x4020_0004], [0x4040_0000, 0x4040_0004]],
    { cpus: 1, steps: 1, preloads: 1 },
  );
  assert.equal(n.programBase, 0x4060_0000);
});

Deno.test("layout: a program takes one 2 MiB block up to the byte, then two", () => {
  const span = (cpus: number, steps: number, preloads: number) => {
    const l = placeProgram([[0x4000_8000, 0x4000_8004]], { cpus, steps, preloads });
    assert.equal(l.programBase, RAM + BLOCK);
    return (l.programEnd - l.programBase) / BLOCK;
  };
  // 94,208 + 31,296 * 64 = 2 MiB exactly.
  assert.equal(span(1, 31_296, 0), 1);
  assert.equal(span(1, 31_297, 0), 2);
  // 94,208 + 125,184 * 16 = 2 MiB exactly.
  assert.equal(span(1, 0, 125_184), 1);
  assert.equal(span(1, 0, 125_185), 2);
  // Eight stacks: 65,536 + 8 * 16,384 + 12,288 + 29,504 * 64 = 2 MiB exactly.
  assert.equal(span(8, 29_504, 0), 1);
  assert.equal(span(8, 29_505, 0), 2);
  assert.equal(span(9, 29_504, 0), 2);
});

Deno.test("layout: a program straddling the end of RAM's first GiB gets a second level-2 table", () => {
  // Everything up to the last block of the first GiB is the scenario's.
  const l = placeProgram([[RAM, 0x7fe0_0000]], { cpus: 1, steps: 31_297, preloads: 0 });
  assert.equal(l.programBase, 0x7fe0_0000);
  assert.equal(l.programEnd, 0x8020_0000);
  assert.equal(l.l2Tables, 2);
  assert.equal(l.mappedBytes, 2 * 1024 * MIB);
  // QEMU's memory reaches the program's end: 0x40200000 bytes from RAM's start.
  assert.equal(l.memoryMiB, 1026);
});

Deno.test("layout: the second level-2 table the program's place needs counts in its size", () => {
  // The first GiB is the scenario's: the program goes to the second. With
  // one level-2 table 31,296 steps fit one block; the second table adds
  // 4 KiB, and they need two.
  const l = placeProgram([[RAM, 0x8000_0000]], { cpus: 1, steps: 31_296, preloads: 0 });
  assert.equal(l.programBase, 0x8000_0000);
  assert.equal(l.l2Tables, 2);
  assert.equal(l.programEnd, 0x8040_0000);
  assert.equal(l.memoryMiB, 1028);
});

Deno.test("layout: the mapped RAM and QEMU's memory reach the scenario's highest address", () => {
  const l = placeProgram([[0xc000_0000, 0xc000_0004]], { cpus: 1, steps: 2, preloads: 1 });
  assert.equal(l.programBase, RAM + BLOCK);
  // 0x40000000 to 0xc0000004 needs three GiB of tables.
  assert.equal(l.l2Tables, 3);
  assert.equal(l.mappedBytes, 3 * 1024 * MIB);
  assert.equal(l.memoryMiB, 2049);
});

Deno.test("layout: QEMU's memory is at least its 128 MiB default", () => {
  const l = placeProgram([[0x4000_8000, 0x4000_8004]], { cpus: 1, steps: 2, preloads: 1 });
  assert.equal(l.memoryMiB, 128);
  const high = placeProgram([[0x4800_0000, 0x4800_0004]], { cpus: 1, steps: 2, preloads: 1 });
  assert.equal(high.memoryMiB, 129);
});

Deno.test("layout: addresses up to the 2^39-byte identity map are placed, one past it refused", () => {
  // TCR_EL1.T0SZ = 25: the map covers [0, 2^39), so a range may end at 2^39.
  const l = placeProgram([[2 ** 39 - 4, 2 ** 39]], { cpus: 1, steps: 1, preloads: 1 });
  assert.equal(l.l2Tables, 511);
  assert.equal(RAM + l.mappedBytes, 2 ** 39);
  let error: unknown;
  try {
    placeProgram([[2 ** 39, 2 ** 39 + 4]], { cpus: 1, steps: 1, preloads: 1 });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ScenarioError, String(error));
  assert.equal(error.code, "out_of_range");
  assert.equal(error.value, 2 ** 39 + 4);
  assert.match(error.message, /past the 0x8000000000 its identity map covers/);
});
