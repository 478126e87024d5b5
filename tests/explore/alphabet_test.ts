// The explorer's alphabet: each operation is named after the DSL call that records it (the
// module doc), so the step it explores must be the step that call records; a counterexample's
// snippet, pasted, then runs what was explored.
import assert from "node:assert/strict";
import { explore, type GuestBuilder, ScenarioError, type Step, vm } from "../../mod.ts";
import { Alphabet, EXPLORE_OPS, type OpInstance } from "../../lib/engine/explore/alphabet.ts";
import { TINY } from "./fixtures.ts";

const A = 0x4000_0000, B = 0x4000_3040;
const HOST_CPU = 3;

/** The DSL call an operation is named after, on vCPU 0's builder. */
function call(g: GuestBuilder, op: OpInstance, value: number): GuestBuilder {
  switch (op.name) {
    case "write":
      return g.write(op.addr, value);
    case "read":
      return g.read(op.addr);
    // One line by VA: the snippet prints the 4 bytes it covers (snippet.ts stepCall).
    case "dc_cvac":
      return g.dc_cvac(op.addr, 4);
    case "dc_civac":
      return g.dc_civac(op.addr, 4);
    case "dc_ivac":
      return g.dc_ivac(op.addr, 4);
    case "dc_cvau":
      return g.dc_cvau(op.addr, 4);
    case "sw_clean":
      return g.sw_clean();
    case "sw_clean_invalidate":
      return g.sw_clean_invalidate();
    case "sw_invalidate":
      return g.sw_invalidate();
    case "mmuOn":
      return g.mmuOn();
    case "mmuOff":
      return g.mmuOff();
    case "cachesOn":
      return g.cachesOn();
    case "cachesOff":
      return g.cachesOff();
    case "vmReg":
      return g.vmReg("TTBR0", 0);
    case "migrate":
      return g.migrate(op.vcpu, op.pcpu);
    case "host_write":
      return g.host((h) => h.write(op.addr, value), { cpu: HOST_CPU });
    case "host_unmap":
      return g.host((h) => h.unmap(op.addr - (op.addr % 4096)), { cpu: HOST_CPU });
  }
}

Deno.test("every operation of the alphabet explores the step its DSL call records", () => {
  const a = new Alphabet({
    ops: [...EXPLORE_OPS],
    cpus: 2,
    addresses: [A, B],
    migrateTo: [2, 3],
    hostCpu: HOST_CPU,
  });
  const seen = new Set<string>();
  for (let i = 0; i < a.size; i++) {
    const op = a.instances[i];
    seen.add(op.name);
    const ownVcpu = op.vcpu > 0 && op.name !== "migrate";
    const recorded = vm().machine("xgene1").cpus(2).guest((g) =>
      ownVcpu ? g.on(op.vcpu, (h) => call(h, op, 7)) : call(g, op, 7)
    ).toJSON().steps as readonly Step[];
    assert.deepEqual([a.step(i, 7)], recorded, a.label(i));
  }
  assert.deepEqual([...seen].sort(), [...EXPLORE_OPS].sort());
});

Deno.test("the alphabet's instances: every vCPU, address and target, host operations once per address", () => {
  const a = new Alphabet({
    ops: ["write", "sw_invalidate", "migrate", "host_write", "host_unmap"],
    cpus: 2,
    addresses: [A, B],
    migrateTo: [2, 3],
    hostCpu: HOST_CPU,
  });
  const labels = a.instances.map((_, i) => a.label(i));
  assert.deepEqual(labels, [
    "write(0x40000000)",
    "write(0x40003040)",
    "vcpu1:write(0x40000000)",
    "vcpu1:write(0x40003040)",
    "sw_invalidate",
    "vcpu1:sw_invalidate",
    "migrate(0, 2)",
    "migrate(0, 3)",
    "migrate(1, 2)",
    "migrate(1, 3)",
    "host_write(0x40000000)",
    "host_write(0x40003040)",
    "host_unmap(0x40000000)",
    "host_unmap(0x40003040)",
  ]);
  assert.equal(a.writes(), true);
  assert.equal(a.hasSetWay(), true);
  assert.equal(a.hasHost(), true);
  const hostOnly = new Alphabet({
    ops: ["host_write", "read"],
    cpus: 1,
    addresses: [A],
    migrateTo: [],
    hostCpu: 1,
  });
  assert.equal(hostOnly.writes(), true, "the VMM's writes are writes");
  assert.equal(hostOnly.hasSetWay(), false);
  // Each operation at most once: a repeat would weigh it twice in a random search.
  assert.throws(
    () =>
      new Alphabet({
        ops: ["write", "read", "write"],
        cpus: 1,
        addresses: [A],
        migrateTo: [],
        hostCpu: 1,
      }),
    (e: unknown) =>
      e instanceof ScenarioError && e.call === "explore.ops" &&
      /"write" is listed twice/.test(e.message),
  );
});

Deno.test("every write a search runs stores a fresh value, host writes included", async () => {
  // A guest class that lets every program through and notes each value
  // written: the search's runs must give each write of a program its own.
  const repeats: string[] = [];
  let afterHost = 0;
  const freshValues = {
    name: "fresh-values",
    description: "every program; notes a write that repeats a value",
    start: (): Step[] => [],
    next: (written: Step[], step: Step) => {
      if (step.kind !== "write" && step.kind !== "host_write") return written;
      if (written.some((w) => w.kind === "host_write")) afterHost++;
      if (written.some((w) => "value" in w && w.value === step.value)) {
        repeats.push(JSON.stringify([...written, step]));
      }
      return [...written, step];
    },
  };
  await explore({
    machine: TINY,
    policy: "trap-nothing",
    guestClass: freshValues,
    ops: ["host_write", "write", "read", "mmuOn"],
    maxOps: 3,
    speculation: false,
    progress: false,
    shrink: false,
  });
  assert.ok(afterHost > 0, "no write came after a host write");
  assert.deepEqual(repeats, []);
});
