// The text trace checked against golden files, as a user's suite would do it.
import { assertGolden, type Traceable } from "../../lib/golden/golden.ts";
import { formatTrace } from "../../lib/report/event_trace.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";

type Fields = Record<string, number | string | boolean>;

/** Events of a short guest under the KVM 4.0 policy: caches on, a S/W clean, caches off, a read. */
function events(): SetwayEvent[] {
  let seq = 0;
  const out: SetwayEvent[] = [];
  const on =
    (vcpu: number | null, pcpu: number | null, pc: number | null) =>
    (name: string, fields: Fields, count = 1) => {
      out.push({ seq, name, vcpu, pcpu, pc, count, ...fields });
      seq += count;
    };
  const v0 = (pc: number) => on(0, 0, pc);
  v0(0x4000_8100)("sctlr_write", { m: true, c: true, i: true });
  v0(0x4000_8100)("kvm_exit", { reason: "access_vm_reg", ec: 0x03 });
  v0(0x4000_8100)("kvm_toggle_cache", { was: false, now: true });
  v0(0x4000_8100)("stage2_flush_vm", { pages: 4, lines: 256, cleaned: 0, invalidated: 12 });
  v0(0x4000_8100)("hcr_write", { tsw: true, tvm: false });
  v0(0x4000_8180)("write", { addr: 0x4000_1000, value: 0xcafe, cacheable: true });
  on(null, 1, null)("speculative_fill", { addr: 0x4000_1000, cache: "L3" });
  v0(0x4000_8234)("kvm_exit", { reason: "access_dcsw", ec: 0x03 });
  v0(0x4000_8234)("kvm_set_way_flush", { cache: true });
  v0(0x4000_8234)("stage2_flush_vm", { pages: 4, lines: 256, cleaned: 1, invalidated: 40 });
  v0(0x4000_8234)("hcr_write", { tsw: true, tvm: true });
  v0(0x4000_8234)("kvm_exit", { reason: "access_dcsw", ec: 0x03 }, 16383);
  v0(0x4000_8300)("sctlr_write", { m: false, c: false, i: true });
  v0(0x4000_8300)("kvm_exit", { reason: "access_vm_reg", ec: 0x03 });
  v0(0x4000_8300)("kvm_toggle_cache", { was: true, now: false });
  v0(0x4000_8300)("stage2_flush_vm", { pages: 4, lines: 256, cleaned: 0, invalidated: 2 });
  v0(0x4000_8400)("read", { addr: 0x4000_1000, value: 0xcafe, cacheable: false });
  return out;
}

const HEADER = ["policy: kvm-4.0", "machine: generic", "seed: 1"];

Deno.test("flush trace of a zImage-like guest under KVM 4.0 matches its golden", async () => {
  const run: Traceable = {
    trace: (options) => formatTrace(events(), { filter: options?.filter, header: HEADER }),
  };
  await assertGolden(run, new URL("./data/kvm40_flush.golden", import.meta.url));
});

Deno.test("full trace of the same guest matches its golden", async () => {
  const text = formatTrace(events(), { header: HEADER });
  await assertGolden(text, new URL("./data/kvm40_all.golden", import.meta.url));
});
