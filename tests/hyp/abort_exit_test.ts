import assert from "node:assert/strict";
import fc from "fast-check";
import { run } from "../../lib/engine/run.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { scenarioOf } from "../reliability/arbitraries.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { xen } from "../../lib/hyp/policies/xen.ts";
import { type AbortAccess, abortSyndrome } from "../../lib/hyp/abort_syndrome.ts";
import { DEFAULT_COSTS, eventCycles } from "../../lib/hyp/costs.ts";
import { tc2 } from "../../lib/machines/tc2.ts";
import { BASE, testVm, TINY } from "./fixtures.ts";

const PAGE = BASE + 0x7000;

/** The ESR fields of a syndrome, decoded independently of the encoder. */
function decode(esr: number) {
  return {
    ec: esr >>> 26,
    il: (esr >>> 25) & 1,
    isv: (esr >>> 24) & 1,
    sas: (esr >>> 22) & 3,
    cm: (esr >>> 8) & 1,
    wnr: (esr >>> 6) & 1,
    fsc: esr & 0x3f,
  };
}

Deno.test("stage-2 abort: syndrome per access, from the ESR_ELx data/instruction abort layout", () => {
  const expected: Record<AbortAccess, ReturnType<typeof decode>> = {
    read: { ec: 0x24, il: 1, isv: 1, sas: 2, cm: 0, wnr: 0, fsc: 0x07 },
    write: { ec: 0x24, il: 1, isv: 1, sas: 2, cm: 0, wnr: 1, fsc: 0x07 },
    cmo: { ec: 0x24, il: 1, isv: 0, sas: 0, cm: 1, wnr: 1, fsc: 0x07 },
    fetch: { ec: 0x20, il: 1, isv: 0, sas: 0, cm: 0, wnr: 0, fsc: 0x07 },
  };
  for (const access of ["read", "write", "cmo", "fetch"] as const) {
    const esr = abortSyndrome(access);
    assert.ok(esr > 0 && esr <= 0xffff_ffff, access);
    assert.deepEqual(decode(esr), expected[access], access);
  }
});

Deno.test("stage-2 abort: kvm_exit first, then kvm_guest_fault with hsr and hxfar, per access", () => {
  const cases = [
    { access: "read", addr: PAGE + 0x10, ec: 0x24, hsr: 0x9380_0007 },
    { access: "write", addr: PAGE + 0x1004, ec: 0x24, hsr: 0x9380_0047 },
    { access: "cmo", addr: PAGE + 0x2040, ec: 0x24, hsr: 0x9200_0147 },
    { access: "fetch", addr: PAGE + 0x3008, ec: 0x20, hsr: 0x8200_0007 },
  ] as const;
  for (const c of cases) {
    const t = testVm(kvm40);
    const v = t.hyp.vcpus[0];
    v.pc = c.access === "fetch" ? c.addr : BASE + 0x40;
    const mark = t.sink.events.length;
    t.hyp.guestAccess(v, c.addr, c.access);
    const [exit, fault] = t.sink.events.slice(mark);
    assert.equal(exit.name, "kvm_exit", c.access);
    assert.equal(exit.fields.ec, c.ec, c.access);
    assert.equal(exit.pc, v.pc);
    assert.equal(fault.name, "kvm_guest_fault");
    const ipa = c.addr - (c.addr % 4096);
    assert.deepEqual(fault.fields, { ipa, hsr: c.hsr, hxfar: c.addr }, c.access);
  }
});

