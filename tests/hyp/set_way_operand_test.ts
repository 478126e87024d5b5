import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/vm.ts";
import type { RunResult } from "../../lib/engine/result.ts";

const A = 0x4000_8000;
/** Far beyond the sets of any cache (CCSIDR describes at most 32768). */
const SET = 1 << 20;

/** Caches on, a write, one clean naming a slot the machine does not have, caches off, a read. */
function outside(policy: string, machine = "generic"): Promise<RunResult> {
  return vm().machine(machine).cpus(1).policy(policy).guest((g) =>
    g.mmuOn().write(A, 0x1234).dc_csw(1, SET, 0).mmuOff().read(A)
  ).run();
}

function named(r: RunResult, name: string): number {
  return r.events.filter((e) => e.name === name).reduce((n, e) => n + e.count, 0);
}

const REASON =
  /^S\/W operand level 1 set 1048576 way 0 at 0x[0-9a-f]+ outside the cache geometry \(level 1: \d+ sets, \d+ ways\)$/;

Deno.test("a set/way operand outside the geometry is accepted and flagged archInvalid, natively", async () => {
  const r = await outside("native");
  assert.ok(r.verdict.archInvalid.some((x) => REASON.test(x)), r.verdict.archInvalid.join("; "));
  // It did nothing: the dirty line is still in L1 and a non-cacheable read misses it.
  assert.equal(r.verdict.ok, false);
  assert.equal(r.verdict.violations[0].kind, "stale_read");
});

Deno.test("under HCR.TSW an outside operand traps like any other: kvm-4.0 ignores the operand", async () => {
  const r = await outside("kvm-4.0");
  const inside = await vm().machine("generic").cpus(1).policy("kvm-4.0").guest((g) =>
    g.mmuOn().write(A, 0x1234).dc_csw(1, 0, 0).mmuOff().read(A)
  ).run();
  assert.ok(r.verdict.archInvalid.some((x) => REASON.test(x)));
  assert.equal(named(r, "kvm_set_way_flush"), 1);
  assert.equal(named(r, "kvm_exit"), named(inside, "kvm_exit"));
  assert.deepEqual(r.verdict.violations, inside.verdict.violations);
  assert.equal(r.verdict.ok, true, "kvm_set_way_flush cleaned the line by VA");
});

Deno.test("kvm-3.18 performs an outside operand locally: it does nothing, sw_local says so", async () => {
  const r = await outside("kvm-3.18");
  assert.ok(r.verdict.archInvalid.some((x) => REASON.test(x)));
  const local = r.events.filter((e) => e.name === "sw_local");
  assert.equal(local.length, 1);
  assert.equal(local[0].set, SET);
  assert.deepEqual([local[0].cleaned, local[0].invalidated], [0, 0]);
});

Deno.test("xen-iommu injects an undefined instruction for an outside operand too", async () => {
  const r = await outside("xen-iommu");
  assert.equal(named(r, "undef_injected"), 1);
  assert.ok(r.verdict.crashed !== null);
});

Deno.test("kvm-modern: the operand is checked against the normalized view the guest reads", async () => {
  // A slot the physical L1 has but the one-set, one-way virtual view does not.
  const r = await vm().machine("generic").cpus(1).policy("kvm-modern").guest((g) =>
    g.dc_cisw(1, 1, 0)
  ).run();
  assert.ok(
    r.verdict.archInvalid.some((x) => /set 1 way 0 .*\(level 1: 1 sets, 1 ways\)$/.test(x)),
    r.verdict.archInvalid.join("; "),
  );
  const ok = await vm().machine("generic").cpus(1).policy("kvm-modern").guest((g) =>
    g.dc_cisw(1, 0, 0)
  ).run();
  assert.ok(!ok.verdict.archInvalid.some((x) => x.startsWith("S/W operand")));
});

Deno.test("a level beyond the LoC is flagged with the LoC; absurd operands stay ScenarioErrors", async () => {
  const r = await vm().machine("generic").cpus(1).policy("native").guest((g) => g.dc_isw(7, 0, 0))
    .run();
  assert.ok(
    r.verdict.archInvalid.some((x) => /level 7 set 0 way 0 .* beyond the LoC \(2\)$/.test(x)),
  );
  assert.throws(() => vm().guest((g) => g.dc_isw(8, 0, 0)), /level/);
  assert.throws(() => vm().guest((g) => g.dc_isw(1, -1, 0)), /set/);
  assert.throws(() => vm().guest((g) => g.dc_isw(1, 0, 1.5)), /way/);
  // The operand is 32 bits: the largest set and way it can hold are accepted, one more is not.
  const top = await vm().guest((g) => g.dc_isw(1, 2 ** 32 - 1, 2 ** 32 - 1)).run();
  assert.ok(top.verdict.archInvalid.some((x) => x.includes("set 4294967295 way 4294967295")));
  assert.throws(() => vm().guest((g) => g.dc_isw(1, 2 ** 32, 0)), /set/);
  assert.throws(
    () =>
      vm().from({
        ...vm().toJSON(),
        steps: [{ kind: "sw", vcpu: 0, op: "isw", level: 1, set: 0, way: 2 ** 32 }],
      }),
    /way/,
  );
});
