import assert from "node:assert/strict";
import fc from "fast-check";
import { run } from "../../lib/engine/run.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { BASE, KERNEL, scenario, zimageSteps } from "./fixtures.ts";

Deno.test("determinism: the same scenario and seed give byte-identical traces and JSON", () => {
  const steps: Step[] = [
    ...zimageSteps(6),
    { kind: "migrate", vcpu: 0, pcpu: 2 },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: KERNEL + 0x400, value: 9 },
    { kind: "sw_walk", vcpu: 0, op: "csw" },
    { kind: "read", vcpu: 0, addr: KERNEL + 0x400 },
  ];
  for (const policy of ["kvm-4.0", "kvm-3.18"]) {
    const s = scenario(steps, { policy, speculation: "adversarial", seed: 7 });
    const a = run(s), b = run(structuredClone(s));
    assert.equal(a.trace(), b.trace());
    assert.equal(JSON.stringify(a.toJSON()), JSON.stringify(b.toJSON()));
    const perturbed = a.events.filter((e) => e.name === "speculative_fill" || e.name === "castout");
    assert.ok(perturbed.length > 0, "adversarial hardware acted");
  }
  const quiet = run(scenario(steps, { speculation: "quiet" }));
  assert.ok(!quiet.events.some((e) => e.name === "speculative_fill" || e.name === "castout"));
});

Deno.test("property: cacheable-only programs never fail, whatever the policy, seed or speculation", () => {
  const addr = fc.integer({ min: 0, max: 63 }).map((i) => KERNEL + i * 68);
  const step = fc.oneof(
    fc.record({
      kind: fc.constant("write" as const),
      vcpu: fc.integer({ min: 0, max: 1 }),
      addr,
      value: fc.nat(),
    }),
    fc.record({ kind: fc.constant("read" as const), vcpu: fc.integer({ min: 0, max: 1 }), addr }),
    fc.record({
      kind: fc.constant("migrate" as const),
      vcpu: fc.integer({ min: 0, max: 1 }),
      pcpu: fc.integer({ min: 0, max: 3 }),
    }),
    fc.record({ kind: fc.constant("host_write" as const), addr, value: fc.nat() }),
  );
  fc.assert(
    fc.property(
      fc.array(step, { maxLength: 30 }),
      fc.constantFrom("kvm-4.0", "kvm-3.18", "native"),
      fc.integer(),
      (body, policy, seed) => {
        const steps: Step[] = [
          { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
          { kind: "sctlr", vcpu: 1, bits: { m: true, c: true } },
          ...body,
        ];
        const r = run(
          scenario(steps, { cpus: 2, policy, seed, speculation: "adversarial", ramBase: BASE }),
        );
        assert.deepEqual(r.verdict.violations, []);
      },
    ),
    { numRuns: 60, seed: 4242 },
  );
});
