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
 *   recent line and slot, the counters of the last run, and 1 / lineSize;
 * - per access size, the fraction of a line an access may start at without
 *   straddling two;
 * - a chunk of the trace: addresses (f64), kinds and sizes (bytes);
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
  H_WRITE_MISSES = 28,
  H_WRITES = 32,
  H_WRITEBACKS = 36,
  H_FILLS = 40,
  H_INVERSE_LINE = 56;

/** Accesses copied into the module's memory at a time. */
const CHUNK = 1 << 16;
/** The regions of fixed place: the straddle bounds by size, then the chunk. */
const FITS = 128, ADDRS = FITS + 8 * 256, KINDS = ADDRS + 8 * CHUNK, SIZES = KINDS + CHUNK;
/** Where the per-slot regions start. */
const KEYS = SIZES + CHUNK;

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
const VOID = 0x40, I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;
const GET = 0x20, SET = 0x21, TEE = 0x22;
const I32_LOAD = 0x28, F64_LOAD = 0x2b, I32_LOAD8_U = 0x2d;
const I32_STORE = 0x36, I32_STORE8 = 0x3a;
const I32_CONST = 0x41, F64_CONST = 0x44;
const I32_EQZ = 0x45, I32_EQ = 0x46;
const I32_GE_U = 0x4f;
const F64_LT = 0x63, F64_GT = 0x64, F64_GE = 0x66;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, I32_OR = 0x72;
const I32_SHL = 0x74, I32_SHR_U = 0x76;
const I32_CTZ = 0x68;
const F64_SUB = 0xa1, F64_MUL = 0xa2;
const I32_TRUNC_F64_S = 0xaa, F64_CONVERT_I32_S = 0xb7;
// Fixed-width SIMD (WebAssembly 2.0, section 5.4.8): the prefix, then the opcode.
const V128_LOAD = [0xfd, 0x00], I8X16_SHUFFLE = [0xfd, 0x0d], I32X4_SPLAT = [0xfd, 0x11];
const I32X4_EQ = [0xfd, 0x37], I32X4_BITMASK = [0xfd, 0xa4, 0x01], I32X4_MIN_S = [0xfd, 0xb6, 0x01];

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

const flat = (c: Code): number[] => c.flatMap((x) => (typeof x === "number" ? [x] : flat(x)));
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];

const i32 = (n: number): Code => [I32_CONST, ...sleb(n)];
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
const MASK = local(), SLOT = local(), MISS = local(), OLD = local(), ACC = local();
const STRADDLE = local(), CLOCK = local(), MRU_LINE = local(), MRU_SLOT = local();
const MISSES = local(), WRITE_MISSES = local(), WRITES = local();
const I32_LOCALS = next - 1;
const T = local(), INVERSE = local();
const F64_LOCALS = 2;
const KV = local(), MV = local();
const V128_LOCALS = 2;

