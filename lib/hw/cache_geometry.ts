/**
 * The shapes a cache may have: the checks every cache geometry passes before
 * a {@linkcode Cache} (cache.ts) is built from it, with its bounds taken from
 * lib/limits.ts.
 *
 * A geometry is `size`, `ways` and `lineSize` (default 64), all powers of
 * two; the number of sets follows (`size / (ways * lineSize)`). An
 * architected level (an L1 or L2, described to the guest by CCSIDR_EL1, see
 * the Arm ARM's register description and clidr.ts) must also fit CCSIDR's fields: at most 32768 sets and lines
 * of at most 2048 bytes ({@linkcode checkArchitected}). The system cache has
 * no CCSIDR and only the first bound.
 *
 * @example Usage
 * ```ts
 * import { checkGeometry } from "./cache_geometry.ts";
 * console.log(checkGeometry({ size: 32768, ways: 4 }, "l1d").sets); // 128
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import {
  MAX_ARCH_SETS,
  MAX_CACHE_SIZE,
  MAX_LINE_SIZE,
  MAX_WAYS,
  MIN_LINE_SIZE,
} from "../limits.ts";
import type { CacheGeometry } from "./machine.ts";

const TWO_POW_31 = 0x8000_0000;

function isPowerOfTwo(n: number): boolean {
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 52) return false;
  return n < TWO_POW_31 ? (n & (n - 1)) === 0 : Number.isInteger(Math.log2(n));
}

/**
 * Checks a cache geometry and returns it with the line size defaulted.
 *
 * @example Usage
 * ```ts
 * import { checkGeometry } from "./cache_geometry.ts";
 * const g = checkGeometry({ size: 32768, ways: 4 }, "l1d");
 * console.log(g.lineSize, g.sets); // 64 128
 * ```
 * @param geometry the geometry to check
 * @param call the builder call or field that gave it, for the error message
 * @returns size, ways, lineSize and the derived number of sets
 * @throws {ScenarioError} `bad_geometry` unless size, ways and lineSize are powers of two,
 *   16 <= lineSize <= 2048, ways * lineSize <= size, size <= 256 MiB and ways <= 1024
 *   (lib/limits.ts)
 */
export function checkGeometry(
  geometry: CacheGeometry,
  call = "cache",
): { size: number; ways: number; lineSize: number; sets: number } {
  const g = geometry as Partial<CacheGeometry> | null | undefined;
  const size = g?.size;
  const ways = g?.ways;
  const lineSize = g?.lineSize ?? 64;
  const bad = (why: string): never => {
    throw new ScenarioError(
      "bad_geometry",
      call,
      geometry,
      `${call}(${showValue(geometry)}): ${why}`,
    );
  };
  if (typeof size !== "number" || !isPowerOfTwo(size)) {
    bad(`size ${showValue(size)} must be a power of two`);
  }
  if (typeof ways !== "number" || !isPowerOfTwo(ways)) {
    bad(`ways ${showValue(ways)} must be a power of two`);
  }
  if (
    typeof lineSize !== "number" || !isPowerOfTwo(lineSize) || lineSize < MIN_LINE_SIZE ||
    lineSize > MAX_LINE_SIZE
  ) {
    bad(
      `lineSize ${
        showValue(lineSize)
      } must be a power of two from ${MIN_LINE_SIZE} to ${MAX_LINE_SIZE}`,
    );
  }
  const s = size as number, w = ways as number;
  if (s > MAX_CACHE_SIZE) bad(`size ${showValue(s)} is larger than 256 MiB`);
  if (w > MAX_WAYS) bad(`ways ${w} is more than ${MAX_WAYS}`);
  if (w * lineSize > s) bad(`ways * lineSize (${w * lineSize}) exceeds size ${s}`);
  return { size: s, ways: w, lineSize, sets: s / (w * lineSize) };
}

/**
 * Checks that CCSIDR_EL1 can describe a checked geometry of an architected
 * level (L1 or L2): NumSets is a 15-bit field (sets - 1) and LineSize a
 * 3-bit one (log2(words) - 2).
 *
 * @example Usage
 * ```ts
 * import { checkArchitected, checkGeometry } from "./cache_geometry.ts";
 * const l2 = { size: 1 << 20, ways: 16 };
 * checkArchitected(checkGeometry(l2), "clusters[0].l2", l2); // 1024 sets: fine
 * ```
 * @param g a geometry {@linkcode checkGeometry} passed
 * @param call the field that gave it, for the error message
 * @param value the geometry as given, for the error message
 * @throws {ScenarioError} `bad_geometry` for more than 32768 sets or lines over 2048 bytes
 */
export function checkArchitected(
  g: { sets: number; lineSize: number },
  call: string,
  value: unknown,
): void {
  if (g.sets > MAX_ARCH_SETS || g.lineSize > MAX_LINE_SIZE) {
    throw new ScenarioError(
      "bad_geometry",
      call,
      value,
      `${call}(${
        showValue(value)
      }): CCSIDR cannot describe more than ${MAX_ARCH_SETS} sets or lines over ${MAX_LINE_SIZE} bytes`,
    );
  }
}
