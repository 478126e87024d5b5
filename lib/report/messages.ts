/**
 * The message part of a trace line: what each event says about itself.
 *
 * The kernel's own trace points print exactly as the kernel prints them:
 *
 * - `kvm_set_way_flush`: `S/W flush at 0x%016lx (cache %s)` and
 *   `kvm_toggle_cache`: `VM op at 0x%016lx (cache was %s, now %s)`, from
 *   arch/arm/kvm/trace.h in Linux 4.0, `%s` being `on` or `off` and the
 *   address the guest PC.
 * - `kvm_guest_fault`: `ipa %#llx, hsr %#08lx, hxfar %#08lx, pc %#08lx`, as in
 *   the same file, printed with the kernel's `%#x` rules (see `hexAlt`).
 *   The event carries `hsr` and `hxfar` (lib/hyp/abort_syndrome.ts); an
 *   event without them (from a user-defined source) prints zero.
 * - `kvm_exit`: in Linux 4.0 this trace point printed only `PC: 0x%08lx`; the
 *   exception class was added to it soon after, and setway prints that form
 *   (virt/kvm/arm/trace.h, Linux 4.6 to 5.6, shared by arm and arm64):
 *   `%s: HSR_EC: 0x%04x (%s), PC: 0x%08lx` with the exception type and the
 *   kernel's class name. The type is the event's `type` field when it has
 *   one (`HVC` on a 32-bit arch/arm host, whose class names are arch/arm's:
 *   `DABT` where arm64 says `DABT_LOW`), else arm64's `TRAP` (every exit
 *   setway models is a trap). The event's `reason` (the handler's name) is
 *   not part of the kernel's line and is not printed.
 *
 * Every other built-in event gets a short readable message: addresses as
 * `0x%08x` (or `0x%016x` above 4 GiB), values as `0x%08x`, booleans as
 * `on`/`off` or `yes`/`no`. Fields a built-in event carries beyond the ones
 * its message uses are appended as ` k=v`, and an event setway does not know
 * (one a user-defined policy emits) prints all its fields as `k=v k=v` in
 * field order. The modelled `cycles` every event of a run carries are such
 * an extra field here; the event trace (event_trace.ts) leaves them out unless asked.
 *
 * @example Usage
 * ```ts
 * import { formatEventMessage } from "./messages.ts";
 * formatEventMessage({
 *   seq: 7, name: "kvm_toggle_cache", vcpu: 0, pcpu: 0, pc: 0x4000_8300, count: 1,
 *   was: true, now: false,
 * }); // "VM op at 0x0000000040008300 (cache was on, now off)"
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { EventFieldValue, SetwayEvent } from "../hyp/events.ts";
import { exceptionClassName } from "./esr.ts";
import { hex32, hex64, hexAddr, hexAlt, hexPad } from "./hex.ts";
import { plural } from "./plural.ts";

/** The keys every event carries; everything else is a field. */
const BASE_KEYS: ReadonlySet<string> = new Set(["seq", "name", "vcpu", "pcpu", "pc", "count"]);

/** Reads typed fields of one event; a field of the wrong type throws. */
class Fields {
  readonly #event: SetwayEvent;
  readonly used: Set<string> = new Set();

  constructor(event: SetwayEvent) {
    this.#event = event;
  }

  #bad(key: string, expected: string): never {
    const e = this.#event;
    const value = e[key];
    throw new ScenarioError(
      "bad_schema",
      `formatTrace: ${e.name}.${key}`,
      value,
      `formatTrace: event ${e.name} (seq ${e.seq}) needs ${key} to be ${expected}, got ${
        showValue(value)
      }`,
    );
  }

  num(key: string): number {
    this.used.add(key);
    const v = this.#event[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      return this.#bad(key, "a non-negative integer");
    }
    return v;
  }

  /** The field as it is, marked used. */
  raw(key: string): unknown {
    this.used.add(key);
    return this.#event[key];
  }

  optNum(key: string): number {
    return this.#event[key] === undefined ? 0 : this.num(key);
  }

  bool(key: string): boolean {
    this.used.add(key);
    const v = this.#event[key];
    if (typeof v !== "boolean") return this.#bad(key, "a boolean");
    return v;
  }

  str(key: string): string {
    this.used.add(key);
    const v = this.#event[key];
    if (typeof v !== "string") return this.#bad(key, "a string");
    return printable(v);
  }

  pc(): number {
    const v = this.#event.pc;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      return this.#bad("pc", "the guest PC");
    }
    return v;
  }
}

