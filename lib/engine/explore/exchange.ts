/**
 * Exchanging the parts' level results in a sharded search
 * (`explore({ shard: "i/n", exchange })`), so that the parts split the
 * whole search, not only its last length.
 *
 * This is the standard level-synchronised distributed breadth-first
 * search. Every part keeps the whole search's frontier and seen set; it
 * expands only the frontier states it owns (position mod n), then
 * publishes what they gave (each new child's parent position, operation,
 * hardware picks and state hash, in search order) and reads every other
 * part's. Merging the parts' children in the order of their parents'
 * positions gives the children in the single run's order, so every part
 * deduplicates them against its seen set exactly as a single run does and
 * computes the same next frontier. No execution runs twice, and the parts'
 * executions add up to the single run's. The parts also exchange each
 * failure group's first search key, so that only the part that met the
 * whole search's first counterexample of a group shrinks it.
 *
 * A {@linkcode ShardExchange} moves opaque bytes between the parts;
 * {@linkcode directoryExchange} does it through a directory every part can
 * read and write (a shared volume), with one file per part and level,
 * written under a temporary name and renamed, so a reader never sees half
 * a file. {@linkcode encodeLevel} and {@linkcode decodeLevel} are the
 * bytes: a JSON header, then the children as little-endian 32-bit
 * integers.
 *
 * @module
 */

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ScenarioError } from "../../errors.ts";

/**
 * Moves each level's results between the parts of a sharded search: part
 * `part` of `count` publishes its bytes for `level` and gets back every
 * part's, in part order (its own included). Every part calls it once per
 * level, with the same `level` and `count`.
 *
 * @example Usage
 * ```ts
 * import type { ShardExchange } from "@setway/setway/explore";
 * // One part alone: its own results are everyone's.
 * const alone: ShardExchange = { exchange: (_level, _part, _count, data) => Promise.resolve([data]) };
 * console.log((await alone.exchange(0, 0, 1, new Uint8Array(2))).length); // 1
 * ```
 */
export interface ShardExchange {
  /**
   * Publishes part `part`'s results of `level` and resolves to every
   * part's, in part order.
   */
  exchange(level: number, part: number, count: number, data: Uint8Array): Promise<Uint8Array[]>;
}

/**
 * Options of {@linkcode directoryExchange}.
 *
 * @example Usage
 * ```ts
 * import type { DirectoryExchangeOptions } from "@setway/setway/explore";
 * const o: DirectoryExchangeOptions = { timeoutSeconds: 600 };
 * ```
 */
export interface DirectoryExchangeOptions {
  /**
   * How long a part waits for the other parts' files of one level, in
   * seconds, before it gives up with an error naming the missing parts.
   * Default 3600 (parts may start minutes apart, and a level may be long).
   */
  readonly timeoutSeconds?: number;
}

/** The default of {@linkcode DirectoryExchangeOptions.timeoutSeconds}. */
const DEFAULT_TIMEOUT_SECONDS = 3600;

/** The first and the longest pause between two looks for the missing files. */
const POLL_FIRST_MS = 5;
const POLL_MAX_MS = 1000;

/**
 * The file part `part` writes its results of `level` to.
 *
 * @example Usage
 * ```ts
 * import { levelFile } from "./exchange.ts";
 * console.log(levelFile("/parts", 3, 1)); // "/parts/level-3.part-1"
 * ```
 * @param dir the directory
 * @param level the level (program length of the expanded states)
 * @param part the part
 * @returns the path
 */
