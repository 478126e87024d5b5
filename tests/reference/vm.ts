/**
 * The reference's VM: the hypervisor's run loop around a policy's handlers,
 * written from the kernel's and Xen's sources without the model's code
 * (nothing here or in the policy files imports lib/). It runs a
 * {@linkcode Program} and returns the decision stream: plain strings, one a
 * decision, with a repeat count.
 *
 * The run loop (Linux arch/arm/kvm/arm.c `kvm_arch_vcpu_ioctl_run`, 3.18 to
 * 4.x; arch/arm64/kvm/arm.c today; Xen xen/arch/arm/traps.c
 * `enter_hypervisor_from_guest` / `leave_hypervisor_to_guest`): every exit is
 * traced (`kvm_exit`) and sets `last_pcpu` on the CPU that took it before
 * the handler runs; the handler runs (a trapped set/way op: `access_dcsw`; a
 * trapped VM-register write: `access_vm_reg`; a stage-2 abort:
 * `kvm_handle_guest_abort`); then the vCPU re-enters the guest, Xen checking
 * its pending vCPU work (`check_for_vcpu_work`) on the way. Stage-2 aborts
 * are exits like traps: `ESR_ELx_EC_DABT_LOW` (0x24) for a data access or a
 * cache maintenance by VA. A vCPU is loaded (`kvm_arch_vcpu_load`) at reset
 * and wherever the scheduler moves it.
 *
 * What this leaves out, on purpose: the hardware. The stream holds only what
 * the hypervisor decides (traps, flush calls and their order, HCR changes,
 * fault-path cleans, the trace lines of `kvm_set_way_flush` and
 * `kvm_toggle_cache`), never what a flush found in the caches. The hardware is
 * quiet (no speculation, no preemption between an exit and its handler), so
 * every decision is a function of the program.
 *
 * @example Usage
 * ```ts
 * import { referenceRun } from "./vm.ts";
 * import { REFERENCE_POLICIES } from "./policies.ts";
 * const d = referenceRun(REFERENCE_POLICIES["kvm-4.0"], {
 *   machine: "tiny", vcpus: 1, aarch32: [false], ops: [{ k: "sctlr", v: 0, bits: { m: true, c: true } }],
 * });
 * console.log(d.map((x) => x.text));
 * ```
 *
 * @module
 */

import {
  type HostKernel,
  type MachineKind,
  PAGE,
  type Program,
  type ProgramHardware,
  tinyHardware,
} from "./program.ts";

/** One decision of the stream; `count` identical decisions in a row are one record. */
export interface Decision {
  /** The decision, as the comparison reads it. */
  readonly text: string;
  /** How many times in a row. */
  count: number;
}

/** The HCR bits the reference tracks. */
export interface RefHcr {
  /** Trap set/way operations. */
  tsw: boolean;
  /** Trap writes to the virtual-memory control registers. */
  tvm: boolean;
  /** Set/way invalidate performed as clean+invalidate. */
  swio: boolean;
  /** Trap reads of CLIDR and CCSIDR and writes of CSSELR (HCR_EL2.TID2). */
  tid2: boolean;
}

/** One vCPU as the reference tracks it. */
export interface RefVcpu {
  /** Its index. */
  readonly index: number;
  /** Guest PC of the current instruction. */
  pc: number;
  /** The physical CPU it runs on. */
  pcpu: number;
  /** The CPU of its last exit (3.18 `vcpu->arch.last_pcpu`). */
  lastPcpu: number;
  /** SCTLR.M and SCTLR.C (`vcpu_has_cache_enabled` reads both). */
  readonly sctlr: { m: boolean; c: boolean };
  /** HCR trap bits. */
  readonly hcr: RefHcr;
  /** EL1 in AArch32 (`vcpu_mode_is_32bit`): traps report CP15_32. */
  aarch32: boolean;
  /** The guest took an undefined instruction it cannot handle. */
  crashed: boolean;
}

/** A set/way level as the guest reads it from CLIDR/CCSIDR; null: no data cache there. */
export type WalkLevel = { readonly sets: number; readonly ways: number } | null;