type Formatter = (f: Fields) => string;

const onOff = (b: boolean): string => (b ? "on" : "off");
const yesNo = (b: boolean): string => (b ? "yes" : "no");

/** A string as it may appear in one trace line: quoted when it has blanks or control characters. */
function printable(s: string): string {
  return /^[\x21-\x7e]+$/.test(s) ? s : JSON.stringify(s);
}

function range(f: Fields): string {
  const addr = f.num("addr");
  const len = f.num("len");
  const lines = f.num("lines");
  return `addr ${hexAddr(addr)} len ${hexPad(len, 1)} (${lines} lines)`;
}

/** One slot, or `every set and way` for the record of a folded walk (set and way null). */
function slot(f: Fields): string {
  if (f.raw("set") === null && f.raw("way") === null) {
    return `level ${f.num("level")} every set and way`;
  }
  return `level ${f.num("level")} set ${f.num("set")} way ${f.num("way")}`;
}

function access(verb: string, prep: string) {
  return (f: Fields): string =>
    `${verb} ${prep} ${hexAddr(f.num("addr"))} = ${hex32(f.num("value"))} (${
      f.bool("cacheable") ? "cacheable" : "non-cacheable"
    })`;
}

/** A page made coherent on the fault path (KVM's or Xen's), by clean+invalidate to PoC. */
function faultClean(f: Fields): string {
  const via = f.raw("via");
  const mapping = via === "kernel"
    ? " via kernel mapping"
    : via === "hva"
    ? " via user mapping"
    : via === undefined
    ? ""
    : ` via ${f.str("via")}`;
  const inv = f.raw("invalidated") === undefined ? "" : `, ${f.num("invalidated")} invalidated`;
  return `clean+invalidate to PoC ipa ${hexAddr(f.num("ipa"))}${mapping}: ${
    f.num("lines")
  } lines, ${f.num("cleaned")} cleaned${inv}`;
}

function violation(f: Fields): string {
  return `at ${hexAddr(f.num("addr"))}: expected ${hex32(f.num("expected"))}, got ${
    hex32(f.num("got"))
  } (blame ${f.str("blame")})`;
}

