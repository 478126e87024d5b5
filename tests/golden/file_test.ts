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
    { seed: 20261307 },
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

Deno.test("a NUL as the very first byte is reported as a NUL on line 1", () => {
  const parsed = parseGolden(enc(`\0${GOLDEN_FIRST_LINE}\nx\n${GOLDEN_LAST_LINE}\n`));
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.equal(parsed.reason, "it contains a NUL byte (line 1)");
});

Deno.test("the first line must be the v1 header exactly, not a longer version", () => {
  const parsed = parseGolden(enc(`# setway golden v10\nx\n${GOLDEN_LAST_LINE}\n`));
  assert.equal(parsed.ok, false);
  if (!parsed.ok) {
    assert.equal(parsed.reason, 'its format "# setway golden v10" is not "# setway golden v1"');
  }
});

Deno.test("text after the '# end' line makes the file corrupt, not part of the golden", () => {
  // Two goldens pasted together, or lines appended by hand: the end marker is not last.
  const parsed = parseGolden(enc(`${GOLDEN_FIRST_LINE}\nx\n${GOLDEN_LAST_LINE}\ny\n`));
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.match(parsed.reason, /truncated: its last line is not "# end"/);
});

Deno.test("CRLF files give the content serializeGolden writes; a lone CR is kept", () => {
  const crlf = parseGolden(enc(`${GOLDEN_FIRST_LINE}\r\na\r\nb\r\n${GOLDEN_LAST_LINE}\r\n`));
  assert.ok(crlf.ok);
  assert.equal(crlf.content, "# setway golden v1\na\nb\n# end\n");
  const cr = parseGolden(enc(`${GOLDEN_FIRST_LINE}\na\rb\n${GOLDEN_LAST_LINE}\n`));
  assert.ok(cr.ok);
  assert.equal(cr.text, "a\rb\n");
  assert.equal(cr.content, "# setway golden v1\na\rb\n# end\n");
});
