import assert from "node:assert/strict";
import fc from "fast-check";
import { ScenarioError } from "../../lib/errors.ts";
import { LOAD, MODIFY, STORE } from "../../lib/sim/access_trace.ts";
import { parseLackey } from "../../lib/sim/lackey.ts";
import { decodeTrace, encodeTrace } from "../../lib/sim/access_trace_codec.ts";

Deno.test("parseLackey: keeps L, S and M lines, skips fetches, messages and blank lines", () => {
  const text = [
    "==123== Lackey, an example Valgrind tool",
    "I  04001100,3",
    " L 1ffefffd38,8",
    " S 0041a0c0,4",
    "",
    " M 0041A0C4,2",
    "I  04001103,5",
    " L 00000010,16\r",
  ].join("\n");
  const t = parseLackey(text);
  assert.equal(t.length, 4);
  assert.deepEqual(Array.from(t.kinds), [LOAD, STORE, MODIFY, LOAD]);
  assert.deepEqual(Array.from(t.addrs), [0x1ffefffd38, 0x41a0c0, 0x41a0c4, 0x10]);
  assert.deepEqual(Array.from(t.sizes), [8, 4, 2, 16]);
  // Bytes and text parse alike.
  assert.deepEqual(parseLackey(new TextEncoder().encode(text)), t);
});

Deno.test("parseLackey: a truncated data line throws naming its line number", () => {
  for (const bad of [" L 0041a0c0\n", " S 0041a0c0,\n", " M zz,4\n", " L 10,0\n", " L 10,999\n"]) {
    assert.throws(
      () => parseLackey("I  0400,3\n" + bad),
      (e: unknown) => e instanceof ScenarioError && /line 2/.test(e.message),
      JSON.stringify(bad),
    );
  }
});

Deno.test("parseLackey: sizes from 1 to 255, the byte a trace keeps per access; 256 is refused, not wrapped to 0", () => {
  assert.deepEqual(Array.from(parseLackey(" L 10,1\n S 20,255\n").sizes), [1, 255]);
  assert.throws(
    () => parseLackey(" L 10,256\n"),
    (e: unknown) => e instanceof ScenarioError && /size from 1 to 255/.test(e.message),
  );
});

Deno.test("trace codec: round trip of any trace, and a compact form", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 2 }),
          fc.oneof(fc.nat(2 ** 20), fc.constant(2 ** 52 - 1), fc.nat(2 ** 40)),
          fc.integer({ min: 1, max: 255 }),
        ),
        { maxLength: 200 },
      ),
      (rows) => {
        const t = {
          length: rows.length,
          kinds: Uint8Array.from(rows, (r) => r[0]),
          addrs: Float64Array.from(rows, (r) => r[1]),
          sizes: Uint8Array.from(rows, (r) => r[2]),
        };
        assert.deepEqual(decodeTrace(encodeTrace(t)), t);
      },
    ),
    { seed: 3, numRuns: 200 },
  );
  // 1000 sequential 8-byte loads: one header byte and one delta byte each.
  const n = 1000;
  const seq = {
    length: n,
    kinds: new Uint8Array(n),
    addrs: Float64Array.from({ length: n }, (_, i) => 0x1000 + 8 * i),
    sizes: new Uint8Array(n).fill(8),
  };
  assert.ok(encodeTrace(seq).length < 2 * n + 16);
});

Deno.test("trace codec: bad input throws ScenarioError", () => {
  const one = {
    length: 1,
    kinds: Uint8Array.of(1),
    addrs: Float64Array.of(0x40),
    sizes: Uint8Array.of(4),
  };
  const bytes = encodeTrace(one);
  const isError = (re: RegExp) => (e: unknown) => e instanceof ScenarioError && re.test(e.message);
  assert.throws(() => decodeTrace(bytes.subarray(0, bytes.length - 1)), isError(/truncated/));
  assert.throws(() => decodeTrace(Uint8Array.of(...bytes, 0)), isError(/trailing/));
  assert.throws(() => decodeTrace(Uint8Array.of(1, 2, 3)), isError(/magic/));
  assert.throws(() => encodeTrace({ ...one, addrs: Float64Array.of(-8) }), isError(/-8/));
  assert.throws(() => encodeTrace({ ...one, addrs: Float64Array.of(2 ** 52) }), isError(/2\^52/));
  assert.throws(() => encodeTrace({ ...one, kinds: Uint8Array.of(3) }), isError(/kind 3/));
});

