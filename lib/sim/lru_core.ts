/**
 * The WebAssembly core of {@linkcode TraceCache.replay} (replay.ts) on long
 * ranges, for caches of 4, 8, 16 or 32 ways: the same state changes as the
 * JavaScript loop of replay.ts (true LRU by stamps, the slot model's keys,
 * states and stamps, the slots filled while invalid), with a set's ways
 * compared four at a time: a lookup compares every key of the set with the
 * line's at once, a miss takes the way of the smallest stamp (the lowest
 * invalid way if there is one) with a vector minimum. No branch depends on
 * where in the set a line is, where cachegrind's simulator (cg_sim.c,
 * valgrind 3.19) and bench/lru_sim.c search a most-recent-first list.
 *
 * A module is assembled here, at first use, from the instruction listing
 * below, for one geometry (ways and sets, and so every address, are
 * constants in it): no toolchain, no binary file, no permission. Its memory:
 *
 * - a header of 32-bit words (`H_*`): the LRU clock and its limit, the most
 *   recent line and slot, the counters of the last run;
 * - a chunk of the trace: addresses (f64), kinds and sizes (bytes), and
 *   each access's line as the first pass of `run` finds it (`linesBody`);
 * - per slot, its key, its stamp and its state, as in the store
 *   (lib/hw/cache_store.ts); the list of slots filled while invalid, in
 *   order (the resident index is the caller's).
 *
 * `run(n)` replays the first `n` accesses of the chunk and returns how many
 * it did: it stops before an access it leaves to the caller (a line of
 * 2^31 - 3 or above, a bad size, or an LRU clock near its limit, whose
 * renumbering is the store's).
 *
 * @example Usage
 * ```ts
 * import { lruCoreBytes } from "./lru_core.ts";
 * console.log(WebAssembly.validate(lruCoreBytes(8, 64, 64))); // true
 * ```
 *
 * @module
 */

import { type CacheStore, KEY_LIMIT, KEY_WIDE } from "../hw/cache_store.ts";

/** Header words (byte offsets). */
const H_CLOCK = 8,
  H_LIMIT = 12,
  H_MRU_LINE = 16,
  H_MRU_SLOT = 20,
  H_MISSES = 24,
  H_WRITES = 32,
  H_WRITEBACKS = 36,
  H_FILLS = 40;

/** Accesses copied into the module's memory at a time. */
const CHUNK = 1 << 15;
/** The header's bytes, then the chunk. */
const HEADER = 128, ADDRS = HEADER, KINDS = ADDRS + 8 * CHUNK, SIZES = KINDS + CHUNK;
/** Each access's line, or -1 when it is not the common case (see `linesBody`). */
const LINES = SIZES + CHUNK + 16;
/** Where the per-slot regions start. */
const KEYS = LINES + 4 * CHUNK + 16;

/** The per-slot regions of a cache of `slots` slots, and the bytes of memory it needs. */
function layout(slots: number) {
  const stamps = KEYS + 4 * slots;
  const states = stamps + 4 * slots;
  const filled = (states + slots + 3) & ~3;
  return { keys: KEYS, stamps, states, filled, bytes: filled + 4 * slots };
}

/** The largest associativity the core takes (a set's ways are one 32-bit mask). */
const MAX_WAYS = 32;

// Opcodes (WebAssembly core specification 1.0, section 5.4).
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d;
const VOID = 0x40, I32 = 0x7f, I64 = 0x7e, F64 = 0x7c, V128 = 0x7b;
const GET = 0x20, SET = 0x21, TEE = 0x22;
const I32_LOAD = 0x28, I64_LOAD = 0x29, F64_LOAD = 0x2b, I32_LOAD8_U = 0x2d;
const I32_STORE = 0x36, I32_STORE8 = 0x3a;
const I32_CONST = 0x41, I64_CONST = 0x42, F64_CONST = 0x44;
const I32_EQZ = 0x45, I32_EQ = 0x46;
const I32_GT_U = 0x4b, I32_GE_U = 0x4f;
const I64_NE = 0x52, I64_LT_U = 0x54, I64_GT_U = 0x56, F64_NE = 0x62, F64_GE = 0x66;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, I32_OR = 0x72;
const I32_SHL = 0x74, I32_SHR_U = 0x76;
const I32_CTZ = 0x68;
const I64_SUB = 0x7d,
  I64_AND = 0x83,
  I64_OR = 0x84,
  I64_SHL = 0x86,
  I64_SHR_U = 0x88,
  I32_WRAP_I64 = 0xa7,
  F64_CONVERT_I64_S = 0xb9;
