/**
 * A compact binary form of a {@linkcode MemoryTrace}, for storing traces of
 * real programs next to the code (compress it with gzip on top: the columns
 * below are laid out so that gzip finds their repetitions).
 *
 * Layout (all integers are unsigned LEB128 varints):
 *
 * ```
 * "SWTR" 0x01               magic and version
 * count                     number of accesses
 * count bytes               kind | (size code << 2): size code 0..5 is a size of
 *                           1 << code bytes, 6 means the size follows in the
 *                           sizes column
 * sizes column              one byte per access with size code 6
 * count varints             zigzag(addr[i] - addr[i - 1]), addr[-1] = 0
 * ```
 *
 * Simplified: addresses must be integers below 2^52 (the largest physical
 * address space, and far above any user-space address lackey reports), so
 * that every delta and its zigzag form stay exact in floating point.
 *
 * @example Usage
 * ```ts
 * import { decodeTrace, encodeTrace } from "./access_trace_codec.ts";
 * import { parseLackey } from "./lackey.ts";
 * const trace = parseLackey(" L 1ffefff000,8\n S 00601040,4\n M 00601040,4\n");
 * const bytes = encodeTrace(trace);
 * const back = decodeTrace(bytes);
 * console.log(back.length, back.addrs[1] === trace.addrs[1], back.kinds[2]); // 3 true 2
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { MemoryTrace } from "./access_trace.ts";

const MAGIC = [0x53, 0x57, 0x54, 0x52, 0x01]; // "SWTR", version 1
const EXPLICIT_SIZE = 6;
const TWO_POW_52 = 2 ** 52;
const TWO_POW_53 = 2 ** 53;

/** A growable byte buffer for the encoder. */
class ByteWriter {
  bytes = new Uint8Array(1 << 16);
  length = 0;

  #room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  byte(b: number): void {
    this.#room(1);
    this.bytes[this.length++] = b;
  }

  /** An unsigned varint of a non-negative integer below 2^53. */
  varint(v: number): void {
    this.#room(8);
    while (v >= 128) {
      this.bytes[this.length++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.bytes[this.length++] = v;
  }
}

function badTrace(why: string, value: unknown): never {
  throw new ScenarioError("invalid_value", "decodeTrace", value, `decodeTrace: ${why}`);
}

/**
 * Encodes a trace (see the module doc for the layout).
 *
 * @example Usage
 * ```ts
 * import { encodeTrace } from "./access_trace_codec.ts";
 * const bytes = encodeTrace({
 *   length: 2, addrs: Float64Array.of(0x1000, 0x1008),
 *   kinds: Uint8Array.of(0, 1), sizes: Uint8Array.of(8, 8),
 * });
 * console.log(bytes.length); // 11
 * ```
 * @param trace the accesses
 * @returns the encoded bytes
 * @throws {ScenarioError} `bad_address` for an address that is not an integer in `[0, 2^52)`,
 *   `invalid_value` for a kind above 2 or a size of 0
 */
export function encodeTrace(trace: MemoryTrace): Uint8Array {
  const { length, addrs, kinds, sizes } = trace;
  const out = new ByteWriter();
  for (const b of MAGIC) out.byte(b);
  out.varint(length);
  const explicit: number[] = [];
  for (let i = 0; i < length; i++) {
    const kind = kinds[i], size = sizes[i];
    if (kind > 2 || size < 1) {
      throw new ScenarioError(
        "invalid_value",
        "encodeTrace",
        [kind, size],
        `encodeTrace: access ${i} has kind ${showValue(kind)} and size ${
          showValue(size)
        }; expected a kind from 0 to 2 and a size of at least 1`,
      );
    }
    const code = Math.log2(size);
    const sizeCode = Number.isInteger(code) && code < EXPLICIT_SIZE ? code : EXPLICIT_SIZE;
    if (sizeCode === EXPLICIT_SIZE) explicit.push(size);
    out.byte(kind | (sizeCode << 2));
  }
  for (const size of explicit) out.byte(size);
  let prev = 0;
  for (let i = 0; i < length; i++) {
    const addr = addrs[i];
    if (!(Number.isInteger(addr) && addr >= 0 && addr < TWO_POW_52)) {
      throw new ScenarioError(
        "bad_address",
        "encodeTrace",
        addr,
        `encodeTrace: access ${i} has address ${showValue(addr)}; expected an integer in [0, 2^52)`,
      );
    }
    const d = addr - prev;
    out.varint(d >= 0 ? d * 2 : -d * 2 - 1);
    prev = addr;
  }
  return out.bytes.slice(0, out.length);
}

/**
 * Decodes what {@linkcode encodeTrace} produced.
 *
 * @example Usage
 * ```ts
 * import { decodeTrace, encodeTrace } from "./access_trace_codec.ts";
 * const t = decodeTrace(encodeTrace({
 *   length: 1, addrs: Float64Array.of(0x2000), kinds: Uint8Array.of(1), sizes: Uint8Array.of(2),
 * }));
 * console.log(t.addrs[0], t.kinds[0], t.sizes[0]); // 8192 1 2
 * ```
 * @param bytes the encoded trace
 * @returns the trace
 * @throws {ScenarioError} `invalid_value` for bytes that are not an encoded trace (bad
 *   magic, truncated data, trailing bytes)
 */
export function decodeTrace(bytes: Uint8Array): MemoryTrace {
  let p = 0;
  const n = bytes.length;
  for (const b of MAGIC) {
    if (p >= n || bytes[p++] !== b) badTrace("not a setway trace (bad magic)", bytes.length);
  }
  const varint = (): number => {
    let v = 0, scale = 1;
    for (;;) {
      if (p >= n) badTrace("truncated data", n);
      const b = bytes[p++];
      v += (b & 127) * scale;
      if (v >= TWO_POW_53) badTrace("a varint is too large", p);
      if (b < 128) return v;
      scale *= 128;
    }
  };
  const length = varint();
  if (length > n) badTrace(`a count of ${length} accesses cannot fit in ${n} bytes`, length);
  const addrs = new Float64Array(length);
  const kinds = new Uint8Array(length);
  const sizes = new Uint8Array(length);
  if (p + length > n) badTrace("truncated data", n);
  const headers = p;
  p += length;
  for (let i = 0; i < length; i++) {
    const h = bytes[headers + i];
    kinds[i] = h & 3;
    const code = h >>> 2;
    if (kinds[i] > 2 || code > EXPLICIT_SIZE) badTrace(`bad header byte ${h} at access ${i}`, h);
    if (code === EXPLICIT_SIZE) {
      if (p >= n) badTrace("truncated data", n);
      sizes[i] = bytes[p++];
    } else {
      sizes[i] = 1 << code;
    }
  }
  let prev = 0;
  for (let i = 0; i < length; i++) {
    const z = varint();
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    prev += d;
    if (!(prev >= 0 && prev < TWO_POW_52)) badTrace(`access ${i} has address ${prev}`, prev);
    addrs[i] = prev;
  }
  if (p !== n) badTrace(`${n - p} trailing bytes`, n - p);
  return { length, addrs, kinds, sizes };
}
