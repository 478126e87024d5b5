/**
 * Finds the pages in which two snapshots of guest memory differ: bulk
 * mode's diff of the memory the code wrote since the last modelled
 * instruction looks at the words of those pages only. The C library's
 * `memcmp` (through FFI, as the emulator itself is reached) compares 1 MiB
 * chunks and then the pages of a chunk that differs; without it (no
 * `libc.so.6`), a JavaScript loop does, giving the same pages.
 *
 * @example Usage
 * ```ts ignore
 * import { changedPages } from "./pages.ts";
 * const a = new Uint8Array(3 * 4096), b = new Uint8Array(3 * 4096);
 * b[4096 + 7] = 1;
 * console.log(changedPages(a, b)); // [4096]
 * ```
 *
 * @module
 */

/** The page size of the diff, in bytes. */
export const PAGE = 4096;
const CHUNK = 1 << 20;

type Memcmp = (a: Uint8Array, b: Uint8Array, n: bigint) => number;

let memcmp: Memcmp | null | undefined;

/** libc's memcmp, or null when the C library cannot be opened. */
function libcMemcmp(): Memcmp | null {
  if (memcmp !== undefined) return memcmp;
  try {
    const lib = Deno.dlopen("libc.so.6", {
      memcmp: { parameters: ["buffer", "buffer", "usize"], result: "i32" },
    });
    memcmp = (a, b, n) => lib.symbols.memcmp(a, b, n);
  } catch {
    memcmp = null;
  }
  return memcmp;
}

/**
 * The byte offsets of the pages in which `now` and `before` differ, in
 * increasing order.
 *
 * @example Usage
 * ```ts ignore
 * import { changedPages } from "./pages.ts";
 * console.log(changedPages(new Uint8Array(8192), new Uint8Array(8192))); // []
 * ```
 * @param now the memory now
 * @param before the memory as it was, as long as `now`, a whole number of pages
 * @param how `"memcmp"` (default, when the C library opens) or `"js"`
 * @returns the offsets of the pages that differ
 */
export function changedPages(
  now: Uint8Array,
  before: Uint8Array,
  how: "memcmp" | "js" = "memcmp",
): number[] {
  const cmp = how === "memcmp" ? libcMemcmp() : null;
  return cmp === null ? changedPagesJs(now, before) : changedPagesMemcmp(now, before, cmp);
}

function changedPagesMemcmp(now: Uint8Array, before: Uint8Array, cmp: Memcmp): number[] {
  const out: number[] = [];
  for (let c = 0; c < now.length; c += CHUNK) {
    const end = Math.min(now.length, c + CHUNK);
    if (cmp(now.subarray(c, end), before.subarray(c, end), BigInt(end - c)) === 0) continue;
    for (let p = c; p < end; p += PAGE) {
      const pEnd = Math.min(end, p + PAGE);
      if (cmp(now.subarray(p, pEnd), before.subarray(p, pEnd), BigInt(pEnd - p)) !== 0) {
        out.push(p);
      }
    }
  }
  return out;
}

function changedPagesJs(now: Uint8Array, before: Uint8Array): number[] {
  const a = new Int32Array(now.buffer, now.byteOffset, now.byteLength >> 2);
  const b = new Int32Array(before.buffer, before.byteOffset, before.byteLength >> 2);
  const out: number[] = [];
  const words = PAGE >> 2;
  for (let p = 0; p < a.length; p += words) {
    for (let i = p, e = Math.min(a.length, p + words); i < e; i++) {
      if (a[i] !== b[i]) {
        out.push(4 * p);
        break;
      }
    }
  }
  return out;
}
