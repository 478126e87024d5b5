/**
 * Incident: a lower exception level's set/way invalidate discarded a dirty
 * line holding the stack pointer EL3 firmware had just saved (Trusted
 * Firmware-A, 2016): a lost write, and an exception at EL3 on the next SMC.
 *
 * Source: ARM-software/tf-issues issue 392 "Stackpointer stored in
 * psci_ns_context is not valid" (April 2016): BL31 cleans its data before
 * `el3_exit`, but `el3_exit` then saves the EL3 runtime stack pointer in
 * the non-secure context, a write that stays dirty in the cache; "the
 * architecture initialization code at the next lower exception level
 * would blindly invalidate the data cache by set and way", so the next SMC
 * finds a stale stack pointer. The maintainers' answer: a lower EL should
 * not invalidate by set/way (caches are invalid at reset; maintenance
 * should be by address, and set/way never reaches system caches).
 *
 * The model: the firmware and the lower EL share one CPU of a Juno r0 (an
 * Arm reference platform of TF-A). EL3 runs with its caches on: it writes
 * the context word, cleans it to the PoC (the clean in `bl31_entrypoint`),
 * then saves the new stack pointer in it (`el3_exit`): a dirty line. The
 * lower EL starts with its caches off and runs a `DC ISW` walk; at the next
 * SMC, EL3 (caches on) reads the word back. On bare metal (`native`) the
 * walk discards the dirty line: the read finds the value cleaned earlier,
 * and the new one is nowhere, a lost write the oracle blames on the guest
 * (the ideal machine loses it too). Under any hypervisor with stage 2, the
 * same program is safe: DC ISW at EL1 is performed as a clean and
 * invalidate (HCR_EL2.SWIO, or the architecture's upgrade when HCR_EL2.VM
 * is set), or trapped and turned into a flush by address (KVM 4.0).
 *
 * Simplified: EL3 and the lower EL are one vCPU of the model, whose single
 * SCTLR stands for SCTLR_EL3 (caches on) and SCTLR_EL1 (caches off) in
 * turn; the context is one word; the SMC and ERET are not modelled.
 *
 * Run it: `deno run scenarios/incidents/tfa_saved_sp.ts`.
 *
 * @module
 */

import { vm, type VmBuilder } from "../../mod.ts";
import { exists, lostWrite, never, not, wrongRead } from "../../lib/api/expect.ts";
import { type Incident, story } from "./incident.ts";

/** The saved stack pointer's word in `psci_ns_context` (illustrative address). */
export const SAVED_SP = 0x4000_2040;
/** The value cleaned to the PoC by `bl31_entrypoint` (illustrative). */
export const OLD_SP = 0x4003_f000;
/** The EL3 runtime stack pointer `el3_exit` saves (illustrative). */
export const NEW_SP = 0x4003_e000;

/** EL3 saves its stack pointer, the lower EL invalidates by set/way, EL3 reads it back. */
export const program: VmBuilder = vm().machine("juno-r0").cpus(1).guest((g) =>
  g.pc(0x4000_0000).mmuOn() // BL31: MMU and caches on (SCTLR_EL3)
    .write(SAVED_SP, OLD_SP).dc_cvac(SAVED_SP) // bl31_entrypoint: the clean
    .pc(0x4000_0200).write(SAVED_SP, NEW_SP) // el3_exit: a dirty line
    .pc(0x4008_0000).mmuOff() // the lower EL: caches off (SCTLR_EL1)
    .sw_invalidate() // its "blind" DC ISW walk
    .pc(0x4000_0400).mmuOn() // the next SMC: back at EL3
    .read(SAVED_SP)
);

/**
 * The incident.
 *
 * @example Usage
 * ```ts
 * import { incident } from "./tfa_saved_sp.ts";
 * console.log(incident.year); // 2016
 * ```
 */
export const incident: Incident = {
  id: "tfa_saved_sp",
  title: "A lower EL's set/way invalidate discards EL3's saved stack pointer",
  year: 2016,
  source: 'ARM-software/tf-issues issue 392 "Stackpointer stored in psci_ns_context is not ' +
    'valid" (April 2016).',
  summary: "On bare metal the lower EL's DC ISW walk drops the dirty line holding the stack " +
    "pointer EL3 saved: the next SMC reads the older, cleaned value and the new one is nowhere " +
    "(a lost write, the guest's fault), unless the hardware happens to cast the line out " +
    "first. In a VM the same walk cannot lose data: it is performed as clean and invalidate, " +
    "or trapped and turned into a flush by address.",
  programs: [{ label: "EL3 saved SP, then a lower EL's DC ISW, on Juno r0", scenario: program }],
  cases: [
    {
      label: "Bare metal: the lost write",
      scenario: program.policy("native").expect(exists(lostWrite(SAVED_SP, { blame: "guest" })))
        .expect(exists(not(wrongRead()))),
    },
    {
      label: "KVM 4.0: the set/way op becomes a flush by address",
      scenario: program.policy("kvm-4.0").expect(never(wrongRead())),
    },
    {
      label: "Trap nothing: DC ISW is upgraded to DC CISW under stage 2",
      scenario: program.policy("trap-nothing").expect(never(wrongRead())),
    },
  ],
};

/** What `setway run` runs for this file: the incident's first case. */
export const firstCase: VmBuilder = incident.cases[0].scenario;

export default firstCase;

if (import.meta.main) {
  console.log(await story(incident));
}
