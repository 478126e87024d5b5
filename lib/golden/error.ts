/**
 * The error a golden assertion throws, apart from the assertion itself so
 * that `mod.ts` can export it without loading the golden module.
 *
 * @module
 */

/**
 * Why a golden assertion failed.
 *
 * - `missing`: the golden file does not exist;
 * - `mismatch`: the text differs from the golden;
 * - `corrupt`: the golden file is damaged (see `file.ts`);
 * - `duplicate`: two assertions in one update run wrote different texts to
 *   the same golden file;
 * - `permission`: the process may not read (or, to update, write) the
 *   golden's directory, or may not read `CI` to update; the message names
 *   the flags to add;
 * - `unrepresentable`: the text holds something a golden file cannot keep
 *   faithfully (`\r\n`, a lone surrogate).
 *
 * @example Usage
 * ```ts
 * import type { GoldenErrorCode } from "@setway/setway/golden";
 * const code: GoldenErrorCode = "mismatch";
 * ```
 */
export type GoldenErrorCode =
  | "missing"
  | "mismatch"
  | "corrupt"
  | "duplicate"
  | "permission"
  | "unrepresentable";

/**
 * A failed golden assertion: data first (`code`, `file`, `diff`), with a
 * message that says how to fix it.
 *
 * @example Usage
 * ```ts
 * import { GoldenError } from "@setway/setway";
 * const err = new GoldenError("missing", "tests/golden/x.golden", "Golden file ... does not exist.");
 * console.log(err.code); // "missing"
 * ```
 */
export class GoldenError extends Error {
  /** What went wrong. */
  readonly code: GoldenErrorCode;
  /** The golden file, as the message shows it (relative to the working directory when inside it). */
  readonly file: string;
  /** The unified diff, for `mismatch`. */
  readonly diff: string | undefined;
  /** Whether an update was asked for but refused because `CI=true`. */
  readonly ciRefused: boolean;

  /**
   * Creates a golden failure.
   *
   * @param code what went wrong
   * @param file the golden file as shown to the user
   * @param message the full message
   * @param diff the unified diff, for `mismatch`
   * @param ciRefused whether CI refused an update
   */
  constructor(
    code: GoldenErrorCode,
    file: string,
    message: string,
    diff?: string,
    ciRefused = false,
  ) {
    super(message);
    this.name = "GoldenError";
    this.code = code;
    this.file = file;
    this.diff = diff;
    this.ciRefused = ciRefused;
  }
}
