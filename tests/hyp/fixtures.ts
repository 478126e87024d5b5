/**
 * Shared set-up for the hypervisor tests: a small two-cluster machine, a VM
 * on it under a given policy, and a sink that keeps every event uncollapsed.
 *
 * @module
 */

import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import type { EventFieldValue } from "../../lib/hyp/events.ts";
import type { EventFieldsRecord, EventSink } from "../../lib/hyp/event_sink.ts";
import { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import type { Policy } from "../../lib/hyp/policy.ts";

/** Two clusters of two CPUs; 1 KiB 2-way L1D (8 sets), 4 KiB 4-way L2 (16 sets). */
export const TINY: Machine = {
  name: "tiny",
  description: "2x2 CPUs, tiny caches",
  clusters: [
    { cpus: 2, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } },
    { cpus: 2, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } },
  ],
  systemCache: null,
};

/** Guest RAM base used by the tests. */
export const BASE = 0x4000_0000;

/** One event as the recording sink keeps it. */
export interface Recorded {
  name: string;
  vcpu: number | null;
  pcpu: number | null;
  pc: number | null;
  fields: Record<string, EventFieldValue>;
}

/** Keeps every event, uncollapsed. */
export class RecordingSink implements EventSink {
  readonly enabled = true;
  readonly events: Recorded[] = [];

  emit(
    name: string,
    vcpu: number | null,
    pcpu: number | null,
    pc: number | null,
    fields?: EventFieldsRecord,
  ): number {
    this.events.push({ name, vcpu, pcpu, pc, fields: { ...fields } });
    return this.events.length - 1;
  }

  /** Names of the events recorded since `mark` (a previous `events.length`). */
  namesSince(mark: number): string[] {
    return this.events.slice(mark).map((e) => e.name);
  }

  /** The events named `name` recorded since `mark`. */
  named(name: string, mark = 0): Recorded[] {
    return this.events.slice(mark).filter((e) => e.name === name);
  }
}

/** A VM under test. */
export interface TestVm {
  hw: Hardware;
  hyp: Hypervisor;
  sink: RecordingSink;
}

/** Builds a VM with `vcpus` vCPUs on TINY (or `machine`) and resets it. */
export function testVm(
  policy: Policy,
  options: { vcpus?: number; machine?: Machine; prefault?: boolean; ram?: number } = {},
): TestVm {
  const hw = new Hardware(options.machine ?? TINY);
  const sink = new RecordingSink();
  const hyp = new Hypervisor({
    hardware: hw,
    policy,
    vcpus: options.vcpus ?? 1,
    ramBase: BASE,
    ram: options.ram ?? 1 << 24,
    prefault: options.prefault ?? false,
    sink,
  });
  hyp.reset();
  return { hw, hyp, sink };
}
