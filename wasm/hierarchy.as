// The coherent reads and writes of one hardware model, its castouts, and
// its by-VA and per-slot set/way maintenance, in WebAssembly: what
// lib/hw/coherence.ts and lib/hw/maintenance.ts do on their direct paths
// (not the staged ones), step for step, over the caches' stores as
// cache.ts and cache_store.ts keep them (lib/hw/store_arena.ts puts every
// store of a model in one memory, which this module imports). The same
// lookups, the same victims, the same stamps, the same resident order, the
// same notes to the change log: a model run through this core and one run
// through the JavaScript paths are equal in every array
// (tests/hw/hierarchy_core_test.ts).
//
// AssemblyScript 0.27; built into lib/hw/hierarchy_core_wasm.ts by
// `deno task build:core`. No allocation, no static data: every byte it
// reads or writes is in the imported memory, at the offsets the model
// region (lib/hw/hierarchy_core.ts writes it) gives.

// DRAM, through the model's Memory (lib/hw/memory.ts): a line into or
// out of the memory at a byte offset, one word.
@external("env", "dramReadLine")
declare function dramReadLine(addr: f64, dst: i32): void;
@external("env", "dramWriteLine")
declare function dramWriteLine(addr: f64, src: i32): void;
@external("env", "dramRead")
declare function dramRead(addr: f64): i32;
@external("env", "dramWrite")
declare function dramWrite(addr: f64, value: i32): void;
// CacheStore.renumber of cache `ci`: the highest stamp it gave.
@external("env", "renumber")
declare function renumber(ci: i32): i32;

const INVALID: u8 = 0;
const CLEAN: u8 = 1;
const DIRTY: u8 = 2;
const KEY_LIMIT: f64 = 2147483646;
const KEY_WIDE: i32 = 0x7fffffff;

// The model region's header (lib/hw/hierarchy_core.ts): the byte offset of
// each of its 32-bit words.
const M_CACHE_COUNT = 0, M_CPU_COUNT = 4, M_CLUSTER_COUNT = 8, M_LINE_SIZE = 12, M_WPL = 16;
const M_SYS = 20, M_SNOOPS_NC = 24, M_BUF = 28, M_LOG = 32, M_LOG_LENGTH = 36, M_DESCS = 40;
const M_CPU_CLUSTER = 44, M_FIRST_CPU = 48, M_CPU_COUNTS = 52, M_L2_INDEX = 56, M_NEXT = 60;
const M_SLOTS = 64;

// A cache's descriptor (64 bytes), the byte offset of each 32-bit word:
// where its store's arrays are, and its shape.
const DESC = 64;
const D_HEAD = 0, D_TAGS = 4, D_KEYS = 8, D_STAMPS = 12, D_RESIDENT = 16, D_POSITION = 20;
const D_STATES = 24, D_DATA = 28, D_WAYS = 32, D_SET_MASK = 36, D_WAY_BITS = 40;
const D_SET_BITS = 44, D_CLOCK_LIMIT = 48;

// A store's head (cache_store.ts), byte offsets: resident count, clock,
// most recent slot, whether it is still an image, and the most recent
// line (a double).
const H_RESIDENT = 0, H_CLOCK = 4, H_MRU_SLOT = 8, H_IMAGED = 12, H_MRU_LINE = 16;

let cpuCount: i32 = 0;
let clusterCount: i32 = 0;
let lineSize: f64 = 0;
let wpl: i32 = 0;
let sysIndex: i32 = -1;
let snoopsNc: bool = false;
let buf: i32 = 0;
let log: i32 = 0;
let logLength: i32 = 0;
let descs: i32 = 0;
let cpuCluster: i32 = 0;
let firstCpu: i32 = 0;
let cpuCounts: i32 = 0;
let l2Index: i32 = 0;
let nextLevel: i32 = 0;
let cacheCount: i32 = 0;
let slotsAt: i32 = 0;
/** Copies turned dirty by a cascade inside one by-VA clean (Maintenance.#cascaded). */
let cascaded: i32 = 0;

