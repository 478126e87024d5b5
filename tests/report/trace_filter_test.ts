/**
 * Choosing a trace's events as trace-cmd's `-e` and ftrace's `set_event`
 * do: globs, the named sets, Xen's names, vCPUs, and the refusal of a name
 * no event has (a typo must not print an empty trace).
 *
 * @module
 */

import assert from "node:assert/strict";
import { eventSelection, globPattern, splitList } from "../../lib/report/trace_filter.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import { ScenarioError } from "../../lib/errors.ts";

function ev(
  name: string,
  fields: Record<string, number | string | boolean | null> = {},
  vcpu: number | null = 0,
): SetwayEvent {
  return { seq: 0, name, vcpu, pcpu: 0, pc: 0x4000_0000, count: 1, ...fields };
}

const exit = (ec: number, vcpu: number | null = 0) => ev("kvm_exit", { reason: "r", ec }, vcpu);

Deno.test("globPattern: * is any run of characters, even none; ? exactly one; both anchored", () => {
  const matches = (glob: string, name: string) => globPattern(glob).test(name);
  assert.ok(matches("kvm_*", "kvm_"));
  assert.ok(matches("*flush*", "flush_cache_all"));
  assert.ok(matches("*flush*", "p2m_flush_vm"));
  assert.ok(matches("*_vm", "stage2_flush_vm"));
  assert.ok(matches("*", ""));
  assert.ok(matches("trap_?abt", "trap_iabt"));
  assert.ok(!matches("trap_?abt", "trap_abt"), "? is one character, not none");
  assert.ok(!matches("trap_?abt", "trap_xdabt"), "? is one character, not two");
  assert.ok(!matches("kvm_exit", "kvm_exits"), "anchored at the end");
  assert.ok(!matches("kvm_exit", "my_kvm_exit"), "anchored at the start");
  assert.ok(!matches("*_exit", "kvm_exit_x"));
});

Deno.test("globPattern: every other character is itself, regular-expression characters too", () => {
  const literal = ["a+b", "(x)", "a|b", "[ab]", "x{2}", "^a$", "a\\d", "a.b", "a/b", "-_"];
  for (const text of literal) {
    assert.ok(globPattern(text).test(text), text);
  }
  assert.ok(!globPattern("a+b").test("aab"));
  assert.ok(!globPattern("a|b").test("a"));
  assert.ok(!globPattern("[ab]").test("a"));
  assert.ok(!globPattern("x{2}").test("xx"));
  assert.ok(!globPattern("a\\d").test("a1"));
  assert.ok(!globPattern("(x)").test("x"));
});

Deno.test("splitList: comma-separated values, trimmed, empty ones dropped, in order", () => {
  assert.deepEqual(splitList(["kvm_*,stale_read", "p2m_*"]), ["kvm_*", "stale_read", "p2m_*"]);
  assert.deepEqual(splitList(["  a ,, b\t", " c"]), ["a", "b", "c"]);
  assert.deepEqual(splitList([" , ", ""]), []);
  assert.deepEqual(splitList([]), []);
});

Deno.test("no names and no vCPUs keep every event, one a user policy emits too", () => {
  const keep = eventSelection({});
  for (const e of [exit(0x18), ev("read", {}, 3), ev("castout", {}, null), ev("my_event")]) {
    assert.ok(keep(e), e.name);
  }
  assert.ok(eventSelection({ names: [], vcpus: [] })(ev("host_write", {}, null)));
});

Deno.test("the named sets: all keeps everything, flush the trace's flush events only", () => {
  const all = eventSelection({ names: ["all"] });
  assert.ok(all(ev("read")) && all(ev("my_event")) && all(ev("castout", {}, null)));
  const flush = eventSelection({ names: ["flush"] });
  for (const name of ["kvm_exit", "kvm_set_way_flush", "stage2_flush_vm", "stale_read"]) {
    assert.ok(flush(ev(name)), name);
  }
  for (const name of ["read", "write", "sctlr_write", "dc_cisw", "castout", "vcpu_load"]) {
    assert.ok(!flush(ev(name)), name);
  }
});