/** What a policy's handlers may do: the hypervisor's services, each one decision. */
export interface RefVm {
  /** Every vCPU. */
  readonly vcpus: readonly RefVcpu[];
  /** Physical CPUs. */
  readonly pcpus: number;
  /** The machine has stage-2 FWB. */
  readonly fwb: boolean;
  /** The host's sanitised CTR_EL0 has IDC set, from its cores or their CLIDR (see ProgramHardware). */
  readonly effectiveIdc: boolean;
  /** The host's sanitised CTR_EL0 has DIC set. */
  readonly dic: boolean;
  /** `stage2_flush_vm`: clean+invalidate by VA every mapped page. */
  stage2FlushVm(v: RefVcpu): void;
  /** `flush_cache_all` on the vCPU's CPU. */
  flushCacheAll(v: RefVcpu): void;
  /** The trapped S/W op performed on the vCPU's CPU (after SWIO). */
  swLocal(v: RefVcpu, op: string, level: number, set: number, way: number): void;
  /** Xen's `p2m_flush_vm` (then `p2m_invalidate_root`: every entry invalid). */
  p2mFlushVm(v: RefVcpu): void;
  /** `kvm_flush_dcache_pte` of an unmapped page, on the host's CPU. */
  flushPage(cpu: number, ipa: number): void;
  /** `inject_undef_exception`: the guest crashes. */
  injectUndef(v: RefVcpu): void;
  /** Records a decision as text. */
  record(text: string): void;
}

/** A built-in policy, written from the C sources: each handler cites its function. */
export interface RefPolicy {
  /** The built-in name it stands for. */
  readonly name: string;
  /** False for bare metal: no stage 2, no traps, no decisions. */
  readonly hypervisor: boolean;
  /** Whether the hypervisor turns stage-2 FWB on where the machine has it. */
  readonly usesFwb: boolean;
  /** HCR at vCPU reset. */
  reset(vm: RefVm, v: RefVcpu): void;
  /** A trapped set/way op (DC ISW/CSW/CISW or the AArch32 MCR). */
  dcsw(vm: RefVm, v: RefVcpu, op: string, level: number, set: number, way: number): void;
  /** A trapped VM-register write, the register already written. */
  vmReg(vm: RefVm, v: RefVcpu, reg: string, wasEnabled: boolean): void;
  /** `kvm_arch_vcpu_load` on `v.pcpu`. */
  vcpuLoad(vm: RefVm, v: RefVcpu): void;
  /** The fault path's clean of a newly mapped page: the event name and mapping, or null. */
  faultClean(v: RefVcpu, firstMapping: boolean): { event: string; via: string } | null;
  /** The host unmapped a mapped page. */
  unmap(vm: RefVm, cpu: number, ipa: number): void;
  /** On the way back to the guest after an exit. */
  guestEntry(vm: RefVm, v: RefVcpu): void;
  /** The levels a guest set/way walk iterates over, given the physical ones. */
  walkView(vm: RefVm, physical: readonly WalkLevel[]): readonly WalkLevel[];
}

/**
 * The record the reference leaves where a set/way walk starts (the model's
 * `sw_walk` event): the vCPU, its CPU, the operation and how many levels
 * the guest's CLIDR puts below the LoC, which the hypervisor decides when it
 * presents its own CLIDR (modern KVM's `reset_clidr`). The trace's folding
 * looks no further back than the record after it.
 *
 * @example Usage
 * ```ts
 * import { walkStart } from "./vm.ts";
 * console.log(walkStart({ index: 0, pcpu: 1 }, "cisw", 2)); // "sw_walk v0 p1 cisw levels=2"
 * ```
 * @param v the vCPU (index, CPU)
 * @param op the walk's operation
 * @param levels the levels from 1 to the LoC the guest reads
 * @returns the record's text
 */
export function walkStart(
  v: { readonly index: number; readonly pcpu: number },
  op: string,
  levels: number,
): string {
  return `sw_walk v${v.index} p${v.pcpu} ${op} levels=${levels}`;
}

const EC_CP15_32 = 0x03;
const EC_SYS64 = 0x18;
const EC_DABT_LOW = 0x24;

const hex = (n: number) => `0x${n.toString(16)}`;
const hex64 = (n: number) => `0x${n.toString(16).padStart(16, "0")}`;
const onOff = (b: boolean) => (b ? "on" : "off");

/**
 * The trace line of an event on a vCPU, without its timestamp: `TASK [CPU]
 * FLAGS: EVENT: MESSAGE`, as ftrace lays it out.
 *
 * @example Usage
 * ```ts
 * import { vcpuTraceLine } from "./vm.ts";
 * console.log(vcpuTraceLine(0, 1, "kvm_set_way_flush: S/W flush at 0x0000000040000000 (cache on)"));
 * // "vcpu0-0 [001] ....: kvm_set_way_flush: S/W flush at 0x0000000040000000 (cache on)"
 * ```
 * @param vcpu the vCPU
 * @param pcpu its physical CPU
 * @param body `event: message`
 * @returns the line
 */
