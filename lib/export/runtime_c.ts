/**
 * The C sources of the exported test that do not depend on the scenario.
 *
 * They are written out verbatim; the scenario only fills in `scenario.c`
 * (see render_scenario.ts). Each constant is one file's text.
 *
 * @module
 */

/**
 * `setway.h`: the step table's types and the runtime's functions, shared by every C and assembly file.
 *
 * @example Usage
 * ```ts
 * import { SETWAY_H } from "./runtime_c.ts";
 * console.log(SETWAY_H.includes("struct step {")); // true
 * ```
 */
export const SETWAY_H: string = String.raw`/*
 * setway bare-metal test: the types shared by the runtime and the generated
 * scenario tables.
 */
#ifndef SETWAY_H
#define SETWAY_H

/* Bytes of stack each CPU gets. */
#define STACK_SIZE 0x4000

#ifndef __ASSEMBLER__

typedef unsigned long u64;
typedef unsigned int u32;

/* What one entry of steps[] does. */
enum step_kind {
	STEP_WRITE = 1,	/* store .value at .addr */
	STEP_READ,	/* load .addr, compare with .value */
	STEP_DC_VA,	/* DC .op by VA over [.addr, .addr + .len) */
	STEP_SW_WALK,	/* DC .op on every set and way up to LoC */
	STEP_SW,	/* DC .op on one slot: .level, .set, .way */
	STEP_SCTLR,	/* SCTLR_EL1 = (SCTLR_EL1 & ~.clear) | .set */
	STEP_VM_REG,	/* write the virtual-memory register .op */
};

/* Data-cache maintenance operations. */
enum dc_op {
	DC_CVAC = 1,
	DC_CIVAC,
	DC_IVAC,
	DC_CVAU,
	DC_CSW,
	DC_CISW,
	DC_ISW,
};

/* The registers a STEP_VM_REG writes (HCR_EL2.TVM traps every one). */
enum vm_reg {
	VM_TTBR0 = 1,
	VM_TTBR1,
	VM_TCR,
	VM_MAIR,
	VM_AMAIR,
	VM_CONTEXTIDR,
	VM_ESR,
	VM_FAR,
	VM_AFSR0,
	VM_AFSR1,
	VM_DACR,
};

/* SCTLR_EL1 bits a STEP_SCTLR sets or clears. */
#define SCTLR_M (1UL << 0)
#define SCTLR_C (1UL << 2)
#define SCTLR_I (1UL << 12)

struct step {
	u32 kind;	/* enum step_kind */
	u32 vcpu;	/* the CPU that performs it */
	u32 index;	/* its index in the scenario's steps */
	u32 op;		/* enum dc_op, or enum vm_reg */
	u64 addr;	/* STEP_WRITE, STEP_READ, STEP_DC_VA */
	u64 len;	/* STEP_DC_VA */
	u32 value;	/* STEP_WRITE: stored; STEP_READ: expected; STEP_VM_REG: written */
	u32 level;	/* STEP_SW: 1-based cache level */
	u32 set;	/* STEP_SW */
	u32 way;	/* STEP_SW */
	u64 set_bits;	/* STEP_SCTLR */
	u64 clear_bits;	/* STEP_SCTLR */
};

/* A word of memory as the program starts: 0, or what the host wrote. */
struct preload {
	u64 addr;
	u32 value;
};

/* scenario.c */
extern const char scenario_title[];
extern const u32 nr_cpus;
extern const struct step steps[];
extern const u32 nr_steps;
extern const struct preload preloads[];
extern const u32 nr_preloads;
extern const u64 ram_base;
extern const u64 ram_mapped; /* bytes of RAM the translation tables map, from ram_base */

/* uart.c */
void uart_puts(const char *s);
void uart_hex(u64 value, u32 digits);
void uart_dec(u64 value);

/* psci.c */
long psci_cpu_on(u64 mpidr, u64 entry, u64 context);
void psci_system_off(void) __attribute__((noreturn));

/* mmu.c */
void mmu_build_tables(void);
void mmu_load_registers(void);
void mmu_write_vm_reg(u32 reg, u32 value);
void sctlr_update(u64 set, u64 clear);

/* cache.S and cache.c */
void dcache_csw_all(void);
void dcache_cisw_all(void);
void dcache_isw_all(void);
void dcache_by_va(u32 op, u64 start, u64 end);
int dcache_sw_one(u32 op, u32 level, u32 set, u32 way);

/* start.S */
void secondary_entry(void);

/* main.c */
void cpu_main(u64 cpu) __attribute__((noreturn));
void exception_report(u64 vector, u64 esr, u64 elr, u64 far) __attribute__((noreturn));
void fail_and_stop(const char *why) __attribute__((noreturn));

/* scenario.c: one stack per CPU, one level-2 table per GiB of RAM */
extern unsigned char cpu_stacks[][STACK_SIZE];
extern u64 l2_tables[][512];
extern const u32 nr_l2_tables;

static inline u64 read_current_el(void)
{
	u64 v;
	asm volatile("mrs %0, CurrentEL" : "=r"(v));
	return (v >> 2) & 3;
}

#endif /* __ASSEMBLER__ */
#endif /* SETWAY_H */
`;