Deno.test("several names keep an event that any of them matches", () => {
  const keep = eventSelection({ names: ["read", "stale_*"] });
  assert.ok(keep(ev("read")));
  assert.ok(keep(ev("stale_read")));
  assert.ok(!keep(ev("write")));
  assert.ok(!keep(exit(0x18)));
  const withSet = eventSelection({ names: ["read", "flush"] });
  assert.ok(withSet(ev("read")) && withSet(exit(0x24)) && !withSet(ev("write")));
});

Deno.test("a name matches an event by its KVM name or the name a Xen trace prints", () => {
  const sysreg = eventSelection({ names: ["trap_sysreg"] });
  assert.ok(sysreg(exit(0x18)));
  assert.ok(!sysreg(exit(0x24)));
  const aborts = eventSelection({ names: ["trap_?abt"] });
  assert.ok(aborts(exit(0x24)) && aborts(exit(0x20)) && !aborts(exit(0x03)));
  assert.ok(eventSelection({ names: ["trap"] })(exit(0x3c)), "a class Xen does not count");
  assert.ok(eventSelection({ names: ["trap_cp15_32"] })(exit(0x03)));
  const resolve = eventSelection({ names: ["p2m_resolve_*"] });
  assert.ok(resolve(ev("kvm_guest_fault", { ipa: 0 })));
  assert.ok(!resolve(exit(0x24)));
  // The KVM name still works on the same events.
  assert.ok(eventSelection({ names: ["kvm_guest_fault"] })(ev("kvm_guest_fault", { ipa: 0 })));
});

Deno.test("vCPUs keep only their events; host and hardware events have none", () => {
  const keep = eventSelection({ vcpus: [0, 2] });
  assert.ok(keep(ev("read", {}, 0)));
  assert.ok(keep(ev("read", {}, 2)));
  assert.ok(!keep(ev("read", {}, 1)));
  assert.ok(!keep(ev("castout", {}, null)));
  const both = eventSelection({ names: ["kvm_*"], vcpus: [1] });
  assert.ok(both(exit(0x18, 1)));
  assert.ok(!both(exit(0x18, 0)), "the right name on another vCPU");
  assert.ok(!both(ev("read", {}, 1)), "the right vCPU, another name");
});

Deno.test("a vCPU that is not a non-negative integer is refused", () => {
  for (const bad of [-1, 1.5, Number.NaN, Infinity, "1" as unknown as number]) {
    assert.throws(
      () => eventSelection({ vcpus: [0, bad] }),
      (e: unknown) =>
        e instanceof ScenarioError && e.code === "invalid_value" && e.call === "vcpu" &&
        e.message.startsWith("--vcpu "),
      String(bad),
    );
  }
});

Deno.test("a name or glob that matches no event name is refused, saying which and the closest", () => {
  const refusal = (name: string) => {
    try {
      eventSelection({ names: ["read", name] });
    } catch (e) {
      assert.ok(e instanceof ScenarioError && e.code === "unknown_name" && e.call === "filter");
      assert.equal(e.value, name);
      return e.message;
    }
    assert.fail(`${name} was accepted`);
  };
  assert.match(
    refusal("kvm_exti"),
    /^--filter "kvm_exti": unknown event \(did you mean "kvm_exit"\?\);/,
  );
  assert.match(refusal("nvme_*"), /^--filter "nvme_\*": matches no event name;/);
  assert.match(refusal("nvme_?"), /^--filter "nvme_\?": matches no event name;/);
  assert.match(refusal("trap_sysregs"), /unknown event \(did you mean "trap_sysreg"\?\)/);
  // A name only the run's own events have is known once they are given.
  const own = ev("my_policy_event", {}, 1);
  assert.match(refusal("my_policy_event"), /unknown event/);
  assert.ok(eventSelection({ names: ["my_policy_event"], events: [own] })(own));
  assert.ok(eventSelection({ names: ["my_*"], events: [exit(0x18), own] })(own));
});
