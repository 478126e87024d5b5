/**
 * The WebAssembly core of {@linkcode TraceCache.replay} (replay.ts) on long
 * ranges: a true-LRU loop over the accesses of a trace, in the manner of
 * cachegrind's simulator (cachegrind/cg_sim.c, valgrind 3.19: each set's
 * lines kept most recent first, a lookup that stops at the first equal tag,
 * the last line the victim), with the slot model's bookkeeping beside it
 * (each line's slot, state and LRU stamp, the slots filled while empty) so
 * that the cache is left exactly as the JavaScript loop would leave it.
 *
 * The module is assembled here, at first use, from the instruction listing
 * below: no toolchain, no binary file, no permission. It owns one memory:
 *
 * - a header of 32-bit words (`H_*`): the geometry, the LRU clock and its
 *   limit, the most recent line and slot, the counters of the last run and
 *   where the regions below start;
 * - per set, `ways` entries of 8 bytes from the most to the least recently
 *   used: the key (line + 1) and the slot;
 * - per slot, its stamp (32-bit) and its state (a byte); the list of slots
 *   filled while invalid, in order (the resident index is the caller's);
 * - a chunk of the trace: addresses (f64), kinds and sizes (bytes).
 *
 * `run(n)` replays the first `n` accesses of the chunk and returns how many
 * it did: it stops before an access it leaves to the caller (a line of
 * 2^31 - 3 or above, a bad size, or an LRU clock near its limit, whose
 * renumbering is the store's).
 *
 * @example Usage
 * ```ts
 * import { lruCoreBytes } from "./lru_core.ts";
 * console.log(WebAssembly.validate(lruCoreBytes())); // true
 * ```
 *
 * @module
 */

import { type CacheStore, KEY_LIMIT, KEY_WIDE } from "../hw/cache_store.ts";

/** Header words (byte offsets): geometry, clock, most recent line, counters, regions. */
const H_WAYS = 0,
  H_SET_MASK = 4,
  H_CLOCK = 8,
  H_LIMIT = 12,
  H_MRU_LINE = 16,
  H_MRU_RECORD = 20,
  H_MISSES = 24,
  H_WRITE_MISSES = 28,
  H_WRITES = 32,
  H_WRITEBACKS = 36,
  H_FILLS = 40,
  H_LINE_SIZE = 44,
  H_FILLED = 48,
  H_INVERSE_LINE = 56;

/** Accesses copied into the module's memory at a time. */
const CHUNK = 1 << 16;
/**
 * Where the regions start: per access size, the largest fraction of a line
 * an access of that size can start at without straddling
 * (`(lineSize - size) / lineSize`, as replay.ts computes it); the chunk's
 * addresses, kinds and sizes; then the entries.
 */
const FITS = 128, ADDRS = FITS + 8 * 256, KINDS = ADDRS + 8 * CHUNK, SIZES = KINDS + CHUNK, ENTRIES = SIZES + CHUNK;

// Opcodes (WebAssembly core specification 1.0, section 5.4).
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d;
const VOID = 0x40, I32 = 0x7f, I64 = 0x7e, F64 = 0x7c;
const GET = 0x20, SET = 0x21, TEE = 0x22;
const I32_LOAD = 0x28, I64_LOAD = 0x29, F64_LOAD = 0x2b, I32_LOAD8_U = 0x2d;
const I32_STORE = 0x36, I64_STORE = 0x37, I32_STORE8 = 0x3a;
const I32_CONST = 0x41, F64_CONST = 0x44;
const I32_EQZ = 0x45, I32_EQ = 0x46, I32_NE = 0x47, I32_GE_S = 0x4e, I32_LE_U = 0x4d;
const I32_GE_U = 0x4f;
const F64_LT = 0x63, F64_GT = 0x64, F64_GE = 0x66;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, I32_OR = 0x72;
const I32_SHL = 0x74, I32_SHR_U = 0x76;
const I64_OR = 0x84, I64_SHL = 0x86;
const F64_SUB = 0xa1, F64_MUL = 0xa2;
const I32_TRUNC_F64_S = 0xaa, I64_EXTEND_I32_U = 0xad, F64_CONVERT_I32_S = 0xb7;

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