/** Reads the model region at `model`. */
export function init(model: i32): void {
  cpuCount = load<i32>(model + M_CPU_COUNT);
  clusterCount = load<i32>(model + M_CLUSTER_COUNT);
  lineSize = <f64>load<i32>(model + M_LINE_SIZE);
  wpl = load<i32>(model + M_WPL);
  sysIndex = load<i32>(model + M_SYS);
  snoopsNc = load<i32>(model + M_SNOOPS_NC) != 0;
  buf = load<i32>(model + M_BUF);
  log = load<i32>(model + M_LOG);
  logLength = load<i32>(model + M_LOG_LENGTH);
  descs = load<i32>(model + M_DESCS);
  cpuCluster = load<i32>(model + M_CPU_CLUSTER);
  firstCpu = load<i32>(model + M_FIRST_CPU);
  cpuCounts = load<i32>(model + M_CPU_COUNTS);
  l2Index = load<i32>(model + M_L2_INDEX);
  nextLevel = load<i32>(model + M_NEXT);
  cacheCount = load<i32>(model + M_CACHE_COUNT);
  slotsAt = load<i32>(model + M_SLOTS);
}

// ---- One store (cache_store.ts and cache.ts) ----

@inline function desc(ci: i32, field: i32): i32 {
  return load<i32>(descs + ci * DESC + field);
}

@inline function head(ci: i32): i32 {
  return desc(ci, D_HEAD);
}

@inline function residentCount(ci: i32): i32 {
  return load<i32>(head(ci) + H_RESIDENT);
}

@inline function stateOf(ci: i32, slot: i32): u8 {
  return load<u8>(desc(ci, D_STATES) + slot);
}

@inline function tagOf(ci: i32, slot: i32): f64 {
  return load<f64>(desc(ci, D_TAGS) + (slot << 3));
}

/** CacheStore.dataOffset, in bytes from the start of memory. */
@inline function dataAt(ci: i32, slot: i32): i32 {
  const ways = desc(ci, D_WAYS);
  const line = ((slot & (ways - 1)) << desc(ci, D_SET_BITS)) + (slot >>> desc(ci, D_WAY_BITS));
  return desc(ci, D_DATA) + ((line * wpl) << 2);
}

/** The first slot of the set of `line` (CacheStore.setBase). */
@inline function setBase(ci: i32, line: f64): i32 {
  const mask = desc(ci, D_SET_MASK);
  const set = line < 2147483648 ? <i32>line & mask : <i32>(<i64>line & <i64>mask);
  return set * desc(ci, D_WAYS);
}

/** Cache.lookup: the slot holding `line`, or -1. */
function lookup(ci: i32, line: f64): i32 {
  const h = head(ci);
  if (line == load<f64>(h + H_MRU_LINE)) return load<i32>(h + H_MRU_SLOT);
  if (load<i32>(h + H_RESIDENT) == 0) return -1;
  const ways = desc(ci, D_WAYS);
  const keys = desc(ci, D_KEYS);
  const base = setBase(ci, line);
  const end = base + ways;
  if (line < KEY_LIMIT) {
    const key = <i32>line + 1;
    if (ways >= 4) {
      // Four keys at a time: a line is in at most one slot of its set.
      const kv = i32x4.splat(key);
      for (let s = base; s < end; s += 4) {
        const hit = i32x4.bitmask(i32x4.eq(v128.load(keys + (s << 2)), kv));
        if (hit != 0) return s + ctz(hit);
      }
      return -1;
    }
    for (let s = base; s < end; s++) {
      if (load<i32>(keys + (s << 2)) == key) return s;
    }
    return -1;
  }
  const tags = desc(ci, D_TAGS);
  for (let s = base; s < end; s++) {
    if (load<i32>(keys + (s << 2)) == KEY_WIDE && load<f64>(tags + (s << 3)) == line) return s;
  }
  return -1;
}

/** CacheStore.changed: a store still an image leaves it and lists itself in the log. */
function changed(ci: i32): void {
  const h = head(ci);
  if (load<i32>(h + H_IMAGED) == 0) return;
  store<i32>(h + H_IMAGED, 0);
  if (logLength == 0) return;
  const n = load<i32>(log) + 1;
  store<i32>(log, n);
  // Past the end the entry is lost, and the count says so (CacheStore.#leaveImage).
  if (n < logLength) store<i32>(log + (n << 2), ci);
}

/** CacheStore.tick: the next stamp, the stamps renumbered first at the clock's limit. */
function tick(ci: i32): i32 {
  const h = head(ci);
  let c = load<i32>(h + H_CLOCK) + 1;
  if (c >= desc(ci, D_CLOCK_LIMIT)) c = renumber(ci) + 1;
  store<i32>(h + H_CLOCK, c);
  changed(ci);
  return c;
}