// Non-trapping conversion (WebAssembly 2.0): NaN gives 0, out of range saturates.
const I64_TRUNC_SAT_F64_S = [0xfc, 0x06];
// Fixed-width SIMD (WebAssembly 2.0, section 5.4.8): the prefix, then the opcode.
const V128_LOAD = [0xfd, 0x00], I8X16_SHUFFLE = [0xfd, 0x0d], I32X4_SPLAT = [0xfd, 0x11];
const V128_LOAD8X8_U = [0xfd, 0x02], V128_CONST = [0xfd, 0x0c], V128_STORE = [0xfd, 0x0b];
const V128_AND = [0xfd, 0x4e], V128_OR = [0xfd, 0x50], V128_XOR = [0xfd, 0x51];
const F64X2_EQ = [0xfd, 0x47], F64X2_ADD = [0xfd, 0xf0, 0x01], F64X2_SUB = [0xfd, 0xf1, 0x01];
const I32X4_EXTEND_LOW_U = [0xfd, 0xa9, 0x01];
const I64X2_SHR_U = [0xfd, 0xcd, 0x01], I64X2_SUB = [0xfd, 0xd1, 0x01];
const I32X4_EXTRACT_LANE = [0xfd, 0x1b];
const I32X4_EQ = [0xfd, 0x37], I32X4_BITMASK = [0xfd, 0xa4, 0x01], I32X4_MIN_S = [0xfd, 0xb6, 0x01];
const I32X4_LT_S = [0xfd, 0x39], I32X4_SHL = [0xfd, 0xab, 0x01], I32X4_SHR_U = [0xfd, 0xad, 0x01];
const I32X4_ADD = [0xfd, 0xae, 0x01], I32X4_SUB = [0xfd, 0xb1, 0x01];

type Code = (number | Code)[];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function sleb64(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const flat = (c: Code): number[] => c.flatMap((x) => (typeof x === "number" ? [x] : flat(x)));
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];

const i32 = (n: number): Code => [I32_CONST, ...sleb(n)];
/** An i64 constant (below 2^53). */
const i64 = (n: number): Code => [I64_CONST, ...sleb64(BigInt(n))];
const f64 = (x: number): Code => [F64_CONST, ...new Uint8Array(Float64Array.of(x).buffer)];
const get = (l: number): Code => [GET, ...uleb(l)];
const set = (l: number): Code => [SET, ...uleb(l)];
const tee = (l: number): Code => [TEE, ...uleb(l)];
/** A load or store with the natural alignment (log2 bytes) and a constant offset. */
const mem = (op: number, align: number, offset = 0): Code => [op, align, ...uleb(offset)];
const header = (offset: number): Code => [i32(0), mem(I32_LOAD, 2, offset)];
const addTo = (l: number, value: Code): Code => [get(l), value, I32_ADD, set(l)];

// Locals: the parameter, then i32s, then f64s, then vectors.
const N = 0;
let next = 1;
const local = () => next++;
const I = local(), W = local(), SIZE = local(), LINE = local(), KEY = local(), BASE = local();
const MASK = local(), SLOT = local(), MISS = local(), OLD = local(), WORD = local();
const CLOCK = local(), MRU_LINE = local(), MRU_SLOT = local();
const MISSES = local(), WRITES = local(), FRAC = local();
const I32_LOCALS = next - 1;
const A = local(), BITS = local(), SH = local();
const I64_LOCALS = 3;
const T = local();
const F64_LOCALS = 1;
const FIRST_V128 = next;
const KV = local(), MV = local(), WORDS = local(), V = local(), X = local();
const AV0 = local(), AV1 = local(), L0 = local(), L1 = local();
const C_TWO52 = local(), C_BIAS = local(), C_ONES = local(), C_SIGN = local(), C_LIMIT = local();
const C_ZERO = local(), C_ONE = local(), C_OFFSET = local();
const V128_LOCALS = next - FIRST_V128;

