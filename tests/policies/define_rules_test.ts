// definePolicy's checks of the whole of each field: names and event names matched to their end,
// every fault-clean `when` accepted, the source on one line, and the built-ins' set/way
// shortcuts refused as internal rather than as unknown keys.

import assert from "node:assert/strict";
import { definePolicy, ScenarioError } from "../../mod.ts";

function refused(definition: unknown, code: string, call: string) {
  assert.throws(() => definePolicy(definition as never), (e: unknown) => {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.deepEqual([e.code, e.call], [code, call]);
    return true;
  });
}

Deno.test("definePolicy: a name valid only at its start is refused", () => {
  refused({ name: "my policy" }, "invalid_value", "definePolicy.name");
  refused({ name: "kvm-4.0!" }, "invalid_value", "definePolicy.name");
  refused({ name: "mineX" }, "invalid_value", "definePolicy.name");
  assert.equal(definePolicy({ name: "my_kvm-4.0+fix" }).name, "my_kvm-4.0+fix");
});

Deno.test("definePolicy: a fault-clean event name valid only at its start is refused", () => {
  for (const event of ["my-clean", "clean page", "cleanPage"]) {
    refused(
      { name: "x", faultClean: { when: "always", via: "kernel", event } },
      "invalid_value",
      "definePolicy.faultClean.event",
    );
  }
  const ok = definePolicy({
    name: "x",
    faultClean: { when: "always", via: "kernel", event: "my_clean2" },
  });
  assert.equal(ok.faultClean?.event, "my_clean2");
});

Deno.test('definePolicy: every fault-clean `when` is accepted, "never" included', () => {
  for (const when of ["caches-off", "always", "populate", "never"] as const) {
    const p = definePolicy({ name: "x", faultClean: { when, via: "hva" } });
    assert.deepEqual(p.faultClean, { when, via: "hva" });
  }
});

Deno.test("definePolicy: a source over two lines, or not a string, is refused", () => {
  refused(
    { name: "x", source: "mmu.c:\nkvm_set_way_flush" },
    "invalid_value",
    "definePolicy.source",
  );
  refused({ name: "x", source: "mmu.c\r" }, "invalid_value", "definePolicy.source");
  refused({ name: "x", source: 42 }, "invalid_value", "definePolicy.source");
  refused({ name: "x", description: 42 }, "invalid_value", "definePolicy.description");
});

Deno.test("definePolicy: a set/way shortcut key is refused as internal, naming the key", () => {
  for (const key of ["setWayIdle", "setWayLocal"]) {
    assert.throws(() => definePolicy({ name: "x", [key]: () => true } as never), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.deepEqual([e.code, e.call], ["invalid_value", `definePolicy.${key}`]);
      assert.match(e.message, new RegExp(`^definePolicy: ${key} is internal`));
      return true;
    });
  }
});