/** Cache.touch: `slot` becomes the most recently used. */
function touch(ci: i32, slot: i32): void {
  const h = head(ci);
  if (slot == load<i32>(h + H_MRU_SLOT)) return;
  const c = tick(ci);
  store<i32>(desc(ci, D_STAMPS) + (slot << 2), c);
  store<f64>(h + H_MRU_LINE, tagOf(ci, slot));
  store<i32>(h + H_MRU_SLOT, slot);
}

/** Cache.victim under LRU: the set's first smallest stamp (its lowest invalid way, if any). */
function victim(ci: i32, line: f64): i32 {
  const stamps = desc(ci, D_STAMPS);
  const base = setBase(ci, line);
  const ways = desc(ci, D_WAYS);
  const end = base + ways;
  if (ways >= 4) {
    // The smallest stamp four at a time, then its first slot.
    let least = v128.load(stamps + (base << 2));
    for (let s = base + 4; s < end; s += 4) {
      least = i32x4.min_s(least, v128.load(stamps + (s << 2)));
    }
    least = i32x4.min_s(least, v128.shuffle<i32>(least, least, 2, 3, 0, 1));
    least = i32x4.min_s(least, v128.shuffle<i32>(least, least, 1, 0, 3, 2));
    for (let s = base; ; s += 4) {
      const at = i32x4.bitmask(i32x4.eq(v128.load(stamps + (s << 2)), least));
      if (at != 0) return s + ctz(at);
    }
  }
  let best = base;
  let oldest = load<i32>(stamps + (base << 2));
  for (let s = base + 1; s < end; s++) {
    const stamp = load<i32>(stamps + (s << 2));
    if (stamp < oldest) {
      oldest = stamp;
      best = s;
    }
  }
  return best;
}

/** Cache.install: copies a line's words in and occupies the slot (CacheStore.occupy). */
function installSlot(ci: i32, slot: i32, line: f64, state: u8, src: i32): void {
  copyLine(dataAt(ci, slot), src, wpl << 2);
  const h = head(ci);
  store<f64>(desc(ci, D_TAGS) + (slot << 3), line);
  store<i32>(desc(ci, D_KEYS) + (slot << 2), line < KEY_LIMIT ? <i32>line + 1 : KEY_WIDE);
  store<u8>(desc(ci, D_STATES) + slot, state);
  const c = tick(ci);
  store<i32>(desc(ci, D_STAMPS) + (slot << 2), c);
  const n = load<i32>(h + H_RESIDENT);
  store<i32>(desc(ci, D_POSITION) + (slot << 2), n);
  store<i32>(desc(ci, D_RESIDENT) + (n << 2), slot);
  store<i32>(h + H_RESIDENT, n + 1);
  store<f64>(h + H_MRU_LINE, line);
  store<i32>(h + H_MRU_SLOT, slot);
}

/** CacheStore.drop: the last resident slot takes the dropped one's place in the index. */
function drop(ci: i32, slot: i32): void {
  changed(ci);
  const h = head(ci);
  const position = desc(ci, D_POSITION);
  const resident = desc(ci, D_RESIDENT);
  const pos = load<i32>(position + (slot << 2));
  const n = load<i32>(h + H_RESIDENT) - 1;
  store<i32>(h + H_RESIDENT, n);
  const last = load<i32>(resident + (n << 2));
  store<i32>(resident + (pos << 2), last);
  store<i32>(position + (last << 2), pos);
  store<i32>(position + (slot << 2), -1);
  store<u8>(desc(ci, D_STATES) + slot, INVALID);
  store<f64>(desc(ci, D_TAGS) + (slot << 3), -1);
  store<i32>(desc(ci, D_KEYS) + (slot << 2), 0);
  store<i32>(desc(ci, D_STAMPS) + (slot << 2), 0);
  if (slot == load<i32>(h + H_MRU_SLOT)) {
    store<f64>(h + H_MRU_LINE, -1);
    store<i32>(h + H_MRU_SLOT, -1);
  }
}

/** Cache.evict: drops a valid slot; whether it was dirty. */
function evict(ci: i32, slot: i32): bool {
  const state = stateOf(ci, slot);
  if (state == INVALID) return false;
  drop(ci, slot);
  return state == DIRTY;
}

/** Cache.setState to clean or dirty, of a valid slot. */
function setState(ci: i32, slot: i32, state: u8): void {
  if (stateOf(ci, slot) == INVALID) return;
  store<u8>(desc(ci, D_STATES) + slot, state);
  changed(ci);
}