/**
 * `cache.c`: DC by VA over a range (line size from CTR_EL0) and single DC set/way instructions (geometry from CLIDR_EL1/CCSIDR_EL1).
 *
 * @example Usage
 * ```ts
 * import { CACHE_C } from "./runtime_c.ts";
 * console.log(CACHE_C.includes("dc civac")); // true
 * ```
 */
export const CACHE_C: string = String.raw`/*
 * Data-cache maintenance by address, and single set/way instructions.
 */
#include "setway.h"

/* The smallest data cache line of any cache, from CTR_EL0.DminLine. */
static u64 dcache_line_size(void)
{
	u64 ctr;

	asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return 4UL << ((ctr >> 16) & 0xf);
}

/* One DC instruction by VA on every line of [start, end), then a DSB. */
void dcache_by_va(u32 op, u64 start, u64 end)
{
	u64 line = dcache_line_size();
	u64 addr;

	for (addr = start & ~(line - 1); addr < end; addr += line) {
		switch (op) {
		case DC_CVAC:
			asm volatile("dc cvac, %0" : : "r"(addr) : "memory");
			break;
		case DC_CIVAC:
			asm volatile("dc civac, %0" : : "r"(addr) : "memory");
			break;
		case DC_IVAC:
			asm volatile("dc ivac, %0" : : "r"(addr) : "memory");
			break;
		case DC_CVAU:
			asm volatile("dc cvau, %0" : : "r"(addr) : "memory");
			break;
		default:
			fail_and_stop("unknown DC by VA operation");
		}
	}
	asm volatile("dsb sy" : : : "memory");
}

static u32 log2_ceil(u64 n)
{
	u32 bits = 0;

	while ((1UL << bits) < n)
		bits++;
	return bits;
}

/*
 * One DC set/way instruction on (level, set, way), level 1-based. The slot
 * is taken modulo this CPU's geometry of that level: the scenario's machine
 * may have more sets or ways than the CPU running the test. Returns 0 when
 * done, 1 when the slot was reduced, -1 when the level has no data cache.
 */
int dcache_sw_one(u32 op, u32 level, u32 set, u32 way)
{
	u64 clidr, ccsidr, mmfr2, sets, ways, operand;
	u32 line_shift, way_shift;
	int reduced = 0;

	asm volatile("mrs %0, clidr_el1" : "=r"(clidr));
	if (level < 1 || level > 7 || ((clidr >> (3 * (level - 1))) & 7) < 2)
		return -1;
	asm volatile("msr csselr_el1, %0\n\tisb" : : "r"((u64)(level - 1) << 1));
	asm volatile("mrs %0, ccsidr_el1" : "=r"(ccsidr));
	asm volatile("mrs %0, id_aa64mmfr2_el1" : "=r"(mmfr2));
	line_shift = (ccsidr & 7) + 4;
	if ((mmfr2 >> 20) & 0xf) {
		ways = ((ccsidr >> 3) & 0x1fffff) + 1;
		sets = ((ccsidr >> 32) & 0xffffff) + 1;
	} else {
		ways = ((ccsidr >> 3) & 0x3ff) + 1;
		sets = ((ccsidr >> 13) & 0x7fff) + 1;
	}
	if (set >= sets || way >= ways)
		reduced = 1;
	way_shift = 32 - log2_ceil(ways);
	operand = ((u64)(level - 1) << 1) | ((u64)(set % sets) << line_shift);
	if (ways > 1)
		operand |= (u64)(way % ways) << way_shift;
	asm volatile("dsb sy" : : : "memory");
	switch (op) {
	case DC_CSW:
		asm volatile("dc csw, %0" : : "r"(operand) : "memory");
		break;
	case DC_CISW:
		asm volatile("dc cisw, %0" : : "r"(operand) : "memory");
		break;
	case DC_ISW:
		asm volatile("dc isw, %0" : : "r"(operand) : "memory");
		break;
	default:
		fail_and_stop("unknown DC set/way operation");
	}
	asm volatile("msr csselr_el1, xzr\n\tdsb sy\n\tisb" : : : "memory");
	return reduced;
}
`;