export function vcpuTraceLine(vcpu: number, pcpu: number, body: string): string {
  return `vcpu${vcpu}-${vcpu} [${String(pcpu).padStart(3, "0")}] ....: ${body}`;
}

/**
 * The `kvm_set_way_flush` trace point of Linux 4.0 (arch/arm/kvm/trace.h,
 * `TP_printk("S/W flush at 0x%016lx (cache %s)")`), as its trace line.
 *
 * @example Usage
 * ```ts
 * import { kvmSetWayFlushLine } from "./vm.ts";
 * console.log(kvmSetWayFlushLine({ index: 0, pcpu: 0, pc: 0x40000000 }, false));
 * ```
 * @param v the vCPU (index, CPU, PC)
 * @param cache `vcpu_has_cache_enabled`
 * @returns the line
 */
export function kvmSetWayFlushLine(
  v: { readonly index: number; readonly pcpu: number; readonly pc: number },
  cache: boolean,
): string {
  return vcpuTraceLine(
    v.index,
    v.pcpu,
    `kvm_set_way_flush: S/W flush at ${hex64(v.pc)} (cache ${onOff(cache)})`,
  );
}

/**
 * The `kvm_toggle_cache` trace point of Linux 4.0 (arch/arm/kvm/trace.h,
 * `TP_printk("VM op at 0x%016lx (cache was %s, now %s)")`), as its trace line.
 *
 * @example Usage
 * ```ts
 * import { kvmToggleCacheLine } from "./vm.ts";
 * console.log(kvmToggleCacheLine({ index: 0, pcpu: 0, pc: 0x40000000 }, false, true));
 * ```
 * @param v the vCPU (index, CPU, PC)
 * @param was the cache state before the write
 * @param now the cache state after it
 * @returns the line
 */
export function kvmToggleCacheLine(
  v: { readonly index: number; readonly pcpu: number; readonly pc: number },
  was: boolean,
  now: boolean,
): string {
  return vcpuTraceLine(
    v.index,
    v.pcpu,
    `kvm_toggle_cache: VM op at ${hex64(v.pc)} (cache was ${onOff(was)}, now ${onOff(now)})`,
  );
}

/**
 * The exception type `kvm_exit` prints first: the code the world switch
 * returns for a guest exit. On arm64 a guest's synchronous exception (a
 * trap, a stage-2 abort) returns `ARM_EXCEPTION_TRAP`, named "TRAP" in
 * `kvm_arm_exception_type` (arch/arm64/include/asm/kvm_arm.h from Linux
 * 4.6, arch/arm64/include/asm/kvm_asm.h later). On 32-bit arch/arm every
 * exit of the guest to Hyp mode other than an interrupt enters through the
 * Hyp Trap vector entry, which returns `ARM_EXCEPTION_HVC` (7), named "HVC"
 * in arch/arm/include/asm/kvm_arm.h `kvm_arm_exception_type`
 * (Linux 4.6 to 5.6, the trace point's era); `ARM_EXCEPTION_IS_TRAP`
 * (arch/arm/include/asm/kvm_asm.h) counts it as a trap, so the class is
 * printed with it.
 *
 * @example Usage
 * ```ts
 * import { exitType } from "./vm.ts";
 * console.log(exitType("arm")); // "HVC"
 * ```
 * @param host the host kernel
 * @returns the name `__print_symbolic` gives the exit code
 */
export function exitType(host: HostKernel): string {
  return host === "arm" ? "HVC" : "TRAP";
}

/**
 * The names `kvm_exit` gives the exception classes the reference's exits
 * have, per host: arm64's `kvm_arm_exception_class` names each class after
 * its `ESR_ELx_EC_*` constant (arch/arm64/include/asm/kvm_arm.h `ECN`, with
 * the classes of arch/arm64/include/asm/esr.h), arch/arm's after its
 * `HSR_EC_*` constant (arch/arm/include/asm/kvm_arm.h `HSRECN`), which
 * has no `_LOW` suffix: a data abort from the guest is `HSR_EC_DABT`.
 */
const EC_NAMES: Readonly<Record<HostKernel, Readonly<Record<number, string>>>> = {
  arm64: { [EC_CP15_32]: "CP15_32", [EC_SYS64]: "SYS64", [EC_DABT_LOW]: "DABT_LOW" },
  arm: { [EC_CP15_32]: "CP15_32", [EC_DABT_LOW]: "DABT" },
};

