/**
 * A shard exchange between parts running in this process, for tests that
 * run every part of an exploration at once: each length's bytes wait in
 * memory until every part has given its own, then each part gets them all.
 *
 * @module
 */

import type { ShardExchange } from "../../lib/engine/explore/exchange.ts";

/**
 * A new in-memory exchange.
 *
 * @returns the exchange, to give every part of one exploration
 */
export function memoryExchange(): ShardExchange {
  const levels = new Map<number, { got: Uint8Array[]; waiting: (() => void)[] }>();
  return {
    async exchange(level, part, count, data) {
      let l = levels.get(level);
      if (l === undefined) levels.set(level, l = { got: new Array(count), waiting: [] });
      l.got[part] = data;
      if (l.got.filter((g) => g !== undefined).length === count) l.waiting.forEach((go) => go());
      else await new Promise<void>((go) => l.waiting.push(go));
      return [...l.got];
    },
  };
}
