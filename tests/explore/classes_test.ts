import assert from "node:assert/strict";
import type { Step } from "../../mod.ts";
import {
  classFromPredicate,
  GUEST_CLASSES,
  guestClassFor,
  intersectClasses,
  matchesClass,
} from "../../lib/api/explore.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { loadParts } from "../../lib/engine/explore/context.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";

const A = 0x4000_0000;
const on: Step = { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } };
const off: Step = { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } };
const write = (value: number): Step => ({ kind: "write", vcpu: 0, addr: A, value });
const civac: Step = { kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 4 };
const cvau: Step = { kind: "dc_va", vcpu: 0, op: "cvau", addr: A, len: 4 };
const walk: Step = { kind: "sw_walk", vcpu: 0, op: "csw" };
const read: Step = { kind: "read", vcpu: 0, addr: A };
const ivac: Step = { kind: "dc_va", vcpu: 0, op: "ivac", addr: A, len: 4 };
const cvac: Step = { kind: "dc_va", vcpu: 0, op: "cvac", addr: A, len: 4 };
const mmuOnly: Step = { kind: "sctlr", vcpu: 0, bits: { m: true } };
const isw: Step = { kind: "sw_walk", vcpu: 0, op: "isw" };
const on1: Step = { kind: "sctlr", vcpu: 1, bits: { m: true, c: true, i: true } };
const write1: Step = { kind: "write", vcpu: 1, addr: A + 0x1000, value: 2 };
const walk1: Step = { kind: "sw_walk", vcpu: 1, op: "cisw" };

const cases: [string, Step[], Record<string, boolean>][] = [
  ["write, caches off without a clean", [on, write(1), off, read], {
    "any": true,
    "no-sw": true,
    "uses-sw": false,
    "never-cleans": true,
    "cleans-by-va": false,
    "maintains-by-va": false,
  }],
  ["write, DC CIVAC, caches off", [on, write(1), civac, off, read], {
    "never-cleans": false,
    "cleans-by-va": true,
    "maintains-by-va": true,
  }],
  ["DC CVAU is not to the PoC", [on, write(1), cvau, off], { "cleans-by-va": false }],
  ["a set/way walk", [on, write(1), walk, off, read], {
    "no-sw": false,
    "uses-sw": true,
    "never-cleans": false,
    "cleans-by-va": false,
  }],
  ["a write with caches off, then caches on without an invalidate", [on, off, write(1), on, read], {
    "cleans-by-va": true,
    "maintains-by-va": false,
  }],
  ["the same, invalidated by VA after the write", [on, off, write(1), civac, on, read], {
    "maintains-by-va": true,
  }],
  ["invalidated before the write does not count", [on, off, civac, write(1), on, read], {
    "maintains-by-va": false,
  }],
  ["a write with caches off leaves nothing to clean", [on, off, write(1), on, off], {
    "cleans-by-va": true,
  }],
  ["DC IVAC discards the line: it does not clean it", [on, write(1), ivac, off], {
    "cleans-by-va": false,
  }],
  ["DC CVAC cleans but does not invalidate", [on, off, write(1), cvac, on, read], {
    "cleans-by-va": true,
    "maintains-by-va": false,
  }],
  ["SCTLR.M alone: the write is not cacheable, nothing to clean", [mmuOnly, write(1), off], {
    "cleans-by-va": true,
    "cleans-by-sw": true,
  }],
  ["a clean set/way walk before caches off", [on, write(1), walk, off, read], {
    "cleans-by-sw": true,
  }],
  ["an invalidate-only walk cleans nothing", [on, write(1), isw, off], {
    "cleans-by-sw": false,
  }],
  ["a walk cleans only its own vCPU's writes", [on, on1, write(1), write1, walk1, off], {
    "cleans-by-sw": false,
  }],
];

for (const [name, steps, expected] of cases) {
  Deno.test(`guest classes: ${name}`, () => {
    for (const [cls, want] of Object.entries(expected)) {
      assert.equal(matchesClass(GUEST_CLASSES[cls], steps), want, cls);
    }
  });
}

Deno.test("a class monitor never mutates the state it is given", () => {
  for (const cls of Object.values(GUEST_CLASSES)) {
    const s0 = cls.start();
    const before = JSON.stringify(s0);
    let s: unknown = s0;
    for (const step of [on, write(1), civac, off, write(2), walk, read]) {
      const next = cls.next(s, step);
      if (next === null) break;
      s = next;
    }
    assert.equal(JSON.stringify(s0), before, cls.name);
  }
});

