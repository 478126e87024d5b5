import assert from "node:assert/strict";
import { NO_METER } from "../../lib/hw/work_meter.ts";

Deno.test("NO_METER: accepts any amount of work, pages and records without stopping", () => {
  for (const n of [0, 1, 2 ** 31, 2 ** 40, 2 ** 52]) {
    NO_METER.work(n);
    NO_METER.pagesTouched(n);
    NO_METER.eventRecords(n);
  }
});

Deno.test("NO_METER: shared by every run, so it cannot be changed", () => {
  assert.ok(Object.isFrozen(NO_METER));
  assert.throws(() => {
    (NO_METER as { work: (n: number) => void }).work = () => {
      throw new Error("stop");
    };
  }, TypeError);
  NO_METER.work(1);
});