/** One formatter per built-in event. */
const FORMATTERS: Readonly<Record<string, Formatter>> = {
  read: access("load", "from"),
  write: access("store", "to"),
  dc_cvac: range,
  dc_civac: range,
  dc_cvau: range,
  dc_ivac: (f) => {
    const r = range(f);
    const as = f.str("performedAs");
    return as === "ivac" ? r : `${r}, performed as ${as}`;
  },
  dc_csw: slot,
  dc_cisw: slot,
  dc_isw: slot,
  sw_walk: (f) =>
    `dc ${f.str("op")} walk: ${plural(f.num("instructions"), "instruction")} over ${
      plural(f.num("levels"), "level")
    }`,
  sctlr_write: (f) => `M ${onOff(f.bool("m"))}, C ${onOff(f.bool("c"))}, I ${onOff(f.bool("i"))}`,
  vm_reg_write: (f) => `${f.str("reg")} = ${hex32(f.num("value"))}`,
  kvm_exit: (f) => {
    f.used.add("reason");
    const ec = f.num("ec");
    const type = f.raw("type") === undefined ? "TRAP" : f.str("type");
    const name = exceptionClassName(ec, type === "HVC" ? "arm" : "arm64");
    return `${type}: HSR_EC: ${hexPad(ec, 4)} (${name}), PC: ${hexPad(f.pc(), 8)}`;
  },
  kvm_guest_fault: (f) =>
    `ipa ${hexAlt(f.num("ipa"), 0)}, hsr ${hexAlt(f.optNum("hsr"), 8)}, hxfar ${
      hexAlt(f.optNum("hxfar"), 8)
    }, pc ${hexAlt(f.pc(), 8)}`,
  clear_page: (f) => `zero page at ipa ${hexAddr(f.num("ipa"))}`,
  coherent_cache_guest_page: faultClean,
  clean_dcache_guest_page: faultClean,
  flush_page_to_ram: faultClean,
  flush_page: (f) =>
    `${f.bool("invalidate") ? "clean+invalidate" : "clean"} to PoC ipa ${
      hexAddr(f.num("ipa"))
    } by VA: ${f.num("lines")} lines, ${f.num("cleaned")} cleaned, ${
      f.num("invalidated")
    } invalidated`,
  kvm_unmap_hva: (f) => `ipa ${hexAddr(f.num("ipa"))}${f.bool("mapped") ? "" : " (not mapped)"}`,
  p2m_flush_vm: (f) =>
    `${f.num("pages")} pages, ${f.num("lines")} lines: ${f.num("cleaned")} cleaned, ${
      f.num("invalidated")
    } invalidated, ${f.num("preemptChecks")} preemption checks`,
  p2m_set_way_flush: (f) =>
    `S/W op at ${hex64(f.pc())} (cache ${onOff(f.bool("cache"))}): need_flush_to_ram`,
  p2m_toggle_cache: (f) =>
    `VM op at ${hex64(f.pc())} (cache was ${onOff(f.bool("was"))}, now ${onOff(f.bool("now"))})${
      f.bool("flush") ? ": need_flush_to_ram" : ""
    }`,
  undef_injected: (f) => `undefined instruction at ${hex64(f.pc())}: ${f.str("reason")}`,
  kvm_set_way_flush: (f) => `S/W flush at ${hex64(f.pc())} (cache ${onOff(f.bool("cache"))})`,
  kvm_toggle_cache: (f) =>
    `VM op at ${hex64(f.pc())} (cache was ${onOff(f.bool("was"))}, now ${onOff(f.bool("now"))})`,
  stage2_flush_vm: (f) =>
    `${f.num("pages")} pages, ${f.num("lines")} lines: ${f.num("cleaned")} cleaned, ${
      f.num("invalidated")
    } invalidated`,
  flush_cache_all: (f) =>
    `${f.num("slots")} slots: ${f.num("cleaned")} cleaned, ${f.num("invalidated")} invalidated`,
  sw_local: (f) =>
    `dc ${f.str("op")} ${slot(f)}: ${f.num("cleaned")} cleaned, ${
      f.num("invalidated")
    } invalidated`,
  hcr_write: (f) => `TSW ${onOff(f.bool("tsw"))}, TVM ${onOff(f.bool("tvm"))}`,
  vcpu_load: (f) => `on cpu ${f.num("pcpu")}`,
  migrate: (f) => `cpu ${f.num("from")} -> cpu ${f.num("to")}`,
  speculative_fill: (f) => `${hexAddr(f.num("addr"))} into ${f.str("cache")}`,
  castout: (f) =>
    `${hexAddr(f.num("addr"))} from ${f.str("cache")}, dirty ${yesNo(f.bool("dirty"))}`,
  host_write: (f) => `${hexAddr(f.num("addr"))} = ${hex32(f.num("value"))}`,
  stale_read: violation,
  lost_write: violation,
};

/** One `k=v` pair of a field whose meaning setway does not know. */
function pair(key: string, value: EventFieldValue): string {
  let v: string;
  if (typeof value === "number") {
    v = Number.isSafeInteger(value) && value >= 0x10000 ? "0x" + value.toString(16) : String(value);
  } else if (typeof value === "boolean") {
    v = yesNo(value);
  } else if (typeof value === "string") {
    v = printable(value);
  } else {
    v = String(value);
  }
  return `${printable(key)}=${v}`;
}

function extraFields(event: SetwayEvent, used: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(event)) {
    if (!BASE_KEYS.has(key) && !used.has(key)) out.push(pair(key, event[key]));
  }
  return out;
}

/**
 * The message of one event, without the ftrace columns and the collapse
 * count.
 *
 * @example Usage
 * ```ts
 * import { formatEventMessage } from "./messages.ts";
 * formatEventMessage({
 *   seq: 4, name: "kvm_set_way_flush", vcpu: 0, pcpu: 0, pc: 0x4000_8234, count: 1, cache: true,
 * }); // "S/W flush at 0x0000000040008234 (cache on)"
 * formatEventMessage({
 *   seq: 5, name: "my_flush", vcpu: 0, pcpu: 0, pc: null, count: 1, pages: 3, deferred: true,
 * }); // "pages=3 deferred=yes"
 * ```
 * @param event one recorded event
 * @returns the message, a single line
 */
export function formatEventMessage(event: SetwayEvent): string {
  const format = Object.hasOwn(FORMATTERS, event.name) ? FORMATTERS[event.name] : undefined;
  if (format === undefined) return extraFields(event, new Set()).join(" ");
  const f = new Fields(event);
  const message = format(f);
  const extra = extraFields(event, f.used);
  return extra.length === 0 ? message : `${message} ${extra.join(" ")}`;
}