/**
 * `mmu.c`: the identity-mapped translation tables, the translation registers, the scenario's VM-register writes and SCTLR_EL1 changes.
 *
 * @example Usage
 * ```ts
 * import { MMU_C } from "./runtime_c.ts";
 * console.log(MMU_C.includes("msr sctlr_el1")); // true
 * ```
 */
export const MMU_C: string = String.raw`/*
 * Stage-1 translation for EL1: an identity map with a 4 KiB granule and
 * 39-bit addresses (TCR_EL1.T0SZ = 25), walks starting at level 1.
 *
 *   0 to 1 GiB          one Device-nGnRnE block: the UART and the other devices
 *   RAM, test program   Normal Non-cacheable 2 MiB blocks (code, stacks, tables)
 *   RAM, the rest       Normal Write-Back 2 MiB blocks: the scenario's data
 *
 * The program's own memory is non-cacheable whatever SCTLR_EL1 says, so the
 * test keeps working across the scenario's cache and MMU changes; only the
 * scenario's addresses see the caches. Walks are non-cacheable too, so the
 * tables written with the MMU off need no maintenance.
 */
#include "setway.h"

#define ATTR_DEVICE 0 /* MAIR_EL1 Attr0: Device-nGnRnE */
#define ATTR_NORMAL_WB 1 /* Attr1: Normal, Inner/Outer Write-Back, Read/Write-Allocate */
#define ATTR_NORMAL_NC 2 /* Attr2: Normal, Inner/Outer Non-cacheable */
#define MAIR_VALUE ((0x00UL << (8 * ATTR_DEVICE)) | (0xffUL << (8 * ATTR_NORMAL_WB)) | \
		    (0x44UL << (8 * ATTR_NORMAL_NC)))

#define DESC_BLOCK 0x1UL
#define DESC_TABLE 0x3UL
#define DESC_ATTR(i) ((u64)(i) << 2)
#define DESC_SH_INNER (3UL << 8)
#define DESC_AF (1UL << 10)
#define DESC_PXN (1UL << 53)
#define DESC_UXN (1UL << 54)

#define GIB (1UL << 30)
#define BLOCK (2UL << 20)

/* T0SZ = 25, walks Non-cacheable and non-shareable, TG0 = 4 KiB, TTBR1 walks off. */
#define TCR_T0SZ 25UL
#define TCR_T1SZ (25UL << 16)
#define TCR_EPD1 (1UL << 23)
#define TCR_IPS_SHIFT 32

extern char __program_start[], __program_end[];

static u64 l1_table[512] __attribute__((aligned(4096)));

static u64 tcr_value(void)
{
	u64 mmfr0, ips;

	asm volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
	ips = mmfr0 & 0xf;
	if (ips > 5)
		ips = 5; /* 52-bit output addresses need LPA2: 48 bits are plenty */
	return TCR_T0SZ | TCR_T1SZ | TCR_EPD1 | (ips << TCR_IPS_SHIFT);
}

static u64 ram_block(u64 pa)
{
	u64 start = (u64)__program_start, end = (u64)__program_end;

	if (pa >= start && pa < end)
		return pa | DESC_BLOCK | DESC_ATTR(ATTR_NORMAL_NC) | DESC_SH_INNER | DESC_AF;
	return pa | DESC_BLOCK | DESC_ATTR(ATTR_NORMAL_WB) | DESC_SH_INNER | DESC_AF | DESC_PXN |
	       DESC_UXN;
}

/* Fills the tables; runs once, on the boot CPU, with the MMU off. */
void mmu_build_tables(void)
{
	u64 ram_end = ram_base + ram_mapped;
	u64 gib, pa;
	u32 t = 0, i;

	l1_table[0] = DESC_BLOCK | DESC_ATTR(ATTR_DEVICE) | DESC_AF | DESC_PXN | DESC_UXN;
	for (gib = ram_base / GIB; gib * GIB < ram_end; gib++, t++) {
		if (t >= nr_l2_tables)
			fail_and_stop("RAM needs more level-2 tables than scenario.c declares");
		for (i = 0; i < 512; i++) {
			pa = gib * GIB + i * BLOCK;
			l2_tables[t][i] = pa + BLOCK > ram_base && pa < ram_end ? ram_block(pa) : 0;
		}
		l1_table[gib] = (u64)l2_tables[t] | DESC_TABLE;
	}
	asm volatile("dsb sy" : : : "memory");
}

/* Points this CPU's translation registers at the tables (MMU still off). */
void mmu_load_registers(void)
{
	asm volatile("msr mair_el1, %0" : : "r"(MAIR_VALUE));
	asm volatile("msr tcr_el1, %0" : : "r"(tcr_value()));
	asm volatile("msr ttbr0_el1, %0" : : "r"((u64)l1_table));
	asm volatile("isb\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" : : : "memory");
}

/*
 * A scenario's write of a virtual-memory control register. The translation
 * registers are written with the values the test already uses, so that the
 * identity map stays in force; the others take the scenario's value. DACR
 * has no AArch64 EL1 counterpart: CONTEXTIDR_EL1 is rewritten with its own
 * value instead, a write that HCR_EL2.TVM traps as it trapped the 32-bit one.
 */
void mmu_write_vm_reg(u32 reg, u32 value)
{
	u64 v = value, cur;

	switch (reg) {
	case VM_TTBR0:
		asm volatile("msr ttbr0_el1, %0" : : "r"((u64)l1_table));
		break;
	case VM_TTBR1:
		asm volatile("msr ttbr1_el1, %0" : : "r"(0UL));
		break;
	case VM_TCR:
		asm volatile("msr tcr_el1, %0" : : "r"(tcr_value()));
		break;
	case VM_MAIR:
		asm volatile("msr mair_el1, %0" : : "r"(MAIR_VALUE));
		break;
	case VM_AMAIR:
		asm volatile("msr amair_el1, %0" : : "r"(0UL));
		break;
	case VM_CONTEXTIDR:
		asm volatile("msr contextidr_el1, %0" : : "r"(v));
		break;
	case VM_ESR:
		asm volatile("msr esr_el1, %0" : : "r"(v));
		break;
	case VM_FAR:
		asm volatile("msr far_el1, %0" : : "r"(v));
		break;
	case VM_AFSR0:
		asm volatile("msr afsr0_el1, %0" : : "r"(v));
		break;
	case VM_AFSR1:
		asm volatile("msr afsr1_el1, %0" : : "r"(v));
		break;
	case VM_DACR:
		asm volatile("mrs %0, contextidr_el1" : "=r"(cur));
		asm volatile("msr contextidr_el1, %0" : : "r"(cur));
		break;
	default:
		fail_and_stop("unknown virtual-memory register");
	}
	asm volatile("isb" : : : "memory");
}

/* Read-modify-write of SCTLR_EL1: the scenario's MMU and cache switches. */
void sctlr_update(u64 set, u64 clear)
{
	u64 v;

	asm volatile("mrs %0, sctlr_el1" : "=r"(v));
	v = (v & ~clear) | set;
	asm volatile("dsb sy\n\tmsr sctlr_el1, %0\n\tisb" : : "r"(v) : "memory");
}
`;

