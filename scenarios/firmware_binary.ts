/**
 * Real firmware: Debian's U-Boot (`u-boot-qemu`: `qemu_arm`, `qemu_arm64`)
 * and EDK2 ArmVirtQemu (`qemu-efi-aarch64`, `qemu-efi-arm`) builds, run
 * unmodified from their reset vector in flash at address 0, as QEMU's
 * `virt` machine starts them, until their first cache maintenance and a
 * budget of instructions after it; then each policy runs their steps on
 * X-Gene 1 (L3 system cache) and on the generic machine.
 *
 * Devices are modelled as MMIO hooks, at QEMU virt's addresses: the PL011
 * UART at 0x0900_0000 as a console (its flag register reads "transmit FIFO
 * empty", each data-register store is a character kept), and the other
 * regions they touch first, mapped as memory that reads what was stored
 * (0 at first): the two flash banks (0x0, holding the firmware, and
 * 0x0400_0000), the GIC (0x0800_0000), the PL031 RTC (0x0901_0000),
 * fw_cfg (0x0902_0000), virtio-mmio (0x0a00_0000) and the PCIe ECAM
 * (0x3f00_0000). The generic timer is the emulator core's. QEMU's device
 * tree for virt with 128 MiB (`deno task binaries` dumps it) is placed at
 * the start of RAM, where QEMU puts it for firmware.
 *
 * The firmware's reads of CLIDR and CCSIDR return the generic machine's
 * caches (L1 128 sets x 4 ways, L2 1024 x 16) on both machines: its steps
 * are recorded once and run on each. See `lib/binary/trace.ts` for what the
 * flat emulation simplifies. EDK2's AArch32 build runs Thumb code (from pc
 * 0x26be on), followed in Thumb state.
 *
 * The firmware runs in bulk mode up to its first cache-maintenance
 * instruction (see `lib/binary/trace.ts`), then exact for
 * {@linkcode EXACT_BUDGET} instructions; reads in the exact phase are fed
 * the code's own values, and a policy whose model gives another value
 * for one counts a stale read.
 *
 * Run it: `deno task binaries` once, then
 * `deno run --allow-ffi -R -E scenarios/firmware_binary.ts [part of a name]`
 * (`u-boot`, `aarch64`, ...: only the firmwares whose name holds it; a part
 * that names none is one line and status 2).
 *
 * @module
 */

import { run, type RunResult, vm } from "../mod.ts";
import { type BinaryDevice, binarySteps, type BinaryTrace, type Isa } from "../lib/binary/mod.ts";
import { binaryPaths, binaryVersions, missingBinariesMessage } from "./binaries.ts";
import { flushSummary, maintenanceSummary } from "./binary_text.ts";

/** The policies the firmware runs under. */
export const POLICIES = ["kvm-3.18", "kvm-4.0", "kvm-modern", "xen"] as const;
/** The machines. */
export const MACHINES = ["xgene1", "generic"] as const;
/** Instructions of the bulk phase at most (before the first maintenance). */
export const BULK_BUDGET = 20_000_000;
/** Instructions of the exact phase (from the first maintenance on). */
export const EXACT_BUDGET = 300_000;

const RAM = 0x4000_0000;

/** One firmware binary. */
export interface Firmware {
  /** Its name in the report. */
  readonly name: string;
  /** The file. */
  readonly path: string;
  /** Its instruction set at reset. */
  readonly isa: Isa;
  /** The device tree QEMU gives it. */
  readonly dtb: string;
}

/**
 * The Debian packages and versions the firmware builds were extracted from
 * (`versions.txt` of the binaries' directory), one "package version" a line.
 *
 * @example Usage
 * ```ts ignore
 * import { firmwareVersions } from "./firmware_binary.ts";
 * console.log(firmwareVersions()); // e.g. "u-boot-qemu 2023.01+dfsg-2+deb12u3\n..."
 * ```
 * @returns the u-boot-qemu and qemu-efi-* lines, each ending in a newline; "" when none
 */
export function firmwareVersions(): string {
  return binaryVersions().split("\n").filter((l) => /^(u-boot|qemu-efi)/.test(l))
    .map((l) => `${l}\n`).join("");
}