Deno.test("stage-2 abort: counted in cost.exits and costed as a trap plus the fault's handling", async () => {
  const run = await vm().machine("generic").policy("kvm-4.0")
    .guest((g) => g.mmuOn().write(BASE + 0x8000, 1).read(BASE + 0x9000).dc_civac(BASE + 0xa000, 64))
    .run();
  const exits = run.events.filter((e) => e.name === "kvm_exit");
  // The SCTLR write traps (TVM), then one abort per new page: store, load, DC CIVAC.
  assert.deepEqual(exits.map((e) => e.ec), [0x18, 0x24, 0x24, 0x24]);
  assert.equal(run.cost.exits, 4);
  const faults = run.events.filter((e) => e.name === "kvm_guest_fault");
  assert.deepEqual(faults.map((e) => e.hsr), [0x9380_0047, 0x9380_0007, 0x9200_0147]);
  for (const f of faults) {
    const before = run.events[run.events.indexOf(f) - 1];
    assert.equal(before.name, "kvm_exit", "each fault follows its exit");
    assert.equal(before.cycles, DEFAULT_COSTS.trap);
    assert.equal(f.cycles, DEFAULT_COSTS.stage2Fault);
  }
  assert.equal(
    eventCycles("kvm_guest_fault", { ipa: 0 }, DEFAULT_COSTS),
    DEFAULT_COSTS.stage2Fault,
  );
  assert.ok(run.trace().includes("kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x40000004"));
});

Deno.test("stage-2 abort under Xen: the exit is counted too", async () => {
  const t = testVm(xen);
  const v = t.hyp.vcpus[0];
  const mark = t.sink.events.length;
  t.hyp.guestAccess(v, PAGE, "write");
  assert.deepEqual(t.sink.namesSince(mark).slice(0, 2), ["kvm_exit", "kvm_guest_fault"]);
  const run = await vm().policy("xen").guest((g) => g.write(BASE + 0x8000, 1)).run();
  assert.equal(run.cost.exits, 1);
  assert.equal(run.events.find((e) => e.name === "kvm_exit")?.ec, 0x24);
});

Deno.test("32-bit host (tc2): every exit is HVC with arch/arm's class names; vCPUs are AArch32", async () => {
  const t = testVm(kvm40, { machine: tc2 });
  assert.equal(t.hyp.hostAarch32, true);
  assert.ok(t.hyp.vcpus.every((v) => v.aarch32));
  const arm64 = testVm(kvm40, { machine: TINY });
  assert.equal(arm64.hyp.hostAarch32, false);
  const run = await vm().machine("tc2").guest((g) => g.write(BASE + 0x8000, 1).mmuOn()).run();
  const trace = run.trace();
  assert.ok(trace.includes("kvm_exit: HVC: HSR_EC: 0x0024 (DABT), PC: 0x40000000"), trace);
  assert.ok(trace.includes("kvm_exit: HVC: HSR_EC: 0x0003 (CP15_32), PC: 0x40000004"), trace);
  assert.doesNotMatch(trace, /TRAP:|SYS64/);
  assert.ok(run.events.filter((e) => e.name === "kvm_exit").every((e) => e.type === "HVC"));
});

Deno.test("stage-2 abort (property): every fault follows its own exit; exits are what cost counts", () => {
  fc.assert(
    fc.property(
      scenarioOf({ mix: "cacheable", policies: Object.keys(policies), maxSteps: 12 }),
      (s) => {
        const r = run(s);
        const hvc = typeof s.machine === "string" && s.machine === "tc2";
        let exits = 0;
        for (const [i, e] of r.events.entries()) {
          if (e.name === "kvm_exit") exits += e.count;
          if (e.name !== "kvm_guest_fault") continue;
          const exit = r.events[i - 1];
          assert.equal(exit.name, "kvm_exit");
          assert.deepEqual([exit.ec, exit.reason, exit.pc, exit.vcpu], [
            0x24,
            "dabt",
            e.pc,
            e.vcpu,
          ]);
          assert.equal(exit.type, hvc ? "HVC" : undefined);
          assert.equal(decode(e.hsr as number).ec, 0x24);
          assert.equal((e.hxfar as number) - ((e.hxfar as number) % 4096), e.ipa);
        }
        assert.equal(r.cost.exits, exits);
      },
    ),
    { seed: 0x24, numRuns: 200 },
  );
});
