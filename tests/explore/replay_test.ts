import assert from "node:assert/strict";
import { explore, ScenarioError, vm } from "../../mod.ts";
import { replay } from "../../lib/api/explore.ts";
import { broken } from "./broken_policy.ts";
import { CRASHES_ON_DROPPED_LINE, TINY } from "./fixtures.ts";

const ESCAPE = {
  machine: "xgene1",
  policy: "kvm-4.0",
  guestClass: "cleans-by-va",
  maxOps: 5,
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
  progress: false,
} as const;

Deno.test("the printed snippet, pasted into a module, reproduces the counterexample", async () => {
  const report = await explore({ ...ESCAPE, ops: [...ESCAPE.ops] });
  const g = report.failures.find((f) => f.blame === "hypervisor")!;
  const c = g.counterexample!;
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pasted.ts`;
    const mod = new URL("../../mod.ts", import.meta.url).href;
    const explorer = new URL("../../lib/api/explore.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { vm } from "${mod}";\nimport { replay } from "${explorer}";\n` +
        `${c.snippet}\nexport default result;\n`,
    );
    const result = (await import(`file://${file}`)).default;
    const v = result.verdict.violations[0];
    assert.equal(v.blame, "hypervisor");
    assert.equal(v.kind, "stale_read");
    const lines = result.trace().split("\n").filter((l: string) =>
      !l.startsWith("#") && l.trim() !== ""
    );
    assert.equal(lines.join("\n"), c.trace);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay applies perturbations by meaning; without them the guest passes", () => {
  const scenario = vm().machine("xgene1").ram("1MiB").prefault().speculation("adversarial")
    .guest((g) => g.mmuOn().mmuOff().write(0x4000_0000, 1).mmuOn().read(0x4000_0000))
    .toJSON();
  const fill = { before: 2, kind: "speculative_fill", cpu: 0, addr: 0x4000_0000 } as const;
  const failing = replay(scenario, [fill]);
  assert.equal(failing.verdict.ok, false);
  assert.equal(failing.verdict.violations[0].blame, "hypervisor");
  assert.equal(failing.events.filter((e) => e.name === "speculative_fill").length, 1);
  assert.equal(replay(scenario, []).verdict.ok, true);
  // A castout of a line that is not there is skipped: nothing happens.
  const nothing = replay(scenario, [{
    before: 1,
    kind: "castout",
    cache: "cpu0.L1",
    addr: 0x4000_0000,
  }]);
  assert.equal(nothing.verdict.ok, true);
});

Deno.test("replay refuses malformed perturbations, naming the one at fault", () => {
  const scenario = vm().guest((g) => g.read(0x4000_0000)).toJSON();
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => replay(scenario, [{ before: 0, kind: "teleport", addr: 0 } as any]),
    /perturbations\[0\]/,
  );
});

Deno.test("replay refuses each malformed perturbation, naming it, and a plan that is not a list", () => {
  const scenario = vm().speculation("adversarial").guest((g) =>
    g.write(0x4000_0000, 1).read(0x4000_0000)
  )
    .toJSON();
  const good = { before: 0, kind: "speculative_fill", cpu: 0, addr: 0x4000_0000 };
  const bad = [
    { before: -1, kind: "speculative_fill", cpu: 0, addr: 0x4000_0000 },
    { before: 1, kind: "preempt", cpu: -1 },
    { before: 1, kind: "preempt" },
    { before: 1, kind: "speculative_fill", addr: 0x4000_0000 },
    // A fill on CPU -1 must not be taken for a fill on some other CPU.
    { before: 1, kind: "speculative_fill", cpu: -1, addr: 0x4000_0000 },
    { before: 1, kind: "speculative_fill", cpu: 0 },
    { before: 1, kind: "castout", addr: 0x4000_0000 },
    { before: 1, kind: "castout", cache: "cpu0.L1" },
    null,
  ];
  for (const p of bad) {
    assert.throws(
      () => replay(scenario, [good, p] as never),
      (e) =>
        e instanceof ScenarioError && e.code === "invalid_value" &&
        e.call === "replay.perturbations[1]" && /perturbations\[1\] = /.test(e.message),
      JSON.stringify(p),
    );
  }
  for (const notAList of [{}, good, "fill", null]) {
    assert.throws(
      () => replay(scenario, notAList as never),
      (e) =>
        e instanceof ScenarioError && e.call === "replay.perturbations" &&
        /expected a list of perturbations/.test(e.message),
      JSON.stringify(notAList),
    );
  }
});