/** The header word each local that lives across the run comes from and goes back to. */
const HELD: [number, number][] = [
  [CLOCK, H_CLOCK],
  [MRU_LINE, H_MRU_LINE],
  [MRU_SLOT, H_MRU_SLOT],
  [MISSES, H_MISSES],
  [WRITES, H_WRITES],
];

/** Adds `value` to a header word. */
const addToHeader = (h: number, value: Code): Code => [
  i32(0),
  header(h),
  value,
  I32_ADD,
  mem(I32_STORE, 2, h),
];

const simd = (op: number[], ...rest: number[]): Code => [...op, ...rest];
/** A vector of two equal 64-bit lanes, `x` a bigint (an integer) or a double. */
const v128x2 = (x: bigint | number): Code => {
  const lane = new Uint8Array(8);
  const view = new DataView(lane.buffer);
  if (typeof x === "bigint") view.setBigInt64(0, x, true);
  else view.setFloat64(0, x, true);
  return [simd(V128_CONST), ...lane, ...lane];
};
/** A vector of four equal 32-bit lanes. */
const v128x4 = (
  x: number,
): Code => [simd(V128_CONST), ...new Uint8Array(Int32Array.of(x, x, x, x).buffer)];
const vload = (offset: number): Code => [simd(V128_LOAD), 4, ...uleb(offset)];
const shuffle = (lanes: number[]): Code => [simd(I8X16_SHUFFLE), ...lanes];

/**
 * A mask of the ways of the set at BASE (its first slot * 4) whose word in
 * the region at `region` equals the vector in `v`: bit k for way k.
 */
function waysEqual(region: number, ways: number, v: number): Code {
  const out: Code = [];
  for (let q = 0; q < ways / 4; q++) {
    out.push([get(BASE), vload(region + 16 * q), get(v), simd(I32X4_EQ), simd(I32X4_BITMASK)]);
    if (q > 0) out.push([i32(4 * q), I32_SHL, I32_OR]);
  }
  return out;
}

/**
 * One line reference (the line in LINE, a store when W is 1): on a miss,
 * counts the access's miss (and write miss) unless MISS says its other line
 * did, and sets MISS; a hit leaves it (an access's two lines share it). As
 * replay.ts's `#refLine` and `#ref` for a line below KEY_LIMIT.
 */
function reference(ways: number, setMask: number, r: ReturnType<typeof layout>): Code {
  const state = (
    slot: number,
    value: Code,
  ): Code => [get(slot), value, mem(I32_STORE8, 0, r.states)];
  const minimum: Code = [get(BASE), vload(r.stamps)];
  for (let q = 1; q < ways / 4; q++) {
    minimum.push([get(BASE), vload(r.stamps + 16 * q), simd(I32X4_MIN_S)]);
  }
  const swapHalves = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const swapPairs = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
  return [
    [get(LINE), get(MRU_LINE), I32_EQ, IF, VOID],
    // Already the newest stamp of its set.
    [get(W), IF, VOID, state(MRU_SLOT, i32(2)), END],
    ELSE,
    [get(LINE), i32(1), I32_ADD, tee(KEY), simd(I32X4_SPLAT), set(KV)],
    [get(LINE), i32(setMask), I32_AND, i32(ways * 4), I32_MUL, set(BASE)],
    [waysEqual(r.keys, ways, KV), tee(MASK), IF, VOID],
    // A hit: keys are unique in a set.
    [get(BASE), i32(2), I32_SHR_U, get(MASK), I32_CTZ, I32_ADD, set(SLOT)],
    ELSE,
    // A miss: the first way of the smallest stamp (invalid ways have stamp 0).
    [minimum, tee(MV), get(MV), get(MV), shuffle(swapHalves), simd(I32X4_MIN_S), tee(MV)],
    [get(MV), get(MV), shuffle(swapPairs), simd(I32X4_MIN_S), set(MV)],
    [get(BASE), i32(2), I32_SHR_U, waysEqual(r.stamps, ways, MV), I32_CTZ, I32_ADD, set(SLOT)],
    // Counted once per access (a straddling one may miss twice); a write
    // miss in the high half of WRITES (see `runBody`).
    [get(MISSES), get(MISS), I32_EQZ, I32_ADD, set(MISSES)],
    addTo(WRITES, [get(MISS), I32_EQZ, get(W), I32_AND, i32(16), I32_SHL]),
    [i32(1), set(MISS)],
    [get(SLOT), mem(I32_LOAD8_U, 0, r.states), tee(OLD), I32_EQZ, IF, VOID],
    // Filled while invalid: the caller adds it to the resident index.
    [header(H_FILLS), i32(2), I32_SHL, get(SLOT), mem(I32_STORE, 2, r.filled)],
    [addToHeader(H_FILLS, i32(1)), END],
    addToHeader(H_WRITEBACKS, [get(OLD), i32(1), I32_SHR_U]),
    [get(SLOT), i32(2), I32_SHL, get(KEY), mem(I32_STORE, 2, r.keys)],
    state(SLOT, i32(1)),
    END,
    [get(W), IF, VOID, state(SLOT, i32(2)), END],
    [get(CLOCK), i32(1), I32_ADD, set(CLOCK)],
    [get(SLOT), i32(2), I32_SHL, get(CLOCK), mem(I32_STORE, 2, r.stamps)],
    [get(LINE), set(MRU_LINE), get(SLOT), set(MRU_SLOT)],
    END,
  ];
}