Deno.test("intersection: in every part; predicate classes see the whole program", () => {
  const both = intersectClasses([GUEST_CLASSES["no-sw"], GUEST_CLASSES["never-cleans"]]);
  assert.equal(matchesClass(both, [on, write(1), off, read]), true);
  assert.equal(matchesClass(both, [on, write(1), civac, off]), false);
  // A part that accepts only at the end (uses-sw) is asked too.
  const never = intersectClasses([GUEST_CLASSES["no-sw"], GUEST_CLASSES["uses-sw"]]);
  assert.equal(matchesClass(never, [on, write(1), off, read]), false);
  // A part whose state changes carries its change on: the write is dirty until cleaned.
  const cleaning = intersectClasses([GUEST_CLASSES["cleans-by-va"], GUEST_CLASSES["no-sw"]]);
  assert.equal(matchesClass(cleaning, [on, write(1), off]), false);
  assert.equal(matchesClass(cleaning, [on, write(1), civac, off]), true);
  const short = classFromPredicate("short", "at most 3 steps", (s) => s.length <= 3);
  assert.equal(matchesClass(short, [on, write(1), off]), true);
  assert.equal(matchesClass(short, [on, write(1), off, read]), false);
});

// DC CVAC/CIVAC/IVAC act on the whole line holding the address (ARMv8-A ARM, "Data cache
// maintenance instructions"): whether a write 0x20 past a clean's address is covered depends on
// the line size.
const writeAt = (addr: number): Step => ({ kind: "write", vcpu: 0, addr, value: 1 });
const dcAt = (op: "cvac" | "civac" | "ivac", addr: number, len = 4): Step => ({
  kind: "dc_va",
  vcpu: 0,
  op,
  addr,
  len,
});

Deno.test("by-VA classes count the machine's lines: 16, 32, 64 and 128 bytes", () => {
  const cleanedAbove: Step[] = [on, writeAt(A + 0x20), dcAt("cvac", A), off, read];
  const invalidatedAbove: Step[] = [on, off, writeAt(A + 0x20), dcAt("ivac", A), on, read];
  for (const [lineSize, covered] of [[16, false], [32, false], [64, true], [128, true]] as const) {
    const cleans = guestClassFor("cleans-by-va", lineSize);
    const maintains = guestClassFor("maintains-by-va", lineSize);
    assert.equal(matchesClass(cleans, cleanedAbove), covered, `cleans-by-va, ${lineSize}`);
    assert.equal(matchesClass(maintains, cleanedAbove), covered, `maintains-by-va, ${lineSize}`);
    assert.equal(
      matchesClass(maintains, invalidatedAbove),
      covered,
      `maintains-by-va (stale), ${lineSize}`,
    );
    // A range reaching the written line covers it at every line size.
    const ranged: Step[] = [on, writeAt(A + 0x20), dcAt("civac", A, 0x24), off, read];
    assert.equal(matchesClass(cleans, ranged), true, `a range, ${lineSize}`);
    assert.equal(cleans.name, "cleans-by-va");
  }
  assert.equal(guestClassFor("cleans-by-va", 64), GUEST_CLASSES["cleans-by-va"]);
  assert.equal(guestClassFor("cleans-by-va", 32), guestClassFor("cleans-by-va", 32));
  assert.equal(guestClassFor("no-sw", 16), GUEST_CLASSES["no-sw"]);
  assert.throws(() => guestClassFor("cleans-by-vaa", 16), ScenarioError);
});

Deno.test("an exploration's by-VA class counts its machine's lines", async () => {
  const l1d = { size: 4096, ways: 4, lineSize: 16 };
  const machine = {
    name: "sixteen",
    description: "one CPU, 16-byte lines",
    clusters: [{ cpus: 1, l1d, l2: { size: 65536, ways: 8, lineSize: 16 } }],
  };
  const cleanedAbove: Step[] = [on, writeAt(A + 0x20), dcAt("cvac", A), off, read];
  const sixteen = await loadParts(resolveExploreOptions({ machine, guestClass: "cleans-by-va" }));
  assert.equal(matchesClass(sixteen.guestClass, cleanedAbove), false);
  const generic = await loadParts(resolveExploreOptions({ guestClass: "cleans-by-va" }));
  assert.equal(matchesClass(generic.guestClass, cleanedAbove), true);
});