/**
 * The `kvm_exit` trace line (virt/kvm/arm/trace.h `kvm_exit`, Linux 4.6 to
 * 5.6, shared by both hosts: `%s: HSR_EC: 0x%04x (%s), PC: 0x%08lx`, the
 * exit type, the class and its name, the guest PC).
 *
 * @example Usage
 * ```ts
 * import { kvmExitLine } from "./vm.ts";
 * console.log(kvmExitLine({ index: 0, pcpu: 1, pc: 0x40000000 }, 0x24, "arm"));
 * // "vcpu0-0 [001] ....: kvm_exit: HVC: HSR_EC: 0x0024 (DABT), PC: 0x40000000"
 * ```
 * @param v the vCPU (index, CPU, PC)
 * @param ec the exception class
 * @param host the host kernel
 * @returns the line
 */
export function kvmExitLine(
  v: { readonly index: number; readonly pcpu: number; readonly pc: number },
  ec: number,
  host: HostKernel,
): string {
  const name = EC_NAMES[host][ec] ?? hex(ec);
  const ecText = `0x${ec.toString(16).padStart(4, "0")}`;
  const pc = `0x${v.pc.toString(16).padStart(8, "0")}`;
  return vcpuTraceLine(
    v.index,
    v.pcpu,
    `kvm_exit: ${exitType(host)}: HSR_EC: ${ecText} (${name}), PC: ${pc}`,
  );
}

/**
 * `vcpu_has_cache_enabled` (arch/arm/include/asm/kvm_mmu.h, Linux 4.0;
 * arch/arm64/include/asm/kvm_emulate.h): SCTLR.M and SCTLR.C both set.
 *
 * @example Usage
 * ```ts
 * import { cacheEnabled } from "./vm.ts";
 * console.log(cacheEnabled({ sctlr: { m: true, c: false } })); // false
 * ```
 * @param v the vCPU
 * @returns whether its data accesses are cacheable
 */
export function cacheEnabled(v: { readonly sctlr: { m: boolean; c: boolean } }): boolean {
  return v.sctlr.m && v.sctlr.c;
}

class Run implements RefVm {
  readonly vcpus: RefVcpu[] = [];
  readonly pcpus: number;
  readonly hw: ProgramHardware;
  readonly fwb: boolean;
  readonly effectiveIdc: boolean;
  readonly dic: boolean;
  readonly out: Decision[] = [];
  readonly mapped = new Set<number>();
  readonly everMapped = new Set<number>();
  /** Index of the first record of the walk being folded, or -1. */
  walkFrom = -1;
  /** The last exit's text and what it was made of: a walk's thousands of exits share one. */
  exitKey = { v: -1, pcpu: -1, pc: -1, ec: -1, reason: "" };
  exitText = "";

  constructor(readonly policy: RefPolicy, program: Program) {
    this.hw = program.hardware ?? tinyHardware(program.machine as MachineKind);
    this.pcpus = this.hw.pcpus;
    this.fwb = this.hw.fwb;
    this.effectiveIdc = this.hw.effectiveIdc;
    this.dic = this.hw.dic;
    for (let i = 0; i < program.vcpus; i++) {
      this.vcpus.push({
        index: i,
        pc: this.hw.ramBase,
        pcpu: i,
        lastPcpu: i,
        sctlr: { m: false, c: false },
        hcr: { tsw: false, tvm: false, swio: false, tid2: false },
        aarch32: program.aarch32[i] ?? false,
        crashed: false,
      });
    }
    if (program.prefault === true) {
      // The VMM populated and mapped all RAM before the guest ran.
      for (let ipa = this.hw.ramBase; ipa < this.hw.ramBase + this.hw.ram; ipa += PAGE) {
        this.mapped.add(ipa);
        this.everMapped.add(ipa);
      }
    }
  }

  /** The stage-2 FWB of the machine is in force. */
  get forcesWriteBack(): boolean {
    return this.policy.hypervisor && this.fwb && this.policy.usesFwb;
  }

  /**
   * Records a decision. Inside a trapped walk the trace folds repeats: a
   * decision joins a matching record among the last two of the walk.
   */
  record(text: string): void {
    const out = this.out;
    if (this.walkFrom >= 0) {
      for (let i = out.length - 1; i >= Math.max(this.walkFrom, out.length - 2); i--) {
        if (out[i].text === text) {
          out[i].count++;
          return;
        }
      }
    }
    out.push({ text, count: 1 });
  }

