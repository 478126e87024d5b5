/**
 * A line diff (Myers' O(ND) algorithm) and its unified-style rendering, for
 * golden-trace failures and for comparing two runs' traces (engine/compare.ts).
 *
 * Lines are interned to integers first and the common prefix and suffix are
 * trimmed, so the search runs only over the part that changed. The search
 * keeps one snapshot of its frontier per edit distance to walk the path back;
 * past {@linkcode MAX_EDIT_DISTANCE} edits (two traces with little in common)
 * it stops and reports the changed middle as removed-then-added, which is
 * still a correct diff, only not a minimal one.
 *
 * @example Usage
 * ```ts
 * import { unifiedDiff } from "./diff.ts";
 * console.log(unifiedDiff(["a", "b", "c"], ["a", "x", "c"]));
 * // --- expected
 * // +++ actual
 * // @@ -1,3 +1,3 @@
 * //  a
 * // -b
 * // +x
 * //  c
 * ```
 *
 * @module
 */

/**
 * Above this many edits the diff is no longer minimal (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { MAX_EDIT_DISTANCE } from "./diff.ts";
 * console.log(MAX_EDIT_DISTANCE); // 2000
 * ```
 */
export const MAX_EDIT_DISTANCE = 2000;

/**
 * One line of an edit script: kept, only in `a` (deleted) or only in `b`
 * (inserted).
 *
 * @example Usage
 * ```ts
 * import type { DiffOp } from "./diff.ts";
 * const op: DiffOp = { kind: "delete", line: "old" };
 * ```
 */
export interface DiffOp {
  /** What happened to the line. */
  readonly kind: "equal" | "delete" | "insert";
  /** The line's text. */
  readonly line: string;
}

/** Maps every distinct line of both inputs to a small integer. */
function intern(a: readonly string[], b: readonly string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const map = (lines: readonly string[]): Int32Array => {
    const out = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      let id = ids.get(lines[i]);
      if (id === undefined) {
        id = ids.size;
        ids.set(lines[i], id);
      }
      out[i] = id;
    }
    return out;
  };
  return [map(a), map(b)];
}

/**
 * Myers' greedy search on `a[0..n)` against `b[0..m)`; calls `emit` for each
 * op in order. Returns false (emitting nothing) when the edit distance is over
 * the limit.
 */
function myers(
  a: Int32Array,
  b: Int32Array,
  emit: (kind: DiffOp["kind"], ai: number, bi: number) => void,
): boolean {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
        ? v[offset + k + 1]
        : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) found = d;
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  if (found < 0) return false;

  // Walk back from (n, m), collecting ops in reverse.
  const ops: number[] = []; // triples: kind (0 equal, 1 delete, 2 insert), ai, bi
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d - 1]; // index k + (d - 1)
    const k = x - y;
    const down = k === -d || (k !== d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = prev[prevK + d - 1];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push(0, x, y);
    }
    if (down) {
      y--;
      ops.push(2, x, y);
    } else {
      x--;
      ops.push(1, x, y);
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    ops.push(0, x, y);
  }
  for (let i = ops.length - 3; i >= 0; i -= 3) {
    emit(ops[i] === 0 ? "equal" : ops[i] === 1 ? "delete" : "insert", ops[i + 1], ops[i + 2]);
  }
  return true;
}

/**
 * The edit script turning lines `a` into lines `b`: minimal (fewest deleted
 * plus inserted lines) up to {@linkcode MAX_EDIT_DISTANCE} edits.
 *
 * @example Usage
 * ```ts
 * import { diffLines } from "./diff.ts";
 * diffLines(["a", "b"], ["a", "c"]);
 * // [{ kind: "equal", line: "a" }, { kind: "delete", line: "b" }, { kind: "insert", line: "c" }]
 * ```
 * @param a the old lines (the golden)
 * @param b the new lines (the actual text)
 * @returns the ops in order: every line of `a` as equal or delete, every line of `b` as equal or insert
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  const [ia, ib] = intern(a, b);
  let start = 0;
  while (start < ia.length && start < ib.length && ia[start] === ib[start]) start++;
  let endA = ia.length;
  let endB = ib.length;
  while (endA > start && endB > start && ia[endA - 1] === ib[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffOp[] = [];
  for (let i = 0; i < start; i++) out.push({ kind: "equal", line: a[i] });
  const midA = ia.subarray(start, endA);
  const midB = ib.subarray(start, endB);
  const minimal = myers(midA, midB, (kind, ai, bi) => {
    out.push({ kind, line: kind === "insert" ? b[start + bi] : a[start + ai] });
  });
  if (!minimal) {
    for (let i = start; i < endA; i++) out.push({ kind: "delete", line: a[i] });
    for (let i = start; i < endB; i++) out.push({ kind: "insert", line: b[i] });
  }
  for (let i = endA; i < a.length; i++) out.push({ kind: "equal", line: a[i] });
  return out;
}

/**
 * Options of {@linkcode unifiedDiff}.
 *
 * @example Usage
 * ```ts
 * import type { UnifiedDiffOptions } from "./diff.ts";
 * const o: UnifiedDiffOptions = { context: 1, fromLabel: "golden", toLabel: "actual" };
 * ```
 */
