// kvmModernWith's options: the name it derives from the host's CTR_EL0 bits, and the option
// values it refuses.

import assert from "node:assert/strict";
import { ScenarioError } from "../../mod.ts";
import { kvmModernWith } from "../../lib/api/policies.ts";

function refused(f: () => unknown, call: string) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.deepEqual([e.code, e.call], ["invalid_value", call]);
    return true;
  });
}

Deno.test("kvmModernWith: the default name gives IDC first, then DIC", () => {
  const names = [[false, false], [true, false], [false, true], [true, true]].map(([idc, dic]) =>
    kvmModernWith({ ctr: { idc, dic } }).name
  );
  assert.deepEqual(names, [
    "kvm-modern-idc0-dic0",
    "kvm-modern-idc1-dic0",
    "kvm-modern-idc0-dic1",
    "kvm-modern-idc1-dic1",
  ]);
  assert.equal(kvmModernWith().name, "kvm-modern");
  assert.equal(kvmModernWith({ ctr: { idc: true, dic: false }, name: "mine" }).name, "mine");
});

Deno.test("kvmModernWith: a ctr missing a bit, or with a bit not a boolean, is refused", () => {
  refused(() => kvmModernWith({ ctr: { idc: true } as never }), "kvmModernWith.ctr");
  refused(() => kvmModernWith({ ctr: { dic: false } as never }), "kvmModernWith.ctr");
  refused(() => kvmModernWith({ ctr: { idc: true, dic: 1 } as never }), "kvmModernWith.ctr");
  refused(() => kvmModernWith({ ctr: null as never }), "kvmModernWith.ctr");
});

Deno.test("kvmModernWith: a name that is not a non-empty string is refused", () => {
  refused(() => kvmModernWith({ name: 5 } as never), "kvmModernWith.name");
  refused(() => kvmModernWith({ name: "" }), "kvmModernWith.name");
});