  stage2FlushVm(v: RefVcpu): void {
    this.record(`stage2_flush_vm v${v.index} p${v.pcpu} pages=${this.mapped.size}`);
  }

  flushCacheAll(v: RefVcpu): void {
    this.record(`flush_cache_all v${v.index} p${v.pcpu}`);
  }

  swLocal(v: RefVcpu, op: string, level: number, set: number, way: number): void {
    const slot = this.walkFrom >= 0 ? "set=- way=-" : `set=${set} way=${way}`;
    this.record(`sw_local v${v.index} p${v.pcpu} ${op} level=${level} ${slot}`);
  }

  p2mFlushVm(v: RefVcpu): void {
    this.record(`p2m_flush_vm v${v.index} p${v.pcpu} pages=${this.mapped.size}`);
    this.mapped.clear();
  }

  flushPage(cpu: number, ipa: number): void {
    this.record(`flush_page host p${cpu} ipa=${hex(ipa)} invalidate=true`);
  }

  injectUndef(v: RefVcpu): void {
    v.crashed = true;
    this.record(`undef_injected v${v.index} p${v.pcpu} pc=${hex(v.pc)}`);
  }

  /** Runs a handler and records a change of HCR.TSW/TVM after it. */
  handler(v: RefVcpu, body: () => void): void {
    const { tsw, tvm } = v.hcr;
    body();
    if (v.hcr.tsw !== tsw || v.hcr.tvm !== tvm) {
      this.record(`hcr_write v${v.index} p${v.pcpu} tsw=${v.hcr.tsw} tvm=${v.hcr.tvm}`);
    }
  }

  /**
   * The run loop's exit: `kvm_exit` traced (its line, {@linkcode kvmExitLine},
   * is part of the decision), `last_pcpu` set on the CPU that took it.
   */
  exit(v: RefVcpu, ec: number, reason: string): void {
    const k = this.exitKey;
    if (
      k.v !== v.index || k.pcpu !== v.pcpu || k.pc !== v.pc || k.ec !== ec || k.reason !== reason
    ) {
      const what = ec === EC_DABT_LOW ? "" : ` ${reason}`;
      this.exitKey = { v: v.index, pcpu: v.pcpu, pc: v.pc, ec, reason };
      this.exitText = `exit v${v.index} p${v.pcpu} pc=${hex(v.pc)} ec=${hex(ec)}${what} | ` +
        kvmExitLine(v, ec, this.hw.host);
    }
    this.record(this.exitText);
    v.lastPcpu = v.pcpu;
  }

  /** Back to the guest after a handler. */
  enter(v: RefVcpu): void {
    this.handler(v, () => this.policy.guestEntry(this, v));
  }

  trapEc(v: RefVcpu): number {
    return v.aarch32 ? EC_CP15_32 : EC_SYS64;
  }

  /**
   * A guest access to `addr`: a stage-2 abort if its page is not mapped
   * (`kvm_handle_guest_abort` -> `user_mem_abort`): the exit, the fault, the
   * fault path's clean, the mapping.
   */
  access(v: RefVcpu, addr: number): void {
    if (!this.policy.hypervisor) return;
    const ipa = addr - (addr % PAGE);
    if (this.mapped.has(ipa)) return;
    this.exit(v, EC_DABT_LOW, "dabt");
    this.record(`kvm_guest_fault v${v.index} p${v.pcpu} pc=${hex(v.pc)} ipa=${hex(ipa)}`);
    const first = !this.everMapped.has(ipa);
    const clean = this.policy.faultClean(v, first);
    if (clean !== null && !this.forcesWriteBack) {
      this.record(`${clean.event} v${v.index} p${v.pcpu} ipa=${hex(ipa)} via=${clean.via}`);
    }
    this.mapped.add(ipa);
    this.everMapped.add(ipa);
    this.enter(v);
  }

  setWay(v: RefVcpu, op: string, level: number, set: number, way: number): void {
    this.exit(v, this.trapEc(v), "dcsw");
    this.handler(v, () => this.policy.dcsw(this, v, op, level, set, way));
    this.enter(v);
  }

