import assert from "node:assert/strict";
import { explore } from "../../mod.ts";
import { formatExploreReport } from "../../lib/api/explore.ts";
import { formatSeconds, Progress } from "../../lib/engine/explore/progress.ts";
import { counterexampleSnippet, guestChain } from "../../lib/engine/explore/snippet.ts";

const OPTIONS = {
  machine: "generic",
  policy: "kvm-3.18",
  cpus: 2,
  maxOps: 3,
  ops: ["write", "read", "mmuOn", "mmuOff", "migrate"],
  progress: false,
} as const;

Deno.test("the same options give the same report, byte for byte", async () => {
  const a = formatExploreReport(await explore({ ...OPTIONS, ops: [...OPTIONS.ops] }));
  const b = formatExploreReport(await explore({ ...OPTIONS, ops: [...OPTIONS.ops] }));
  assert.equal(a, b);
  assert.match(a, /^explore: kvm-3\.18 on generic \(system cache: none\), 2 vCPUs$/m);
});

Deno.test("random mode: the seed decides, and the report says which", async () => {
  const run = (seed: number) =>
    explore({ ...OPTIONS, ops: [...OPTIONS.ops], mode: "random", seed, executions: 300 });
  const a = formatExploreReport(await run(1));
  assert.equal(formatExploreReport(await run(1)), a);
  assert.match(a, /seed 1/);
  assert.notEqual(formatExploreReport(await run(2)), a);
});

Deno.test("snippets: other vCPUs inside on(), host steps with their CPU", () => {
  assert.equal(
    guestChain([
      { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
      { kind: "write", vcpu: 1, addr: 0x4000_0000, value: 1 },
      { kind: "read", vcpu: 1, addr: 0x4000_0000 },
      { kind: "host_write", cpu: 3, addr: 0x4000_1040, value: 2 },
      { kind: "migrate", vcpu: 1, pcpu: 2 },
    ]),
    "g.mmuOn().on(1, (g) => g.write(0x40000000, 1).read(0x40000000))" +
      ".host((h) => h.write(0x40001040, 2), { cpu: 3 }).migrate(1, 2)",
  );
  const text = counterexampleSnippet(
    {
      machine: "juno-r0",
      systemCache: false,
      cpus: 2,
      policy: "my policy",
      policyIsObject: true,
      ram: 1 << 20,
      ramBase: 0x8000_0000,
      prefault: false,
    },
    [{ kind: "read", vcpu: 0, addr: 0x8000_0000 }],
    [],
  );
  assert.equal(
    text,
    'const result = await vm().machine("juno-r0").systemCache(false).cpus(2).policy(myPolicy)' +
      '.ram("1MiB", { base: 0x80000000 }).seed(1)\n  .guest((g) => g.read(0x80000000))\n  .run();',
  );
});

Deno.test("progress: quiet when asked to be, times read like a person would write them", () => {
  const p = new Progress(false);
  p.update(1, 0, "nowhere", 0.5);
  p.finish();
  assert.equal(formatSeconds(5), "5s");
  assert.equal(formatSeconds(185), "3m05s");
  assert.equal(formatSeconds(7260), "2h01m");
  assert.equal(formatSeconds(Infinity), "?");
});
