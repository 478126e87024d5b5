import assert from "node:assert/strict";
import { escapeHtml } from "../../lib/report/html_escape.ts";

Deno.test("escapeHtml: each of HTML's five special characters becomes its entity, the rest stays", () => {
  assert.equal(escapeHtml("&"), "&amp;");
  assert.equal(escapeHtml("<"), "&lt;");
  assert.equal(escapeHtml(">"), "&gt;");
  assert.equal(escapeHtml('"'), "&quot;");
  assert.equal(escapeHtml("'"), "&#39;");
  assert.equal(escapeHtml(`a<b & c>"d'e"`), "a&lt;b &amp; c&gt;&quot;d&#39;e&quot;");
  // Already escaped text is escaped again: the page shows what the string holds.
  assert.equal(escapeHtml("&amp;"), "&amp;amp;");
  assert.equal(escapeHtml("kvm-4.0 ✓ 0x40000000"), "kvm-4.0 ✓ 0x40000000");
});

Deno.test("escapeHtml: a value cannot leave a quoted attribute, double or single", () => {
  for (const quote of ['"', "'"]) {
    const hostile = `x${quote} onclick=${quote}alert(1)`;
    const attribute = `<b title=${quote}${escapeHtml(hostile)}${quote}>`;
    // The attribute's value is the whole text: its quote appears twice only, at its ends.
    assert.equal(attribute.split(quote).length, 3, attribute);
  }
});