  walk(v: RefVcpu, op: string): void {
    const physical: WalkLevel[] = this.hw.geometry[v.pcpu].map((g) => ({
      sets: g.sets,
      ways: g.ways,
    }));
    const levels = this.policy.walkView(this, physical);
    this.out.push({ text: walkStart(v, op, levels.length), count: 1 });
    if (v.hcr.tid2) {
      // The walk reads CLIDR, then selects and reads the CCSIDR of each level with a data
      // cache: each access traps, and KVM emulates it.
      const reads = 1 + 2 * levels.filter((g) => g !== null).length;
      for (let i = 0; i < reads && !v.crashed; i++) {
        this.exit(v, this.trapEc(v), "cache_id");
        this.enter(v);
      }
    }
    this.walkFrom = this.out.length;
    try {
      for (let l = 0; l < levels.length; l++) {
        const g = levels[l];
        if (g === null) continue;
        for (let slot = 0; slot < g.sets * g.ways; slot++) {
          if (v.crashed || !v.hcr.tsw) return;
          this.setWay(v, op, l + 1, Math.floor(slot / g.ways), slot % g.ways);
        }
      }
    } finally {
      this.walkFrom = -1;
    }
  }

  vmRegWrite(v: RefVcpu, reg: string, apply: () => void): void {
    const was = cacheEnabled(v);
    const trapped = v.hcr.tvm && this.policy.hypervisor;
    if (trapped) this.exit(v, this.trapEc(v), "vm_reg");
    apply();
    if (!trapped) return;
    this.handler(v, () => this.policy.vmReg(this, v, reg, was));
    this.enter(v);
  }

  load(v: RefVcpu): void {
    this.handler(v, () => this.policy.vcpuLoad(this, v));
  }

  /** The VMM's CPU: the first physical CPU no vCPU runs on, else CPU 0. */
  hostCpu(): number {
    for (let cpu = 0; cpu < this.pcpus; cpu++) {
      if (!this.vcpus.some((v) => v.pcpu === cpu)) return cpu;
    }
    return 0;
  }

  run(program: Program): Decision[] {
    if (!this.policy.hypervisor) return this.out;
    for (const v of this.vcpus) this.handler(v, () => this.policy.reset(this, v));
    for (const v of this.vcpus) this.load(v);
    for (const op of program.ops) {
      if (op.k === "host_write") continue; // the host allocates the page; no decision
      if (op.k === "host_unmap") {
        const ipa = op.addr - (op.addr % PAGE);
        if (this.mapped.delete(ipa)) this.policy.unmap(this, op.cpu ?? this.hostCpu(), ipa);
        continue;
      }
      const v = this.vcpus[op.v];
      if (v.crashed) continue;
      switch (op.k) {
        case "read":
        case "write":
          this.access(v, op.addr);
          break;
        case "dc": {
          const line = this.hw.lineSize[v.pcpu];
          for (let a = op.addr - (op.addr % line); a < op.addr + op.len; a += line) {
            this.access(v, a);
          }
          break;
        }
        case "sw":
          if (v.hcr.tsw) this.setWay(v, op.op, op.level, op.set, op.way);
          break;
        case "walk":
          this.walk(v, op.op);
          break;
        case "sctlr":
          this.vmRegWrite(v, "SCTLR", () => {
            if (op.bits.m !== undefined) v.sctlr.m = op.bits.m;
            if (op.bits.c !== undefined) v.sctlr.c = op.bits.c;
          });
          break;
        case "vmreg":
          this.vmRegWrite(v, op.reg, () => {});
          break;
        case "migrate":
          v.pcpu = op.pcpu;
          this.load(v);
          continue; // not an instruction: the PC stays
        case "pc":
          v.pc = op.addr;
          continue;
        case "exec_state":
          v.aarch32 = op.aarch32; // the VMM's vCPU configuration, not an instruction
          continue;
      }
      v.pc += 4;
    }
    return this.out;
  }
}

/**
 * Runs `program` under the reference `policy` and returns its decision
 * stream.
 *
 * @example Usage
 * ```ts
 * import { referenceRun } from "./vm.ts";
 * import { REFERENCE_POLICIES } from "./policies.ts";
 * const d = referenceRun(REFERENCE_POLICIES["kvm-3.18"], {
 *   machine: "tiny", vcpus: 1, aarch32: [false], ops: [{ k: "sw", v: 0, op: "isw", level: 1, set: 0, way: 0 }],
 * });
 * console.log(d[d.length - 1].text); // "sw_local v0 p0 cisw level=1 set=0 way=0"
 * ```
 * @param policy the reference policy
 * @param program the program
 * @returns the decisions, in order
 */
export function referenceRun(
  policy: RefPolicy,
  program: Program,
): Decision[] {
  return new Run(policy, program).run(program);
}
