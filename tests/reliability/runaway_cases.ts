// Budgets against work that does not end inside one step: a DC range of 2^40
// bytes, a policy hook that emits events forever, a walk over 2^30 slots.
// Each would run for hours, or forever, if the budget it tests did nothing,
// and no test in the same process could stop it; so these are not a test
// file of their own: budget_test.ts runs them in a child `deno test` with a
// time limit (`deno test -P tests/reliability/runaway_cases.ts` runs them).
import assert from "node:assert/strict";
import { type GuestBuilder, vm } from "../../lib/dsl/mod.ts";
import { definePolicy } from "../../mod.ts";
import { scenarioErrorOf, withSteppedClock } from "./helpers.ts";

/** A clean by VA of (almost) a whole TiB of RAM: 2^34 lines in one step. */
function hugeRange(budget: Parameters<ReturnType<typeof vm>["budget"]>[0], prefault: boolean) {
  const base = vm().machine("generic").ram("1TiB").budget({ steps: Infinity, ...budget });
  return (prefault ? base.prefault() : base)
    .guest((g) => g.mmuOn().dc_civac(0x4000_0000, 2 ** 40 - 4096));
}

Deno.test("budget: the wall budget stops one DC range of 2^40 bytes inside the step", async () => {
  // Mapped, the range costs only its resident lines; unmapped, each page faults in.
  const mapped = await withSteppedClock(1000, () => hugeRange({ wallMs: 2000 }, true).run());
  assert.equal(mapped.reads, 5, "the starts and the steps read the clock, not 2^34 lines");
  assert.equal(mapped.value.events.find((e) => e.name === "dc_civac")?.lines, 2 ** 34 - 64);
  const unmapped = await withSteppedClock(
    1000,
    () => scenarioErrorOf(() => hugeRange({ wallMs: 30 }, false).run()),
  );
  // The start, after step 0, then every 4096 lines of step 1 until the 31st ms:
  // 30 x 4096 of its 2^34 lines ran.
  assert.equal(unmapped.reads, 32);
  const err = unmapped.value;
  assert.deepEqual([err.code, err.call, err.value], ["budget_exceeded", "steps[1]", 30]);
  assert.match(
    err.message,
    /^steps\[1\] \(dc_civac\): .*maxWallMs = 30 milliseconds of wall time \(31 with this step\)/,
  );
});

Deno.test("budget: the event and page budgets stop a DC range as it faults pages in", async () => {
  const events = await scenarioErrorOf(() => hugeRange({ events: 100 }, false).run());
  assert.deepEqual([events.code, events.call, events.value], ["budget_exceeded", "steps[1]", 100]);
  assert.match(events.message, /maxEvents = 100 event records \(101 with this step\)/);
  const pages = await scenarioErrorOf(() => hugeRange({ touchedPages: 16 }, false).run());
  assert.deepEqual([pages.code, pages.call, pages.value], ["budget_exceeded", "steps[1]", 16]);
  assert.match(pages.message, /maxTouchedPages = 16 pages of DRAM written \(17 with this step\)/);
});

/** A policy whose first trapped set/way op emits events without end, `distinct` or all alike. */
function emitsForever(distinct: boolean) {
  return definePolicy({
    name: "chatty",
    description: "emits without end",
    source: "the budget tests",
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onSetWay(hyp) {
      for (let i = 0;; i++) hyp.emit("chatter", { i: distinct ? i : 0 });
    },
  });
}

Deno.test("budget: a policy hook that emits without end is stopped as it emits", async () => {
  const guest = (g: GuestBuilder) => g.sw_clean();
  const records = await scenarioErrorOf(() =>
    vm().policy(emitsForever(true)).budget({ events: 1000 }).guest(guest).run()
  );
  assert.deepEqual([records.code, records.value], ["budget_exceeded", 1000]);
  assert.match(records.message, /^steps\[0\] \(sw_walk\): .*maxEvents = 1000/);
  // Identical events fold into one record: the clock stops them.
  const stopped = await withSteppedClock(
    1000,
    () =>
      scenarioErrorOf(() =>
        vm().policy(emitsForever(false)).budget({ wallMs: 200 }).guest(guest).run()
      ),
  );
  // The start, then every 4096 events until the 201st ms.
  assert.equal(stopped.reads, 202);
  const clock = stopped.value;
  assert.deepEqual([clock.code, clock.value], ["budget_exceeded", 200]);
  assert.match(
    clock.message,
    /^steps\[0\] \(sw_walk\): .*maxWallMs = 200 .*\(201 with this step\)/,
  );
});

Deno.test("budget: the wall budget stops a walk over a policy's view of 2^30 slots", async () => {
  const huge = definePolicy({
    name: "huge-view",
    description: "a virtual cache of 2^30 slots",
    source: "the budget tests",
    guestCacheView(_hyp, physical) {
      return { clidr: physical.clidr, levels: [{ sets: 1 << 20, ways: 1 << 10, lineSize: 64 }] };
    },
  });
  const stopped = await withSteppedClock(
    1000,
    () =>
      scenarioErrorOf(() =>
        vm().policy(huge).budget({ steps: Infinity, wallMs: 200 }).guest((g) => g.sw_clean()).run()
      ),
  );
  // The start, then every 4096 slots until the 201st ms: 200 x 4096 of 2^30 slots.
  assert.equal(stopped.reads, 202);
  const err = stopped.value;
  assert.deepEqual([err.code, err.call, err.value], ["budget_exceeded", "steps[0]", 200]);
  assert.match(err.message, /maxWallMs = 200 milliseconds of wall time \(201 with this step\)/);
});
