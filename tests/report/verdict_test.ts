import assert from "node:assert/strict";
import { formatVerdict, type VerdictLike } from "../../lib/report/verdict.ts";
import { ScenarioError } from "../../lib/errors.ts";

type Violation = VerdictLike["violations"][number];

/** A stale read of 1 at 0x40001000 that got 0, by vCPU 0 at 0x40008000, with `fields` changed. */
function staleRead(fields: Partial<Violation> = {}): Violation {
  return {
    kind: "stale_read",
    addr: 0x4000_1000,
    expected: 1,
    got: 0,
    vcpu: 0,
    pc: 0x4000_8000,
    blame: "guest",
    ...fields,
  } as Violation;
}

Deno.test("an ok verdict says ok, valid, and how it fares natively", () => {
  const text = formatVerdict({ ok: true, violations: [], archInvalid: [], failsNatively: false });
  assert.deepEqual(text.split("\n"), [
    "verdict: ok",
    "architecturally valid: yes",
    "natively on this machine: passes",
    "",
  ]);
});

Deno.test("a failing verdict lists each violation with address, values, vCPU, pc and blame", () => {
  const verdict: VerdictLike = {
    ok: false,
    violations: [
      {
        kind: "stale_read",
        addr: 0x4000_1000,
        expected: 0xcafe,
        got: 0,
        vcpu: 1,
        pc: 0x4000_8000,
        blame: "hypervisor",
      },
      {
        kind: "lost_write",
        addr: 0x1_0000_0040,
        expected: 2,
        got: 1,
        vcpu: null,
        pc: null,
        blame: "guest",
      },
    ],
    archInvalid: ["set/way op with caches on", "set/way op with other CPUs online"],
    failsNatively: true,
  };
  const lines = formatVerdict(verdict).split("\n");
  assert.equal(lines[0], "verdict: FAIL, 2 violations");
  assert.equal(
    lines[1],
    "  1. stale_read at 0x40001000: expected 0x0000cafe, got 0x00000000 " +
      "(vcpu1, pc 0x40008000, blame hypervisor)",
  );
  assert.match(
    lines[2],
    /^ {2}2\. lost_write at 0x0000000100000040: .*\(no vcpu, no pc, blame guest\)$/,
  );
  assert.equal(lines[3], "architecturally invalid: 2 reasons");
  assert.equal(lines[4], "  - set/way op with caches on");
  assert.equal(lines[6], "natively on this machine: fails");
});

Deno.test("one violation and one reason are counted in the singular", () => {
  const text = formatVerdict({
    ok: false,
    violations: [staleRead()],
    archInvalid: ["S/W with caches on at 0x40008000"],
    failsNatively: true,
  });
  const lines = text.split("\n");
  assert.equal(lines[0], "verdict: FAIL, 1 violation");
  assert.equal(lines[2], "architecturally invalid: 1 reason");
});

Deno.test("formatVerdict refuses something that is not a verdict", () => {
  assert.throws(() => formatVerdict(null as unknown as VerdictLike), ScenarioError);
  assert.throws(
    () => formatVerdict({ ok: true, violations: "none" } as unknown as VerdictLike),
    (e: unknown) => e instanceof ScenarioError && e.call === "formatVerdict",
  );
});

Deno.test("the reasons are counted apart from the violations", () => {
  const lines = formatVerdict({
    ok: false,
    violations: [staleRead({ blame: "hypervisor" })],
    archInvalid: ["set/way op with caches on", "set/way op with other CPUs online"],
    failsNatively: false,
  }).split("\n");
  assert.equal(lines[0], "verdict: FAIL, 1 violation");
  assert.equal(lines[2], "architecturally invalid: 2 reasons");
});

Deno.test("a pc above 4 GiB is printed in 16 digits, as an address is", () => {
  const text = formatVerdict({
    ok: false,
    violations: [staleRead({ vcpu: 2, pc: 0x1_0000_8000 })],
    archInvalid: [],
    failsNatively: false,
  });
  assert.equal(
    text.split("\n")[1],
    "  1. stale_read at 0x40001000: expected 0x00000001, got 0x00000000 " +
      "(vcpu2, pc 0x0000000100008000, blame guest)",
  );
});

Deno.test("formatVerdict refuses a verdict without its archInvalid list, naming the call", () => {
  // An error naming the call, not a TypeError from reading the missing list's length.
  const partial = { ok: true, violations: [], failsNatively: false } as unknown as VerdictLike;
  assert.throws(
    () => formatVerdict(partial),
    (e: unknown) =>
      e instanceof ScenarioError && e.call === "formatVerdict" &&
      /expected \{ ok, violations: \[\], archInvalid: \[\], failsNatively \}/.test(e.message),
  );
});