// Locals: the parameter, then i32s, then f64s. Entries are addressed
// relative to ENTRIES (a constant offset of each load and store); a slot is
// named by the address of its record (stamp at 0, state at 4).
const N = 0;
let next = 1;
const local = () => next++;
const I = local(), W = local(), SIZE = local(), LINE = local(), KEY = local(), EB = local();
const AT = local(), K = local(), REC = local(), MISS = local(), OLD = local(), ACC = local();
const SET_MASK = local(), WAYS8 = local(), FIRST = local(), LAST = local(), CLOCK = local();
const CLOCK_STOP = local(), MRU_LINE = local(), MRU_REC = local(), MISSES = local();
const WRITE_MISSES = local(), WRITES = local(), LINE_SIZE = local();
const I32_LOCALS = next - 1;
const T = local(), INVERSE = local();
const F64_LOCALS = 2;

/** The header word the core reads into a local, for the locals that are read. */
const READ: [number, number][] = [
  [SET_MASK, H_SET_MASK],
  [CLOCK, H_CLOCK],
  [MRU_LINE, H_MRU_LINE],
  [MRU_REC, H_MRU_RECORD],
  [MISSES, H_MISSES],
  [WRITE_MISSES, H_WRITE_MISSES],
  [WRITES, H_WRITES],
  [LINE_SIZE, H_LINE_SIZE],
];
/** What the run writes back. */
const WRITTEN: [number, number][] = [
  [CLOCK, H_CLOCK],
  [MRU_LINE, H_MRU_LINE],
  [MRU_REC, H_MRU_RECORD],
  [MISSES, H_MISSES],
  [WRITE_MISSES, H_WRITE_MISSES],
  [WRITES, H_WRITES],
];

const markDirty = (rec: number): Code => [get(rec), i32(2), mem(I32_STORE8, 0, 4)];
/** Adds `value` to a header word. */
const addToHeader = (h: number, value: Code): Code => [
  i32(0),
  header(h),
  value,
  I32_ADD,
  mem(I32_STORE, 2, h),
];

/**
 * One line reference (the line in LINE, a store when W is 1): MISS is 1 on
 * a miss. As replay.ts's `#refLine` and `#ref` for a line below KEY_LIMIT.
 */
function reference(): Code {
  return [
    [get(LINE), get(MRU_LINE), I32_EQ, IF, VOID],
    // Already the newest stamp of its set.
    [get(W), IF, VOID, markDirty(MRU_REC), END, i32(0), set(MISS)],
    ELSE,
    [get(LINE), i32(1), I32_ADD, set(KEY), i32(0), set(MISS)],
    // EB: the set's first entry; AT: the entry found, or the last one.
    [get(LINE), get(SET_MASK), I32_AND, get(WAYS8), I32_MUL, tee(EB)],
    [mem(I32_LOAD, 2, ENTRIES + 4), set(REC)],
    [get(EB), mem(I32_LOAD, 2, ENTRIES), get(KEY), I32_NE, IF, VOID],
    [get(EB), get(FIRST), I32_ADD, set(AT), get(EB), get(LAST), I32_ADD, set(K)],
    [BLOCK, VOID, LOOP, VOID],
    [get(AT), get(K), I32_GE_U, BR_IF, 1],
    [get(AT), mem(I32_LOAD, 2, ENTRIES), get(KEY), I32_EQ, BR_IF, 1],
    [get(AT), i32(8), I32_ADD, set(AT), BR, 0, END, END],
    [get(AT), mem(I32_LOAD, 2, ENTRIES + 4), set(REC)],
    [get(AT), mem(I32_LOAD, 2, ENTRIES), get(KEY), I32_NE, set(MISS)],
    // Move the entries before it one place down, and put it first.
    [get(AT), set(K), BLOCK, VOID, LOOP, VOID],
    [get(K), get(EB), I32_LE_U, BR_IF, 1],
    [get(K), get(K), i32(8), I32_SUB, tee(K), mem(I64_LOAD, 3, ENTRIES)],
    [mem(I64_STORE, 3, ENTRIES), BR, 0, END, END],
    [get(EB), get(KEY), I64_EXTEND_I32_U, get(REC), I64_EXTEND_I32_U, i32(32)],
    [I64_EXTEND_I32_U, I64_SHL, I64_OR, mem(I64_STORE, 3, ENTRIES)],
    [get(MISS), IF, VOID],
    [get(REC), mem(I32_LOAD8_U, 0, 4), tee(OLD), I32_EQZ, IF, VOID],
    // Filled while invalid: the caller adds it to the resident index.
    [header(H_FILLS), i32(2), I32_SHL, header(H_FILLED), I32_ADD, get(REC)],
    [mem(I32_STORE, 2), addToHeader(H_FILLS, i32(1)), END],
    addToHeader(H_WRITEBACKS, [get(OLD), i32(1), I32_SHR_U]),
    [get(REC), i32(1), mem(I32_STORE8, 0, 4)],
    END,
    END,
    [get(W), IF, VOID, markDirty(REC), END],
    [get(CLOCK), i32(1), I32_ADD, set(CLOCK), get(REC), get(CLOCK), mem(I32_STORE, 2)],
    [get(LINE), set(MRU_LINE), get(REC), set(MRU_REC)],
    END,
  ];
}