/**
 * `psci.c`: PSCI CPU_ON and SYSTEM_OFF through HVC (SMC with `-DPSCI_SMC`).
 *
 * @example Usage
 * ```ts
 * import { PSCI_C } from "./runtime_c.ts";
 * console.log(PSCI_C.includes("PSCI_SYSTEM_OFF")); // true
 * ```
 */
export const PSCI_C: string = String.raw`/*
 * PSCI calls through HVC, the conduit QEMU's virt machine and KVM offer a
 * guest at EL1 (build with -DPSCI_SMC for firmware that wants SMC).
 */
#include "setway.h"

#define PSCI_CPU_ON 0xc4000003UL
#define PSCI_SYSTEM_OFF 0x84000008UL

static long psci_call(u64 fid, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 asm("x0") = fid;
	register u64 x1 asm("x1") = a1;
	register u64 x2 asm("x2") = a2;
	register u64 x3 asm("x3") = a3;

#ifdef PSCI_SMC
	asm volatile("smc #0"
#else
	asm volatile("hvc #0"
#endif
		     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     :
		     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
		       "x15", "x16", "x17", "memory");
	return (long)x0;
}

long psci_cpu_on(u64 mpidr, u64 entry, u64 context)
{
	return psci_call(PSCI_CPU_ON, mpidr, entry, context);
}

void psci_system_off(void)
{
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		asm volatile("wfi");
}
`;

