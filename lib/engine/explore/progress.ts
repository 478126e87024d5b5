/**
 * A one-line progress display on stderr while an exploration runs:
 * executions, rate, failure groups so far, where the search is, and an
 * estimate of the time left. It is drawn at most ten times a second, only
 * when stderr is a terminal and the run is not under CI (or when asked),
 * and erased at the end, so redirected output and reports never contain it.
 *
 * @example Usage
 * ```ts
 * import { Progress } from "./progress.ts";
 * const p = new Progress(false); // never draws
 * p.update(1000, 0, "length 2/4", 0.5);
 * p.finish();
 * ```
 *
 * @module
 */

/**
 * The progress line.
 *
 * @example Usage
 * ```ts
 * import { Progress } from "./progress.ts";
 * const p = new Progress("auto");
 * p.update(10, 1, "executions 10/100", 0.1);
 * p.finish();
 * ```
 */
export class Progress {
  readonly #on: boolean;
  readonly #started = performance.now();
  #last = 0;
  #drawn = false;
  readonly #encoder = new TextEncoder();

  /**
   * A progress line.
   *
   * @param mode true: always draw; false: never; `"auto"`: when stderr is a
   *   terminal and `CI` is not set (read only when the process may read it)
   */
  constructor(mode: boolean | "auto") {
    let on = mode === true;
    if (mode === "auto") {
      try {
        on = Deno.stderr.isTerminal() && !underCi();
      } catch {
        on = false;
      }
    }
    this.#on = on;
  }

  /**
   * Redraws the line (at most every 100 ms).
   *
   * @param done executions so far
   * @param failures failure groups so far
   * @param where the search's position, in words
   * @param fraction the part of the work done, from 0 to 1, if known
   */
  update(done: number, failures: number, where: string, fraction?: number): void {
    if (!this.#on) return;
    const now = performance.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    let eta = "";
    if (fraction !== undefined && fraction > 0 && fraction < 1) {
      eta = `, ETA ${formatSeconds(seconds * (1 - fraction) / fraction)}`;
    }
    const line = `explore: ${done} runs, ${Math.round(rate)}/s, ${failures} failure group${
      failures === 1 ? "" : "s"
    }, ${where}${eta}`;
    this.#write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  /** Erases the line. */
  finish(): void {
    if (this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }

  #write(text: string): void {
    try {
      Deno.stderr.writeSync(this.#encoder.encode(text));
    } catch {
      // stderr closed: nothing to show
    }
  }
}

/**
 * Whether `CI` is set to something other than `false` or `0`. The variable
 * is read only when the permission is already granted: asking for it would
 * put a permission prompt on the terminal the line is meant for.
 *
 * @example Usage
 * ```ts
 * import { underCi } from "./progress.ts";
 * console.log(typeof underCi()); // "boolean"
 * ```
 * @returns whether the process runs under CI, as far as it may tell
 */
export function underCi(): boolean {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "CI" }).state !== "granted") {
      return false;
    }
    const ci = Deno.env.get("CI");
    return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
  } catch {
    return false;
  }
}

/**
 * Seconds as `"42s"`, `"3m05s"` or `"2h10m"`.
 *
 * @example Usage
 * ```ts
 * import { formatSeconds } from "./progress.ts";
 * console.log(formatSeconds(185)); // "3m05s"
 * ```
 * @param s seconds
 * @returns a short text
 */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor(t / 60) % 60).padStart(2, "0")}m`;
}