/** Cache.copyIn: a line's words over a slot's. */
function copyIn(ci: i32, slot: i32, src: i32): void {
  copyLine(dataAt(ci, slot), src, wpl << 2);
  changed(ci);
}

/** Copies one line's words (a multiple of 16 bytes: lines are 16 bytes or more). */
@inline function copyLine(dst: i32, src: i32, bytes: i32): void {
  for (let i = 0; i < bytes; i += 16) v128.store(dst + i, v128.load(src + i));
}

// ---- Coherence (coherence.ts, the direct path) ----

/** Coherence.writeBelow: a line into the level below cache `ci`, dirty, or DRAM. */
function writeBelow(ci: i32, line: f64, src: i32): void {
  const n = load<i32>(nextLevel + (ci << 2));
  if (n < 0) dramWriteLine(line * lineSize, src);
  else allocate(n, line, src, DIRTY);
}

/** Coherence.#allocate: overwrite a present copy, else install. */
function allocate(ci: i32, line: f64, src: i32, state: u8): i32 {
  const slot = lookup(ci, line);
  if (slot >= 0) {
    copyIn(ci, slot, src);
    if (state == DIRTY) setState(ci, slot, DIRTY);
    touch(ci, slot);
    return slot;
  }
  return install(ci, line, src, state);
}

/** Coherence.#install: a line cache `ci` does not hold, over its victim (cast out first). */
function install(ci: i32, line: f64, src: i32, state: u8): i32 {
  const slot = victim(ci, line);
  if (stateOf(ci, slot) != INVALID) castoutSlot(ci, slot);
  installSlot(ci, slot, line, state, src);
  return slot;
}

/** Coherence.castoutSlot: a dirty line goes below from where it is; a clean one is dropped. */
function castoutSlot(ci: i32, slot: i32): void {
  const line = tagOf(ci, slot);
  const dirty = stateOf(ci, slot) == DIRTY;
  evict(ci, slot);
  if (dirty) writeBelow(ci, line, dataAt(ci, slot));
}

/** Coherence.fillL1: CPU `cpu`'s L1 holds the newest copy of `line`; its slot. */
function fillL1(cpu: i32, line: f64): i32 {
  const hit = lookup(cpu, line);
  if (hit >= 0) {
    touch(cpu, hit);
    return hit;
  }
  const k = load<i32>(cpuCluster + (cpu << 2));
  const first = load<i32>(firstCpu + (k << 2));
  const end = first + load<i32>(cpuCounts + (k << 2));
  // (a) a dirty copy in a sibling L1.
  for (let c = first; c < end; c++) {
    if (c == cpu || residentCount(c) == 0) continue;
    const s = lookup(c, line);
    if (s >= 0 && stateOf(c, s) == DIRTY) {
      const o = dataAt(c, s);
      setState(c, s, CLEAN);
      writeBelow(c, line, o);
      return install(cpu, line, o, CLEAN);
    }
  }
  // (b) the cluster's L2, straight into the L1's victim slot unless that
  // victim is dirty: its castout may take the slot the data is in.
  const l2 = load<i32>(l2Index + (k << 2));
  if (l2 >= 0) {
    const s = lookup(l2, line);
    if (s >= 0) {
      touch(l2, s);
      const slot = victim(cpu, line);
      const state = stateOf(cpu, slot);
      let src = dataAt(l2, s);
      if (state == DIRTY) {
        copyLine(buf, src, wpl << 2);
        src = buf;
        castoutSlot(cpu, slot);
      } else if (state != INVALID) {
        evict(cpu, slot);
      }
      installSlot(cpu, slot, line, CLEAN, src);
      return slot;
    }
  }
  // (c) another cluster holding it dirty; (d) the system cache; (e) DRAM.
  if (!snoopOtherClusters(k, line)) {
    const s = sysIndex < 0 ? -1 : lookup(sysIndex, line);
    if (s >= 0) {
      copyLine(buf, dataAt(sysIndex, s), wpl << 2);
      touch(sysIndex, s);
    } else {
      dramReadLine(line * lineSize, buf);
      if (sysIndex >= 0) install(sysIndex, line, buf, CLEAN);
    }
  }
  if (l2 >= 0) install(l2, line, buf, CLEAN);
  return install(cpu, line, buf, CLEAN);
}

/**
 * Coherence.#snoopOtherClusters: a cluster other than `k` holding `line`
 * dirty gives its newest data (L1 before L2) to `buf`, its copies become
 * clean and equal to it, and it goes to the common level below.
 */
