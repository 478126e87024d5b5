/**
 * The assembly sources of the exported test (`start.S`, `cache.S`): the
 * parts that must not touch a stack or must be exactly one instruction per
 * slot. They do not depend on the scenario.
 *
 * @module
 */

/**
 * `start.S`: the boot CPU's and the secondaries' entry points, the stacks, and exception vectors that report and stop.
 *
 * @example Usage
 * ```ts
 * import { START_S } from "./runtime_asm.ts";
 * console.log(START_S.includes("secondary_entry")); // true
 * ```
 */
export const START_S: string = String.raw`/*
 * Entry points: the boot CPU comes here from the loader (QEMU's -kernel, or a
 * VMM) at EL1 with the MMU off; secondary CPUs come to secondary_entry from
 * PSCI CPU_ON with their index as the context id in x0.
 */
#include "setway.h"

	.section .text.boot, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	mov	x0, #0
	b	cpu_start

	.global secondary_entry
secondary_entry:
	msr	daifset, #0xf

/* x0: the CPU's index. Its stack is cpu_stacks[x0]; it never returns. */
cpu_start:
	adrp	x1, cpu_stacks
	add	x1, x1, :lo12:cpu_stacks
	add	x2, x0, #1
	mov	x3, #STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1
	adrp	x1, vectors
	add	x1, x1, :lo12:vectors
	msr	vbar_el1, x1
	mov	x1, #(3 << 20)		// CPACR_EL1.FPEN: FP/SIMD not trapped
	msr	cpacr_el1, x1
	isb
	bl	cpu_main
3:	wfi
	b	3b

/* Any exception is a failure: report it and stop. */
	.section .text.vectors, "ax"
	.balign 2048
vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	128
	mov	x0, #\n
	b	exception_entry
	.endr

exception_entry:
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	bl	exception_report
4:	wfi
	b	4b
`;

/**
 * `cache.S`: the set/way walk of every data or unified cache level up to LoC, read from CLIDR_EL1/CCSIDR_EL1.
 *
 * @example Usage
 * ```ts
 * import { CACHE_S } from "./runtime_asm.ts";
 * console.log(CACHE_S.includes("clidr_el1")); // true
 * ```
 */
export const CACHE_S: string = String.raw`/*
 * Set/way maintenance of the whole data cache hierarchy, as an operating
 * system does it: CLIDR_EL1 gives the Level of Coherency and each level's
 * cache type; CCSIDR_EL1, selected through CSSELR_EL1, gives the line size,
 * the associativity and the number of sets of each data or unified level.
 * One DC instruction per set and way, innermost level first.
 */

/* The walk, for one DC set/way instruction (csw, cisw or isw). */
	.macro	sw_walk, insn
	dsb	sy			// earlier stores are visible to the walk
	mrs	x0, clidr_el1
	ubfx	x3, x0, #24, #3		// x3: LoC
	cbz	x3, 6f
	mrs	x9, id_aa64mmfr2_el1
	ubfx	x9, x9, #20, #4		// x9: CCIDX, non-zero for the 64-bit CCSIDR format
	mov	x10, #0			// x10: level << 1, as CSSELR_EL1 and the operand want it
1:	add	x2, x10, x10, lsr #1	// x2: 3 * level, the level's field in CLIDR
	lsr	x1, x0, x2
	and	x1, x1, #7
	cmp	x1, #2
	b.lt	5f			// no cache here, or instructions only
	msr	csselr_el1, x10
	isb				// CCSIDR_EL1 now describes this level
	mrs	x1, ccsidr_el1
	and	x2, x1, #7
	add	x2, x2, #4		// x2: log2 of the line size in bytes
	cbnz	x9, 2f
	ubfx	x4, x1, #3, #10		// x4: ways - 1
	ubfx	x7, x1, #13, #15	// x7: sets - 1
	b	3f
2:	ubfx	x4, x1, #3, #21
	ubfx	x7, x1, #32, #24
3:	clz	w5, w4			// w5: where the way field starts (32 - log2(ways))
4:	mov	x6, x4			// every way of this set
7:	lsl	x11, x6, x5
	orr	x11, x11, x10
	lsl	x12, x7, x2
	orr	x11, x11, x12		// way | set | level
	dc	\insn, x11
	subs	x6, x6, #1
	b.ge	7b
	subs	x7, x7, #1
	b.ge	4b
5:	add	x10, x10, #2
	cmp	x3, x10, lsr #1
	b.gt	1b
6:	msr	csselr_el1, xzr
	dsb	sy
	isb
	ret
	.endm

	.text
	.global dcache_csw_all
dcache_csw_all:
	sw_walk	csw

	.global dcache_cisw_all
dcache_cisw_all:
	sw_walk	cisw

	.global dcache_isw_all
dcache_isw_all:
	sw_walk	isw
`;