Deno.test("replay: a fill before the first step happens before it", () => {
  // Caches off from the start: the write goes to memory, under a line filled before it (stage 2
  // maps RAM cacheable), and with nothing cleaning it away the read with caches on hits the line.
  // Natively, with the MMU off, nothing could have filled it: the hypervisor is to blame.
  const scenario = vm().machine("generic").policy("trap-nothing").ram("1MiB").prefault()
    .speculation("adversarial")
    .guest((g) => g.write(0x4000_0000, 1).mmuOn().read(0x4000_0000))
    .toJSON();
  const r = replay(scenario, [{ before: 0, kind: "speculative_fill", cpu: 0, addr: 0x4000_0000 }]);
  const names = r.events.map((e) => e.name);
  const fill = names.indexOf("speculative_fill");
  assert.ok(fill >= 0 && fill < names.indexOf("write"), names.join(" "));
  assert.deepEqual(r.verdict.violations.map((v) => [v.kind, v.blame]), [
    ["stale_read", "hypervisor"],
  ]);
});

Deno.test("replay runs the policy object it is given, not the scenario's policy name", () => {
  // Dropping the trapped walk and the flush at caches-off, the broken kvm-4.0 reads stale data
  // where kvm-4.0 does not.
  const scenario = vm().machine("generic").ram("1MiB").prefault()
    .guest((g) => g.mmuOn().write(0x4000_0000, 1).sw_clean().mmuOff().read(0x4000_0000))
    .toJSON();
  assert.equal(scenario.policy, "kvm-4.0");
  const genuine = replay(scenario, []);
  assert.equal(genuine.verdict.ok, true);
  const r = replay(scenario, [], { policy: broken });
  assert.equal(r.policy, "kvm-4.0-broken");
  assert.deepEqual(r.verdict.violations.map((v) => [v.kind, v.blame]), [
    ["stale_read", "hypervisor"],
  ]);
});

Deno.test("a counterexample whose fill is of a line its program never touches is reproduced", async () => {
  // The alphabet's one address is read by no step of the shortest counterexample (a set/way
  // walk alone): the fill the exploration made before it must be made again by the replay.
  const report = await explore({
    machine: TINY,
    policy: CRASHES_ON_DROPPED_LINE,
    ops: ["read", "sw_clean_invalidate"],
    maxOps: 1,
    progress: false,
  });
  const c = report.failures[0].counterexample!;
  assert.deepEqual(c.steps, [{ kind: "sw_walk", vcpu: 0, op: "cisw" }]);
  assert.deepEqual(c.perturbations, [
    { before: 0, kind: "speculative_fill", cpu: 0, addr: 0x4000_0000 },
  ]);
  assert.equal(c.reproduced, true);
  assert.equal(c.violation, "crash: vcpu0 at 0x40000000: a line was dropped");
  const scenario = vm().machine(TINY).policy(CRASHES_ON_DROPPED_LINE).ram("1MiB").prefault()
    .speculation("adversarial").guest((g) => g.sw_clean_invalidate()).toJSON();
  const r = replay(scenario, c.perturbations, { policy: CRASHES_ON_DROPPED_LINE });
  assert.equal(r.verdict.crashed?.reason, "a line was dropped");
  // A fill of a line outside RAM cannot happen: it is skipped, as the plan's doc says.
  const outside = replay(scenario, [
    { before: 0, kind: "speculative_fill", cpu: 0, addr: 0x8000_0000 },
  ], { policy: CRASHES_ON_DROPPED_LINE });
  assert.equal(outside.verdict.crashed, null);
  assert.ok(!outside.events.some((e) => e.name === "speculative_fill"));
});
