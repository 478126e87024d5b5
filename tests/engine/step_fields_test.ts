import assert from "node:assert/strict";
import { stepIssues } from "../../lib/engine/rules/steps.ts";
import { scenarioIssues } from "../../lib/engine/rules/scenario.ts";

const BASE = 0x4000_0000;
const RAM = 1 << 20;
/** One vCPU on a machine of four CPUs, 1 MiB of RAM at BASE. */
const CTX = { cpus: 1, pcpus: 4, ramBase: BASE, ram: RAM };

/** Each issue of one step as "path code". */
function issuesOf(step: unknown, ctx = CTX): string[] {
  return stepIssues(step, "steps[0]", ctx).map((i) => `${i.path} ${i.code}`);
}

Deno.test("steps: a DC by VA range whose first word is outside RAM is the address's fault alone", () => {
  const step = { kind: "dc_va", vcpu: 0, op: "civac", addr: BASE + RAM, len: 64 };
  assert.deepEqual(issuesOf(step), ["steps[0].addr bad_address"]);
  // Its first word in RAM, the range past the end: the length's fault alone.
  assert.deepEqual(issuesOf({ ...step, addr: BASE + RAM - 32 }), ["steps[0].len bad_address"]);
});

Deno.test("steps: an SCTLR bit that is not a boolean is a schema issue on that bit", () => {
  assert.deepEqual(issuesOf({ kind: "sctlr", vcpu: 0, bits: { m: 1 } }), [
    "steps[0].bits.m bad_schema",
  ]);
  assert.deepEqual(issuesOf({ kind: "sctlr", vcpu: 0, bits: { c: "on", i: true } }), [
    "steps[0].bits.c bad_schema",
  ]);
  assert.deepEqual(issuesOf({ kind: "sctlr", vcpu: 0, bits: { m: true, c: false } }), []);
});

Deno.test("steps: a PC must be a 4-byte aligned address below 2^52", () => {
  assert.deepEqual(issuesOf({ kind: "pc", vcpu: 0, addr: BASE + 0x8000 }), []);
  for (const addr of [BASE + 2, -4, 2 ** 52, 0.5]) {
    assert.deepEqual(issuesOf({ kind: "pc", vcpu: 0, addr }), ["steps[0].addr bad_address"]);
  }
});

Deno.test("steps: a host write's CPU is any physical CPU of the machine, not a vCPU", () => {
  const step = { kind: "host_write", addr: BASE, value: 1 };
  assert.deepEqual(issuesOf({ ...step, cpu: 3 }), []);
  assert.deepEqual(issuesOf({ ...step, cpu: 4 }), ["steps[0].cpu out_of_range"]);
});

Deno.test("steps: an index checked while the count is unknown says what it must be, with no count", () => {
  const { issues } = scenarioIssues({
    version: 1,
    machine: "nosuch",
    cpus: 2,
    policy: "kvm-4.0",
    steps: [{ kind: "migrate", vcpu: 0, pcpu: -1 }],
  });
  const pcpu = issues.find((i) => i.path === "steps[0].pcpu");
  assert.equal(pcpu?.code, "invalid_value");
  assert.match(pcpu.message, /expected a physical CPU index: a whole number from 0$/);
  assert.doesNotMatch(pcpu.message, /Infinity|NaN/);
  // With the machine known, the message gives the range.
  const known = stepIssues({ kind: "migrate", vcpu: 0, pcpu: -1 }, "steps[0]", CTX)[0];
  assert.match(known.message, /from 0 to 3 \(there are 4\)/);
});

Deno.test("steps: a number field given as a string is a schema issue, not a bad value", () => {
  assert.deepEqual(issuesOf({ kind: "read", vcpu: "0", addr: BASE }), [
    "steps[0].vcpu bad_schema",
  ]);
  assert.deepEqual(issuesOf({ kind: "write", vcpu: 0, addr: String(BASE), value: 1 }), [
    "steps[0].addr bad_schema",
  ]);
  assert.deepEqual(issuesOf({ kind: "migrate", vcpu: 0, pcpu: "1" }), [
    "steps[0].pcpu bad_schema",
  ]);
});