export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change. Default 3. */
  readonly context?: number;
  /** The `---` label. Default `"expected"`. */
  readonly fromLabel?: string;
  /** The `+++` label. Default `"actual"`. */
  readonly toLabel?: string;
  /** Most hunk lines printed before the rest is summarised. Default 400. */
  readonly maxLines?: number;
}

function range(start: number, count: number): string {
  // As GNU diff: an empty range names the line before it; a count of 1 is implied.
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/**
 * Renders an edit script as a unified-style diff: `---`/`+++` labels, then
 * hunks headed `@@ -a,n +b,m @@` with lines prefixed ` `, `-` or `+`. Empty
 * when the script changes nothing.
 *
 * @example Usage
 * ```ts
 * import { diffLines, formatUnifiedDiff } from "./diff.ts";
 * const ops = diffLines(["x", "y"], ["x", "z"]);
 * formatUnifiedDiff(ops, { context: 0 }).split("\n")[2]; // "@@ -2 +2 @@"
 * ```
 * @param ops an edit script from {@linkcode diffLines}
 * @param options context size, labels and output limit
 * @returns the diff text (no trailing newline), or `""` when there is no difference
 */
export function formatUnifiedDiff(
  ops: readonly DiffOp[],
  options: UnifiedDiffOptions = {},
): string {
  const { context = 3, fromLabel = "expected", toLabel = "actual", maxLines = 400 } = options;
  // Positions in a and b before each op.
  const posA = new Int32Array(ops.length + 1);
  const posB = new Int32Array(ops.length + 1);
  for (let i = 0; i < ops.length; i++) {
    posA[i + 1] = posA[i] + (ops[i].kind === "insert" ? 0 : 1);
    posB[i + 1] = posB[i] + (ops[i].kind === "delete" ? 0 : 1);
  }
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  let printed = 0;
  let omitted = 0;
  let i = 0;
  while (i < ops.length) {
    if (ops[i].kind === "equal") {
      i++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after
    // the last change that is within 2 * context equal lines of the previous one.
    const from = Math.max(0, i - context);
    let end = i;
    let j = i;
    while (j < ops.length) {
      if (ops[j].kind !== "equal") {
        end = j + 1;
        j++;
        continue;
      }
      let run = j;
      while (run < ops.length && ops[run].kind === "equal") run++;
      if (run === ops.length || run - j > 2 * context) break;
      j = run;
    }
    const to = Math.min(ops.length, end + context);
    const body: string[] = [];
    for (let h = from; h < to; h++) {
      const op = ops[h];
      body.push((op.kind === "equal" ? " " : op.kind === "delete" ? "-" : "+") + op.line);
    }
    const header = `@@ -${range(posA[from], posA[to] - posA[from])} +${
      range(posB[from], posB[to] - posB[from])
    } @@`;
    for (const line of [header, ...body]) {
      if (printed < maxLines) {
        out.push(line);
        printed++;
      } else {
        omitted++;
      }
    }
    i = to;
  }
  if (out.length === 2) return "";
  if (omitted > 0) out.push(`... ${omitted} more diff lines not shown`);
  return out.join("\n");
}

/**
 * A unified-style diff of two line arrays (see {@linkcode formatUnifiedDiff}).
 *
 * @example Usage
 * ```ts
 * import { unifiedDiff } from "./diff.ts";
 * unifiedDiff(["x"], ["x"]); // ""
 * unifiedDiff(["x"], ["y"], { fromLabel: "golden" }).split("\n")[0]; // "--- golden"
 * ```
 * @param a the old lines
 * @param b the new lines
 * @param options context size, labels and output limit
 * @returns the diff text (no trailing newline), or `""` when there is no difference
 */
export function unifiedDiff(
  a: readonly string[],
  b: readonly string[],
  options: UnifiedDiffOptions = {},
): string {
  return formatUnifiedDiff(diffLines(a, b), options);
}
