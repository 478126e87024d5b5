import assert from "node:assert/strict";
import { Random } from "../../lib/hw/random.ts";

const M32 = 1n << 32n;

/**
 * mulberry32 (Tommy Ettinger, 2017) from its published definition, in
 * BigInt arithmetic modulo 2^32 rather than the generator's int32 tricks:
 * add 0x6D2B79F5 to the state, then t = (t ^ t>>15) * (t | 1),
 * t ^= t + (t ^ t>>7) * (t | 61), and return t ^ t>>14. setway's generator
 * starts from the seed xor 0x9E3779B9 (the 32-bit golden ratio).
 */
function* reference(seed: number): Generator<number> {
  let state = (BigInt.asUintN(32, BigInt(seed)) ^ 0x9e3779b9n) % M32;
  while (true) {
    state = (state + 0x6d2b79f5n) % M32;
    let t = state;
    t = ((t ^ (t >> 15n)) * (t | 1n)) % M32;
    t = t ^ ((t + ((t ^ (t >> 7n)) * (t | 61n)) % M32) % M32);
    yield Number(t ^ (t >> 14n));
  }
}

function take(gen: Generator<number>, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(gen.next().value as number);
  return out;
}

Deno.test("Random: the first values of a few seeds are pinned", () => {
  // Computed with an independent mulberry32 written in Python (integers modulo 2^32).
  const pinned: [number, number[]][] = [
    [0, [0x5be036b8, 0x1b1c79e4, 0xacdfd63c, 0xeafdc25e]],
    [1, [0x308eb0d7, 0x515a87ce, 0xc877fbe3, 0x88dfa407]],
    [42, [0x7b378804, 0xfc399502, 0xbce82416, 0x9cf1ea00]],
    [-1, [0xfdef6cd4, 0x76778a28, 0x39be265d, 0x887a336f]],
  ];
  for (const [seed, values] of pinned) {
    const r = new Random(seed);
    assert.deepEqual(values.map(() => r.nextU32()), values, `seed ${seed}`);
  }
});

Deno.test("Random: nextU32 follows mulberry32 for many seeds and draws", () => {
  for (const seed of [0, 1, 2, 7, 1000, -5, 0x7fffffff, -0x80000000, 0xdeadbeef]) {
    const r = new Random(seed);
    const want = take(reference(seed), 200);
    const got = want.map(() => r.nextU32());
    assert.deepEqual(got, want, `seed ${seed}`);
    for (const v of got) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  }
});

Deno.test("Random: the same seed gives the same sequence, and reseed starts it again", () => {
  const a = new Random(99), b = new Random(99);
  const first = Array.from({ length: 50 }, () => a.nextU32());
  assert.deepEqual(Array.from({ length: 50 }, () => b.nextU32()), first);
  a.reseed(99);
  assert.deepEqual(Array.from({ length: 50 }, () => a.nextU32()), first);
  // Reseeding with another seed gives that seed's sequence.
  a.reseed(12345);
  assert.deepEqual(Array.from({ length: 20 }, () => a.nextU32()), take(reference(12345), 20));
});

Deno.test("Random: below(n) is floor(u * n / 2^32) of the next value", () => {
  for (const n of [2, 3, 6, 10, 1000, 1_000_000_000, 2 ** 31 + 7]) {
    const r = new Random(7);
    const ref = reference(7);
    for (let i = 0; i < 300; i++) {
      const u = BigInt(ref.next().value as number);
      const want = Number((u * BigInt(n)) >> 32n);
      const got = r.below(n);
      assert.equal(got, want, `n ${n}, draw ${i}`);
      assert.ok(got >= 0 && got < n);
    }
  }
  // Pinned: seed 7, a die of six faces.
  const die = new Random(7);
  assert.deepEqual(Array.from({ length: 8 }, () => die.below(6)), [5, 2, 4, 0, 1, 1, 5, 0]);
});

Deno.test("Random: below(1) and below(0) are 0 and draw nothing", () => {
  const r = new Random(3);
  assert.equal(r.below(1), 0);
  assert.equal(r.below(0), 0);
  assert.deepEqual(Array.from({ length: 5 }, () => r.nextU32()), take(reference(3), 5));
});
