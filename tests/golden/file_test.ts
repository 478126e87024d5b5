import assert from "node:assert/strict";
import fc from "fast-check";
import {
  GOLDEN_FIRST_LINE,
  GOLDEN_LAST_LINE,
  parseGolden,
  serializeGolden,
} from "../../lib/golden/file.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("a golden file is its text between '# setway golden v1' and '# end'", () => {
  assert.equal(serializeGolden("a\nb\n"), `${GOLDEN_FIRST_LINE}\na\nb\n${GOLDEN_LAST_LINE}\n`);
  assert.equal(serializeGolden("a"), serializeGolden("a\n"));
  assert.equal(serializeGolden(""), `${GOLDEN_FIRST_LINE}\n${GOLDEN_LAST_LINE}\n`);
});

Deno.test("serialize then parse gives back the text (with a final newline)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), (raw) => {
      const text = raw.replaceAll("\0", "").replaceAll("\r", "");
      const parsed = parseGolden(enc(serializeGolden(text)));
      assert.ok(parsed.ok);
      const want = text === "" || text.endsWith("\n") ? text : text + "\n";
      assert.equal(parsed.text, want);
      assert.equal(parsed.content, serializeGolden(text));
    }),
  );
});

Deno.test("CRLF line endings and a byte-order mark are tolerated", () => {
  const parsed = parseGolden(enc(`\uFEFF${GOLDEN_FIRST_LINE}\r\nx\r\n${GOLDEN_LAST_LINE}\r\n`));
  assert.ok(parsed.ok);
  assert.equal(parsed.text, "x\n");
});

Deno.test("damaged files are reported with a reason", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([0x23, 0x20, 0xff, 0xfe, 0x0a]), /not valid UTF-8/],
    [enc(`${GOLDEN_FIRST_LINE}\nab\0c\n${GOLDEN_LAST_LINE}\n`), /NUL byte \(line 2\)/],
    [enc(`${GOLDEN_FIRST_LINE}\nline one\nline t`), /truncated/],
    [enc(`${GOLDEN_FIRST_LINE}\n`), /truncated/],
    [enc(""), /empty/],
    [enc(`just text\n${GOLDEN_LAST_LINE}\n`), /first line/],
    [enc(`# setway golden v9\n${GOLDEN_LAST_LINE}\n`), /format "# setway golden v9"/],
  ];
  for (const [bytes, reason] of cases) {
    const parsed = parseGolden(bytes);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.reason, reason);
  }
});
