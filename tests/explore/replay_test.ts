import assert from "node:assert/strict";
import { explore, vm } from "../../mod.ts";
import { replay } from "../../lib/api/explore.ts";

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
