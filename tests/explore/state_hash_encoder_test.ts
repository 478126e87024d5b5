// The state encoder's building blocks: value names, exactness, numbers, plain data and the 64-bit
// hash. Two states that differ must encode apart, or the search prunes a state it has not seen.
import assert from "node:assert/strict";
import { StateEncoder } from "../../lib/engine/explore/state_hash.ts";

/** The hash of a plain-data value, as `structural` encodes it. */
function structuralHash(value: unknown): [number, number] {
  const e = new StateEncoder(0);
  e.reset();
  e.structural(value);
  return e.hash();
}

/** The hash of a list of integers. */
function intsHash(values: readonly number[]): [number, number] {
  const e = new StateEncoder(0);
  e.reset();
  for (const v of values) e.int(v);
  return e.hash();
}

Deno.test("StateEncoder: zero keeps its own negative code and takes no program value's name", () => {
  const e = new StateEncoder(1);
  e.reset();
  const zero = e.name(0, 0, true);
  assert.ok(zero < 0, `zero named ${zero}`);
  assert.equal(e.name(0, 0, true), zero);
  // The first program value is still name 1: zero did not use it up.
  assert.equal(e.name(0, 0x1234, true), 1);
});

Deno.test("StateEncoder: an address with many distinct values still knows its first ones", () => {
  const e = new StateEncoder(1);
  e.reset();
  const values = [11, 22, 33, 44, 55, 66, 77, 88, 99];
  values.forEach((v, i) => assert.equal(e.name(0, v, true), i + 1));
  values.forEach((v, i) => assert.equal(e.name(0, v, true), i + 1, `value ${v}`));
  assert.equal(e.name(0, 1234, false) < 0, true);
});

Deno.test("StateEncoder: under recency naming, a lookup names nothing: the newest is the first value inserted", () => {
  const e = new StateEncoder(1, true);
  e.reset();
  // An idle copy met before the expectation is "not newest" and does not become the newest.
  assert.equal(e.name(0, 5, false), 2);
  assert.equal(e.name(0, 7, true), 1);
  assert.equal(e.name(0, 5, true), 2);
  assert.equal(e.name(0, 7, false), 1);
});

Deno.test("StateEncoder: reset makes an inexact encoding exact again", () => {
  const e = new StateEncoder(0);
  e.reset();
  e.structural(() => 1);
  assert.equal(e.exact, false);
  e.reset();
  assert.equal(e.exact, true);
  e.structural({ flags: [true, false] });
  assert.equal(e.exact, true);
});

Deno.test("StateEncoder: appending an inexact part makes the whole encoding inexact", () => {
  const part = new StateEncoder(0);
  part.structural({ hook: () => 1 });
  assert.equal(part.exact, false);
  const e = new StateEncoder(0);
  e.reset();
  e.int(1);
  e.append(part);
  assert.equal(e.exact, false);
  // An exact part leaves it exact.
  const exact = new StateEncoder(0), whole = new StateEncoder(0);
  exact.structural({ n: 1 });
  whole.append(exact);
  assert.equal(whole.exact, true);
});

Deno.test("StateEncoder: numbers that are not 32-bit integers are encoded by all 64 bits", () => {
  assert.notDeepEqual(structuralHash({ base: 2 ** 32 }), structuralHash({ base: 2 ** 33 }));
  assert.notDeepEqual(structuralHash({ rate: 0.5 }), structuralHash({ rate: 0.25 }));
  assert.deepEqual(structuralHash({ rate: 0.5 }), structuralHash({ rate: 0.5 }));
});

Deno.test("StateEncoder: every integer of the range takes part in the hash, the first included", () => {
  assert.notDeepEqual(intsHash([1]), intsHash([2]));
  assert.notDeepEqual(intsHash([1, 5]), intsHash([2, 5]));
  const e = new StateEncoder(0);
  e.reset();
  e.int(9);
  e.int(1);
  const one = e.hash(1);
  e.length = 1;
  e.int(2);
  assert.notDeepEqual(e.hash(1), one);
});

Deno.test("StateEncoder: the hash's two halves are mixed apart, each from every integer", () => {
  // These two encodings share their high half; only the low half tells them apart.
  const a = intsHash([65798, 65798 * 65798]);
  const b = intsHash([138041, 138041 * 138041]);
  assert.equal(a[0], b[0]);
  assert.notEqual(a[1], b[1]);
  // Each half alone tells a thousand small states apart.
  const his = new Set<number>(), los = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const [hi, lo] = intsHash([i]);
    his.add(hi);
    los.add(lo);
  }
  assert.equal(his.size, 1000);
  assert.equal(los.size, 1000);
});

Deno.test("StateEncoder: null and undefined, and Sets of different members, encode apart", () => {
  assert.notDeepEqual(structuralHash({ owner: null }), structuralHash({ owner: undefined }));
  assert.notDeepEqual(structuralHash([null]), structuralHash([undefined]));
  assert.notDeepEqual(structuralHash(new Set([1])), structuralHash(new Set([2])));
  assert.notDeepEqual(
    structuralHash({ pending: new Set(["a", "b"]) }),
    structuralHash({ pending: new Set(["a", "c"]) }),
  );
  assert.deepEqual(structuralHash(new Set([1, 2])), structuralHash(new Set([1, 2])));
});
