// Stage-2 forced write-back (FEAT_S2FWB): under kvm-modern on a machine that has it, a guest's
// set/way operations trap and do nothing, TVM is never set, and guest RAM is always cacheable.

import assert from "node:assert/strict";
import { kvmModern, vm } from "../../mod.ts";
import { neoverseV1 } from "../../lib/machines/mod.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { countOf, IMAGE } from "./helpers.ts";

const guest = vm().machine("neoverse-v1").guest((g) =>
  g.mmuOn().write(IMAGE, 0xfeed_f00d).sw_clean().dc_cisw(1, 3, 1).mmuOff().read(IMAGE)
);

Deno.test("FWB: trapped S/W ops do nothing; no flush, no TVM, the read still sees the data", async () => {
  const run = await guest.policy("kvm-modern").run();
  assert.equal(run.verdict.ok, true);
  assert.equal(run.cost.flushes, 0);
  for (const name of ["kvm_set_way_flush", "kvm_toggle_cache", "stage2_flush_vm", "sw_local"]) {
    assert.equal(countOf(run, name), 0, name);
  }
  // Reset set TSW but not TVM, and nothing changed HCR afterwards.
  const hcr = run.events.filter((e) => e.name === "hcr_write");
  assert.deepEqual(hcr.map((e) => [e.tsw, e.tvm]), [[true, false]]);
  // Both S/W instructions trapped (the normalized walk is one instruction, plus the single op),
  // after the walk's reads of CLIDR, CSSELR and CCSIDR (TID2; one data level on V1), and no
  // SCTLR write did (no TVM); the only other exit is the stage-2 fault of the data page.
  assert.equal(run.cost.exits, 6);
  const exits = run.events.filter((e) => e.name === "kvm_exit");
  assert.deepEqual(
    exits.flatMap((e) => Array(e.count).fill(e.reason)).sort(),
    ["cache_id", "cache_id", "cache_id", "dabt", "dcsw", "dcsw"],
  );
  // Every event right after a trap is the guest's next instruction, not a policy action.
  for (const [i, e] of run.events.entries()) {
    if (e.name !== "kvm_exit" || e.reason === "dabt" || e.reason === "cache_id") continue;
    assert.ok(["dc_cisw", "sctlr_write"].includes(run.events[i + 1].name), run.events[i + 1].name);
  }
  const read = run.events.find((e) => e.name === "read");
  assert.equal(
    read?.cacheable,
    true,
    "stage 2 forces Normal write-back: the MMU-off read is cached",
  );
  assert.equal(read?.value, 0xfeed_f00d);
});

Deno.test("FWB: the same guest and machine under kvm-4.0 (which does not use FWB) flushes", async () => {
  const run = await guest.policy("kvm-4.0").run();
  assert.equal(countOf(run, "kvm_set_way_flush"), 1);
  assert.ok(countOf(run, "stage2_flush_vm") >= 2);
  const read = run.events.find((e) => e.name === "read");
  assert.equal(read?.cacheable, false);
});

Deno.test("FWB: without the feature, kvm-modern runs the 4.0 logic", async () => {
  const run = await guest.machine("neoverse-n1").policy("kvm-modern").run();
  assert.equal(countOf(run, "kvm_set_way_flush"), 1);
  assert.equal(run.events.find((e) => e.name === "hcr_write")?.tvm, true, "TVM set at reset");
});

Deno.test("FWB: a trapped S/W op leaves the caches exactly as they were", () => {
  const hardware = new Hardware(neoverseV1);
  const log = new EventLog();
  const hyp = new Hypervisor({
    hardware,
    policy: kvmModern,
    vcpus: 1,
    ramBase: 0x4000_0000,
    ram: 1 << 24,
    prefault: true,
    sink: log,
  });
  hyp.reset();
  const v = hyp.vcpus[0];
  assert.equal(hyp.forcesWriteBack, true);
  assert.equal(hyp.cacheable(v), true, "cacheable with SCTLR.M and C clear");
  hardware.write(v.pcpu, IMAGE, 7, hyp.cacheable(v));
  const resident = hardware.residentLines();
  const before = log.size;
  hyp.setWay(v, { op: "cisw", level: 1, set: (IMAGE / 64) % 256, way: 0 });
  hyp.setWayWalk(v, "cisw");
  const events = log.finish();
  assert.equal(log.size - before, 5, "five events: the S/W op's trap, and the walk's four");
  // The walk reads CLIDR, CSSELR and CCSIDR (TID2), then its one S/W instruction traps.
  assert.deepEqual(
    events.slice(-3).map((e) => [e.name, e.reason, e.count]),
    [["kvm_exit", "dcsw", 1], ["kvm_exit", "cache_id", 3], ["kvm_exit", "dcsw", 1]],
  );
  assert.equal(hardware.residentLines(), resident, "nothing cleaned, nothing invalidated");
  assert.notEqual(hardware.memory.read(IMAGE), 7, "the dirty line never reached DRAM");
  assert.equal(hardware.read(v.pcpu, IMAGE, true), 7);
});
