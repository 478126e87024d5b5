// The built-in guest classes on the programs at their edges: a step that
// must take a program out of a class, and the near misses that must not.
// A class that lets too much through makes an exploration blame the
// hypervisor for a guest's own mistake; one that lets too little through
// makes it skip programs it must run.
import assert from "node:assert/strict";
import type { Step } from "../../mod.ts";
import type { SctlrBits } from "../../lib/guest/ops.ts";
import { GUEST_CLASSES, guestClassFor, matchesClass } from "../../lib/api/explore.ts";
import { resolveGuestClass } from "../../lib/engine/explore/classes.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { loadParts } from "../../lib/engine/explore/context.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";

const A = 0x4000_0000;
const ON = { m: true, c: true, i: true };
const OFF = { m: false, c: false };

/** An SCTLR write of `bits` on `vcpu`. */
const sctlr = (vcpu: number, bits: SctlrBits): Step => ({ kind: "sctlr", vcpu, bits });
/** A write of `value` to `addr` on `vcpu`. */
const write = (vcpu: number, addr: number, value = 1): Step => ({
  kind: "write",
  vcpu,
  addr,
  value,
});
/** A DC by VA of 4 bytes at `addr` on `vcpu`. */
const dc = (vcpu: number, op: "cvac" | "civac" | "ivac", addr: number): Step => ({
  kind: "dc_va",
  vcpu,
  op,
  addr,
  len: 4,
});
/** A whole set/way walk on `vcpu`. */
const walk = (vcpu: number, op: "csw" | "cisw" = "csw"): Step => ({ kind: "sw_walk", vcpu, op });
const read: Step = { kind: "read", vcpu: 0, addr: A };
/** One set/way instruction on one slot (not a whole walk). */
const oneSw: Step = { kind: "sw", vcpu: 0, op: "cisw", level: 1, set: 0, way: 0 };

/** Whether the built-in class `name` holds `steps`. */
const holds = (name: string, steps: Step[]) => matchesClass(GUEST_CLASSES[name], steps);

Deno.test("classes: a single set/way instruction counts as set/way, like a whole walk", () => {
  const steps = [sctlr(0, ON), write(0, A), oneSw, sctlr(0, OFF), read];
  assert.equal(holds("no-sw", steps), false);
  assert.equal(holds("uses-sw", steps), true);
  assert.equal(holds("never-cleans", steps), false);
  assert.equal(holds("cleans-by-va", steps), false);
});

Deno.test("classes: cleans-by-va never uses set/way, even when every line was cleaned by VA", () => {
  const steps = [sctlr(0, ON), write(0, A), dc(0, "civac", A), walk(0), sctlr(0, OFF), read];
  assert.equal(holds("cleans-by-va", steps), false);
  assert.equal(holds("maintains-by-va", steps), false);
  assert.equal(holds("cleans-by-va", [walk(0)]), false);
});

Deno.test("classes: a DC by VA inside a line covers the whole line, whatever its offset", () => {
  // 64-byte lines: 0x10 and 0x3c are in the line of the write at 0x20.
  for (const offset of [0x10, 0x3c]) {
    const cleaned = [sctlr(0, ON), write(0, A + 0x20), dc(0, "cvac", A + offset), sctlr(0, OFF)];
    assert.equal(holds("cleans-by-va", cleaned), true, `clean at +${offset}`);
    const invalidated = [
      sctlr(0, OFF),
      write(0, A + 0x20),
      dc(0, "ivac", A + offset),
      sctlr(0, ON),
    ];
    assert.equal(holds("maintains-by-va", invalidated), true, `invalidate at +${offset}`);
  }
  // The next line is another line.
  const past = [sctlr(0, ON), write(0, A + 0x20), dc(0, "cvac", A + 0x40), sctlr(0, OFF)];
  assert.equal(holds("cleans-by-va", past), false);
});

Deno.test("classes: caches go off only on a vCPU whose caches were on", () => {
  // vCPU 1 never turned its caches on: its SCTLR write turns nothing off, so vCPU 0's
  // dirty line may still be cleaned afterwards.
  const steps = [sctlr(0, ON), write(0, A), sctlr(1, OFF), dc(0, "civac", A), sctlr(0, OFF), read];
  assert.equal(holds("cleans-by-va", steps), true);
  assert.equal(holds("maintains-by-va", steps), true);
  // vCPU 1 turning its own caches off with vCPU 0's line dirty does take it out.
  const early = [sctlr(0, ON), sctlr(1, ON), write(0, A), sctlr(1, OFF)];
  assert.equal(holds("cleans-by-va", early), false);
});

