/**
 * Incident: EDK2's ArmLib cleaned and invalidated the data cache by
 * set/way around turning the MMU on and off, which never reaches a system
 * cache and only works in a VM because the hypervisor traps it; the
 * set/way entry points were removed from ArmLib in 2024.
 *
 * Sources: tianocore/edk2 pull request 6194 "ArmPkg: set/way cache
 * maintenance" (Ard Biesheuvel, September 2024: "Remove set/way d-cache
 * maintenance from the ArmLib API"), after tianocore/edk2-platforms pull
 * request 194 moved the code into the BeagleBoard port, its last user; the
 * 2015 ArmLib paths are described in lib/guest/edk2.ts.
 *
 * The model: the 2015 firmware path (lib/guest/edk2.ts: set/way clean and
 * invalidate at MMU set-up, set/way clean, caches off, set/way invalidate at
 * the hand-over to the kernel) on one CPU of an Armada 8040 (a 1 MiB LLC
 * set/way never reaches), natively and under KVM 4.0; and the same program
 * without set/way, as firmware after 2024 boots Linux: the MMU set-up
 * invalidates its page tables by address once it has written them (so that
 * no line allocated before, by any CPU, survives), and the kernel is entered through
 * its EFI stub, which cleans the image it loaded by address to the PoC
 * before the MMU goes off.
 *
 * Simplified: the program without set/way is the 2015 one with its walks
 * replaced (`dc ivac` of the page tables after they are written, `dc civac`
 * of the image) or dropped, not a transcription of the 2024 code; one
 * CPU; a few words per page.
 *
 * Run it: `deno run scenarios/incidents/edk2_armlib.ts`.
 *
 * @module
 */

import { type Step, vm, type VmBuilder } from "../../mod.ts";
import { forall, never, noSetWayFlush, not, wrongRead } from "../../lib/api/expect.ts";
import { armada8040 } from "../../lib/api/hw.ts";
import { edk2 } from "../../lib/api/guest.ts";
import { type Incident, story } from "./incident.ts";

const PAGE = 4096;
const IMAGE = { words: 8, pages: 1 } as const;

function pageSpan(addrs: number[]): { addr: number; len: number } {
  const first = Math.min(...addrs) - (Math.min(...addrs) % PAGE);
  const last = Math.max(...addrs) - (Math.max(...addrs) % PAGE) + PAGE;
  return { addr: first, len: last - first };
}

/**
 * The firmware path without set/way (see the module doc): the first walk
 * is dropped and the page tables (written with the MMU off, before it goes
 * on) are invalidated by address right after they are written; the image
 * (written once the MMU is on) is cleaned by address instead of the second
 * walk; the last walk is dropped.
 *
 * @param steps the 2015 program
 * @returns the program without set/way
 */
export function withoutSetWay(steps: readonly Step[]): Step[] {
  const mmuOn = steps.findIndex((s) => s.kind === "sctlr" && s.bits.m === true);
  const isWrite = (s: Step) => s.kind === "write";
  const writes = (from: number, to: number) =>
    steps.slice(from, to).flatMap((s) => (s.kind === "write" ? [s.addr] : []));
  const tables = pageSpan(writes(0, mmuOn));
  const image = pageSpan(writes(mmuOn, steps.length));
  const lastTableWrite = steps.slice(0, mmuOn).findLastIndex(isWrite);
  return steps.flatMap((s, i): Step[] => {
    if (i === lastTableWrite && s.kind === "write") {
      return [s, { kind: "dc_va", vcpu: s.vcpu, op: "ivac", ...tables }];
    }
    if (s.kind !== "sw_walk") return [s];
    if (s.op === "csw") return [{ kind: "dc_va", vcpu: s.vcpu, op: "civac", ...image }];
    return [];
  });
}

/** EDK2 as of 2015 (set/way in ArmLib) on an Armada 8040. */
export const setWay: VmBuilder = vm().machine(armada8040).cpus(1).guest((g) => g.edk2(IMAGE));

/** The same firmware path without set/way (ArmLib after 2024). */
export const noSetWay: VmBuilder = vm().machine(armada8040).cpus(1)
  .guest((g) => g.append(withoutSetWay(edk2(IMAGE))));

/**
 * The incident.
 *
 * @example Usage
 * ```ts
 * import { incident } from "./edk2_armlib.ts";
 * console.log(incident.cases.length); // 4
 * ```
 */
export const incident: Incident = {
  id: "edk2_armlib",
  title: "EDK2 drops set/way maintenance from ArmLib",
  year: 2024,
  source: 'tianocore/edk2 pull request 6194 "ArmPkg: set/way cache maintenance" (Ard ' +
    "Biesheuvel, September 2024) and tianocore/edk2-platforms pull request 194.",
  summary: "With set/way, the firmware's hand-over fails natively on a machine with a system " +
    "cache (the image stays dirty in the LLC, blamed on the machine) and works under KVM 4.0 " +
    "only because KVM turns the set/way operations into flushes by address. Without set/way, " +
    "the same path never reads stale data, natively or in a VM, and KVM has no set/way " +
    "operation to flush for.",
  programs: [
    { label: "EDK2 with set/way (2015) on Armada 8040", scenario: setWay },
    { label: "EDK2 without set/way (2024) on Armada 8040", scenario: noSetWay },
  ],
  cases: [
    {
      label: "Bare metal, with set/way: the failure",
      scenario: setWay.policy("native").expect(forall(wrongRead(undefined, { blame: "machine" }))),
    },
    {
      label: "KVM 4.0, with set/way: saved by KVM",
      scenario: setWay.policy("kvm-4.0").expect(never(wrongRead()))
        .expect(forall(not(noSetWayFlush()))),
    },
    {
      label: "Bare metal, without set/way (2024)",
      scenario: noSetWay.policy("native").expect(never(wrongRead())),
    },
    {
      label: "KVM 4.0, without set/way (2024)",
      scenario: noSetWay.policy("kvm-4.0").expect(never(wrongRead())).expect(
        forall(noSetWayFlush()),
      ),
    },
  ],
};

/** What `setway run` runs for this file: the incident's first case. */
export const firstCase: VmBuilder = incident.cases[0].scenario;

export default firstCase;

if (import.meta.main) {
  console.log(await story(incident));
}
