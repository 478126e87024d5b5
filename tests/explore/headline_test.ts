/**
 * The headline explorations, pinned by goldens: the thread's question
 * (scenarios/explore_escape.ts) and the set/way guests
 * (scenarios/explore_setway.ts), on X-Gene 1 with and without its L3.
 *
 * Regenerate with `deno test -P tests/explore/ -- --update` and review the
 * diff: each answer line is a claim about a policy.
 */

import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import * as escape from "../../scenarios/explore_escape.ts";
import * as setway from "../../scenarios/explore_setway.ts";

const golden = (name: string) => new URL(`./golden/${name}.golden`, import.meta.url);

Deno.test("the thread's question: guests that never use set/way, every hardware choice", async () => {
  const text = await escape.story();
  await assertGolden(text, golden("explore_escape"));
  // The claims the story's last paragraph makes.
  for (const policy of escape.POLICIES) {
    assert.match(text, new RegExp(`class cleans-by-va, ${policy}:`));
  }
  assert.doesNotMatch(text, /class maintains-by-va, /);
  const guests = [
    ...text.matchAll(/, class cleans-by-va, (\S+):\n(?:.*\n){2}\s*\.guest\(\(g\) => (.*)\)\n/g),
  ]
    .map((m) => [m[1], m[2]]);
  assert.equal(guests.length, 10);
  for (const [policy, guest] of guests) {
    // The KVM policies are caught out only once the guest turned its caches on and off
    // again; Xen and trap-nothing already at the first caches-on.
    const kvm = policy.startsWith("kvm");
    assert.equal(guest.startsWith("g.mmuOn().mmuOff().write("), kvm, `${policy}: ${guest}`);
    assert.equal(guest.startsWith("g.write("), !kvm, `${policy}: ${guest}`);
  }
});

Deno.test("guests that use set/way: kvm-3.18 and trap-nothing fail, the others do not", async () => {
  const text = await setway.story();
  await assertGolden(text, golden("explore_setway"));
  const failing = [...text.matchAll(/^Minimal counterexample, (\S+) on /gm)].map((m) => m[1]);
  assert.deepEqual(failing, ["kvm-3.18", "trap-nothing", "kvm-3.18", "trap-nothing"]);
});