/**
 * The four firmware builds, with their files.
 *
 * @returns them
 */
export function firmwares(): Firmware[] {
  const p = binaryPaths();
  return [
    { name: "u-boot qemu_arm", path: p.ubootArm, isa: "a32", dtb: p.dtbArm },
    { name: "u-boot qemu_arm64", path: p.ubootArm64, isa: "a64", dtb: p.dtbAarch64 },
    { name: "edk2 qemu-efi-arm", path: p.edk2Arm, isa: "a32", dtb: p.dtbArm },
    { name: "edk2 qemu-efi-aarch64", path: p.edk2Aarch64, isa: "a64", dtb: p.dtbAarch64 },
  ];
}

/** A firmware's run under the emulator, with its console output. */
export interface FirmwareTrace {
  /** The firmware. */
  readonly firmware: Firmware;
  /** Its steps, or null when the emulation stopped on an error. */
  readonly trace: BinaryTrace | null;
  /** What it printed on the UART. */
  readonly console: string;
  /** The error that stopped it, or "". */
  readonly error: string;
}

/**
 * QEMU virt's devices as the firmware reaches them.
 *
 * @param console receives each character printed
 * @returns the devices
 */
function devices(console: (c: string) => void): BinaryDevice[] {
  const plain = (base: number, size: number): BinaryDevice => ({ base, size });
  const uart: BinaryDevice = {
    base: 0x0900_0000,
    size: 0x1000,
    // UARTFR (0x18): TXFE and RXFE; everything else reads 0.
    read: (offset: number) => (offset === 0x18 ? 0x90 : 0),
    write: (offset, _size, value) => {
      if (offset === 0) console(String.fromCharCode(Number(value & 0xffn)));
    },
  };
  return [
    plain(0x0400_0000, 64 << 20),
    plain(0x0800_0000, 0x2_0000),
    uart,
    plain(0x0901_0000, 0x1000),
    plain(0x0902_0000, 0x1000),
    plain(0x0a00_0000, 0x4000),
    plain(0x3f00_0000, 16 << 20),
  ];
}

/**
 * Runs one firmware under the emulator.
 *
 * @param fw the firmware
 * @param budget instructions of the bulk and of the exact phase; default
 *   {@linkcode BULK_BUDGET} and {@linkcode EXACT_BUDGET}
 * @returns its trace and console output
 */
export function firmwareTrace(
  fw: Firmware,
  budget: { bulk: number; exact: number } = { bulk: BULK_BUDGET, exact: EXACT_BUDGET },
): FirmwareTrace {
  const raw = Deno.readFileSync(fw.path);
  const bytes = new Uint8Array(Math.ceil(raw.length / 4) * 4);
  bytes.set(raw);
  const dtb = Deno.readFileSync(fw.dtb);
  let console = "";
  const flash0: BinaryDevice = { base: 0, size: Math.max(64 << 20, bytes.length) };
  try {
    const trace = binarySteps({
      bytes,
      isa: fw.isa,
      load: 0,
      regs: { 0: RAM },
      images: [{ addr: RAM, bytes: dtb.subarray(0, 0x1_0000) }],
      memory: { base: RAM, size: 128 << 20 },
      devices: [flash0, ...devices((c) => console += c)],
      mode: "bulk",
      // U-Boot copies itself to the top of RAM and runs there before any
      // modelled instruction.
      scanCode: true,
      until: { instructions: budget.bulk, exactInstructions: budget.exact, steps: 4_000_000 },
    });
    return { firmware: fw, trace, console, error: "" };
  } catch (e) {
    return { firmware: fw, trace: null, console, error: (e as Error).message };
  }
}

/**
 * One policy's run of a firmware's steps on one machine, summarised as it
 * ends: a run's events (millions for U-Boot) are not kept past it.
 */
export interface FirmwareRun {
  /** The policy. */
  readonly policy: string;
  /** The machine. */
  readonly machine: string;
  /** The oracle's verdict. */
  readonly ok: boolean;
  /** Its cost. */
  readonly cost: RunResult["cost"];
  /** Reads whose value the model gives otherwise than the code was given. */
  readonly staleReads: number;
  /** Its flush events, summarised (`flushSummary`), for xgene1 under kvm-4.0 only; else null. */
  readonly flushEvents: string[] | null;
}

