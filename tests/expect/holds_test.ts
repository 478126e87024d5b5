// What each predicate means on one execution, as a table written by hand:
// hand-made observations (violations, crash, architectural validity, event
// counts) and, for each predicate, whether it must hold. Then the events a
// list of expectations watches, and a real run's observation.
import assert from "node:assert/strict";
import { vm } from "../../mod.ts";
import {
  and,
  archInvalid,
  crashed,
  events,
  flushes,
  lostWrite,
  lostWriteAnywhere,
  noSetWayFlush,
  not,
  or,
  type Predicate,
  stale,
  staleAnywhere,
  wrongRead,
} from "../../lib/engine/expect/predicates.ts";
import {
  holds,
  type Observation,
  observeRun,
  watchedEvents,
} from "../../lib/engine/expect/observation.ts";

const A = 0x4000_8000;
const B = 0x4000_9000;

/** A stale read of A (the guest's fault), a lost write at B (the hypervisor's). */
const FAILED: Observation = {
  violations: [
    { readIndex: 0, addr: A, kind: "stale_read", blame: "guest" },
    { readIndex: 2, addr: B, kind: "lost_write", blame: "hypervisor" },
  ],
  crashed: false,
  archInvalid: false,
  counts: { stage2_flush_vm: 2, flush_cache_all: 1, kvm_set_way_flush: 0, kvm_toggle_cache: 4 },
};

/** No violation, a crash, an architecturally invalid guest, one set/way flush. */
const CRASHED: Observation = {
  violations: [],
  crashed: true,
  archInvalid: true,
  counts: { p2m_flush_vm: 1, p2m_set_way_flush: 1 },
};

const T = true, F = false;

const TABLE: readonly [string, Predicate, boolean, boolean][] = [
  // predicate, holds of FAILED, holds of CRASHED
  ["stale(A)", stale(A), T, F],
  ["stale(B): B's read lost a write, it is not stale", stale(B), F, F],
  ["staleAnywhere()", staleAnywhere(), T, F],
  ["stale(A) blamed on the guest", stale(A, { blame: "guest" }), T, F],
  ["stale(A) blamed on the hypervisor", stale(A, { blame: "hypervisor" }), F, F],
  ["lostWrite(B)", lostWrite(B), T, F],
  ["lostWrite(A)", lostWrite(A), F, F],
  ["lostWriteAnywhere() blamed on the guest", lostWriteAnywhere({ blame: "guest" }), F, F],
  ["wrongRead(B): a lost write is a wrong read", wrongRead(B), T, F],
  ["wrongRead(A + 4): no read of that word failed", wrongRead(A + 4), F, F],
  ["wrongRead() blamed on the hypervisor", wrongRead(undefined, { blame: "hypervisor" }), T, F],
  [
    "wrongRead(B) blamed on the guest: B's lost write is the hypervisor's",
    wrongRead(B, { blame: "guest" }),
    F,
    F,
  ],
  ["flushes(3): stage2_flush_vm and flush_cache_all", flushes(3), T, F],
  ["flushes(2)", flushes(2), F, F],
  ["flushes({ min: 3 }): inclusive", flushes({ min: 3 }), T, F],
  ["flushes({ max: 3 }): inclusive", flushes({ max: 3 }), T, T],
  ["flushes({ min: 4 })", flushes({ min: 4 }), F, F],
  ["flushes({ max: 2 })", flushes({ max: 2 }), F, T],
  ["flushes(1): p2m_flush_vm is a flush", flushes(1), F, T],
  ["events(kvm_toggle_cache, 4)", events("kvm_toggle_cache", 4), T, F],
  [
    "events(kvm_toggle_cache, { min: 4, max: 4 })",
    events("kvm_toggle_cache", { min: 4, max: 4 }),
    T,
    F,
  ],
  ["events(kvm_toggle_cache, { max: 3 })", events("kvm_toggle_cache", { max: 3 }), F, T],
  ["events(absent, 0)", events("vcpu_load", 0), T, T],
  ["noSetWayFlush(): a counted 0 is none", noSetWayFlush(), T, F],
  ["crashed()", crashed(), F, T],
  ["archInvalid()", archInvalid(), F, T],
  ["not(crashed())", not(crashed()), T, F],
  ["and(stale(A), crashed())", and(stale(A), crashed()), F, F],
  ["and(stale(A), lostWrite(B))", and(stale(A), lostWrite(B)), T, F],
  ["and(): nothing to fail", and(), T, T],
  ["or(stale(A), crashed())", or(stale(A), crashed()), T, T],
  ["or(stale(B), archInvalid())", or(stale(B), archInvalid()), F, T],
  ["or(): nothing to hold", or(), F, F],
];

Deno.test("holds: each predicate on two executions, as the table says", () => {
  for (const [what, p, onFailed, onCrashed] of TABLE) {
    assert.equal(holds(p, FAILED), onFailed, `${what} of the failed execution`);
    assert.equal(holds(p, CRASHED), onCrashed, `${what} of the crashed execution`);
  }
});

Deno.test("holds: the events a list of expectations watches, under not, and, or", () => {
  const watched = watchedEvents([
    { kind: "forall", what: not(flushes({ min: 1 })) },
    { kind: "exists", what: and(noSetWayFlush(), or(crashed(), events("vcpu_load", 1))) },
  ]);
  assert.deepEqual(watched, [
    "flush_cache_all",
    "kvm_set_way_flush",
    "p2m_flush_vm",
    "p2m_set_way_flush",
    "stage2_flush_vm",
    "vcpu_load",
  ]);
});

Deno.test("holds: a run's observation counts the flushes its trace shows", async () => {
  const run = await vm().machine("xgene1").cpus(4).systemCache().policy("kvm-4.0")
    .guest((g) => g.zImage32()).run();
  const o = observeRun(run, watchedEvents([{ kind: "forall", what: flushes({ min: 0 }) }]));
  const flushLines = run.trace().split("\n").filter((l) => /\bstage2_flush_vm\b/.test(l));
  assert.ok(flushLines.length > 0);
  assert.equal(o.counts.stage2_flush_vm, flushLines.length);
  assert.equal(holds(flushes(flushLines.length), o), true);
  assert.equal(o.crashed, false);
  assert.deepEqual(o.violations.map((v) => v.kind), run.verdict.violations.map((v) => v.kind));
});