Deno.test("classes: SCTLR.M cleared alone turns the caches off (C without M is not cacheable)", () => {
  const steps = [sctlr(0, ON), sctlr(0, { m: false }), write(0, A), sctlr(0, OFF)];
  assert.equal(holds("cleans-by-va", steps), true);
  assert.equal(holds("cleans-by-sw", steps), true);
  // And the write with M off and C on is one to invalidate before caches come back on.
  assert.equal(holds("maintains-by-va", [...steps, sctlr(0, ON)]), false);
});

Deno.test("classes: maintains-by-va objects only to caches being turned on, not kept on", () => {
  // vCPU 1's caches are on all along; vCPU 0 writes with its caches off. An SCTLR write
  // that leaves vCPU 1's caches on turns nothing on.
  const steps = [
    sctlr(1, ON),
    write(0, A),
    sctlr(1, { i: true }),
    sctlr(1, ON),
    dc(0, "ivac", A),
    sctlr(0, ON),
    read,
  ];
  assert.equal(holds("maintains-by-va", steps), true);
  // Without the invalidate, vCPU 0 turning its caches on takes the program out.
  assert.equal(holds("maintains-by-va", steps.filter((s) => s.kind !== "dc_va")), false);
});

Deno.test("classes: cleans-by-sw never maintains by VA", () => {
  const steps = [sctlr(0, ON), write(0, A), walk(0), dc(0, "civac", A), sctlr(0, OFF), read];
  assert.equal(holds("cleans-by-sw", steps), false);
  assert.equal(holds("cleans-by-sw", [dc(0, "cvac", A)]), false);
  assert.equal(holds("cleans-by-sw", steps.filter((s) => s.kind !== "dc_va")), true);
});

Deno.test("classes: cleans-by-sw counts only writes with caches on, and each vCPU's own", () => {
  // A write with caches off leaves nothing in the caches to clean.
  assert.equal(holds("cleans-by-sw", [write(0, A), sctlr(0, ON), sctlr(0, OFF), read]), true);
  // vCPU 0 cleaned its own writes: vCPU 1's uncleaned ones do not stop it turning off.
  const steps = [
    sctlr(0, ON),
    sctlr(1, ON),
    write(0, A),
    write(1, A + 0x1000),
    walk(0, "cisw"),
    sctlr(0, OFF),
    read,
  ];
  assert.equal(holds("cleans-by-sw", steps), true);
  // ...but vCPU 1 turning off is.
  assert.equal(holds("cleans-by-sw", [...steps, sctlr(1, OFF)]), false);
});

Deno.test("classes: a name inherited from Object is not a class", () => {
  for (const name of ["toString", "constructor", "hasOwnProperty", "__proto__"]) {
    assert.throws(
      () => guestClassFor(name, 64),
      (e: unknown) => e instanceof ScenarioError && e.code === "unknown_name",
      name,
    );
    assert.throws(
      () => resolveGuestClass(name),
      (e: unknown) => e instanceof ScenarioError && e.code === "unknown_name",
      name,
    );
  }
});

Deno.test("classes: a class object needs name, start() and next(), and accepts() if any must be a function", () => {
  const good = { name: "g", description: "", start: () => 0, next: () => 0 };
  assert.equal(resolveGuestClass(good), good);
  const bad = [
    { name: "g", description: "", start: () => 0 },
    { name: "g", description: "", next: () => 0 },
    { description: "", start: () => 0, next: () => 0 },
    { ...good, accepts: true },
    null,
  ];
  for (const c of bad) {
    assert.throws(
      () => resolveGuestClass(c as never),
      (e: unknown) => e instanceof ScenarioError && e.code === "invalid_value",
      JSON.stringify(c),
    );
  }
});

Deno.test("classes: an exploration of uses-sw alone still requires a set/way operation", async () => {
  const { guestClass } = await loadParts(resolveExploreOptions({ guestClass: "uses-sw" }));
  assert.equal(matchesClass(guestClass, [sctlr(0, ON), write(0, A), sctlr(0, OFF), read]), false);
  assert.equal(matchesClass(guestClass, [sctlr(0, ON), write(0, A), walk(0), read]), true);
  const { guestClass: any } = await loadParts(resolveExploreOptions({ guestClass: "any" }));
  assert.equal(matchesClass(any, [read]), true);
});