/**
 * `uart.c`: polled output on the PL011 UART at 0x0900_0000.
 *
 * @example Usage
 * ```ts
 * import { UART_C } from "./runtime_c.ts";
 * console.log(UART_C.includes("UART_FR_TXFF")); // true
 * ```
 */
export const UART_C: string = String.raw`/*
 * Output on the PL011 UART of QEMU's virt machine, polled, no interrupts.
 * Every access is a single 32-bit LDR or STR, so a hypervisor can emulate it.
 */
#include "setway.h"

#define UART_BASE 0x09000000UL
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1U << 5)

static u32 mmio_read32(u64 addr)
{
	u32 v;

	asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static void mmio_write32(u64 addr, u32 v)
{
	asm volatile("str %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

static void uart_putc(char c)
{
	while (mmio_read32(UART_BASE + UART_FR) & UART_FR_TXFF)
		;
	mmio_write32(UART_BASE + UART_DR, (u32)(unsigned char)c);
}

void uart_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s++);
	}
}

/* The low "digits" hexadecimal digits of value, with a 0x prefix. */
void uart_hex(u64 value, u32 digits)
{
	static const char hex[] = "0123456789abcdef";
	char buf[19];
	u32 i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < digits; i++)
		buf[2 + i] = hex[(value >> (4 * (digits - 1 - i))) & 0xf];
	buf[2 + digits] = 0;
	uart_puts(buf);
}

void uart_dec(u64 value)
{
	char buf[21];
	u32 i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	uart_puts(buf + i);
}
`;

/**
 * `main.c`: the boot sequence, the turn-taking interpreter of `steps[]`, the read checks and the PASS/FAIL line.
 *
 * @example Usage
 * ```ts
 * import { MAIN_C } from "./runtime_c.ts";
 * console.log(MAIN_C.includes("PASS: ")); // true
 * ```
 */
