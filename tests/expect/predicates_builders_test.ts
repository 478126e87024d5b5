// What the predicate builders keep of what they are given: a count range or
// a read filter may be a wider object (TypeScript accepts any object with
// the right fields), and only the fields of the predicate may reach it.
import assert from "node:assert/strict";
import { vm } from "../../mod.ts";
import {
  events,
  exists,
  flushes,
  lostWrite,
  type ReadFilter,
  stale,
  staleAnywhere,
  wrongRead,
} from "../../lib/api/expect.ts";

const A = 0x4000_8000;
const B = 0x4000_9000;

Deno.test("a count range given with other fields makes a predicate of its min and max alone", () => {
  const range = { min: 1, max: 2, kind: "crashed", label: "two flushes at most" };
  assert.deepEqual(flushes(range), { kind: "flushes", min: 1, max: 2 });
  assert.deepEqual(events("vcpu_load", range), {
    kind: "events",
    name: "vcpu_load",
    min: 1,
    max: 2,
  });
  const atLeast = { min: 3, name: "kvm_exit" };
  assert.deepEqual(events("vcpu_load", atLeast), { kind: "events", name: "vcpu_load", min: 3 });
  const s = vm().expect(exists(flushes(range))).toJSON();
  assert.deepEqual(s.expect, [{ kind: "exists", what: { kind: "flushes", min: 1, max: 2 } }]);
});

Deno.test("a read filter given with other fields keeps only its blame", () => {
  const filter = { blame: "guest", addr: B, kind: "lost_write" } as ReadFilter;
  assert.deepEqual(stale(A, filter), { kind: "stale", addr: A, blame: "guest" });
  assert.deepEqual(lostWrite(A, filter), { kind: "lost_write", addr: A, blame: "guest" });
  assert.deepEqual(wrongRead(A, filter), { kind: "wrong_read", addr: A, blame: "guest" });
  assert.deepEqual(staleAnywhere(filter), { kind: "stale", blame: "guest" });
  const s = vm().expect(exists(stale(A, filter))).toJSON();
  assert.deepEqual(s.expect, [{
    kind: "exists",
    what: { kind: "stale", addr: A, blame: "guest" },
  }]);
});

Deno.test("wrongRead of one address keeps its blame filter", () => {
  assert.deepEqual(wrongRead(A, { blame: "hypervisor" }), {
    kind: "wrong_read",
    addr: A,
    blame: "hypervisor",
  });
  assert.deepEqual(wrongRead(A, {}), { kind: "wrong_read", addr: A });
});
