import assert from "node:assert/strict";
import fc from "fast-check";
import {
  accessStepValid,
  stepIssues,
  stepIssuesFully,
  stepsIssues,
  validAccessesFrom,
} from "../../lib/engine/rules/steps.ts";

const BASE = 0x4000_0000;

/** Field values near every rule's edges, and of the wrong types. */
const anyValue = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, -1, 0.5, NaN, Infinity, 0xffff_ffff, 0x1_0000_0000, 2 ** 53),
  fc.constantFrom(BASE, BASE + 4, BASE + 2, BASE - 4, BASE + (1 << 20) - 4, BASE + (1 << 20)),
  fc.constantFrom("0", null, true, undefined, {}, []),
  fc.nat(),
);

/** Well-formed reads and writes (for the smallest context). */
const wellFormed = fc.oneof(
  fc.record({ kind: fc.constant("read"), vcpu: fc.constant(0), addr: fc.nat(1 << 18) }),
  fc.record({
    kind: fc.constant("write"),
    vcpu: fc.constant(0),
    addr: fc.nat(1 << 18),
    value: fc.nat(),
  }),
).map((s) => ({ ...s, addr: BASE + s.addr * 4 }));

/** Reads and writes with a field missing, extra or wrong, or of another kind. */
const noisy = fc.record(
  {
    kind: fc.constantFrom("read", "write", "read", "write", "pc", "bogus"),
    vcpu: fc.oneof(fc.nat(3), anyValue),
    addr: fc.oneof(fc.nat(1 << 18).map((w) => BASE + w * 4), anyValue),
    value: fc.oneof(fc.nat(), anyValue),
    extra: anyValue,
  },
  { requiredKeys: ["kind"] },
);

/** Reads and writes with every field on or next to an edge of its rule. */
const edge = fc.record({
  kind: fc.constantFrom("read", "write"),
  vcpu: fc.constantFrom(0, 1, 2, 3, 4, -0, -1, 0.5, NaN, 2 ** 53, Infinity),
  addr: fc.constantFrom(
    BASE,
    BASE + 4,
    BASE + 2,
    BASE - 4,
    BASE + (1 << 20) - 4,
    BASE + (1 << 20) - 2,
    BASE + (1 << 20),
    0,
    2 ** 48 - 4,
    2 ** 48,
    -4,
    -0,
  ),
  value: fc.constantFrom(0, 1, 0xffff_ffff, 2 ** 32, -1, -0, 0.5, NaN, Infinity),
}).map((s) => s.kind === "read" ? { kind: s.kind, vcpu: s.vcpu, addr: s.addr } : s);

const step = fc.oneof(wellFormed, noisy, edge);

const ctx = fc.record({
  cpus: fc.oneof(fc.constantFrom(1, 2, 4), fc.constant(NaN)),
  pcpus: fc.constant(4),
  ramBase: fc.oneof(fc.constant(BASE), fc.constant(NaN)),
  ram: fc.oneof(fc.constant(1 << 20), fc.constant(NaN)),
});

Deno.test("property: the shortcut for valid reads and writes agrees with the full check", () => {
  let taken = 0;
  fc.assert(
    fc.property(step, ctx, (s, c) => {
      const full = stepIssuesFully(s, "steps[3]", c);
      if (accessStepValid(s, c)) {
        taken++;
        assert.deepEqual(full, []);
      }
      assert.deepEqual(stepIssues(s, "steps[3]", c), full);
    }),
    { seed: 23, numRuns: 3000 },
  );
  assert.ok(taken > 100, `the shortcut was taken ${taken} times`);
});

Deno.test("property: the run-at-a-time shortcut stops where the per-step one first refuses", () => {
  let passed = 0;
  fc.assert(
    fc.property(
      fc.array(fc.oneof({ arbitrary: wellFormed, weight: 8 }, edge, step, anyValue), {
        maxLength: 16,
      }),
      fc.nat(17),
      ctx,
      (steps, start, c) => {
        const from = Math.min(start, steps.length);
        const end = validAccessesFrom(steps, from, c);
        assert.ok(end >= from && end <= steps.length);
        for (let i = from; i < end; i++) {
          assert.ok(accessStepValid(steps[i] as Record<string, unknown>, c), `steps[${i}]`);
          assert.deepEqual(stepIssuesFully(steps[i], `steps[${i}]`, c), []);
        }
        if (end < steps.length) {
          const s = steps[end];
          const record = typeof s === "object" && s !== null && !Array.isArray(s);
          assert.ok(!record || !accessStepValid(s as Record<string, unknown>, c));
        }
        passed += end - from;
      },
    ),
    { seed: 31, numRuns: 2000 },
  );
  assert.ok(passed > 1000, `the shortcut passed over ${passed} steps`);
});

Deno.test("property: a list's issues are each step's, with its path", () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 12 }), ctx, (steps, c) => {
      const want = steps.flatMap((s, i) => stepIssuesFully(s, `steps[${i}]`, c));
      assert.deepEqual(stepsIssues(steps, c), want);
    }),
    { seed: 29, numRuns: 500 },
  );
});

Deno.test("the shortcut refuses a step with a field of another kind, or inherited", () => {
  const c = { cpus: 1, pcpus: 4, ramBase: BASE, ram: 1 << 20 };
  assert.equal(accessStepValid({ kind: "read", vcpu: 0, addr: BASE, value: 1 }, c), false);
  const inherited = Object.create({ extra: 1 });
  Object.assign(inherited, { kind: "read", vcpu: 0, addr: BASE });
  assert.equal(accessStepValid(inherited, c), false);
  assert.deepEqual(stepIssues(inherited, "s", c), stepIssuesFully(inherited, "s", c));
  assert.equal(accessStepValid({ kind: "write", vcpu: 0, addr: BASE, value: 7 }, c), true);
});
