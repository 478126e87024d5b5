// The snippet a counterexample prints is TypeScript the user pastes: run as the DSL code it is,
// it must build the very scenario that was explored and, with its perturbations, fail the same way.
import assert from "node:assert/strict";
import { type RunResult, type Scenario, type Step, vm } from "../../mod.ts";
import { replay } from "../../lib/api/explore.ts";
import type { PlannedPerturbation } from "../../lib/engine/choosers.ts";
import { counterexampleSnippet, type SnippetVm } from "../../lib/engine/explore/snippet.ts";
import { broken } from "./broken_policy.ts";
import { TINY } from "./fixtures.ts";

const A = 0x4000_0000, B = 0x4000_1040;

/**
 * Runs snippets the way a user does: pasted into a module that imports `vm` and `replay` (and,
 * for a policy object, the policy under the name the snippet gives it: `policyVariable`), one
 * block each.
 */
async function pasted(
  snippets: readonly string[],
  policyVariable = "kvm40Broken",
): Promise<RunResult[]> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pasted.ts`;
    const url = (path: string) => new URL(path, import.meta.url).href;
    const blocks = snippets.map((s) => `{\n${s}\nresults.push(result);\n}`);
    await Deno.writeTextFile(
      file,
      `import { vm } from "${url("../../mod.ts")}";\n` +
        `import { replay } from "${url("../../lib/api/explore.ts")}";\n` +
        `import { broken as ${policyVariable} } from "${url("./broken_policy.ts")}";\n` +
        `export const results = [];\n${blocks.join("\n")}\n`,
    );
    return (await import(`file://${file}`)).results;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The scenario the explorer replays for a counterexample of `v` (explore.ts does the same). */
function explored(v: SnippetVm, steps: Step[], plan: readonly PlannedPerturbation[]): Scenario {
  return {
    version: 1,
    machine: v.machine,
    cpus: v.cpus,
    systemCache: v.systemCache,
    policy: v.policy,
    ram: v.ram,
    ramBase: v.ramBase,
    prefault: v.prefault,
    seed: 1,
    speculation: plan.length > 0 ? "adversarial" : "quiet",
    steps,
  };
}

// Every kind of step, on three vCPUs whose turns interleave (vCPU 2 right after vCPU 1 too),
// with the SCTLR writes the named calls record and the ones they do not.
const EVERY_STEP: Step[] = [
  { kind: "exec_state", vcpu: 1, aarch32: true },
  { kind: "exec_state", vcpu: 0, aarch32: false },
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
  { kind: "write", vcpu: 0, addr: A, value: 1 },
  { kind: "write", vcpu: 1, addr: B, value: 2 },
  { kind: "read", vcpu: 1, addr: A },
  { kind: "dc_va", vcpu: 0, op: "cvac", addr: A, len: 4 },
  { kind: "dc_va", vcpu: 1, op: "civac", addr: B, len: 64 },
  { kind: "dc_va", vcpu: 2, op: "ivac", addr: A, len: 128 },
  { kind: "dc_va", vcpu: 0, op: "cvau", addr: B, len: 4 },
  { kind: "sw_walk", vcpu: 0, op: "csw" },
  { kind: "sw_walk", vcpu: 1, op: "cisw" },
  { kind: "sw_walk", vcpu: 2, op: "isw" },
  { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 5, way: 2 },
  { kind: "sw", vcpu: 1, op: "cisw", level: 2, set: 7, way: 3 },
  { kind: "sw", vcpu: 0, op: "isw", level: 1, set: 3, way: 1 },
  { kind: "sctlr", vcpu: 0, bits: { c: false, i: false } },
  { kind: "sctlr", vcpu: 0, bits: { c: true, i: true } },
  { kind: "sctlr", vcpu: 1, bits: { c: false } },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false, i: false } },
  { kind: "sctlr", vcpu: 2, bits: { m: false, c: false } },
  { kind: "sctlr", vcpu: 0, bits: { m: true } },
  { kind: "vm_reg", vcpu: 1, reg: "TTBR0", value: 0x1234 },
  { kind: "pc", vcpu: 2, addr: 0x4000_0100 },
  { kind: "sctlr", vcpu: 1, bits: { m: true, c: true, i: true } },
  { kind: "migrate", vcpu: 1, pcpu: 5 },
  { kind: "migrate", vcpu: 0, pcpu: 4 },
  { kind: "host_write", cpu: 0, addr: A, value: 3 },
  { kind: "host_write", addr: B, value: 4 },
  { kind: "read", vcpu: 0, addr: A },
  { kind: "read", vcpu: 2, addr: B },
  { kind: "read", vcpu: 1, addr: B },
  { kind: "host_unmap", cpu: 0, addr: 0x4000_2000 },
  { kind: "host_unmap", addr: 0x4000_3000 },
  { kind: "read", vcpu: 0, addr: B },
];

const XGENE: SnippetVm = {
  machine: "xgene1",
  systemCache: "machine",
  cpus: 3,
  policy: "kvm-4.0",
  policyIsObject: false,
  ram: 2 << 20,
  ramBase: 0x4000_0000,
  prefault: true,
};

