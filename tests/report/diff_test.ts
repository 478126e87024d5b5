import assert from "node:assert/strict";
import fc from "fast-check";
import {
  diffLines,
  type DiffOp,
  formatUnifiedDiff,
  MAX_EDIT_DISTANCE,
  unifiedDiff,
} from "../../lib/report/diff.ts";

/** The lines of a (kind equal/delete) and of b (kind equal/insert) an edit script describes. */
function sides(ops: readonly DiffOp[]): [string[], string[]] {
  return [
    ops.filter((o) => o.kind !== "insert").map((o) => o.line),
    ops.filter((o) => o.kind !== "delete").map((o) => o.line),
  ];
}

/** Longest common subsequence length, by the textbook dynamic programme. */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(row[j], row[j - 1]);
      diag = up;
    }
  }
  return row[b.length];
}

Deno.test("diffLines on small cases", () => {
  assert.deepEqual(diffLines([], []), []);
  assert.deepEqual(diffLines(["a"], []), [{ kind: "delete", line: "a" }]);
  assert.deepEqual(diffLines([], ["b"]), [{ kind: "insert", line: "b" }]);
  assert.deepEqual(diffLines(["a", "b", "c"], ["a", "x", "c"]), [
    { kind: "equal", line: "a" },
    { kind: "delete", line: "b" },
    { kind: "insert", line: "x" },
    { kind: "equal", line: "c" },
  ]);
  // Moving a line costs one delete and one insert, not a rewrite of everything.
  const moved = diffLines(["1", "2", "3", "4"], ["2", "3", "4", "1"]);
  assert.equal(moved.filter((o) => o.kind !== "equal").length, 2);
});

Deno.test("diffLines rebuilds both inputs and is minimal (matches the LCS length)", () => {
  const line = fc.constantFrom("a", "b", "c", "d", "");
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), (a, b) => {
      const ops = diffLines(a, b);
      assert.deepEqual(sides(ops), [a, b]);
      assert.equal(ops.filter((o) => o.kind === "equal").length, lcs(a, b));
    }),
    { seed: 20261212, numRuns: 300 },
  );
});

Deno.test("past MAX_EDIT_DISTANCE the diff stays correct (not minimal)", () => {
  const n = MAX_EDIT_DISTANCE;
  const a = Array.from({ length: n }, (_, i) => `a${i}`);
  const b = Array.from({ length: n }, (_, i) => `b${i}`);
  a.unshift("same start");
  b.unshift("same start");
  a.push("same end");
  b.push("same end");
  const ops = diffLines(a, b);
  assert.deepEqual(sides(ops), [a, b]);
  assert.equal(ops[0].kind, "equal");
  assert.equal(ops.at(-1)?.kind, "equal");
});

Deno.test("unifiedDiff renders hunks with GNU-style ranges and 3 lines of context", () => {
  const a = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
  const b = ["1", "2", "3", "4", "5", "six", "7", "8", "9", "10"];
  assert.equal(
    unifiedDiff(a, b, { fromLabel: "golden", toLabel: "actual" }),
    [
      "--- golden",
      "+++ actual",
      "@@ -3,7 +3,7 @@",
      " 3",
      " 4",
      " 5",
      "-6",
      "+six",
      " 7",
      " 8",
      " 9",
    ].join("\n"),
  );
  assert.equal(unifiedDiff(a, a), "");
  // Pure insertion at the start: the empty old range names line 0.
  assert.equal(unifiedDiff(["x"], ["new", "x"], { context: 0 }).split("\n")[2], "@@ -0,0 +1 @@");
});

Deno.test("changes close together share a hunk; far apart they get their own", () => {
  const base = Array.from({ length: 30 }, (_, i) => `l${i}`);
  const near = base.map((l, i) => (i === 10 || i === 14 ? l + "!" : l));
  const far = base.map((l, i) => (i === 2 || i === 25 ? l + "!" : l));
  const count = (d: string) => d.split("\n").filter((l) => l.startsWith("@@")).length;
  assert.equal(count(unifiedDiff(base, near)), 1);
  assert.equal(count(unifiedDiff(base, far)), 2);
});

Deno.test("formatUnifiedDiff cuts long output and says how much it left out", () => {
  const a = Array.from({ length: 100 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 100 }, (_, i) => `b${i}`);
  const text = formatUnifiedDiff(diffLines(a, b), { maxLines: 10 });
  const lines = text.split("\n");
  assert.equal(lines.length, 2 + 10 + 1);
  assert.match(lines.at(-1) ?? "", /^\.\.\. 191 more diff lines not shown$/);
});

Deno.test("GNU diff's hunk rule: changes 2 x context equal lines apart share a hunk, one more splits them", () => {
  const base = Array.from({ length: 30 }, (_, i) => `l${i}`);
  const changed = (gap: number) => base.map((l, i) => (i === 10 || i === 11 + gap ? l + "!" : l));
  const hunks = (d: string) => d.split("\n").filter((l) => l.startsWith("@@"));
  // Six equal lines between: the first hunk's 3 lines of context after meet the second's 3 before.
  assert.deepEqual(hunks(unifiedDiff(base, changed(6))), ["@@ -8,14 +8,14 @@"]);
  assert.deepEqual(hunks(unifiedDiff(base, changed(7))), ["@@ -8,7 +8,7 @@", "@@ -16,7 +16,7 @@"]);
});

Deno.test("a line appended after a copy of itself is shown as an insert at the end", () => {
  assert.deepEqual(diffLines(["x"], ["x", "x"]), [
    { kind: "equal", line: "x" },
    { kind: "insert", line: "x" },
  ]);
  assert.deepEqual(diffLines(["x", "y"], ["x", "y", "y"]).map((o) => o.kind), [
    "equal",
    "equal",
    "insert",
  ]);
});

Deno.test("past MAX_EDIT_DISTANCE every old line of the changed middle is shown before the new ones", () => {
  const n = MAX_EDIT_DISTANCE;
  const a = ["same", ...Array.from({ length: n }, (_, i) => `a${i}`)];
  const b = ["same", ...Array.from({ length: n }, (_, i) => `b${i}`)];
  const kinds = diffLines(a, b).map((o) => o.kind);
  assert.deepEqual(kinds, ["equal", ...Array(n).fill("delete"), ...Array(n).fill("insert")]);
});

Deno.test("an edit distance of exactly MAX_EDIT_DISTANCE is still diffed minimally", () => {
  // One line in common, at opposite ends: 1001 deletes and 1001 inserts but for it.
  const half = MAX_EDIT_DISTANCE / 2;
  const a = [...Array.from({ length: half }, (_, i) => `a${i}`), "common"];
  const b = ["common", ...Array.from({ length: half }, (_, i) => `b${i}`)];
  const ops = diffLines(a, b);
  assert.deepEqual(sides(ops), [a, b]);
  assert.equal(ops.filter((o) => o.kind !== "equal").length, MAX_EDIT_DISTANCE);
  assert.equal(ops.filter((o) => o.kind === "equal").length, 1);
});
