/**
 * Which hardware and scheduler choices an exploration's context offers
 * and which it skips as symmetric: the perturbation mask over idle CPUs'
 * caches, the preemption targets, and the vCPUs' symmetry classes.
 */

import assert from "node:assert/strict";
import type { ExploreOptions } from "../../mod.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";

/** A context for `options`, with its policy and class loaded. */
async function contextOf(options: ExploreOptions): Promise<ExploreContext> {
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  return new ExploreContext(config, policy, guestClass);
}

/** The perturbation mask after the empty program: every cache empty. */
function emptyMask(ctx: ExploreContext): number[] | null {
  ctx.runReal([], null);
  const mask = ctx.symmetricChoiceMask();
  return mask === null ? null : Array.from(mask);
}

Deno.test("the mask lists fills line by line, each line's CPUs in order, and skips idle twins", async () => {
  // The generic machine: one cluster of four CPUs. One vCPU on CPU 0, no migration: CPUs 1
  // to 3 are idle and empty, so fills into CPUs 2 and 3 are fills into CPU 1.
  const ctx = await contextOf({ ops: ["write", "read"], addresses: 2 });
  assert.equal(ctx.candidates.length, 2);
  assert.deepEqual(emptyMask(ctx), [1, 1, 0, 0, 1, 1, 0, 0]);
});

Deno.test("the host CPU is busy: fills into it are kept, the idle CPU after it is a twin", async () => {
  // Migration targets 0 and 1 are not busy without migrate; the host runs on CPU 2.
  const ctx = await contextOf({ ops: ["write", "read", "host_write"] });
  assert.equal(ctx.config.hostCpu, 2);
  assert.deepEqual(emptyMask(ctx), [1, 1, 1, 0]);
});

Deno.test("idle clusters: the lowest CPU of the lowest twin cluster is kept", async () => {
  // X-Gene 1: four clusters of two CPUs. One vCPU on CPU 0: CPU 1 is idle in its cluster,
  // clusters 1 to 3 are idle and empty, and CPU 2 stands for all of their CPUs.
  const ctx = await contextOf({ machine: "xgene1", ops: ["write", "read"] });
  assert.deepEqual(emptyMask(ctx), [1, 1, 1, 0, 0, 0, 0, 0]);
});

Deno.test("without state hashing no perturbation is skipped as symmetric", async () => {
  const options: ExploreOptions = { ops: ["write", "read"], addresses: 2 };
  assert.notEqual(emptyMask(await contextOf(options)), null);
  assert.equal(emptyMask(await contextOf({ ...options, stateHashing: false })), null);
  assert.equal(emptyMask(await contextOf({ ...options, symmetry: false })), null);
});

Deno.test("preemptions are offered only when the alphabet migrates, to the migration targets", async () => {
  const options: ExploreOptions = { cpus: 2, policy: "kvm-4.0", migrateTo: [0, 1, 2] };
  const still = await contextOf({ ...options, ops: ["write", "read", "sw_clean"] });
  assert.deepEqual(still.preemptTo, []);
  const moving = await contextOf({ ...options, ops: ["write", "read", "sw_clean", "migrate"] });
  assert.deepEqual(moving.preemptTo, [0, 1, 2]);
});

Deno.test("vCPUs are interchangeable only within a cluster", async () => {
  // X-Gene 1's clusters hold two CPUs: vCPUs 0 and 1 share cluster 0, vCPU 2 is on cluster 1.
  const ctx = await contextOf({ machine: "xgene1", cpus: 3, ops: ["write", "read"] });
  assert.deepEqual(Array.from(ctx.vcpuClass), [0, 0, 1]);
});