function snoopOtherClusters(k: i32, line: f64): bool {
  for (let j = 0; j < clusterCount; j++) {
    if (j == k) continue;
    const first = load<i32>(firstCpu + (j << 2));
    const end = first + load<i32>(cpuCounts + (j << 2));
    let found = false;
    for (let c = first; c < end && !found; c++) {
      if (residentCount(c) == 0) continue;
      const s = lookup(c, line);
      if (s >= 0 && stateOf(c, s) == DIRTY) {
        copyLine(buf, dataAt(c, s), wpl << 2);
        found = true;
      }
    }
    const l2 = load<i32>(l2Index + (j << 2));
    const s2 = l2 < 0 || residentCount(l2) == 0 ? -1 : lookup(l2, line);
    if (!found && s2 >= 0 && stateOf(l2, s2) == DIRTY) {
      copyLine(buf, dataAt(l2, s2), wpl << 2);
      found = true;
    }
    if (!found) continue;
    for (let c = first; c < end; c++) {
      const s = lookup(c, line);
      if (s >= 0) {
        copyIn(c, s, buf);
        setState(c, s, CLEAN);
      }
    }
    if (s2 >= 0) {
      copyIn(l2, s2, buf);
      setState(l2, s2, CLEAN);
    }
    if (sysIndex >= 0) allocate(sysIndex, line, buf, DIRTY);
    else dramWriteLine(line * lineSize, buf);
    return true;
  }
  return false;
}

/** Coherence.#nonCacheableSlot: the system cache's slot of a non-cacheable access, or -1. */
function nonCacheableSlot(line: f64): i32 {
  return sysIndex >= 0 && snoopsNc ? lookup(sysIndex, line) : -1;
}

/** Coherence.read: one word, unsigned (a double, as JavaScript reads it). */
export function read(cpu: i32, addr: f64, cacheable: bool): f64 {
  const line = Math.floor(addr / lineSize);
  const word = <i32>(addr - line * lineSize) >>> 2;
  if (!cacheable) {
    const s = nonCacheableSlot(line);
    return <f64>(s >= 0 ? load<u32>(dataAt(sysIndex, s) + (word << 2)) : <u32>dramRead(addr));
  }
  const slot = fillL1(cpu, line);
  return <f64>load<u32>(dataAt(cpu, slot) + (word << 2));
}

/** Coherence.write: read for ownership, drop the other copies, dirty the own L1. */
export function write(cpu: i32, addr: f64, value: i32, cacheable: bool): void {
  const line = Math.floor(addr / lineSize);
  const word = <i32>(addr - line * lineSize) >>> 2;
  if (!cacheable) {
    const s = nonCacheableSlot(line);
    if (s < 0) {
      dramWrite(addr, value);
    } else {
      store<i32>(dataAt(sysIndex, s) + (word << 2), value);
      changed(sysIndex);
      setState(sysIndex, s, DIRTY);
    }
    return;
  }
  const hit = lookup(cpu, line);
  if (hit >= 0 && stateOf(cpu, hit) == DIRTY) {
    touch(cpu, hit);
    store<i32>(dataAt(cpu, hit) + (word << 2), value);
    changed(cpu);
    return;
  }
  const slot = fillL1(cpu, line);
  const k = load<i32>(cpuCluster + (cpu << 2));
  for (let c = 0; c < cpuCount; c++) {
    if (c == cpu || residentCount(c) == 0) continue;
    const s = lookup(c, line);
    if (s >= 0) evict(c, s);
  }
  for (let j = 0; j < clusterCount; j++) {
    const l2 = load<i32>(l2Index + (j << 2));
    if (j == k || l2 < 0 || residentCount(l2) == 0) continue;
    const s = lookup(l2, line);
    if (s >= 0) evict(l2, s);
  }
  store<i32>(dataAt(cpu, slot) + (word << 2), value);
  changed(cpu);
  setState(cpu, slot, DIRTY);
}

/** Coherence.writeLine: one write for ownership, then the rest of the line. */
export function writeLine(cpu: i32, addr: f64, value: i32): void {
  const line = Math.floor(addr / lineSize);
  write(cpu, line * lineSize, value, true);
  const at = dataAt(cpu, lookup(cpu, line));
  for (let w = 1; w < wpl; w++) store<i32>(at + (w << 2), value);
}

/** Coherence.speculativeFill: a coherent read whose data is discarded. */
export function fill(cpu: i32, addr: f64): void {
  fillL1(cpu, Math.floor(addr / lineSize));
}

