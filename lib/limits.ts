/**
 * The limits of the model: the one place every check of a machine, a
 * cache, a scenario and a program takes its bounds from (the builders of
 * lib/dsl, lib/machines/validate.ts, the engine's scenario and step checks,
 * and `Cache`/`Hardware` of lib/hw, which are public and check their own
 * input). It imports nothing, so the hardware model at the bottom of the
 * layers reads it as well as the DSL at the top.
 *
 * Each limit is either the architecture's (what CCSIDR, CLIDR or the IPA
 * space can express) or the simulator's: a bound that keeps the model of
 * one machine in memory and one step's work finite. A value the DSL accepts
 * is accepted by every layer below it, and the other way round.
 *
 * @example Usage
 * ```ts
 * import { MAX_CPUS, MAX_TOTAL_CACHE } from "./limits.ts";
 * console.log(MAX_CPUS, MAX_TOTAL_CACHE / 2 ** 20); // 64 512
 * ```
 *
 * @module
 */

/**
 * The most physical CPUs a machine may have: 64. The simulator's bound:
 * every CPU has its own L1 arrays, and a broadcast maintenance operation
 * or a coherent access visits each of them. The builders always refused
 * more than 64, and the largest preset has 8, so no scenario that ran is
 * refused; `Hardware`, which used to admit 256 on its own, now agrees.
 *
 * @example Usage
 * ```ts
 * import { MAX_CPUS } from "./limits.ts";
 * console.log(MAX_CPUS); // 64
 * ```
 */
export const MAX_CPUS = 64;

/**
 * The largest single cache, in bytes: 256 MiB. The simulator's bound; the
 * largest real system cache modelled (X-Gene 1's L3) is 8 MiB. `Cache`,
 * which used to admit 1 GiB on its own, now agrees with the builders: a
 * cache of more than 256 MiB could never be part of a machine anyway once
 * {@linkcode MAX_TOTAL_CACHE} holds with one L1 beside it.
 *
 * @example Usage
 * ```ts
 * import { MAX_CACHE_SIZE } from "./limits.ts";
 * console.log(MAX_CACHE_SIZE / 2 ** 20); // 256
 * ```
 */
export const MAX_CACHE_SIZE = 256 * 1024 * 1024;

/**
 * The most cache a machine may have in all, in bytes (every L1, L2 and the
 * system cache): 512 MiB, so that the model of one machine (its lines, tags
 * and LRU stamps) fits in memory.
 *
 * @example Usage
 * ```ts
 * import { MAX_TOTAL_CACHE } from "./limits.ts";
 * console.log(MAX_TOTAL_CACHE / 2 ** 20); // 512
 * ```
 */
export const MAX_TOTAL_CACHE = 512 * 1024 * 1024;

/**
 * The most ways of one cache: 1024. The simulator's bound: a lookup and an
 * LRU victim search scan a set's ways. The machine checks had none (a
 * machine with more passed them and failed later, in `Cache`); both now
 * refuse the same geometries. CCSIDR's Associativity field would allow more
 * on an architected level (up to 2^21 with FEAT_CCIDX), no real core comes
 * near.
 *
 * @example Usage
 * ```ts
 * import { MAX_WAYS } from "./limits.ts";
 * console.log(MAX_WAYS); // 1024
 * ```
 */
export const MAX_WAYS = 1024;

/**
 * The smallest line, in bytes: 16. The architecture's: CTR_EL0.DminLine
 * and CCSIDR's LineSize count from 4 words.
 *
 * @example Usage
 * ```ts
 * import { MIN_LINE_SIZE } from "./limits.ts";
 * console.log(MIN_LINE_SIZE); // 16
 * ```
 */
export const MIN_LINE_SIZE = 16;

/**
 * The largest line, in bytes: 2048. The architecture's: CCSIDR's 3-bit
 * LineSize field (log2(words) - 2) describes lines of at most 2^9 words.
 * It bounds every cache, the system cache and a standalone `Cache` too,
 * which checked no largest line before.
 *
 * @example Usage
 * ```ts
 * import { MAX_LINE_SIZE } from "./limits.ts";
 * console.log(MAX_LINE_SIZE); // 2048
 * ```
 */
export const MAX_LINE_SIZE = 2048;