/**
 * A first pass over the chunk, four accesses at a time: each access's word
 * into LINES, its line with the kind's store bit on top when it is the
 * common case (an integer address from 0 whose line is below KEY_LIMIT - 1,
 * a size from 1 to a line that does not straddle two), else -1, which sends
 * it to the general front end of `accessBody`. Adding 2^52 to a double
 * below 2^52 puts its integer part in the low bits of the sum, exactly when
 * it has none other: the address comes out of its bits without a
 * conversion, which V8 checks with a conversion back on every access. The
 * addresses take two vectors of two; the rest is done on one of four.
 */
function linesBody(lineSize: number): Code {
  const shift = Math.log2(lineSize);
  const and = simd(V128_AND), or = simd(V128_OR), xor = simd(V128_XOR);
  const low = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
  const high = low.map((b) => b + 4);
  // The constants, held in locals: V8 would build each one again on every
  // iteration, as many instructions as the test it takes part in.
  const constants: [number, Code][] = [
    [C_TWO52, v128x2(2 ** 52)],
    [C_BIAS, v128x2(0x4330_0000_0000_0000n)],
    [C_ONES, v128x4(-1)],
    [C_SIGN, v128x4(-(2 ** 31))],
    // Below KEY_LIMIT - 1 unsigned: below this signed, the sign flipped.
    [C_LIMIT, v128x4((KEY_LIMIT - 1) ^ -(2 ** 31))],
    [C_ZERO, v128x4(0)],
    [C_ONE, v128x4(1)],
    [C_OFFSET, v128x4(lineSize - 1)],
  ];
  // Two accesses' addresses, all ones where a double is not an integer
  // (NaN, a fraction, 2^52 and above: the sum less 2^52 is not the double),
  // into `av`, and shifted right into lines into `l`. A negative integer or
  // one above 2^52 has bits in the high half of its line.
  const pair = (first: number, av: number, l: number): Code => [
    [get(I), i32(3), I32_SHL, vload(ADDRS + 8 * first), tee(V), get(C_TWO52), simd(F64X2_ADD)],
    [tee(X), get(C_TWO52), simd(F64X2_SUB), get(V), simd(F64X2_EQ), get(C_ONES), xor],
    [get(X), get(C_BIAS), simd(I64X2_SUB), or, tee(av), i32(shift), simd(I64X2_SHR_U), set(l)],
  ];
  return [
    constants.map(([l, c]) => [c, set(l)]),
    [i32(0), set(I), BLOCK, VOID, LOOP, VOID],
    [get(I), get(N), I32_GE_U, BR_IF, 1],
    [pair(0, AV0, L0), pair(2, AV1, L1)],
    // The four lines' low halves, the word so far: the common case when
    // the high halves are 0 and the low ones below KEY_LIMIT - 1.
    [get(L0), get(L1), shuffle(low), tee(V)],
    [get(C_SIGN), xor, get(C_LIMIT), simd(I32X4_LT_S)],
    // The sizes less 1, S: the offset in the line + S, or'ed with S, below
    // a line (a size of 0 gives all ones).
    [get(I), simd(V128_LOAD8X8_U), 3, ...uleb(SIZES), simd(I32X4_EXTEND_LOW_U)],
    [get(C_ONE), simd(I32X4_SUB), tee(X), get(AV0), get(AV1), shuffle(low), get(C_OFFSET), and],
    [simd(I32X4_ADD), get(X), or, i32(shift), simd(I32X4_SHR_U)],
    [get(L0), get(L1), shuffle(high), or, get(C_ZERO), simd(I32X4_EQ), and],
    // The line where all hold, else all ones (-1); the kind's store bit
    // (STORE is the only odd kind) on top.
    [get(C_ONES), xor, get(V), or],
    [get(I), simd(V128_LOAD8X8_U), 3, ...uleb(KINDS), simd(I32X4_EXTEND_LOW_U)],
    [i32(31), simd(I32X4_SHL), or, set(V)],
    [get(I), i32(2), I32_SHL, get(V), simd(V128_STORE), 4, ...uleb(LINES)],
    addTo(I, i32(4)),
    [BR, 0, END, END],
  ];
}