/**
 * Runs a firmware's steps under every policy, on every machine.
 *
 * @param trace the firmware's trace
 * @returns the runs
 */
export function firmwareRuns(trace: BinaryTrace): FirmwareRun[] {
  const out: FirmwareRun[] = [];
  for (const machine of MACHINES) {
    for (const policy of POLICIES) {
      const scenario = { ...vm().machine(machine).policy(policy).toJSON(), steps: trace.steps };
      const result = run(scenario, { maxSteps: 2 ** 24, maxEvents: 1 << 24 });
      let i = 0;
      let staleReads = 0;
      for (const e of result.events) {
        if (e.name !== "read") continue;
        for (let k = 0; k < e.count; k++, i++) {
          if (Number(e.value) !== trace.readValues[i]) staleReads++;
        }
      }
      const flushEvents = machine === "xgene1" && policy === "kvm-4.0"
        ? flushSummary(result)
        : null;
      out.push({
        policy,
        machine,
        ok: result.verdict.ok,
        cost: result.cost,
        staleReads,
        flushEvents,
      });
    }
  }
  return out;
}

/**
 * The report of one firmware.
 *
 * @param t its trace
 * @param runs its policy runs (empty when it did not run)
 * @returns the text
 */
export function firmwareStory(t: FirmwareTrace, runs: readonly FirmwareRun[]): string {
  const out: string[] = [`== ${t.firmware.name} (${t.firmware.isa})`, "console:"];
  out.push(...t.console.replaceAll("\r", "").trimEnd().split("\n").map((l) => `  | ${l}`));
  if (t.trace === null) {
    out.push(`stopped on an error: ${t.error}`);
    return out.join("\n") + "\n";
  }
  const tr = t.trace;
  out.push(
    `steps ${tr.steps.length} (bulk ${tr.bulkSteps}), exact-phase instructions ${tr.instructions}, ` +
      `stopped at pc 0x${tr.pc.toString(16)}` +
      (tr.missed.length === 0 ? "" : `, possibly unrecorded: ${tr.missed.length}`),
    ...maintenanceSummary(tr),
  );
  for (const r of runs) {
    out.push(
      `  ${r.machine.padEnd(8)} ${r.policy.padEnd(11)} ok ${String(r.ok).padEnd(5)} ` +
        `stale reads ${r.staleReads}, flushes ${r.cost.flushes}, exits ${r.cost.exits}`,
    );
  }
  const first = runs.find((r) => r.flushEvents !== null);
  if (first !== undefined) out.push("flush events, xgene1 kvm-4.0:", ...first.flushEvents!);
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  const missing = missingBinariesMessage();
  if (missing !== null) {
    console.error(missing);
    Deno.exit(1);
  }
  // An optional argument keeps the firmwares whose name holds it ("u-boot", "aarch64", ...).
  const only = Deno.args[0];
  const chosen = firmwares().filter((fw) => only === undefined || fw.name.includes(only));
  if (Deno.args.length > 1 || chosen.length === 0) {
    const names = firmwares().map((fw) => JSON.stringify(fw.name)).join(", ");
    console.error(
      `firmware_binary: ${
        Deno.args.length > 1
          ? `one argument at most, not ${Deno.args.length}`
          : `no firmware is named like ${JSON.stringify(only)}`
      }; give part of a name of ${names}, or nothing for all four`,
    );
    Deno.exit(2);
  }
  console.log(firmwareVersions().trimEnd());
  for (const fw of chosen) {
    const t0 = performance.now();
    const t = firmwareTrace(fw);
    const t1 = performance.now();
    const runs = t.trace === null ? [] : firmwareRuns(t.trace);
    console.log(firmwareStory(t, runs));
    console.error(
      `${fw.name}: emulation ${Math.round(t1 - t0)} ms, policy runs ${
        Math.round(performance.now() - t1)
      } ms`,
    );
  }
}
