// The quantifiers as plain data, and the expect module's exports: each
// name the function of that name.
import assert from "node:assert/strict";
import { exists, forall, never, QUANTIFIERS } from "../../lib/engine/expect/expectation.ts";
import * as expectModule from "../../lib/engine/expect/mod.ts";
import * as expectation from "../../lib/engine/expect/expectation.ts";
import * as predicates from "../../lib/engine/expect/predicates.ts";
import * as observation from "../../lib/engine/expect/observation.ts";

const A = 0x4000_8000;

Deno.test("exists, never and forall wrap the predicate with their own quantifier", () => {
  const what = { kind: "stale", addr: A } as const;
  assert.deepEqual(exists(what), { kind: "exists", what });
  assert.deepEqual(never(what), { kind: "never", what });
  assert.deepEqual(forall(what), { kind: "forall", what });
  assert.equal(never(what).what, what);
});

Deno.test("the quantifiers are exists, never and forall, and the list cannot be changed", () => {
  assert.deepEqual([...QUANTIFIERS], ["exists", "never", "forall"]);
  assert.ok(Object.isFrozen(QUANTIFIERS));
  assert.throws(() => (QUANTIFIERS as string[]).push("some"));
});

Deno.test("the expect module exports each quantifier, predicate and check under its own name", () => {
  const sources: Record<string, unknown>[] = [expectation, predicates, observation];
  let compared = 0;
  for (const [name, value] of Object.entries(expectModule)) {
    for (const source of sources) {
      if (name in source) {
        assert.equal(value, source[name], name);
        compared++;
      }
    }
  }
  // and, crashed, events, exists, forall, holds, never, not, or, stale, ... all compared.
  for (const name of ["exists", "never", "forall", "and", "or", "stale", "holds", "observeRun"]) {
    assert.ok(name in expectModule, name);
  }
  assert.ok(compared >= 20, `${compared}`);
});