// ---- Maintenance (maintenance.ts, the single-lookup path) ----

/** The slot `locate` found in cache `ci`, or -1. */
@inline function located(ci: i32): i32 {
  return load<i32>(slotsAt + (ci << 2));
}

/** Maintenance.#locate: `line` looked up once in every cache; how many hold it. */
function locate(line: f64): i32 {
  let found = 0;
  for (let ci = 0; ci < cacheCount; ci++) {
    const s = residentCount(ci) == 0 ? -1 : lookup(ci, line);
    store<i32>(slotsAt + (ci << 2), s);
    if (s >= 0) found++;
  }
  return found;
}

/** Maintenance.#pushIntoExisting: into the first level below `ci` that holds the line, else DRAM. */
function pushIntoExisting(ci: i32, line: f64, src: i32): void {
  for (let n = load<i32>(nextLevel + (ci << 2)); n >= 0; n = load<i32>(nextLevel + (n << 2))) {
    const s = located(n);
    if (s >= 0) {
      copyIn(n, s, src);
      if (stateOf(n, s) != DIRTY) {
        setState(n, s, DIRTY);
        cascaded++;
      }
      return;
    }
  }
  dramWriteLine(line * lineSize, src);
}

/** Maintenance.#cleanToPoc: every dirty copy `locate` found, down to DRAM; how many. */
function cleanToPoc(line: f64): i32 {
  cascaded = 0;
  let written = 0;
  for (let ci = 0; ci < cacheCount; ci++) {
    const s = located(ci);
    if (s < 0 || stateOf(ci, s) != DIRTY) continue;
    pushIntoExisting(ci, line, dataAt(ci, s));
    setState(ci, s, CLEAN);
    written++;
  }
  return written - cascaded;
}

/** Maintenance.#cleanToPou: every L1's dirty copy to the next level; how many. */
function cleanToPou(line: f64): i32 {
  let cleaned = 0;
  for (let c = 0; c < cpuCount; c++) {
    const s = lookup(c, line);
    if (s < 0 || stateOf(c, s) != DIRTY) continue;
    setState(c, s, CLEAN);
    writeBelow(c, line, dataAt(c, s));
    cleaned++;
  }
  return cleaned;
}

/** Maintenance.#invalidateEverywhere: drops every copy `locate` found; how many. */
function invalidateEverywhere(): i32 {
  let dropped = 0;
  for (let ci = 0; ci < cacheCount; ci++) {
    const s = located(ci);
    if (s >= 0) {
      evict(ci, s);
      dropped++;
    }
  }
  return dropped;
}

/** What a maintenance operation did, in one number: cleaned + 65536 * invalidated. */
@inline function result(cleaned: i32, invalidated: i32): i32 {
  return cleaned + (invalidated << 16);
}

/**
 * Maintenance.dcByVa, op 0 CVAC, 1 CIVAC, 2 IVAC, 3 CVAU, on the line of
 * `addr`: cleaned + 65536 * invalidated.
 */
export function dcByVa(op: i32, addr: f64): i32 {
  return pocLine(op, Math.floor(addr / lineSize));
}

/** dcByVa of one line (what Maintenance.vaFlushResident does for each resident line). */
export function pocLine(op: i32, line: f64): i32 {
  if (op == 3) return cleanToPou(line);
  let cleaned = 0, invalidated = 0;
  if (locate(line) > 0) {
    if (op != 2) cleaned = cleanToPoc(line);
    if (op != 0) invalidated = invalidateEverywhere();
  }
  return result(cleaned, invalidated);
}

/**
 * Maintenance.#swSlot: one set/way operation on a slot of cache `ci`:
 * cleaned + 65536 * invalidated.
 */
export function swSlot(ci: i32, slot: i32, clean: bool, invalidate: bool): i32 {
  const state = stateOf(ci, slot);
  if (state == INVALID) return 0;
  let cleaned = 0, invalidated = 0;
  if (clean && state == DIRTY) {
    setState(ci, slot, CLEAN);
    writeBelow(ci, tagOf(ci, slot), dataAt(ci, slot));
    cleaned = 1;
  }
  if (invalidate) {
    evict(ci, slot);
    invalidated = 1;
  }
  return result(cleaned, invalidated);
}

/** Coherence.castoutSlot: evicts a valid slot, a dirty line to the next level; whether dirty. */
export function castout(ci: i32, slot: i32): bool {
  const dirty = stateOf(ci, slot) == DIRTY;
  castoutSlot(ci, slot);
  return dirty;
}
