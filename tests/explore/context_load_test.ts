/**
 * What an exploration's context loads from its configuration: the policy
 * (by name, object or module) and the intersection of the guest classes.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Step } from "../../mod.ts";
import { classFromPredicate, matchesClass } from "../../lib/api/explore.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { loadParts } from "../../lib/engine/explore/context.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";

const A = 0x4000_0000;
const on: Step = { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } };
const write: Step = { kind: "write", vcpu: 0, addr: A, value: 1 };
const walk: Step = { kind: "sw_walk", vcpu: 0, op: "csw" };

Deno.test("a class object given with a class name is part of the intersection", async () => {
  const short = classFromPredicate("short", "at most one step", (s) => s.length <= 1);
  const { guestClass } = await loadParts(
    resolveExploreOptions({ guestClass: ["no-sw", short] }),
  );
  assert.equal(matchesClass(guestClass, [on]), true);
  // Too long for the object, though the named class takes it.
  assert.equal(matchesClass(guestClass, [on, write]), false);
  // Outside the named class.
  assert.equal(matchesClass(guestClass, [walk]), false);
  // The object alone.
  const alone = await loadParts(resolveExploreOptions({ guestClass: short }));
  assert.equal(matchesClass(alone.guestClass, [walk]), true);
  assert.equal(matchesClass(alone.guestClass, [walk, walk]), false);
});

Deno.test("a policy module given as an absolute file path is imported", async () => {
  const path = fileURLToPath(new URL("./broken_policy.ts", import.meta.url));
  assert.ok(path.startsWith("/"));
  const { policy } = await loadParts(
    resolveExploreOptions({ policy: { module: path, export: "broken" } }),
  );
  assert.equal(policy.name, "kvm-4.0-broken");
  // A path with no such export is refused, naming the option.
  await assert.rejects(
    () => loadParts(resolveExploreOptions({ policy: { module: path, export: "missing" } })),
    (e: unknown) =>
      e instanceof ScenarioError && e.call === "explore.policy" &&
      e.message.includes(`file://${path} has no export "missing"`),
  );
});