/** The body of `run(n)`. */
function runBody(ways: number, sets: number, lineSize: number): Code {
  const r = layout(ways * sets);
  const ref = reference(ways, sets - 1, r);
  return [
    ...HELD.map(([l, h]) => [header(h), set(l)]),
    linesBody(lineSize),
    // Blocks: the run's end (where a stop goes), then the four-at-a-time
    // loop's end (where the last one to three accesses are left).
    [i32(0), set(I), BLOCK, VOID, BLOCK, VOID, LOOP, VOID],
    [get(I), i32(4), I32_ADD, get(N), I32_GT_U, BR_IF, 1],
    // Four accesses' words at a time: one load (and one bounds check)
    // instead of four, and I moved on once for the four.
    [get(I), i32(2), I32_SHL, vload(LINES), set(WORDS)],
    [0, 1, 2, 3].map((k) =>
      accessBody(ref, lineSize, [get(WORDS), simd(I32X4_EXTRACT_LANE), k], k)
    ),
    [addTo(I, i32(4)), BR, 0, END, END],
    [BLOCK, VOID, LOOP, VOID],
    [get(I), get(N), I32_GE_U, BR_IF, 1],
    accessBody(ref, lineSize, [get(I), i32(2), I32_SHL, mem(I32_LOAD, 2, LINES)], 0),
    [addTo(I, i32(1)), BR, 0, END, END],
    END,
    ...HELD.map(([l, h]) => [i32(0), get(l), mem(I32_STORE, 2, h)]),
    get(I),
  ];
}

/**
 * Access I + `k` of `runBody`'s loops, its first-pass word from `word`:
 * replays it, or leaves the run (I moved on to it) at a rare access it
 * stops before. Both loops leave the run's end two blocks out.
 */
