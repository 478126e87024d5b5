/**
 * How an exploration's context builds and runs its programs: which module
 * exports it takes for a policy, which lines the hardware may perturb, the
 * values a program's writes store, and what a run reports.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { ExploreOptions } from "../../mod.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";

const A = 0x4000_0000;

/** A context for `options`, with its policy and class loaded. */
async function contextOf(options: ExploreOptions): Promise<ExploreContext> {
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  return new ExploreContext(config, policy, guestClass);
}

/** The index of the alphabet's first instance of operation `name`. */
function opIndex(ctx: ExploreContext, name: string): number {
  const i = ctx.alphabet.instances.findIndex((op) => op.name === name);
  assert.ok(i >= 0, name);
  return i;
}

Deno.test("context: a module export that is not a policy is refused, naming explore.policy", async () => {
  const module = fileURLToPath(new URL("../../lib/engine/explore/options.ts", import.meta.url));
  await assert.rejects(
    () => loadParts(resolveExploreOptions({ policy: { module, export: "EXPLORE_OPTION_KEYS" } })),
    (e: unknown) =>
      e instanceof ScenarioError && e.call === "explore.policy" && /not a policy/.test(e.message),
  );
});

Deno.test("context: the VMM's writes make their line one the hardware may perturb", async () => {
  const ctx = await contextOf({ ops: ["host_write", "dc_civac"] });
  assert.deepEqual(Array.from(ctx.candidates), [A]);
  // Without any access, no line is ever brought in.
  assert.deepEqual(Array.from((await contextOf({ ops: ["dc_civac", "mmuOn"] })).candidates), []);
});

Deno.test("context: addresses in one line make one perturbable line", async () => {
  const ctx = await contextOf({ ops: ["write", "read"], addresses: [A + 8, A, A + 0x1040] });
  assert.deepEqual(Array.from(ctx.candidates), [A, A + 0x1040]);
});

Deno.test("context: the guest's and the VMM's writes store 1, 2, 3... in program order", async () => {
  const ctx = await contextOf({ ops: ["write", "read", "host_write", "mmuOn"] });
  const [write, read, host, on] = ["write", "read", "host_write", "mmuOn"].map((n) =>
    opIndex(ctx, n)
  );
  const steps = ctx.steps([host, write, host, read], 4);
  assert.deepEqual(
    steps.map((s) => "value" in s ? s.value : null),
    [1, 2, 3, null],
  );
  // With its caches on (coherent with the VMM's CPU), the guest reads the VMM's last write.
  const out = ctx.runReal(ctx.steps([on, write, host, read], 4), null);
  assert.deepEqual(Array.from(out.got), [2]);
  assert.equal(out.crashed, false);
});

Deno.test("context: a run reports a crashed vCPU", async () => {
  // Xen with the IOMMU sharing the p2m crashes the guest at its set/way op.
  const ctx = await contextOf({ policy: "xen-iommu", ops: ["write", "read", "sw_clean"] });
  const [write, clean] = [opIndex(ctx, "write"), opIndex(ctx, "sw_clean")];
  assert.equal(ctx.runReal(ctx.steps([write, clean], 2), null).crashed, true);
  assert.equal(ctx.runReal(ctx.steps([write], 1), null).crashed, false);
});
