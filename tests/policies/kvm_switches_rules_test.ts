// The 2015 series' switches on the KVM policies: which policy each combination of switches
// gives (its name, description, unmap hook and fault clean), which stage-2 faults clean the
// page, and which switch values are refused.

import assert from "node:assert/strict";
import { kvm318, kvm40, ScenarioError, vm } from "../../mod.ts";
import {
  kvm318With,
  kvm40With,
  kvmModernWith,
  type Policy,
  xenWith,
} from "../../lib/api/policies.ts";
import { countOf } from "./helpers.ts";

const A = 0x4000_1000;

function refused(f: () => unknown, code: string, call: string) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.deepEqual([e.code, e.call], [code, call]);
    return true;
  });
}

Deno.test("kvm318With: each patch alone gives its own policy, not plain kvm-3.18", () => {
  const kmap = kvm318With({ faultCleanViaKernelMap: true });
  assert.notEqual(kmap, kvm318);
  assert.equal(kmap.name, "kvm-3.18+kmap-fault-clean");
  assert.deepEqual(kmap.faultClean, { when: "caches-off", via: "kernel" });
  assert.equal(kmap.onUnmap, undefined);
  const unmap = kvm318With({ unmapInvalidate: true });
  assert.notEqual(unmap, kvm318);
  assert.equal(unmap.name, "kvm-3.18+unmap-inval");
  assert.deepEqual(unmap.faultClean, { when: "caches-off", via: "hva" });
  assert.equal(typeof unmap.onUnmap, "function");
  assert.equal(kvm318With({ unmapInvalidate: false, faultCleanViaKernelMap: false }), kvm318);
});

Deno.test("kvm318With: the kernel-mapping fault clean alone shows in the fault event", async () => {
  const guest = vm().guest((g) => g.write(A, 7).read(A)); // caches off from reset: faults clean
  const run = await guest.policy(kvm318With({ faultCleanViaKernelMap: true })).run();
  const cleans = run.events.filter((e) => e.name === "coherent_cache_guest_page");
  assert.deepEqual(cleans.map((e) => e.via), ["kernel"]);
});

Deno.test("switched KVM policies clean a faulted-in page only while the guest's caches are off", async () => {
  const cachesOff = vm().guest((g) => g.write(A, 7).read(A));
  const cachesOn = vm().guest((g) => g.mmuOn().write(A, 7).read(A));
  const switched: Policy<unknown>[] = [
    kvm40With({ unmapInvalidate: false }),
    kvm40With({ faultCleanViaKernelMap: false }),
    kvm318With({ unmapInvalidate: true }),
    kvm318With({ faultCleanViaKernelMap: true }),
    kvm318With({ unmapInvalidate: true, faultCleanViaKernelMap: true }),
  ];
  for (const policy of switched) {
    const off = await cachesOff.policy(policy).run();
    const on = await cachesOn.policy(policy).run();
    assert.equal(countOf(off, "coherent_cache_guest_page"), 1, `${policy.name}, caches off`);
    assert.equal(countOf(on, "coherent_cache_guest_page"), 0, `${policy.name}, caches on`);
    assert.equal(countOf(on, "kvm_guest_fault"), 1, `${policy.name}: the page still faults in`);
  }
});

Deno.test("switched KVM policies describe both switches as set", () => {
  assert.equal(
    kvm40With({ unmapInvalidate: false }).description,
    `${kvm40.description} (unmap invalidate off, fault clean via kernel mapping)`,
  );
  assert.equal(
    kvm40With({ faultCleanViaKernelMap: false }).description,
    `${kvm40.description} (unmap invalidate on, fault clean via user mapping)`,
  );
  assert.equal(
    kvm318With({ unmapInvalidate: true }).description,
    `${kvm318.description} (unmap invalidate on, fault clean via user mapping)`,
  );
  assert.equal(
    kvm318With({ faultCleanViaKernelMap: true }).description,
    `${kvm318.description} (unmap invalidate off, fault clean via kernel mapping)`,
  );
});

Deno.test("switches: null switches, an array of switches and a non-string name are refused", () => {
  refused(
    () => kvm40With({ unmapInvalidate: null } as never),
    "invalid_value",
    "kvm40With.unmapInvalidate",
  );
  refused(
    () => kvm318With({ faultCleanViaKernelMap: null } as never),
    "invalid_value",
    "kvm318With.faultCleanViaKernelMap",
  );
  refused(() => kvm40With([] as never), "invalid_value", "kvm40With");
  refused(() => kvm318With([] as never), "invalid_value", "kvm318With");
  refused(() => kvm40With({ name: 7 } as never), "invalid_value", "kvm40With.name");
  refused(() => kvm318With({ name: true } as never), "invalid_value", "kvm318With.name");
});

Deno.test("every policy factory refuses options that are not an object, and an unknown option, naming it", () => {
  const factories: [string, (o: never) => Policy<unknown>, string, string][] = [
    ["kvm40With", kvm40With as never, "unmapInvalidat", "unmapInvalidate"],
    ["kvm318With", kvm318With as never, "faultCleanViaKernel", "faultCleanViaKernelMap"],
    ["xenWith", xenWith as never, "iommu", "iommuSharesP2m"],
    ["kvmModernWith", kvmModernWith as never, "ctrl", "ctr"],
  ];
  for (const [call, make, typo, meant] of factories) {
    for (const bad of [null, [], 1, "xen"]) {
      refused(() => make(bad as never), "invalid_value", call);
    }
    assert.throws(() => make({ [typo]: true } as never), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.deepEqual([e.code, e.call, e.value], ["unknown_name", `${call}.${typo}`, typo]);
      assert.match(e.message, new RegExp(`did you mean "${meant}"`));
      return true;
    }, call);
  }
});
