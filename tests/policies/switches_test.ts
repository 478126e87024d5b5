// The rest of the 2015 series as switches on the KVM policies: invalidate the data cache on
// unmap, and clean a faulted-in page through the kernel mapping.

import assert from "node:assert/strict";
import {
  assertGolden,
  kvm318,
  kvm40,
  kvm40SwOnly,
  policies,
  ScenarioError,
  vm,
} from "../../mod.ts";
import { kvm318With, kvm40With } from "../../lib/api/policies.ts";
import { countOf, golden, report } from "./helpers.ts";

const A = 0x4000_1000;

// Caches on: a read leaves a clean copy of A's line. Caches off (TVM is clear after caches on,
// so the hypervisor does not see it), a non-cacheable store of a new value to DRAM. The host
// swaps the page out (unmaps it from stage 2); the guest turns its caches on and reads A back.
const staleCopy = vm().prefault().guest((g) =>
  g.mmuOn().read(A).cachesOff().write(A, 0x5ca1ab1e)
    .host((h) => h.unmap(A))
    .cachesOn().read(A)
);

Deno.test("unmap: kvm-4.0 cleans+invalidates the page it unmaps; the set/way patch alone does not", async () => {
  const full = await staleCopy.policy("kvm-4.0").run();
  const swOnly = await staleCopy.policy("kvm-4.0-sw-only").run();
  await assertGolden(report(full), golden("unmap_stale_copy_kvm-4.0"));
  await assertGolden(report(swOnly), golden("unmap_stale_copy_kvm-4.0-sw-only"));
  assert.equal(countOf(full, "flush_page"), 1);
  assert.equal(countOf(swOnly, "flush_page"), 0);
  // With the invalidation the stale clean copy is gone: the read after the remap sees DRAM.
  assert.equal(full.verdict.ok, true);
  // Without it the copy survives the unmap (no stage2_flush_vm visits an unmapped page).
  assert.equal(swOnly.verdict.ok, false);
  assert.deepEqual(swOnly.verdict.violations.map((v) => [v.kind, v.got]), [["stale_read", 0]]);
  // The guest is buggy (it never invalidates before turning its caches on): natively it fails too.
  assert.equal(swOnly.verdict.violations[0].blame, "guest");
  assert.equal(full.verdict.failsNatively, true);
});

Deno.test("fault path: the clean goes through the kernel mapping from 4.0 on, the user one before", async () => {
  const guest = vm().guest((g) => g.write(A, 7).read(A)); // caches off from reset: faults clean
  const via = async (policy: string) => {
    const run = await guest.policy(policy).run();
    const e = run.events.find((x) => x.name === "coherent_cache_guest_page");
    return [e?.via, e?.lines, e?.cleaned, run.verdict.ok];
  };
  const kernel = await via("kvm-4.0");
  const user = await via("kvm-4.0-sw-only");
  assert.equal(kernel[0], "kernel");
  assert.equal(user[0], "hva");
  assert.deepEqual(
    kernel.slice(1),
    user.slice(1),
    "the same lines cleaned: only the mapping differs",
  );
  assert.equal((await via("kvm-3.18"))[0], "hva");
});

Deno.test("switches: names, defaults and identity", () => {
  assert.equal(kvm40With(), kvm40);
  assert.equal(kvm40With({ unmapInvalidate: true, faultCleanViaKernelMap: true }), kvm40);
  assert.equal(kvm318With(), kvm318);
  assert.equal(kvm40With({ unmapInvalidate: false }).name, "kvm-4.0-no-unmap-inval");
  assert.equal(kvm40With({ faultCleanViaKernelMap: false }).name, "kvm-4.0-hva-fault-clean");
  assert.equal(kvm40SwOnly.name, "kvm-4.0-sw-only");
  assert.equal(policies["kvm-4.0-sw-only"], kvm40SwOnly);
  const fixed = kvm318With({ unmapInvalidate: true, faultCleanViaKernelMap: true });
  assert.equal(fixed.name, "kvm-3.18+unmap-inval+kmap-fault-clean");
  assert.equal(typeof fixed.onUnmap, "function");
  assert.equal(fixed.faultClean?.via, "kernel");
  assert.equal(fixed.onSetWay, kvm318.onSetWay, "the set/way handling stays 3.18's");
  assert.equal(kvm40With({ name: "mine" }).name, "mine");
  assert.ok(Object.isFrozen(fixed));
});

Deno.test("switches: 3.18 with the unmap patch cleans and invalidates on unmap, as 4.0 does", async () => {
  const run = await staleCopy.policy(kvm318With({ unmapInvalidate: true })).run();
  assert.equal(countOf(run, "flush_page"), 1);
  // kvm_flush_dcache_pte is a clean+invalidate: the stale clean copy is gone after the remap.
  const flushed = (r: typeof run) => {
    const { seq: _seq, ...e } = r.events.find((x) => x.name === "flush_page")!;
    return e;
  };
  assert.deepEqual(flushed(run), flushed(await staleCopy.policy("kvm-4.0").run()));
  assert.equal(run.verdict.ok, true);
  assert.equal((await staleCopy.policy("kvm-3.18").run()).verdict.ok, false);
});

Deno.test("switches: bad switches are refused", () => {
  const refused = (f: () => unknown, code: string, call: string) =>
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.deepEqual([e.code, e.call], [code, call]);
      return true;
    });
  refused(
    () => kvm40With({ unmapInvalidate: "yes" } as never),
    "invalid_value",
    "kvm40With.unmapInvalidate",
  );
  refused(() => kvm318With({ unmap: true } as never), "unknown_name", "kvm318With.unmap");
  refused(() => kvm40With(null as never), "invalid_value", "kvm40With");
  refused(() => kvm40With({ name: "" }), "invalid_value", "kvm40With.name");
});
