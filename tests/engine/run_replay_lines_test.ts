import assert from "node:assert/strict";
import { vm } from "../../mod.ts";
import { replay } from "../../lib/api/explore.ts";
import { BASE } from "./fixtures.ts";

/** A 1 MiB guest on the generic machine that only cleans and invalidates by set/way. */
function walkOnly() {
  return vm().machine("generic").policy("kvm-4.0").ram("1MiB").prefault()
    .speculation("adversarial").guest((g) => g.sw_clean_invalidate()).toJSON();
}

/** The addresses of the speculative fills a replay of one fill before step 0 made. */
function fillsOf(addr: number): number[] {
  const r = replay(walkOnly(), [{ before: 0, kind: "speculative_fill", cpu: 0, addr }]);
  return r.events.filter((e) => e.name === "speculative_fill").map((e) => e.addr as number);
}

Deno.test("run: a replayed fill of RAM's first and last lines is made, one just past RAM is not", () => {
  const end = BASE + (1 << 20);
  assert.deepEqual(fillsOf(BASE), [BASE]);
  assert.deepEqual(fillsOf(end - 64), [end - 64]);
  assert.deepEqual(fillsOf(end), []);
});