function accessBody(ref: Code, lineSize: number, word: Code, k: number): Code {
  const shift = Math.log2(lineSize);
  /** Leaves the run when the condition on the stack holds, `depth` blocks into the access. */
  const stop = (depth: number): Code =>
    k === 0 ? [BR_IF, depth + 2] : [IF, VOID, addTo(I, i32(k)), BR, depth + 3, END];
  return [
    // The first pass's word: the line, and the kind's store bit on top.
    [i32(0), set(MISS), word, tee(WORD)],
    [i32(31), I32_SHR_U, set(W), get(WORD), i32(0x7fff_ffff), I32_AND, tee(LINE)],
    [i32(KEY_LIMIT - 1), I32_GE_U, IF, VOID],
    [get(I), mem(I32_LOAD8_U, 0, KINDS + k), i32(1), I32_AND, set(W)],
    // The address's integer part A, and FRAC 1 when it has a fraction. A
    // double from 1 to 2^53 is its significand (52 bits and the implicit
    // one) shifted right by SH = 1075 - its exponent field, so the common
    // case is integer arithmetic: V8's conversions from floating point
    // check their result with a conversion back, a long chain on every access.
    [get(I), i32(3), I32_SHL, mem(I64_LOAD, 3, ADDRS + 8 * k), set(BITS)],
    [i64(1075), get(BITS), i64(52), I64_SHR_U, I64_SUB, tee(SH), i64(52), I64_GT_U, IF, VOID],
    // Below 1, from 2^53, negative, NaN: in floating point (NaN gives 0).
    [get(I), i32(3), I32_SHL, mem(F64_LOAD, 3, ADDRS + 8 * k), tee(T)],
    [simd(I64_TRUNC_SAT_F64_S), set(A)],
    [get(T), f64(0), F64_GE, I32_EQZ, stop(2)],
    [get(A), F64_CONVERT_I64_S, get(T), F64_NE, set(FRAC)],
    ELSE,
    [get(BITS), i64(2 ** 52 - 1), I64_AND, i64(2 ** 52), I64_OR, get(SH), I64_SHR_U, set(A)],
    [get(BITS), i64(1), get(SH), I64_SHL, i64(1), I64_SUB, I64_AND, i64(0), I64_NE, set(FRAC)],
    END,
    // As replay.ts: a line below KEY_LIMIT - 1 (its successor too).
    [get(A), i64((KEY_LIMIT - 1) * lineSize), I64_LT_U, I32_EQZ, stop(1)],
    [get(A), i64(shift), I64_SHR_U, I32_WRAP_I64, set(LINE)],
    // Straddling: offset + size > lineSize, an offset with a fraction
    // counting as one byte more (replay.ts compares the exact fraction).
    // Or'ed with size - 1, so that a size of 0 or above a line takes the
    // same rare branch, where the core stops before it.
    [get(I), mem(I32_LOAD8_U, 0, SIZES + k), tee(SIZE), i32(1), I32_SUB, tee(SIZE)],
    [get(A), I32_WRAP_I64, i32(lineSize - 1), I32_AND, get(SIZE), I32_ADD],
    [get(FRAC), I32_ADD, I32_OR],
    [i32(lineSize), I32_GE_U, IF, VOID],
    [get(SIZE), i32(lineSize), I32_GE_U, stop(2)],
    // A straddling access looks this line up, then the next, as one access.
    [ref, get(LINE), i32(1), I32_ADD, set(LINE)],
    END,
    END,
    ref,
    // Writes in the low half, write misses in the high one, added by a
    // miss (a run takes at most CHUNK < 2^16).
    addTo(WRITES, get(W)),
  ];
}

/**
 * The bytes of the module for one geometry: one memory (exported as
 * `memory`, as many pages as it needs) and `run(n)`.
 *
 * @example Usage
 * ```ts
 * import { lruCoreBytes } from "./lru_core.ts";
 * const m = new WebAssembly.Module(lruCoreBytes(4, 16, 64));
 * console.log(WebAssembly.Module.exports(m).map((e) => e.name)); // [ "run", "memory" ]
 * ```
 * @param ways associativity, a multiple of 4 up to 32
 * @param sets number of sets, a power of two
 * @param lineSize bytes per line, a power of two
 * @returns the bytes of a valid WebAssembly 2.0 module
 */