export function levelFile(dir: string, level: number, part: number): string {
  return join(dir, `level-${level}.part-${part}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The file's bytes, or null while it does not exist. */
async function readIfThere(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw e;
  }
}

/**
 * An exchange through a directory every part can read and write (a shared
 * volume): each part writes `level-D.part-I` (a temporary file, then
 * renamed) and polls, with a growing pause, for the other parts' files.
 * Give each exploration an empty directory: a part refuses a file of
 * another exploration (`decodeLevel` checks its fingerprint), and the
 * files of a run stopped by a time budget differ from run to run.
 * Reading and writing the directory needs `--allow-read` and
 * `--allow-write` on it.
 *
 * @example Usage
 * ```ts
 * import { directoryExchange } from "@setway/setway/explore";
 * const dir = await Deno.makeTempDir();
 * const ex = directoryExchange(dir, { timeoutSeconds: 60 });
 * const got = await ex.exchange(0, 0, 1, new Uint8Array([7]));
 * console.log(got[0][0]); // 7
 * ```
 * @param dir the directory (created if missing)
 * @param options how long to wait for the other parts
 * @returns the exchange
 * @throws {ScenarioError} `invalid_value` for a bad directory or timeout; the exchange itself
 * throws `budget_exceeded` naming the missing parts when they do not come in time
 */
export function directoryExchange(
  dir: string,
  options: DirectoryExchangeOptions = {},
): ShardExchange {
  if (typeof dir !== "string" || dir === "") {
    throw new ScenarioError("invalid_value", "explore.exchange", dir, "a directory path");
  }
  const timeout = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (typeof timeout !== "number" || !(timeout > 0)) {
    throw new ScenarioError(
      "invalid_value",
      "explore.exchange.timeoutSeconds",
      timeout,
      "a positive number of seconds",
    );
  }
  return {
    async exchange(level, part, count, data) {
      await mkdir(dir, { recursive: true });
      const mine = levelFile(dir, level, part);
      const temporary = `${mine}.${crypto.randomUUID()}.tmp`;
      await writeFile(temporary, data);
      await rename(temporary, mine);
      const got: (Uint8Array | null)[] = Array.from({ length: count }, () => null);
      got[part] = data;
      const deadline = performance.now() + timeout * 1000;
      for (let pause = POLL_FIRST_MS;; pause = Math.min(POLL_MAX_MS, pause * 1.5)) {
        for (let i = 0; i < count; i++) got[i] ??= await readIfThere(levelFile(dir, level, i));
        if (got.every((g) => g !== null)) return got as Uint8Array[];
        if (performance.now() >= deadline) {
          const missing = got.flatMap((g, i) => g === null ? [i] : []);
          throw new ScenarioError(
            "budget_exceeded",
            "explore.exchange",
            missing,
            `explore: part ${part}/${count} waited ${timeout} s for part${
              missing.length === 1 ? "" : "s"
            } ${missing.map((i) => `${i}/${count}`).join(", ")} at length ${level} (no ${
              levelFile(dir, level, missing[0])
            }); start every part with the same exchange directory, or let them wait longer`,
          );
        }
        await sleep(pause);
      }
    },
  };
}

/**
 * One part's results of one level, as exchanged.
 *
 * @example Usage
 * ```ts
 * import type { LevelResult } from "./exchange.ts";
 * const r: LevelResult = {
 *   fingerprint: "c0ffee0123456789", level: 1, part: 0, count: 2, executions: 5,
 *   stopped: false, firsts: [{ group: "hypervisor/stale_read", key: [2, 4, 0, 0, 1, 0, 0] }],
 *   children: new Int32Array(0),
 * };
 * ```
 */
export interface LevelResult {
  /** The exploration's configuration fingerprint (a file of another exploration is refused). */
  readonly fingerprint: string;
  /** The program length of the states expanded. */
  readonly level: number;
  /** The part. */
  readonly part: number;
  /** The number of parts. */
  readonly count: number;
  /** The part's runs under the policy at this level (for the execution budget). */
  readonly executions: number;
  /** Whether a budget stopped the part inside the level (then every part stops). */
  readonly stopped: boolean;
  /**
   * The failure groups (`"blame/kind"`) this part met for the first time at
   * this level, each with the search key of its first counterexample: the
   * part whose key is the whole search's first shrinks it, no other.
   */
  readonly firsts: readonly { readonly group: string; readonly key: readonly number[] }[];
  /**
   * {@linkcode LEVEL_CHILD_INTS} integers per child, in search order:
   * parent position in the level, operation, pick2, pickJ, hash hi, hash lo, exact.
   */
  readonly children: Int32Array;
}

/** Integers per child in {@linkcode LevelResult.children}. */
export const LEVEL_CHILD_INTS = 7;

/**
 * The bytes of a level result: a 4-byte header length, the JSON header,
 * padding to 4 bytes, then the children (little-endian).
 *
 * @example Usage
 * ```ts
 * import { decodeLevel, encodeLevel } from "./exchange.ts";
 * const r = {
 *   fingerprint: "f", level: 2, part: 1, count: 2, executions: 9, stopped: false, firsts: [],
 *   children: Int32Array.of(4, 1, 0, 0, -5, 6, 1),
 * };
 * const back = decodeLevel(encodeLevel(r), { fingerprint: "f", level: 2, part: 1, count: 2 }, "x");
 * console.log(Array.from(back.children)); // [4, 1, 0, 0, -5, 6, 1]
 * ```
 * @param r the result
 * @returns the bytes
 */
export function encodeLevel(r: LevelResult): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({
    fingerprint: r.fingerprint,
    level: r.level,
    part: r.part,
    count: r.count,
    executions: r.executions,
    stopped: r.stopped,
    firsts: r.firsts,
    children: r.children.length,
  }));
  const start = 4 + Math.ceil(header.length / 4) * 4;
  const out = new Uint8Array(start + r.children.length * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  out.set(header, 4);
  for (let i = 0; i < r.children.length; i++) view.setInt32(start + 4 * i, r.children[i], true);
  return out;
}

/**
 * Reads a level result and checks it is the one expected (`name` says
 * where it came from, for errors).
 *
 * @example Usage
 * ```ts
 * import { decodeLevel } from "./exchange.ts";
 * try {
 *   decodeLevel(new Uint8Array(3), { fingerprint: "f", level: 0, part: 0, count: 1 }, "level-0.part-0");
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("explore: level-0.part-0 is not")); // true
 * }
 * ```
 * @param bytes the bytes
 * @param expected the exploration, level and part they must be of
 * @param name the bytes' origin
 * @returns the result
 * @throws {ScenarioError} `invalid_value` for bytes that are not a level result, or one of
 * another exploration, level or part
 */
export function decodeLevel(
  bytes: Uint8Array,
  expected: { fingerprint: string; level: number; part: number; count: number },
  name: string,
): LevelResult {
  const bad = (why: string): never => {
    throw new ScenarioError("invalid_value", "explore.exchange", name, `explore: ${name} ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let h: Record<string, unknown> | null = null;
  if (bytes.length >= 4) {
    const n = view.getUint32(0, true);
    try {
      if (4 + n <= bytes.length) {
        h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
      }
    } catch {
      h = null;
    }
  }
  const start = bytes.length >= 4 ? 4 + Math.ceil(view.getUint32(0, true) / 4) * 4 : 0;
  if (
    h === null || typeof h !== "object" || typeof h.fingerprint !== "string" ||
    typeof h.children !== "number" || typeof h.executions !== "number" ||
    !Array.isArray(h.firsts) ||
    start + 4 * h.children !== bytes.length || h.children % LEVEL_CHILD_INTS !== 0
  ) {
    return bad("is not a level result of a sharded exploration (cut short?)");
  }
  if (h.fingerprint !== expected.fingerprint) {
    bad(
      `belongs to another exploration (fingerprint ${h.fingerprint}, not ${expected.fingerprint}): ` +
        "give each exploration an empty --exchange directory",
    );
  }
  if (h.level !== expected.level || h.part !== expected.part || h.count !== expected.count) {
    bad(
      `holds length ${h.level} of part ${h.part}/${h.count}, not length ${expected.level} of ` +
        `part ${expected.part}/${expected.count}`,
    );
  }
  const children = new Int32Array(h.children);
  for (let i = 0; i < children.length; i++) children[i] = view.getInt32(start + 4 * i, true);
  return {
    fingerprint: h.fingerprint,
    level: expected.level,
    part: expected.part,
    count: expected.count,
    executions: h.executions,
    stopped: h.stopped === true,
    firsts: h.firsts as LevelResult["firsts"],
    children,
  };
}
