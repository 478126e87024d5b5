// `compare` as a user types it: --policies with spaces and repeats, a guest
// that crashes under one policy, and the --html page's title.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { inProcess, ROOT, ZIMAGE } from "./helpers.ts";

/** The policy column of a comparison table's rows. */
function rows(table: string): string[] {
  const lines = table.split("\n");
  const body = lines.slice(lines.findIndex((l) => l.startsWith("policy ")) + 1);
  return body.slice(0, body.indexOf("")).map((l) => l.split(/ +/)[0]);
}

Deno.test("compare --policies: spaces after the commas are allowed, a name given twice is refused", async () => {
  const spaced = await inProcess(["compare", ZIMAGE, "--policies", "kvm-4.0, kvm-3.18"]);
  assert.equal(spaced.code, 0, spaced.io.stderr);
  assert.deepEqual(rows(spaced.io.stdout), ["kvm-4.0", "kvm-3.18"]);
  const twice = await inProcess(["compare", ZIMAGE, "--policies", "kvm-4.0,kvm-3.18,kvm-4.0"]);
  assert.equal(twice.code, 2);
  assert.equal(twice.io.stdout, "");
  assert.equal(twice.io.stderr, 'setway: --policies: "kvm-4.0" is given twice\n');
});

Deno.test("compare: a guest that crashes is coloured as a failure and fails --check", async () => {
  // Xen with the IOMMU sharing the p2m injects an undefined instruction at the first S/W op.
  const args = ["compare", ZIMAGE, "--policies", "xen-iommu,kvm-4.0"];
  const coloured = await inProcess(args, ROOT, true);
  assert.equal(coloured.code, 0, coloured.io.stderr);
  // Red as a failing verdict is, green for the policy that runs it through.
  assert.ok(coloured.io.stdout.includes("\x1b[31mCRASH"), coloured.io.stdout);
  assert.ok(coloured.io.stdout.includes("\x1b[32mok\x1b[39m"), coloured.io.stdout);
  const checked = await inProcess(["compare", ZIMAGE, "--policies", "xen-iommu", "--check"]);
  assert.equal(checked.code, 1);
  assert.match(checked.io.stdout, /\nxen-iommu +CRASH /);
});

Deno.test("compare --html: the page's title names the scenario and every policy compared", async () => {
  const scenario = resolve(ROOT, ZIMAGE);
  const { code, io } = await inProcess(
    ["compare", scenario, "--policies", "kvm-4.0,kvm-3.18", "--html", "c.html"],
    "/nowhere",
  );
  assert.equal(code, 0, io.stderr);
  const page = io.files.get("/nowhere/c.html") ?? "";
  assert.match(page, /<title>setway: zimage\.ts, kvm-4\.0 vs kvm-3\.18<\/title>/);
  assert.match(io.stdout, /\ntimeline: c\.html\n$/);
});
