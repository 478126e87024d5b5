import assert from "node:assert/strict";
import { quietChooser, seededChooser } from "../../lib/hw/chooser.ts";

/** mulberry32 from its published definition, started at seed ^ 0x9E3779B9 (see random_test.ts). */
function* mulberry32(seed: number): Generator<number> {
  let state = BigInt.asUintN(32, BigInt(seed)) ^ 0x9e3779b9n;
  const m = 1n << 32n;
  while (true) {
    state = (state + 0x6d2b79f5n) % m;
    let t = ((state ^ (state >> 15n)) * (state | 1n)) % m;
    t = t ^ ((t + ((t ^ (t >> 7n)) * (t | 61n)) % m) % m);
    yield Number(t ^ (t >> 14n));
  }
}

Deno.test("quietChooser: quiet, and always the outcome 0 (nothing happens)", () => {
  const c = quietChooser();
  assert.equal(c.mode, "quiet");
  for (const n of [1, 2, 10, 1000]) assert.equal(c.pick(n), 0);
});

Deno.test("seededChooser: adversarial, and picks floor(u * n / 2^32) of the seed's sequence", () => {
  for (const seed of [0, 7, 123456]) {
    const c = seededChooser(seed);
    assert.equal(c.mode, "adversarial");
    const ref = mulberry32(seed);
    for (let i = 0; i < 200; i++) {
      const n = 2 + (i % 9);
      const want = Number((BigInt(ref.next().value as number) * BigInt(n)) >> 32n);
      assert.equal(c.pick(n), want, `seed ${seed}, pick ${i} of ${n}`);
    }
  }
});

Deno.test("seededChooser: same seed, same picks; every outcome comes up", () => {
  const a = seededChooser(11), b = seededChooser(11);
  const picks = Array.from({ length: 400 }, () => a.pick(4));
  assert.deepEqual(Array.from({ length: 400 }, () => b.pick(4)), picks);
  assert.deepEqual([...new Set(picks)].sort(), [0, 1, 2, 3]);
});
