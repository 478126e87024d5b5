// The page a thread running scenarios publishes on, read as its supervisor
// reads it. The page is installed in this test's own thread, as a worker
// installs it in its own; the first test runs before any is installed.

import assert from "node:assert/strict";
import {
  clearDeadline,
  installWatch,
  newWatchPage,
  readWatch,
  watchDeadline,
  watchPolicy,
  type WatchState,
} from "../../lib/hyp/watch.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import type { Hyp, Policy, SetWayOp } from "../../lib/hyp/policy.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { ScenarioError } from "../../lib/errors.ts";

/** What a page says when nothing is published. */
const NOTHING: WatchState = { deadline: NaN, limitMs: NaN, label: "", policy: "", hook: null };

/** How far a deadline may be from one computed here with `Date.now()`, in ms. */
const SLACK = 50;

/** Asserts that `deadline` is `ms` after a moment between `before` and `after` (epoch ms). */
function assertDeadline(deadline: number, ms: number, before: number, after: number): void {
  assert.ok(
    deadline >= before + ms - SLACK && deadline <= after + ms + SLACK,
    `deadline ${deadline}, expected ${ms} ms after ${before}..${after}`,
  );
}

/** A policy trapping set/way whose `onSetWay` records the page and the state it was given. */
function peeking(page: SharedArrayBuffer) {
  const seen: WatchState[] = [];
  const states: unknown[] = [];
  const policy = definePolicy({
    name: "peek",
    state: () => ({ mine: true }),
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onSetWay(_hyp, _op, state) {
      seen.push(readWatch(page));
      states.push(state);
    },
  });
  return { policy, seen, states };
}

Deno.test("without a page, policies pass through unwrapped; a new page publishes nothing", () => {
  assert.equal(watchPolicy(kvm40), kvm40);
  watchDeadline(1000, "nowhere to publish");
  clearDeadline();
  assert.deepEqual(readWatch(newWatchPage()), NOTHING);
});

Deno.test("watch page: a deadline in epoch milliseconds with its budget and label; clearing keeps those", () => {
  const page = newWatchPage();
  installWatch(page);
  const before = Date.now();
  watchDeadline(1500, "loading s.ts");
  const after = Date.now();
  const w = readWatch(page);
  assertDeadline(w.deadline, 1500, before, after);
  assert.deepEqual({ ...w, deadline: NaN }, { ...NOTHING, limitMs: 1500, label: "loading s.ts" });
  clearDeadline();
  assert.deepEqual(readWatch(page), { ...NOTHING, limitMs: 1500, label: "loading s.ts" });
  // No budget: no deadline, so a supervisor never ends the thread.
  watchDeadline(Infinity, "a run");
  assert.deepEqual(readWatch(page), { ...NOTHING, limitMs: Infinity, label: "a run" });
});

Deno.test("watch page: the policy's name and the label each keep to their own field, however long", () => {
  const page = newWatchPage();
  installWatch(page);
  const long = "a-policy-with-a-long-name-".repeat(4);
  watchPolicy({ name: long, state: () => undefined } as unknown as Policy);
  watchDeadline(100, "a run");
  assert.deepEqual([readWatch(page).policy, readWatch(page).label], [long, "a run"]);
  // Longer than the page holds: each is cut short, never running into the other.
  watchDeadline(100, "l".repeat(1000));
  watchPolicy({ name: "p".repeat(1000), state: () => undefined } as unknown as Policy);
  let w = readWatch(page);
  assert.match(w.policy, /^p+$/);
  assert.match(w.label, /^l+$/);
  watchDeadline(100, "a run");
  w = readWatch(page);
  assert.match(w.policy, /^p+$/);
  assert.equal(w.label, "a run");
});

Deno.test("watch page: a hook sees its name and the run's budget while it runs; the deadline ends with the run", async () => {
  const page = newWatchPage();
  installWatch(page);
  const { policy, seen, states } = peeking(page);
  const before = Date.now();
  await vm().policy(policy).budget({ wallMs: 20_000 }).guest((g) => g.dc_csw(1, 0, 0)).run();
  const after = Date.now();
  assert.equal(seen.length, 1);
  assertDeadline(seen[0].deadline, 20_000, before, after);
  assert.deepEqual({ ...seen[0], deadline: NaN }, {
    deadline: NaN,
    limitMs: 20_000,
    label: "a run",
    policy: "peek",
    hook: "onSetWay",
  });
  // The hook was given the policy's own state.
  assert.deepEqual(states, [{ mine: true }]);
  const end = readWatch(page);
  assert.deepEqual([end.deadline, end.hook], [NaN, null]);
});

Deno.test("watch page: a run without a wall budget gets the page's fallback; one with a budget keeps its own", async () => {
  const cases = [
    { fallback: 5_000, wallMs: undefined, limitMs: 5_000 },
    { fallback: 5_000, wallMs: 20_000, limitMs: 20_000 },
    { fallback: 5_000, wallMs: 1_000, limitMs: 1_000 },
    { fallback: undefined, wallMs: undefined, limitMs: Infinity },
  ];
  for (const c of cases) {
    const page = newWatchPage();
    installWatch(page, c.fallback);
    const { policy, seen } = peeking(page);
    const builder = vm().policy(policy).guest((g) => g.dc_csw(1, 0, 0));
    const before = Date.now();
    await (c.wallMs === undefined ? builder : builder.budget({ wallMs: c.wallMs })).run();
    const after = Date.now();
    const label = JSON.stringify(c);
    assert.equal(seen[0].limitMs, c.limitMs, label);
    if (c.limitMs === Infinity) assert.ok(Number.isNaN(seen[0].deadline), label);
    else assertDeadline(seen[0].deadline, c.limitMs, before, after);
  }
});

Deno.test("watch page: a hook that throws is no longer published once the run has failed", async () => {
  const page = newWatchPage();
  installWatch(page);
  const policy = definePolicy({
    name: "throws",
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onSetWay() {
      throw new Error("not today");
    },
  });
  await assert.rejects(
    async () => await vm().policy(policy).guest((g) => g.dc_csw(1, 0, 0)).run(),
    ScenarioError,
  );
  const w = readWatch(page);
  assert.deepEqual([w.policy, w.hook, w.deadline], ["throws", null, NaN]);
});

Deno.test("watchPolicy: the copy keeps the policy's fields; a hook called from another publishes itself, then the outer one again", () => {
  const page = newWatchPage();
  installWatch(page);
  const seen: (string | null)[] = [];
  const policy = {
    name: "nested",
    description: "calls one hook from another",
    source: "here",
    native: false,
    state() {
      seen.push(readWatch(page).hook);
    },
    onSetWay(this: Policy, hyp: Hyp) {
      seen.push(readWatch(page).hook);
      this.onGuestEntry!(hyp, undefined);
      seen.push(readWatch(page).hook);
    },
    onGuestEntry() {
      seen.push(readWatch(page).hook);
    },
  };
  const watched = watchPolicy(policy as unknown as Policy);
  assert.notEqual(watched, policy);
  assert.deepEqual(
    [watched.name, watched.description, watched.source, watched.native],
    ["nested", "calls one hook from another", "here", false],
  );
  assert.equal(readWatch(page).policy, "nested");
  // Hooks the policy does not have stay absent: the hypervisor skips them.
  assert.equal(watched.onVcpuLoad, undefined);
  assert.equal(watched.onUnmap, undefined);
  watched.state();
  watched.onSetWay!({} as Hyp, {} as SetWayOp, undefined);
  assert.deepEqual(seen, ["state", "onSetWay", "onGuestEntry", "onSetWay"]);
  assert.equal(readWatch(page).hook, null);
});