export const MAIN_C: string = String.raw`/*
 * The test: the boot CPU builds the translation tables, writes the initial
 * memory image, starts the other CPUs, and every CPU performs its own steps
 * of steps[] in the scenario's order, taking turns through a shared counter.
 * Each read is checked against the value the scenario's program last wrote
 * there; the last line printed is PASS or FAIL, then the system powers off.
 */
#include "setway.h"

/* How long a CPU waits for its turn before the test fails. */
#define TURN_TIMEOUT_SECONDS 10
/* Notes printed; from the next one on they are only counted. */
#define MAX_NOTES_SHOWN 8

static volatile u32 turn;
static volatile u32 reads;
static volatile u32 stale;
static volatile u32 notes;

static u32 read32(u64 addr)
{
	u32 v;

	asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static void write32(u64 addr, u32 v)
{
	asm volatile("str %w0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

static u64 counter(void)
{
	u64 v;

	asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static u64 counter_frequency(void)
{
	u64 v;

	asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

static void power_off(void)
{
	asm volatile("dsb sy" : : : "memory");
	psci_system_off();
}

void fail_and_stop(const char *why)
{
	uart_puts("FAIL: ");
	uart_puts(why);
	uart_puts("\n");
	power_off();
	for (;;)
		;
}

void exception_report(u64 vector, u64 esr, u64 elr, u64 far)
{
	uart_puts("exception: vector ");
	uart_dec(vector);
	uart_puts(", ESR_EL1 ");
	uart_hex(esr, 8);
	uart_puts(", ELR_EL1 ");
	uart_hex(elr, 16);
	uart_puts(", FAR_EL1 ");
	uart_hex(far, 16);
	uart_puts("\n");
	fail_and_stop("unexpected exception");
}

static void step_prefix(const char *what, const struct step *s)
{
	uart_puts(what);
	uart_puts(" steps[");
	uart_dec(s->index);
	uart_puts("] ");
}

static void check_read(const struct step *s, u32 got)
{
	step_prefix("read ", s);
	uart_hex(s->addr, 16);
	uart_puts(" = ");
	uart_hex(got, 8);
	if (got == s->value) {
		uart_puts(" ok\n");
	} else {
		uart_puts(" STALE, expected ");
		uart_hex(s->value, 8);
		uart_puts("\n");
		stale = stale + 1;
	}
	reads = reads + 1;
}

static void sw_one(const struct step *s)
{
	int r = dcache_sw_one(s->op, s->level, s->set, s->way);

	if (r == 0)
		return;
	notes = notes + 1;
	if (notes > MAX_NOTES_SHOWN + 1) {
		return;
	} else if (notes == MAX_NOTES_SHOWN + 1) {
		uart_puts("note  further notes are counted, not shown\n");
		return;
	}
	step_prefix("note ", s);
	uart_puts("set/way level ");
	uart_dec(s->level);
	uart_puts(r < 0 ? ": no data cache at this level, skipped\n"
			: ": set or way beyond this CPU's cache, taken modulo its geometry\n");
}

static void perform(const struct step *s)
{
	switch (s->kind) {
	case STEP_WRITE:
		write32(s->addr, s->value);
		break;
	case STEP_READ:
		check_read(s, read32(s->addr));
		break;
	case STEP_DC_VA:
		dcache_by_va(s->op, s->addr, s->addr + s->len);
		break;
	case STEP_SW_WALK:
		if (s->op == DC_CSW)
			dcache_csw_all();
		else if (s->op == DC_CISW)
			dcache_cisw_all();
		else
			dcache_isw_all();
		break;
	case STEP_SW:
		sw_one(s);
		break;
	case STEP_SCTLR:
		sctlr_update(s->set_bits, s->clear_bits);
		break;
	case STEP_VM_REG:
		mmu_write_vm_reg(s->op, s->value);
		break;
	default:
		fail_and_stop("unknown step kind");
	}
}

static void wait_turn(u32 i, u64 cpu)
{
	u64 deadline = counter() + TURN_TIMEOUT_SECONDS * counter_frequency();

	while (turn != i) {
		if (counter() > deadline) {
			uart_puts("CPU ");
			uart_dec(cpu);
			uart_puts(" waited too long for steps table entry ");
			uart_dec(i);
			uart_puts("\n");
			fail_and_stop("a CPU did not take its turn");
		}
		asm volatile("wfe" : : : "memory");
	}
	asm volatile("dsb sy" : : : "memory");
}

static void pass_turn(u32 next)
{
	asm volatile("dsb sy" : : : "memory");
	turn = next;
	asm volatile("dsb sy\n\tsev" : : : "memory");
}

/* This CPU's steps, each when its turn comes. */
static void run_steps(u64 cpu)
{
	u32 i;

	for (i = 0; i < nr_steps; i++) {
		if (steps[i].vcpu != cpu)
			continue;
		wait_turn(i, cpu);
		perform(&steps[i]);
		pass_turn(i + 1);
	}
}

/*
 * The initial memory image: every word the program touches holds 0, or the
 * value a host write put there before the guest started. Each word is
 * written with the MMU off (straight to memory), with any copy in a cache
 * cleaned and invalidated before and invalidated after, so that the program
 * starts from memory as the scenario's oracle does.
 */
static void preload_memory(void)
{
	u32 i;

	for (i = 0; i < nr_preloads; i++) {
		u64 a = preloads[i].addr;

		dcache_by_va(DC_CIVAC, a, a + 4);
		write32(a, preloads[i].value);
		dcache_by_va(DC_CIVAC, a, a + 4);
	}
}

static void start_secondaries(void)
{
	u32 cpu;

	for (cpu = 1; cpu < nr_cpus; cpu++) {
		/* CPU n of QEMU virt, and vCPU n of KVM, has MPIDR affinity 0 = n for n < 8. */
		long r = psci_cpu_on(cpu, (u64)secondary_entry, cpu);

		if (r != 0) {
			uart_puts("PSCI CPU_ON of CPU ");
			uart_dec(cpu);
			uart_puts(" returned ");
			uart_dec((u64)-r);
			uart_puts(" (negated)\n");
			fail_and_stop("could not start a secondary CPU");
		}
	}
}

static void boot_cpu(void)
{
	uart_puts("setway bare-metal test: ");
	uart_puts(scenario_title);
	uart_puts("\n");
	if (read_current_el() != 1) {
		uart_puts("running at EL");
		uart_dec(read_current_el());
		uart_puts("\n");
		fail_and_stop("the test runs at EL1 (no -M virt,virtualization=on)");
	}
	mmu_build_tables();
	mmu_load_registers();
	preload_memory();
	start_secondaries();
	run_steps(0);
	wait_turn(nr_steps, 0);
	uart_puts(stale == 0 ? "PASS: " : "FAIL: ");
	uart_dec(reads);
	uart_puts(" reads, ");
	uart_dec(stale);
	uart_puts(" stale, ");
	uart_dec(notes);
	uart_puts(" notes\n");
	power_off();
}

void cpu_main(u64 cpu)
{
	if (cpu == 0)
		boot_cpu();
	mmu_load_registers();
	run_steps(cpu);
	for (;;)
		asm volatile("wfi");
}
`;
