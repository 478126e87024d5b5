/**
 * The parser's refusals of option values and stray arguments: each is a
 * usage error of one sentence naming the option or argument at fault, so
 * that the command line reports it with status 2 rather than as a bug.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseCommandLine } from "../../lib/cli/parse.ts";
import { UsageError } from "../../lib/cli/usage_error.ts";
import { inProcess, ZIMAGE } from "./helpers.ts";

/** The usage error's message for `argv`; fails when it parses or throws anything else. */
function usageMessage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, `${argv.join(" ")}: ${e}`);
    return e.message;
  }
  assert.fail(`${argv.join(" ")} parsed`);
}

Deno.test("parse: an option given last without its value is named as needing one", () => {
  assert.equal(
    usageMessage(["run", "s.ts", "--seed"]),
    "run: --seed needs a value; see `cli.ts run --help`",
  );
  assert.equal(
    usageMessage(["compare", "s.ts", "--policies"]),
    "compare: --policies needs a value; see `cli.ts compare --help`",
  );
});

Deno.test("parse: a flag given a value with = is named as taking none", () => {
  assert.equal(
    usageMessage(["run", "s.ts", "--check=yes"]),
    "run: --check takes no value; see `cli.ts run --help`",
  );
  assert.equal(
    usageMessage(["list", "--json=1"]),
    "list: --json takes no value; see `cli.ts list --help`",
  );
});

Deno.test("parse: of several extra arguments, the first one is named", () => {
  assert.equal(
    usageMessage(["run", "s.ts", "t.ts", "u.ts"]),
    'run: unexpected argument "t.ts"; see `cli.ts run --help`',
  );
});

Deno.test("parse: run --html is an output format, refused with --json or --ndjson", () => {
  assert.equal(
    usageMessage(["run", "s.ts", "--html", "t.html", "--json"]),
    "run: --json and --html cannot be used together",
  );
  assert.equal(
    usageMessage(["run", "s.ts", "--ndjson", "--html", "t.html"]),
    "run: --ndjson and --html cannot be used together",
  );
});

Deno.test("parse: explore's report argument takes any number of files", () => {
  const p = parseCommandLine(["explore", "--merge", "a.json", "b.json", "c.json"]);
  assert.deepEqual(p.args, ["a.json", "b.json", "c.json"]);
  assert.equal(p.values.merge, true);
});

Deno.test("parse: a missing value through the command line is status 2 and one line", async () => {
  const { code, io } = await inProcess(["run", ZIMAGE, "--wall-ms"]);
  assert.equal(code, 2);
  assert.equal(io.stdout, "");
  assert.equal(io.stderr, "setway: run: --wall-ms needs a value; see `cli.ts run --help`\n");
});