/** The header word each local that lives across the run comes from and goes back to. */
const HELD: [number, number][] = [
  [CLOCK, H_CLOCK],
  [MRU_LINE, H_MRU_LINE],
  [MRU_SLOT, H_MRU_SLOT],
  [MISSES, H_MISSES],
  [WRITE_MISSES, H_WRITE_MISSES],
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
 * One line reference (the line in LINE, a store when W is 1): MISS is 1 on
 * a miss. As replay.ts's `#refLine` and `#ref` for a line below KEY_LIMIT.
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
    [get(W), IF, VOID, state(MRU_SLOT, i32(2)), END, i32(0), set(MISS)],
    ELSE,
    [get(LINE), i32(1), I32_ADD, tee(KEY), simd(I32X4_SPLAT), set(KV)],
    [get(LINE), i32(setMask), I32_AND, i32(ways * 4), I32_MUL, set(BASE)],
    [waysEqual(r.keys, ways, KV), tee(MASK), IF, VOID],
    // A hit: keys are unique in a set.
    [get(BASE), i32(2), I32_SHR_U, get(MASK), I32_CTZ, I32_ADD, set(SLOT), i32(0), set(MISS)],
    ELSE,
    // A miss: the first way of the smallest stamp (invalid ways have stamp 0).
    [minimum, tee(MV), get(MV), get(MV), shuffle(swapHalves), simd(I32X4_MIN_S), tee(MV)],
    [get(MV), get(MV), shuffle(swapPairs), simd(I32X4_MIN_S), set(MV)],
    [get(BASE), i32(2), I32_SHR_U, waysEqual(r.stamps, ways, MV), I32_CTZ, I32_ADD, set(SLOT)],
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

/** The body of `run(n)`. */
function runBody(ways: number, sets: number, lineSize: number): Code {
  const r = layout(ways * sets);
  const ref = reference(ways, sets - 1, r);
  return [
    ...HELD.map(([l, h]) => [header(h), set(l)]),
    [i32(0), mem(F64_LOAD, 3, H_INVERSE_LINE), set(INVERSE)],
    [i32(0), set(I), BLOCK, VOID, LOOP, VOID],
    [get(I), get(N), I32_GE_U, BR_IF, 1],
    [get(I), i32(3), I32_SHL, mem(F64_LOAD, 3, ADDRS), get(INVERSE), F64_MUL, tee(T)],
    // As replay.ts: t = addr / lineSize, a line below KEY_LIMIT - 1 (its successor too).
    [f64(0), F64_GE, get(T), f64(KEY_LIMIT - 1), F64_LT, I32_AND, I32_EQZ, BR_IF, 1],
    [get(T), I32_TRUNC_F64_S, set(LINE)],
    // Straddling, or a size of 0 or above a line (their bound is below any fraction).
    [get(T), get(LINE), F64_CONVERT_I32_S, F64_SUB],
    [get(I), mem(I32_LOAD8_U, 0, SIZES), tee(SIZE), i32(3), I32_SHL, mem(F64_LOAD, 3, FITS)],
    [F64_GT, tee(STRADDLE), IF, VOID],
    [get(SIZE), i32(1), I32_SUB, i32(lineSize), I32_GE_U, BR_IF, 2, END],
    [get(I), mem(I32_LOAD8_U, 0, KINDS), i32(1), I32_AND, set(W)],
    ref,
    [get(MISS), set(ACC)],
    // A straddling access looks the next line up too, counted as one access.
    [get(STRADDLE), IF, VOID, get(LINE), i32(1), I32_ADD, set(LINE), ref],
    [get(ACC), get(MISS), I32_OR, set(ACC), END],
    addTo(WRITES, get(W)),
    addTo(MISSES, get(ACC)),
    addTo(WRITE_MISSES, [get(ACC), get(W), I32_AND]),
    addTo(I, i32(1)),
    [BR, 0, END, END],
    ...HELD.map(([l, h]) => [i32(0), get(l), mem(I32_STORE, 2, h)]),
    get(I),
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
    ...vec([[...uleb(I32_LOCALS), I32], [...uleb(F64_LOCALS), F64], [...uleb(V128_LOCALS), V128]]),
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
    const inverse = 1 / lineSize;
    this.#f64[H_INVERSE_LINE >> 3] = inverse;
    // As replay.ts's test: an access of `size` bytes at fraction f of a line
    // straddles when f > (lineSize - size) / lineSize. Size 0 (given -1)
    // and sizes above a line (a negative bound) take the same branch, where
    // the core stops before them.
    for (let size = 0; size < 256; size++) {
      this.#f64[(FITS >> 3) + size] = (lineSize - size) * inverse;
    }
    this.#f64[FITS >> 3] = -1;
  }

  /**
   * Copies the store's LRU state in: keys, stamps, states, the clock and
   * its limit, the most recent line.
   *
   * @param store the cache's storage (LRU, of this core's geometry)
   */
  load(store: CacheStore): void {
    const h = this.#i32;
    h.fill(0, 0, H_INVERSE_LINE >> 2);
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
    return this.#run(Math.max(0, Math.min(n, room)));
  }

  /**
   * The counters of the runs since the last call, zeroed.
   *
   * @returns writes, misses, write misses and write-backs
   */
  counts(): [number, number, number, number] {
    const h = this.#i32;
    const out: [number, number, number, number] = [
      h[H_WRITES >> 2],
      h[H_MISSES >> 2],
      h[H_WRITE_MISSES >> 2],
      h[H_WRITEBACKS >> 2],
    ];
    h[H_WRITES >> 2] =
      h[H_MISSES >> 2] =
      h[H_WRITE_MISSES >> 2] =
      h[H_WRITEBACKS >> 2] =
        0;
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