/**
 * The most sets of an architected cache level (an L1 or L2, which a
 * set/way walk reads from CCSIDR): 32768, what CCSIDR's 15-bit NumSets
 * field (sets - 1) can describe. The system cache has no CCSIDR and no
 * such bound.
 *
 * @example Usage
 * ```ts
 * import { MAX_ARCH_SETS } from "./limits.ts";
 * console.log(MAX_ARCH_SETS); // 32768
 * ```
 */
export const MAX_ARCH_SETS = 32768;

/**
 * The largest guest RAM a scenario may have: 1 TiB (the simulator only
 * stores the pages a program touches).
 *
 * @example Usage
 * ```ts
 * import { MAX_RAM } from "./limits.ts";
 * console.log(MAX_RAM / 2 ** 30); // 1024
 * ```
 */
export const MAX_RAM = 2 ** 40;

/**
 * Guest physical addresses stay below 2^48: a 48-bit IPA space, the most
 * stage 2 translates with 4 KiB pages without FEAT_LPA.
 *
 * @example Usage
 * ```ts
 * import { MAX_PHYS } from "./limits.ts";
 * console.log(MAX_PHYS === 2 ** 48); // true
 * ```
 */
export const MAX_PHYS = 2 ** 48;

/**
 * The highest 1-based cache level a set/way instruction may name: 7, the
 * levels CLIDR describes.
 *
 * @example Usage
 * ```ts
 * import { MAX_SW_LEVEL } from "./limits.ts";
 * console.log(MAX_SW_LEVEL); // 7
 * ```
 */
export const MAX_SW_LEVEL = 7;

/**
 * The highest set or way a set/way instruction may name: its operand's set
 * and way fields lie in bits [31:4] and [31:32-A] of a 32-bit value.
 *
 * @example Usage
 * ```ts
 * import { MAX_SW_INDEX } from "./limits.ts";
 * console.log(MAX_SW_INDEX.toString(16)); // ffffffff
 * ```
 */
export const MAX_SW_INDEX = 0xffff_ffff;

/**
 * The most steps a program may have: 2^24. Far above any step budget a run
 * can afford, it keeps a checker from walking (and a message from listing)
 * an array of millions of holes.
 *
 * @example Usage
 * ```ts
 * import { MAX_PROGRAM_STEPS } from "./limits.ts";
 * console.log(MAX_PROGRAM_STEPS); // 16777216
 * ```
 */
export const MAX_PROGRAM_STEPS = 2 ** 24;

/**
 * Guest PCs stay below 2^52: the widest virtual address (FEAT_LVA, 52-bit
 * VAs) a program counter can hold.
 *
 * @example Usage
 * ```ts
 * import { MAX_PC } from "./limits.ts";
 * console.log(MAX_PC === 2 ** 52); // true
 * ```
 */
export const MAX_PC = 2 ** 52;

/**
 * The deepest nesting of an expectation's predicates (`not`, `and`, `or`):
 * 32, so that checking and evaluating one recurses a bounded depth.
 *
 * @example Usage
 * ```ts
 * import { MAX_PREDICATE_DEPTH } from "./limits.ts";
 * console.log(MAX_PREDICATE_DEPTH); // 32
 * ```
 */
export const MAX_PREDICATE_DEPTH = 32;

/**
 * The deepest nesting of the data `scenarioFrom()` reads: 64, so that
 * copying it recurses a bounded depth (a scenario itself nests far less).
 *
 * @example Usage
 * ```ts
 * import { MAX_DATA_DEPTH } from "./limits.ts";
 * console.log(MAX_DATA_DEPTH); // 64
 * ```
 */
export const MAX_DATA_DEPTH = 64;

/**
 * The most addresses one run may watch (`RunOptions.watch`, the command
 * line's `--watch`): each is looked up in every cache after every step, and
 * each is a lane of the HTML timeline.
 *
 * @example Usage
 * ```ts
 * import { MAX_WATCHED_ADDRESSES } from "./limits.ts";
 * console.log(MAX_WATCHED_ADDRESSES); // 64
 * ```
 */
export const MAX_WATCHED_ADDRESSES = 64;

/**
 * The fastest clock a machine may state: 100 GHz, the simulator's bound
 * (above any CPU made; it keeps a cycle at least 10 ps, so that a trace's
 * microseconds stay exact integers for any run the budgets allow).
 *
 * @example Usage
 * ```ts
 * import { MAX_CLOCK_HZ } from "./limits.ts";
 * console.log(MAX_CLOCK_HZ / 1e9); // 100
 * ```
 */
export const MAX_CLOCK_HZ = 100_000_000_000;
