/*
 * A small deterministic program whose data accesses are recorded with
 * valgrind's lackey and counted with cachegrind (see README.md here).
 *
 * It needs no C library and no loader: the entry point moves the stack
 * pointer onto a static array before anything else runs, so every data
 * access (globals and stack alike) lands at an address fixed by the link,
 * whichever valgrind tool runs it and whatever its environment holds.
 *
 * Build: gcc -O1 -static -nostdlib -fno-pie -no-pie -ffreestanding \
 *          -fno-tree-loop-distribute-patterns -fno-stack-protector \
 *          -o trace_prog trace_prog.c
 */

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define STACK_BYTES 65536

u8 prog_stack[STACK_BYTES] __attribute__((aligned(64)));

static u32 small[1024] __attribute__((aligned(64)));        /* 4 KiB */
static u32 medium[16384] __attribute__((aligned(64)));      /* 64 KiB */
static u32 large[65536] __attribute__((aligned(64)));       /* 256 KiB */
static u8 bytes[8192] __attribute__((aligned(64)));
static volatile u64 sink;

static u32 lcg_state = 12345;

static u32 next_random(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return lcg_state >> 8;
}

/* Sequential sweeps with stores: streaming through a region larger than L1. */
static void sweep(u32 *a, u32 n, u32 rounds)
{
	for (u32 r = 0; r < rounds; r++)
		for (u32 i = 0; i < n; i++)
			a[i] = a[i] + i + r;
}

/* Large power-of-two strides hit the same sets: exercises LRU order. */
static void strided(u32 *a, u32 n, u32 stride, u32 rounds)
{
	u64 sum = 0;
	for (u32 r = 0; r < rounds; r++)
		for (u32 i = 0; i < n; i += stride)
			sum += a[i];
	sink = sum;
}

/* Random reads and writes over a region. */
static void random_walk(u32 *a, u32 mask, u32 count)
{
	u64 sum = 0;
	for (u32 k = 0; k < count; k++) {
		u32 i = next_random() & mask;
		if (k & 3)
			sum += a[i];
		else
			a[i] = (u32)sum;
	}
	sink = sum;
}

/* Unaligned 8-byte loads and stores: some straddle two cache lines. */
static void unaligned(u8 *b, u32 len, u32 rounds)
{
	u64 sum = 0;
	for (u32 r = 0; r < rounds; r++) {
		for (u32 off = r % 13; off + 8 <= len; off += 29) {
			volatile u64 *p = (volatile u64 *)(b + off);
			sum += *p;
			if ((off & 7) == 3)
				*p = sum;
		}
	}
	sink = sum;
}

/* Recursion puts stack traffic (calls, spills) in the trace too. */
static u32 fib(u32 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* A small hot loop over an array that fits any L1: mostly hits. */
static void hot(u32 *a, u32 n, u32 rounds)
{
	for (u32 r = 0; r < rounds; r++)
		for (u32 i = 0; i < n; i++)
			a[i] ^= a[(i * 7) & (n - 1)] + r;
}

void prog_main(void)
{
	sweep(large, 65536, 2);
	strided(medium, 16384, 512, 40);
	strided(large, 65536, 1024, 30);
	random_walk(large, 65535, 60000);
	random_walk(medium, 16383, 40000);
	unaligned(bytes, 8192, 40);
	sink = fib(18);
	hot(small, 1024, 20);
	sweep(medium, 16384, 1);
	random_walk(small, 1023, 20000);
}

__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	lea prog_stack+65536(%rip), %rsp\n"
	"	call prog_main\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n");