/** The body of `run(n)`. */
function runBody(): Code {
  return [
    ...READ.map(([l, h]) => [header(h), set(l)]),
    [header(H_WAYS), i32(3), I32_SHL, tee(WAYS8), i32(8), I32_SUB, tee(LAST)],
    // The first way a search compares after the first (none with one way).
    [i32(8), I32_GE_S, i32(3), I32_SHL, set(FIRST)],
    // The clock takes at most two stamps: near its limit, the store renumbers.
    [header(H_LIMIT), i32(2), I32_SUB, set(CLOCK_STOP)],
    [i32(0), mem(F64_LOAD, 3, H_INVERSE_LINE), set(INVERSE)],
    [i32(0), set(I), BLOCK, VOID, LOOP, VOID],
    [get(I), get(N), I32_GE_U, BR_IF, 1],
    [get(CLOCK), get(CLOCK_STOP), I32_GE_S, BR_IF, 1],
    [get(I), mem(I32_LOAD8_U, 0, SIZES), tee(SIZE), i32(1), I32_SUB, get(LINE_SIZE), I32_GE_U],
    [BR_IF, 1],
    [get(I), i32(3), I32_SHL, mem(F64_LOAD, 3, ADDRS), get(INVERSE), F64_MUL, tee(T)],
    // As replay.ts: t = addr / lineSize, a line below KEY_LIMIT - 1 (its successor too).
    [f64(0), F64_GE, I32_EQZ, get(T), f64(KEY_LIMIT - 1), F64_LT, I32_EQZ, I32_OR, BR_IF, 1],
    [get(T), I32_TRUNC_F64_S, set(LINE)],
    [get(I), mem(I32_LOAD8_U, 0, KINDS), i32(1), I32_AND, set(W)],
    reference(),
    [get(MISS), set(ACC)],
    // Straddling: the next line too, counted as one access.
    [get(T), get(LINE), F64_CONVERT_I32_S, F64_SUB],
    [get(SIZE), i32(3), I32_SHL, mem(F64_LOAD, 3, FITS), F64_GT],
    [IF, VOID, get(LINE), i32(1), I32_ADD, set(LINE), reference()],
    [get(ACC), get(MISS), I32_OR, set(ACC), END],
    addTo(WRITES, get(W)),
    addTo(MISSES, get(ACC)),
    addTo(WRITE_MISSES, [get(ACC), get(W), I32_AND]),
    addTo(I, i32(1)),
    [BR, 0, END, END],
    ...WRITTEN.map(([l, h]) => [i32(0), get(l), mem(I32_STORE, 2, h)]),
    get(I),
  ];
}