Deno.test("a snippet run as code records the scenario it was printed from: every step, VM and RAM", async () => {
  const cases: [SnippetVm, Step[]][] = [
    [XGENE, EVERY_STEP],
    // A machine description, a system cache of its own, RAM elsewhere, faults on first touch.
    [{
      machine: TINY,
      systemCache: { size: 16384, ways: 4 },
      cpus: 2,
      policy: "kvm-3.18",
      policyIsObject: false,
      ram: 3 << 20,
      ramBase: 0x8000_0000,
      prefault: false,
    }, [
      { kind: "write", vcpu: 1, addr: 0x8000_0040, value: 1 },
      { kind: "read", vcpu: 0, addr: 0x8000_0040 },
    ]],
    [{
      machine: "juno-r0",
      systemCache: false,
      cpus: 1,
      policy: "xen",
      policyIsObject: false,
      ram: 1 << 30,
      ramBase: 0x8000_0000,
      prefault: true,
    }, [{ kind: "read", vcpu: 0, addr: 0x8000_0000 }]],
  ];
  const results = await pasted(cases.map(([v, steps]) => counterexampleSnippet(v, steps, [])));
  for (const [i, [v, steps]] of cases.entries()) {
    assert.deepEqual(results[i].scenario, explored(v, steps, []), `case ${i}`);
  }
});

Deno.test("a snippet with perturbations replays them: a preemption, a castout and a fill", async () => {
  const steps = vm().machine("generic").guest((g) =>
    g.mmuOn().write(A, 1).dc_csw(1, 5, 1).write(B, 2).mmuOff().read(A).mmuOn().read(B)
  ).toJSON().steps as Step[];
  const v: SnippetVm = { ...XGENE, machine: "generic", cpus: 1, policy: "kvm-3.18", ram: 1 << 20 };
  const plan: PlannedPerturbation[] = [
    { before: 2, kind: "preempt", cpu: 1 },
    { before: 3, kind: "castout", cache: "cpu0.L1", addr: A },
    { before: 6, kind: "speculative_fill", cpu: 1, addr: B },
  ];
  const scenario = explored(v, steps, plan);
  const [result] = await pasted([counterexampleSnippet(v, steps, plan)]);
  assert.deepEqual(result.scenario, scenario);
  const direct = replay(scenario, plan);
  assert.deepEqual(result.events, direct.events);
  assert.deepEqual(result.verdict, direct.verdict);
  // Each perturbation happened where the plan puts it (not only in both runs alike).
  const made = result.events.flatMap((e) =>
    e.name === "migrate" || e.name === "castout" || e.name === "speculative_fill"
      ? [[e.name, e.name === "migrate" ? e.reason : e.cache, e.name === "migrate" ? e.to : e.addr]]
      : []
  );
  assert.deepEqual(made, [
    ["migrate", "preempt", 1],
    ["castout", "cpu0.L1", A],
    ["speculative_fill", "cpu1.L1", B],
  ]);
});

Deno.test("a snippet names a policy object as a variable, in the chain and in replay's options", async () => {
  // The replay module's own example: a fill between turning the caches off and writing.
  const steps = vm().guest((g) => g.mmuOn().mmuOff().write(A, 1).mmuOn().read(A))
    .toJSON().steps as Step[];
  const v: SnippetVm = {
    ...XGENE,
    machine: "generic",
    cpus: 1,
    policy: broken.name,
    policyIsObject: true,
    ram: 1 << 20,
  };
  const plan: PlannedPerturbation[] = [{ before: 2, kind: "speculative_fill", cpu: 1, addr: A }];
  const withPlan = counterexampleSnippet(v, steps, plan);
  const quiet = counterexampleSnippet(v, steps, []);
  assert.match(withPlan, /\.policy\(kvm40Broken\)/);
  assert.match(withPlan, /\], \{ policy: kvm40Broken \}\);$/);
  assert.match(quiet, /\.policy\(kvm40Broken\)/);
  const [replayed, ran] = await pasted([withPlan, quiet]);
  const scenario = { ...explored(v, steps, plan), policy: "kvm-4.0" };
  const direct = replay(scenario, plan, { policy: broken });
  assert.equal(replayed.policy, broken.name);
  assert.deepEqual(replayed.events, direct.events);
  assert.deepEqual(replayed.verdict.violations.map((x) => [x.kind, x.blame]), [
    ["stale_read", "hypervisor"],
  ]);
  // Without the fill the same guest passes under the same policy.
  assert.equal(ran.policy, broken.name);
  assert.equal(ran.verdict.ok, true);
});

Deno.test("a policy whose name is not an identifier is still printed as a variable", async () => {
  const steps: Step[] = [{ kind: "read", vcpu: 0, addr: A }];
  const plan: PlannedPerturbation[] = [{ before: 0, kind: "speculative_fill", cpu: 0, addr: A }];
  // Spaces and punctuation anywhere (the end too), a digit first, nothing but punctuation.
  for (const name of ["my policy", "kvm-4.0 (patched)", "fix!", "3.18 fixed", "-kvm", "++"]) {
    const v: SnippetVm = { ...XGENE, cpus: 1, policy: name, policyIsObject: true };
    const text = counterexampleSnippet(v, steps, plan);
    const variable = text.match(/\.policy\((.*)\)\.ram\(/)![1];
    assert.match(variable, /^[A-Za-z_$][\w$]*$/, name);
    assert.ok(text.endsWith(`], { policy: ${variable} });`), text);
    if (name === "3.18 fixed") assert.equal(variable, "_318Fixed", "every digit of the name kept");
    const [result] = await pasted([text], variable);
    assert.equal(result.events.filter((e) => e.name === "speculative_fill").length, 1, name);
  }
});