Deno.test("trace codec: the bytes of a small trace, as the format lays them out", () => {
  const t = {
    length: 4,
    kinds: Uint8Array.of(LOAD, STORE, MODIFY, LOAD),
    addrs: Float64Array.of(0x1000, 0x0ff8, 0x1040, 0x1040),
    sizes: Uint8Array.of(4, 8, 32, 3),
  };
  const expected = [
    ...[0x53, 0x57, 0x54, 0x52, 0x01], // "SWTR", version 1
    0x04, // four accesses
    // Per access, kind | log2(size) << 2; a size that is no power of two up to 32 takes code 6.
    0x08,
    0x0d,
    0x16,
    0x18,
    0x03, // the one explicit size
    // Address deltas, zigzagged (d >= 0: 2d; d < 0: -2d - 1), 7 bits per byte, low first:
    // +4096 -> 8192 = 0x80 0x40; -8 -> 15; +72 -> 144 = 0x90 0x01; 0 -> 0.
    0x80,
    0x40,
    0x0f,
    0x90,
    0x01,
    0x00,
  ];
  assert.deepEqual(Array.from(encodeTrace(t)), expected);
  assert.deepEqual(decodeTrace(Uint8Array.from(expected)), t);
});

Deno.test("trace codec: a trace longer than the writer's first 64 KiB round-trips", () => {
  // Deltas of up to 2^40 take six bytes each: well past the first buffer.
  const n = 20_000;
  const addrs = Float64Array.from({ length: n }, (_, i) => (i % 2) * 2 ** 40 + 64 * i);
  const t = { length: n, kinds: new Uint8Array(n), addrs, sizes: new Uint8Array(n).fill(8) };
  const bytes = encodeTrace(t);
  assert.ok(bytes.length > 100_000);
  assert.deepEqual(decodeTrace(bytes), t);
});

Deno.test("trace codec: decoding refuses what the encoder never writes", () => {
  const isError = (re: RegExp) => (e: unknown) => e instanceof ScenarioError && re.test(e.message);
  const magic = [0x53, 0x57, 0x54, 0x52, 0x01];
  // One access: header, then the address delta.
  const one = (header: number, ...rest: number[]) => Uint8Array.of(...magic, 1, header, ...rest);
  assert.equal(decodeTrace(one(0x08, 0x02)).addrs[0], 1, "kind 0, size 4, address +1");
  assert.throws(() => decodeTrace(one(0x0b, 0x02)), isError(/header byte 11/), "kind 3");
  assert.throws(() => decodeTrace(one(0x1c, 0x02)), isError(/header byte 28/), "size code 7");
  assert.throws(() => decodeTrace(one(0x08, 0x01)), isError(/address -1/), "below address 0");
  assert.throws(
    () => decodeTrace(one(0x08, ...new Array(8).fill(0xff), 0x7f)),
    isError(/too large/),
    "a delta of 2^63",
  );
  assert.throws(
    () => decodeTrace(Uint8Array.of(...magic, 0x0a, 0x08, 0x02)),
    isError(/count of 10 accesses cannot fit in 8 bytes/),
  );
  const zero = {
    length: 1,
    kinds: Uint8Array.of(0),
    addrs: Float64Array.of(0),
    sizes: Uint8Array.of(0),
  };
  assert.throws(() => encodeTrace(zero), isError(/size 0/));
});

Deno.test("parseLackey: the shortest data line counts, even as the last line without a newline", () => {
  const t = parseLackey(" L 0,1");
  assert.equal(t.length, 1);
  assert.deepEqual([t.kinds[0], t.addrs[0], t.sizes[0]], [LOAD, 0, 1]);
});

Deno.test("parseLackey: addresses of up to 13 hex digits (below 2^52); a 14th digit is refused", () => {
  // Beyond 13 digits an address could exceed 2^53 and lose its low bits.
  assert.deepEqual(Array.from(parseLackey(" S fffffffffffff,4\n").addrs), [2 ** 52 - 1]);
  assert.throws(
    () => parseLackey(" S 10000000000000,4\n"),
    (e: unknown) => e instanceof ScenarioError && /line 1/.test(e.message),
  );
});