/**
 * The module's bytes: one memory (exported as `memory`) and `run(n)`.
 *
 * @example Usage
 * ```ts
 * import { lruCoreBytes } from "./lru_core.ts";
 * const m = new WebAssembly.Module(lruCoreBytes());
 * console.log(WebAssembly.Module.exports(m).map((e) => e.name)); // [ "run", "memory" ]
 * ```
 * @returns the bytes of a valid WebAssembly 1.0 module
 */
export function lruCoreBytes(): Uint8Array<ArrayBuffer> {
  const body = [
    ...vec([[...uleb(I32_LOCALS), I32], [...uleb(F64_LOCALS), F64]]),
    ...flat(runBody()),
    END,
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32]]), ...vec([[I32]])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...name("run"), 0x00, 0], [...name("memory"), 0x02, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/**
 * The instantiated core and the copy of one cache's state in its memory
 * (see the module doc). One per thread: a replay loads its cache's state,
 * runs the trace through in chunks and stores the state back before it
 * returns or hands an access to the store's general path.
 *
 * @example Usage
 * ```ts
 * import { lruCore } from "./lru_core.ts";
 * import { CacheStore } from "../hw/cache_store.ts";
 * const store = new CacheStore({ sets: 4, ways: 2, lineSize: 64 }, null, 1000);
 * const core = lruCore();
 * core.load(store, 64);
 * core.feed(Float64Array.of(0, 64, 0), Uint8Array.of(0, 1, 0), Uint8Array.of(4, 4, 4), 0, 3);
 * console.log(core.run(3), core.counts()); // 3 [ 1, 2, 0, 0 ]
 * core.save(store);
 * console.log(store.residentCount); // 2
 * ```
 */
export class LruCore {
  readonly #run: (n: number) => number;
  readonly #memory: WebAssembly.Memory;
  #i32: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #u8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  #f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #slots = 0;
  #ways = 0;
  /** Byte address of slot 0's record. */
  #records = 0;
  #wideMru = false;

  /** Assembles and instantiates the module. */
  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(lruCoreBytes()));
    this.#run = instance.exports.run as (n: number) => number;
    this.#memory = instance.exports.memory as WebAssembly.Memory;
  }

  /**
   * Lays the memory out for the store's geometry and copies its LRU state
   * in: each set's slots ordered from the most recently used, stamps,
   * states, the clock and the most recent line.
   *
   * @param store the cache's storage (LRU)
   * @param lineSize its line size in bytes
   */
  load(store: CacheStore, lineSize: number): void {
    const slots = store.sets * store.ways;
    const records = ENTRIES + 8 * slots;
    const filled = records + 8 * slots;
    const bytes = filled + 4 * slots;
    const have = this.#memory.buffer.byteLength;
    if (bytes > have) this.#memory.grow(Math.ceil((bytes - have) / 65536));
    const buffer = this.#memory.buffer;
    if (this.#i32.buffer !== buffer) {
      this.#i32 = new Int32Array(buffer);
      this.#u8 = new Uint8Array(buffer);
      this.#f64 = new Float64Array(buffer);
    }
    this.#slots = slots;
    this.#ways = store.ways;
    this.#records = records;
    const h = this.#i32;
    h.fill(0, 0, ADDRS >> 2);
    h[H_WAYS >> 2] = store.ways;
    h[H_SET_MASK >> 2] = store.setMask;
    h[H_LIMIT >> 2] = store.clockLimit;
    h[H_LINE_SIZE >> 2] = lineSize;
    h[H_FILLED >> 2] = filled;
    const inverse = 1 / lineSize;
    this.#f64[H_INVERSE_LINE >> 3] = inverse;
    for (let size = 0; size < 256; size++) {
      this.#f64[(FITS >> 3) + size] = (lineSize - size) * inverse;
    }
    this.reload(store);
    for (let base = 0; base < slots; base += store.ways) this.#orderSet(store, base);
  }

  /**
   * Copies in again what the store's general path may have changed since
   * {@linkcode LruCore.save}: the clock, the most recent line, every stamp
   * and state, and the order of the sets of `lines`.
   *
   * @param store the store last loaded
   * @param lines lines whose sets were used
   */
  reload(store: CacheStore, ...lines: number[]): void {
    const h = this.#i32;
    const u8 = this.#u8;
    h[H_CLOCK >> 2] = store.clock;
    // A wide line (none of the core's) cannot be the core's most recent one:
    // it is kept aside, and given back unless the core used another line.
    this.#wideMru = store.mruLine >= KEY_LIMIT;
    h[H_MRU_LINE >> 2] = this.#wideMru ? -1 : store.mruLine;
    h[H_MRU_RECORD >> 2] = this.#wideMru || store.mruSlot < 0 ? 0 : this.#record(store.mruSlot);
    const stamps = store.stamps;
    const states = store.states;
    for (let slot = 0, r = this.#records; slot < this.#slots; slot++, r += 8) {
      h[r >> 2] = stamps[slot];
      u8[r + 4] = states[slot];
    }
    for (const line of lines) this.#orderSet(store, store.setBase(line));
  }

  #record(slot: number): number {
    return this.#records + 8 * slot;
  }

  /**
   * Writes the set at `base` into the entries from the most to the least
   * recently used: valid slots by stamp, highest first, then the invalid
   * ones (stamp 0) from the highest way down, so the last is the way a fill
   * takes, as `CacheStore.victimIn` picks it.
   */
  #orderSet(store: CacheStore, base: number): void {
    const ways = this.#ways;
    const stamps = store.stamps;
    const e = (ENTRIES >> 2) + 2 * base;
    const h = this.#i32;
    const slotAt = (k: number) => (h[e + 2 * k + 1] - this.#records) >> 3;
    for (let k = 0; k < ways; k++) {
      const slot = base + k;
      let at = k;
      // Insertion: a later way goes before an earlier one of equal stamp.
      while (at > 0 && stamps[slotAt(at - 1)] <= stamps[slot]) {
        h[e + 2 * at + 1] = h[e + 2 * (at - 1) + 1];
        at--;
      }
      h[e + 2 * at + 1] = this.#record(slot);
    }
    for (let k = 0; k < ways; k++) h[e + 2 * k] = store.keys[slotAt(k)];
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
   * Replays the first `n` accesses of the chunk.
   *
   * @param n accesses fed
   * @returns how many it replayed: fewer when it stopped before one it leaves to the caller
   */
  run(n: number): number {
    return this.#run(n);
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
    const u8 = this.#u8;
    const slots = this.#slots;
    const records = this.#records;
    store.clock = h[H_CLOCK >> 2];
    if (!(this.#wideMru && h[H_MRU_LINE >> 2] === -1)) {
      store.mruLine = h[H_MRU_LINE >> 2];
      store.mruSlot = store.mruLine < 0 ? -1 : (h[H_MRU_RECORD >> 2] - records) >> 3;
    }
    const stamps = store.stamps;
    const states = store.states;
    for (let slot = 0, r = records; slot < slots; slot++, r += 8) {
      stamps[slot] = h[r >> 2];
      states[slot] = u8[r + 4];
    }
    const e = ENTRIES >> 2;
    const keys = store.keys;
    const tags = store.tags;
    for (let k = 0; k < slots; k++) {
      const key = h[e + 2 * k];
      const slot = (h[e + 2 * k + 1] - records) >> 3;
      keys[slot] = key;
      // A line the core filled: its tag is its key - 1 (wide lines never reach it).
      if (key !== 0 && key !== KEY_WIDE) tags[slot] = key - 1;
    }
    const setMru = store.setMru;
    for (let set = 0; set < store.sets; set++) {
      setMru[set] = (h[e + 2 * set * this.#ways + 1] - records) >> 3;
    }
    const filled = h[H_FILLED >> 2] >> 2;
    const fills = h[H_FILLS >> 2];
    for (let k = 0; k < fills; k++) store.enlist((h[filled + k] - records) >> 3);
    h[H_FILLS >> 2] = 0;
  }
}

let shared: LruCore | null = null;

/**
 * This thread's core, instantiated on first use.
 *
 * @example Usage
 * ```ts
 * import { lruCore } from "./lru_core.ts";
 * console.log(lruCore() === lruCore()); // true
 * ```
 * @returns the core
 */
export function lruCore(): LruCore {
  return shared ??= new LruCore();
}
