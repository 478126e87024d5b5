import assert from "node:assert/strict";
import { ScenarioError, type ScenarioErrorCode } from "../../lib/errors.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { scenarioIssues } from "../../lib/engine/rules/scenario.ts";
import { expectationIssues } from "../../lib/engine/rules/expectations.ts";
import { issueMessage, makeIssue } from "../../lib/engine/rules/issues.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { BASE, scenario } from "./fixtures.ts";

function refusal(f: () => unknown): ScenarioError | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
}

function fieldIssue(over: Record<string, unknown>, path: string) {
  return scenarioIssues(scenario([], over)).issues.find((i) => i.path === path) ?? null;
}

Deno.test("rules: a RAM size is refused alike by ram(), a scenario's ram and explore", () => {
  for (const size of [100, 5000, 2 ** 41, 1.5 * 4096, 1 << 20]) {
    const builder = refusal(() => vm().ram(size));
    const field = fieldIssue({ ram: size }, "ram");
    const explore = refusal(() => resolveExploreOptions({ ram: size }));
    assert.equal(builder?.code ?? null, field?.code ?? null, `ram(${size})`);
    assert.equal(explore?.code ?? null, field?.code ?? null, `explore ram ${size}`);
    if (field) {
      const expected = field.message.split(": ").slice(1).join(": ");
      assert.ok(builder!.message.endsWith(expected), builder!.message);
      assert.ok(explore!.message.endsWith(expected), explore!.message);
    }
  }
});

Deno.test("rules: a RAM base is refused alike by ram(), a scenario's ramBase and explore", () => {
  for (const base of [0x123, -4096, 2 ** 48, 2 ** 48 - 4096, 0x8000_0000]) {
    const builder = refusal(() => vm().ram(4096, { base }));
    const field = fieldIssue({ ramBase: base, ram: 4096 }, "ramBase");
    const explore = refusal(() => resolveExploreOptions({ ramBase: base, ram: 4096 }));
    assert.equal(builder?.code ?? null, field?.code ?? null, `base ${base}`);
    assert.equal(explore?.code ?? null, field?.code ?? null, `explore base ${base}`);
  }
  // RAM running past 2^48 is the size's fault everywhere.
  const base = 2 ** 48 - 4096;
  assert.equal(fieldIssue({ ramBase: base, ram: 8192 }, "ram")?.code, "out_of_range");
  assert.equal(refusal(() => vm().ram(8192, { base }))?.code, "out_of_range");
  assert.equal(
    refusal(() => resolveExploreOptions({ ramBase: base, ram: 8192 }))?.call,
    "explore.ram",
  );
});

Deno.test("rules: host.unmap() and a host_unmap step refuse the same pages", () => {
  for (const addr of [BASE, BASE + 4, BASE - 4096, 2 ** 48, 0.5]) {
    const builder = refusal(() => vm().guest((g) => g.host((h) => h.unmap(addr))));
    const steps = scenarioIssues(scenario([{ kind: "host_unmap", addr }], { ram: 1 << 20 }));
    assert.equal(builder?.code ?? null, steps.issues[0]?.code ?? null, `unmap ${addr}`);
  }
});

Deno.test("rules: an expectation's address and a read's address follow one rule", () => {
  const ctx = { ramBase: BASE, ram: 1 << 20 };
  for (const addr of [BASE, BASE + 2, BASE + (1 << 20), -4, 2 ** 48]) {
    const read = scenarioIssues(scenario([{ kind: "read", vcpu: 0, addr }], { ram: 1 << 20 }));
    const what = { kind: "stale", addr };
    const expectation = expectationIssues({ kind: "never", what }, "expect[0]", ctx);
    assert.equal(expectation[0]?.code ?? null, read.issues[0]?.code ?? null, `addr ${addr}`);
    assert.equal(
      expectation[0]?.message.split(": ").slice(1).join(": "),
      read.issues[0]?.message.split(": ").slice(1).join(": "),
    );
  }
});

Deno.test("rules: an issue's message names the place and the value, then the mistake in words", () => {
  // [code, expected, the mistake as written after the place]
  const table: [ScenarioErrorCode, string, string][] = [
    ["invalid_value", "an integer", "invalid value: expected an integer"],
    ["out_of_range", "an integer from 1 to 4", "out of range: expected an integer from 1 to 4"],
    ["unknown_name", "quiet, adversarial", "unknown name; valid names: quiet, adversarial"],
    ["bad_geometry", "a power of two", "bad cache geometry: expected a power of two"],
    ["bad_address", "a 4-byte aligned address", "bad address: expected a 4-byte aligned address"],
    ["bad_schema", "a number", "not part of the scenario schema: expected a number"],
    ["budget_exceeded", "at most 10 steps", "over budget: expected at most 10 steps"],
  ];
  for (const [code, expected, words] of table) {
    assert.equal(
      issueMessage(code, "steps[2].addr", 0x4000_0002, expected, "field"),
      `steps[2].addr = 0x40000002: ${words}`,
    );
    assert.equal(issueMessage(code, "cpus", 9, expected, "call"), `cpus(9): ${words}`);
    assert.equal(makeIssue(code, "seed", 1.5, expected).message, `seed = 1.5: ${words}`);
  }
});

Deno.test("rules: a call's refusal shows the value in the call, a field's after an equals sign", () => {
  const explore = refusal(() => resolveExploreOptions({ ram: 5000 }));
  assert.equal(
    explore?.message,
    "explore.ram(5000): invalid value: expected a whole number of 4 KiB pages",
  );
  const field = fieldIssue({ ram: 5000 }, "ram");
  assert.equal(field?.message, "ram = 5000: invalid value: expected a whole number of 4 KiB pages");
  assert.equal(field?.value, 5000);
});