export function lruCoreBytes(
  ways: number,
  sets: number,
  lineSize: number,
): Uint8Array<ArrayBuffer> {
  const body = [
    ...vec([
      [...uleb(I32_LOCALS), I32],
      [...uleb(I64_LOCALS), I64],
      [...uleb(F64_LOCALS), F64],
      [...uleb(V128_LOCALS), V128],
    ]),
    ...flat(runBody(ways, sets, lineSize)),
    END,
  ];
  const pages = Math.ceil(layout(ways * sets).bytes / 65536);
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32]]), ...vec([[I32]])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec([[...name("run"), 0x00, 0], [...name("memory"), 0x02, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/**
 * The instantiated core of one geometry and the copy of a cache's state in
 * its memory (see the module doc). A replay loads its cache's state, runs
 * the trace through in chunks and saves the state back before it returns
 * or hands an access to the store's general path.
 *
 * @example Usage
 * ```ts
 * import { lruCore } from "./lru_core.ts";
 * import { CacheStore } from "../hw/cache_store.ts";
 * const store = new CacheStore({ sets: 4, ways: 4, lineSize: 64 }, null, 1000);
 * const core = lruCore(4, 4, 64)!;
 * core.load(store);
 * core.feed(Float64Array.of(0, 64, 0), Uint8Array.of(0, 1, 0), Uint8Array.of(4, 4, 4), 0, 3);
 * console.log(core.run(3), core.counts()); // 3 [ 1, 2, 0, 0 ]
 * core.save(store);
 * console.log(store.residentCount); // 2
 * ```
 */
export class LruCore {
  readonly #run: (n: number) => number;
  readonly #i32: Int32Array<ArrayBufferLike>;
  readonly #u8: Uint8Array<ArrayBufferLike>;
  readonly #f64: Float64Array<ArrayBufferLike>;
  readonly #slots: number;
  readonly #ways: number;
  readonly #r: ReturnType<typeof layout>;
  #wideMru = false;
  #counts: [number, number, number, number] = [0, 0, 0, 0];

  /**
   * Assembles and instantiates the module of a geometry.
   *
   * @param ways associativity, a multiple of 4 up to 32
   * @param sets number of sets
   * @param lineSize bytes per line
   */
  constructor(ways: number, sets: number, lineSize: number) {
    const bytes = lruCoreBytes(ways, sets, lineSize);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    this.#run = instance.exports.run as (n: number) => number;
    const buffer = (instance.exports.memory as WebAssembly.Memory).buffer;
    this.#i32 = new Int32Array(buffer);
    this.#u8 = new Uint8Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#slots = ways * sets;
    this.#ways = ways;
    this.#r = layout(this.#slots);
  }

  /**
   * Copies the store's LRU state in: keys, stamps, states, the clock and
   * its limit, the most recent line.
   *
   * @param store the cache's storage (LRU, of this core's geometry)
   */
  load(store: CacheStore): void {
    const h = this.#i32;
    h.fill(0, 0, HEADER >> 2);
    this.#counts = [0, 0, 0, 0];
    h[H_LIMIT >> 2] = store.clockLimit;
    this.reload(store);
  }

  /**
   * Copies in again what the store's general path may have changed since
   * {@linkcode LruCore.save}.
   *
   * @param store the store last loaded
   */
  reload(store: CacheStore): void {
    const h = this.#i32;
    const r = this.#r;
    h[H_CLOCK >> 2] = store.clock;
    // A wide line (none of the core's) cannot be the core's most recent one:
    // it is kept aside, and given back unless the core used another line.
    this.#wideMru = store.mruLine >= KEY_LIMIT;
    h[H_MRU_LINE >> 2] = this.#wideMru ? -1 : store.mruLine;
    h[H_MRU_SLOT >> 2] = this.#wideMru ? -1 : store.mruSlot;
    h.set(store.keys, r.keys >> 2);
    h.set(store.stamps, r.stamps >> 2);
    this.#u8.set(store.states, r.states);
  }

  /**
   * Copies accesses `[from, from + n)` of a trace into the chunk.
   *
   * @param addrs addresses
   * @param kinds kinds
   * @param sizes sizes
   * @param from first access
   * @param n how many, at most {@linkcode LruCore.chunk}
   */
  feed(addrs: Float64Array, kinds: Uint8Array, sizes: Uint8Array, from: number, n: number): void {
    this.#f64.set(addrs.subarray(from, from + n), ADDRS >> 3);
    this.#u8.set(kinds.subarray(from, from + n), KINDS);
    this.#u8.set(sizes.subarray(from, from + n), SIZES);
  }

  /** Accesses {@linkcode LruCore.feed} takes at a time. */
  get chunk(): number {
    return CHUNK;
  }

  /**
   * Replays the first `n` accesses of the chunk, or as many as the LRU
   * clock allows before its limit (an access takes at most two stamps; the
   * renumbering at the limit is the store's).
   *
   * @param n accesses fed
   * @returns how many it replayed: fewer when it stopped before one it leaves to the caller
   */
  run(n: number): number {
    const h = this.#i32;
    const room = Math.floor((h[H_LIMIT >> 2] - 1 - h[H_CLOCK >> 2]) / 2);
    const done = this.#run(Math.max(0, Math.min(n, CHUNK, room)));
    // The run's counters, taken out at once: writes and write misses share a word.
    const packed = h[H_WRITES >> 2] >>> 0;
    this.#counts[0] += packed & 0xffff;
    this.#counts[1] += h[H_MISSES >> 2];
    this.#counts[2] += packed >>> 16;
    this.#counts[3] += h[H_WRITEBACKS >> 2];
    h[H_WRITES >> 2] = h[H_MISSES >> 2] = h[H_WRITEBACKS >> 2] = 0;
    return done;
  }

  /**
   * The counters of the runs since the last call, zeroed.
   *
   * @returns writes, misses, write misses and write-backs
   */
  counts(): [number, number, number, number] {
    const out = this.#counts;
    this.#counts = [0, 0, 0, 0];
    return out;
  }

  /**
   * Writes the state back into the store: keys, tags, states, stamps, each
   * set's most recent slot, the clock, the most recent line, and the slots
   * filled while invalid into the resident index, in the order they were
   * filled.
   *
   * @param store the store last loaded
   */
  save(store: CacheStore): void {
    const h = this.#i32;
    const r = this.#r;
    const slots = this.#slots;
    store.clock = h[H_CLOCK >> 2];
    if (!(this.#wideMru && h[H_MRU_LINE >> 2] === -1)) {
      store.mruLine = h[H_MRU_LINE >> 2];
      store.mruSlot = h[H_MRU_SLOT >> 2];
    }
    const keys = h.subarray(r.keys >> 2, (r.keys >> 2) + slots);
    const stamps = h.subarray(r.stamps >> 2, (r.stamps >> 2) + slots);
    store.keys.set(keys);
    store.stamps.set(stamps);
    store.states.set(this.#u8.subarray(r.states, r.states + slots));
    const tags = store.tags;
    const setMru = store.setMru;
    const ways = this.#ways;
    for (let base = 0, set = 0; base < slots; base += ways, set++) {
      let newest = base;
      for (let slot = base; slot < base + ways; slot++) {
        const key = keys[slot];
        // A line the core filled: its tag is its key - 1 (wide lines never reach it).
        if (key !== 0 && key !== KEY_WIDE) tags[slot] = key - 1;
        if (stamps[slot] > stamps[newest]) newest = slot;
      }
      setMru[set] = newest;
    }
    const filled = r.filled >> 2;
    const fills = h[H_FILLS >> 2];
    for (let k = 0; k < fills; k++) store.enlist(h[filled + k]);
    h[H_FILLS >> 2] = 0;
  }
}

/** The cores of the geometries used last, newest last. */
const cores = new Map<string, LruCore>();
const KEPT_CORES = 4;

/**
 * This thread's core for a geometry, assembled on first use; null when the
 * core does not take it (ways not a multiple of 4, or above 32).
 *
 * @example Usage
 * ```ts
 * import { lruCore } from "./lru_core.ts";
 * console.log(lruCore(8, 64, 64) === lruCore(8, 64, 64), lruCore(2, 64, 64)); // true null
 * ```
 * @param ways associativity
 * @param sets number of sets
 * @param lineSize bytes per line
 * @returns the core, or null
 */
export function lruCore(ways: number, sets: number, lineSize: number): LruCore | null {
  if (ways % 4 !== 0 || ways > MAX_WAYS) return null;
  const key = `${ways},${sets},${lineSize}`;
  let core = cores.get(key);
  if (core === undefined) {
    core = new LruCore(ways, sets, lineSize);
    if (cores.size >= KEPT_CORES) cores.delete(cores.keys().next().value!);
  } else cores.delete(key);
  cores.set(key, core);
  return core;
}
